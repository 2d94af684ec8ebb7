/**
 * The paths Sluice takes on brokers without a newer protocol, each on a real broker: a proxy
 * offers only the older request versions (as an older broker would), or the suite runs on an
 * older Kafka (`run-tests.ts --compat --kafka-version 3.6.2`) that has no newer path at all.
 *
 * - KIP-360 (InitProducerId v3+ bumps an open producer's epoch): with it, a transaction whose
 *   batch was sent and never answered is abortable and the producer goes on; without it, the
 *   same is fatal, as in Java's producer (abortableErrorIfPossible).
 * - KIP-890 (transaction.version 2): partitions join the transaction with the transactional
 *   Produce (v12+); without it, with AddPartitionsToTxn.
 * The leader change without KIP-951 hints is in leader-change.test.ts (3 brokers).
 */
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { FatalProducerError, TransactionAbortableError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { brokerApis, proxyTo, recordCoverage } from './support.js'

const covered: Record<string, unknown> = {}
after(() => recordCoverage('fallbacks', covered))

/**
 * A transaction whose only batch is sent and never answered within delivery.timeout.ms; returns
 * the error the transaction ended in, then what a next transaction does (when it can run).
 */
async function unansweredBatch(capVersions: Record<number, number>) {
  const topic = uniqueTopic('compat-kip360')
  await createTopic(topic, 1)
  const proxy = await proxyTo(testBootstrap(), capVersions)
  const producer = new Producer({
    bootstrapServers: proxy.bootstrapServers,
    transactionalId: uniqueTopic('tid'),
    requestTimeoutMs: 1_000,
    deliveryTimeoutMs: 1_500,
    lingerMs: 0,
  })
  try {
    await producer.initTransactions()
    producer.beginTransaction()
    proxy.delayResponses(60_000, ApiKey.Produce)
    const lost = await producer.send({ topic, value: 'never answered' }).then(
      () => null,
      (err: unknown) => err,
    )
    assert.ok(lost instanceof Error, 'the unanswered record fails by delivery.timeout.ms')
    proxy.delayResponses(0)
    const ended = await producer.commitTransaction().then(
      () => null,
      (err: unknown) => err,
    )
    return { topic, proxy, producer, ended, initVersions: [...proxy.versionsSeen(ApiKey.InitProducerId)] }
  } catch (err) {
    await producer.close({ timeoutMs: 5_000 })
    await proxy.close()
    throw err
  }
}

test('with KIP-360: a transaction with an unanswered batch is abortable, and the next one commits', async () => {
  const broker = await brokerApis(testBootstrap())
  assert.ok((broker.ranges.get(ApiKey.InitProducerId)?.[1] ?? 0) >= 3, 'the broker has InitProducerId v3+')
  const { topic, proxy, producer, ended } = await unansweredBatch({})
  try {
    assert.ok(ended instanceof TransactionAbortableError, `abortable, got ${String(ended)}`)
    await producer.abortTransaction()
    await producer.transaction(async (tx) => {
      await tx.send({ topic, value: 'after the abort' })
    })
    const read = await readTopic(testBootstrap(), topic, { isolationLevel: 'read_committed' })
    assert.deepEqual(
      read.map((r) => r.value?.toString()),
      ['after the abort'],
    )
    covered.kip360 = { initProducerIdVersions: [...proxy.versionsSeen(ApiKey.InitProducerId)] }
  } finally {
    await producer.close({ timeoutMs: 5_000 })
    await proxy.close()
  }
})

test('without KIP-360 (InitProducerId v2 at most): the same transaction fails fatally, as in Java', async () => {
  const { topic, proxy, producer, ended, initVersions } = await unansweredBatch({
    [ApiKey.InitProducerId]: 2,
  })
  try {
    assert.deepEqual(initVersions, [2], 'InitProducerId went out at v2')
    // The commit may meet the abortable error before the sender finds the sequence unresolvable
    // (Java's maybeResolveSequences has the same order); the abort can't go on either way.
    assert.ok(
      ended instanceof FatalProducerError || ended instanceof TransactionAbortableError,
      `the commit fails, got ${String(ended)}`,
    )
    await assert.rejects(producer.abortTransaction(), FatalProducerError)
    assert.throws(() => producer.beginTransaction(), FatalProducerError)
    const read = await readTopic(testBootstrap(), topic, { isolationLevel: 'read_committed' })
    assert.deepEqual(read, [], 'nothing committed')
    covered.withoutKip360 = { initProducerIdVersions: initVersions }
  } finally {
    await producer.close({ timeoutMs: 5_000 })
    await proxy.close()
  }
})

test('transactions take the protocol the broker has: KIP-890 (v2) or AddPartitionsToTxn (classic)', async () => {
  const broker = await brokerApis(testBootstrap())
  const v2 = (broker.features.get('transaction.version') ?? 0) >= 2
  const topic = uniqueTopic('compat-txn-protocol')
  await createTopic(topic, 2)
  const proxy = await proxyTo(testBootstrap())
  const producer = new Producer({
    bootstrapServers: proxy.bootstrapServers,
    transactionalId: uniqueTopic('tid'),
  })
  try {
    await producer.initTransactions()
    await producer.transaction(async (tx) => {
      await Promise.all([0, 1].map((partition) => tx.send({ topic, partition, value: `p${partition}` })))
    })
    const addPartitions = proxy.requestsSeen(ApiKey.AddPartitionsToTxn)
    const produce = [...proxy.versionsSeen(ApiKey.Produce)]
    const endTxn = [...proxy.versionsSeen(ApiKey.EndTxn)]
    if (v2) {
      assert.equal(addPartitions, 0, 'no AddPartitionsToTxn with transaction.version 2')
      assert.ok(
        produce.every((v) => v >= 12),
        `transactional Produce v12+ (${produce})`,
      )
      assert.ok(
        endTxn.every((v) => v >= 5),
        `EndTxn v5+ (${endTxn})`,
      )
    } else {
      assert.ok(addPartitions >= 1, 'the partitions joined with AddPartitionsToTxn')
      assert.ok(
        endTxn.every((v) => v <= 4),
        `EndTxn v4 at most (${endTxn})`,
      )
    }
    const read = await readTopic(testBootstrap(), topic, { isolationLevel: 'read_committed' })
    assert.deepEqual(read.map((r) => r.value?.toString()).sort(), ['p0', 'p1'])
    covered.transactions = {
      protocol: v2 ? 'v2 (KIP-890)' : 'classic',
      addPartitionsToTxn: addPartitions,
      produceVersions: produce,
      endTxnVersions: endTxn,
    }
  } finally {
    await producer.close()
    await proxy.close()
  }
})

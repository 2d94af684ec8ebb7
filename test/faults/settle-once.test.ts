/**
 * Every record settles exactly once, by delivery.timeout.ms at the latest, whatever throws where:
 * a broker with no Produce version in common, and a throw injected at each step a batch goes
 * through between its queue and its completion (the code a bug would be in). Each case checks
 * that every record's callback or promise settled once, that close() returns, and that nothing
 * escaped as an uncaught exception or unhandled rejection.
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { KafkaError, UnsupportedVersionError } from '../../src/errors.js'
import { BrokerConnection } from '../../src/network/broker-connection.js'
import { PartitionQueue } from '../../src/producer/partition-queue.js'
import { Producer } from '../../src/producer/producer.js'
import { ProducerBatch } from '../../src/producer/producer-batch.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import { TransactionManager } from '../../src/producer/txn/transaction-manager.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { FakeError, startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT, within } from './support.js'

const RECORDS = 40
/** Far below TEST_TIMEOUT: a record still unsettled after it is a hang, not a slow run. */
const DELIVERY_TIMEOUT_MS = 4_000

interface Outcomes {
  /** Per record: how many times its callback or promise settled. */
  calls: number[]
  errors: unknown[]
  delivered: RecordMetadata[]
  /** Resolves once every record settled at least once. */
  all: Promise<void>
}

/** Sends RECORDS records to t-0 and t-1, half through callbacks and half through promises. */
function sendAll(producer: Producer): Outcomes {
  const calls = new Array<number>(RECORDS).fill(0)
  const errors: unknown[] = []
  const delivered: RecordMetadata[] = []
  const settled: Promise<void>[] = []
  for (let i = 0; i < RECORDS; i++) {
    const record = { topic: 't', partition: i % 2, value: `v-${i}` }
    const note = (err: unknown, md: RecordMetadata | null) => {
      calls[i]!++
      if (err === null || err === undefined) delivered.push(md!)
      else errors.push(err)
    }
    if (i % 4 < 2) {
      settled.push(
        new Promise<void>((resolve) => {
          producer.send(record, (err, md) => {
            note(err, md)
            resolve()
          })
        }),
      )
    } else {
      settled.push(
        producer.send(record).then(
          (md) => note(null, md),
          (err: unknown) => note(err, null),
        ),
      )
    }
  }
  return { calls, errors, delivered, all: Promise.all(settled).then(() => {}) }
}

/** Replaces `proto[name]` so that its `nth` call (1-based) throws `err`; returns the undo. */
function throwOnCall(proto: object, name: string, nth: number, err: Error): () => void {
  const target = proto as Record<string, unknown>
  const original = target[name] as (...args: unknown[]) => unknown
  let calls = 0
  target[name] = function (this: unknown, ...args: unknown[]) {
    if (++calls === nth) throw err
    return original.apply(this, args)
  }
  return () => {
    target[name] = original
  }
}

const escaped: unknown[] = []
const onEscape = (err: unknown) => escaped.push(err)
beforeEach(() => {
  escaped.length = 0
  process.on('uncaughtException', onEscape)
  process.on('unhandledRejection', onEscape)
})
afterEach(() => {
  process.off('uncaughtException', onEscape)
  process.off('unhandledRejection', onEscape)
})

async function assertSettledOnce(
  producer: Producer,
  out: Outcomes,
  what: string,
  injected: Error | null = null,
): Promise<void> {
  await within(out.all, `every record of "${what}"`, TEST_TIMEOUT / 2)
  await within(producer.close(), `close() after "${what}"`, TEST_TIMEOUT / 2)
  // Give a late second settlement the chance to show.
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(
    out.calls.map((n, i) => [i, n]).filter(([, n]) => n !== 1),
    [],
    'records settled other than exactly once ([record, times])',
  )
  assert.equal(out.errors.length + out.delivered.length, RECORDS)
  for (const e of out.errors)
    assert.ok(
      e instanceof KafkaError || e === injected,
      `a KafkaError or the injected error, not ${String(e)}`,
    )
  assert.deepEqual(escaped, [], 'nothing escaped as an uncaught exception or unhandled rejection')
}

describe('a broker with no Produce version in common', () => {
  for (const enableIdempotence of [false, true]) {
    test(`records fail with UnsupportedVersionError at once and close() returns (idempotence ${enableIdempotence ? 'on' : 'off'})`, {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({
        topics: [{ name: 't', partitions: 2 }],
        apiVersions: { [ApiKey.Produce]: null },
      })
      const producer = new Producer({
        ...QUICK,
        bootstrapServers: cluster.bootstrapServers,
        enableIdempotence,
        acks: enableIdempotence ? 'all' : 1,
        deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
      })
      try {
        const out = sendAll(producer)
        await assertSettledOnce(producer, out, 'no Produce version')
        assert.equal(out.delivered.length, 0)
        const first = out.errors[0]
        assert.ok(first instanceof UnsupportedVersionError, String(first))
        assert.equal(first.code, 'UNSUPPORTED_VERSION')
        assert.equal(first.retriable, false)
        assert.match(first.message, /supports Produce not at all; Sluice needs v3-v13/)
        assert.equal(cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).length, 0)
      } finally {
        await producer.close()
        await cluster.close()
      }
    })
  }

  test('transactions v1 caps Produce at v11: a broker speaking only v12-v13 is refused, not sent v11', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      topics: [{ name: 't', partitions: 2 }],
      apiVersions: { [ApiKey.Produce]: { min: 12, max: 13 } },
      transactionVersion: 0,
    })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      transactionalId: 'settle-once-v1',
      deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    })
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      const out = sendAll(producer)
      await within(out.all, 'every record', TEST_TIMEOUT / 2)
      assert.equal(out.delivered.length, 0)
      assert.ok(out.errors.every((e) => e instanceof KafkaError))
      assert.ok(
        out.errors.some((e) => e instanceof UnsupportedVersionError && /v3-v11/.test(e.message)),
        `an UnsupportedVersionError naming v3-v11 among: ${out.errors.map(String).slice(0, 3).join('; ')}`,
      )
      assert.deepEqual(
        out.calls.filter((n) => n !== 1),
        [],
      )
      assert.deepEqual(cluster.broker(0).protocolErrors, [], 'no request at a version the broker refuses')
      await assert.rejects(producer.commitTransaction(), KafkaError)
    } finally {
      await within(producer.close(), 'close()', TEST_TIMEOUT / 2)
      await cluster.close()
    }
  })
})

interface Injection {
  what: string
  inject: (err: Error) => () => void
  /** Set up the fake cluster for the step to be reached. */
  arrange?: (cluster: Awaited<ReturnType<typeof startFakeCluster>>) => void
  idempotence?: boolean
}

const injections: Injection[] = [
  {
    what: 'framing a batch (ProducerBatch.encode)',
    inject: (err) => throwOnCall(ProducerBatch.prototype, 'encode', 2, err),
  },
  {
    what: 'handing the request to the connection (BrokerConnection.sendAt)',
    inject: (err) => throwOnCall(BrokerConnection.prototype, 'sendAt', 1, err),
  },
  {
    what: 'choosing the Produce version (BrokerConnection.versionOf)',
    inject: (err) => throwOnCall(BrokerConnection.prototype, 'versionOf', 1, err),
    idempotence: false,
  },
  {
    what: 'stamping a sequence (TransactionManager.stamp)',
    inject: (err) => throwOnCall(TransactionManager.prototype, 'stamp', 2, err),
    idempotence: true,
  },
  {
    what: 'handling a success (TransactionManager.onCompleted)',
    inject: (err) => throwOnCall(TransactionManager.prototype, 'onCompleted', 1, err),
    idempotence: true,
  },
  {
    what: 'putting a batch back for a retry (PartitionQueue.requeue)',
    inject: (err) => throwOnCall(PartitionQueue.prototype, 'requeue', 1, err),
    arrange: (cluster) => cluster.failPartition('t', 0, FakeError.NOT_ENOUGH_REPLICAS, { times: 2 }),
  },
  {
    what: 'taking the head of a queue (PartitionQueue.takeHead)',
    inject: (err) => throwOnCall(PartitionQueue.prototype, 'takeHead', 2, err),
  },
]

describe('a throw at any step of a batch settles every record once', () => {
  for (const c of injections) {
    test(c.what, { timeout: TEST_TIMEOUT }, async () => {
      const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 2 }] })
      const idempotence = c.idempotence ?? true
      const producer = new Producer({
        ...QUICK,
        bootstrapServers: cluster.bootstrapServers,
        enableIdempotence: idempotence,
        acks: idempotence ? 'all' : 1,
        batchSize: 200, // several batches per partition, several requests
        deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
      })
      const bug = new Error(`injected: ${c.what}`)
      let undo: (() => void) | null = null
      try {
        // Metadata (and the producer id) first, so the throw lands in the send path.
        await producer.send({ topic: 't', partition: 0, value: 'warm' })
        c.arrange?.(cluster)
        undo = c.inject(bug)
        const out = sendAll(producer)
        await assertSettledOnce(producer, out, c.what, bug)
        assert.ok(out.errors.length > 0, 'the injected throw failed something')
      } finally {
        undo?.()
        await producer.close()
        await cluster.close()
      }
    })
  }
})

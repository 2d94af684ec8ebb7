/**
 * Transactional producer against the fake cluster's coordinators, for what a real broker gives
 * only by accident: CONCURRENT_TRANSACTIONS while the previous transaction completes, the
 * coordinator moving mid-transaction, a coordinator-side timeout that fences the producer, the
 * coordinator forgetting the producer id, and epoch exhaustion with transactions v2. Each runs
 * with transactions v2 and with the classic protocol where both apply.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  KafkaError,
  ProducerFencedError,
  SerializationError,
  TransactionAbortableError,
} from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'
import { type FakeCluster, startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from './support.js'

const TXN = 'txn-1'

function committedValues(cluster: FakeCluster, topic: string, partitions: number): string[] {
  const out: string[] = []
  for (let p = 0; p < partitions; p++) {
    for (const r of cluster.readCommitted(topic, p)) out.push(r.value?.toString() ?? '<null>')
  }
  return out.sort()
}

function producerFor(cluster: FakeCluster): Producer {
  return new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, transactionalId: TXN })
}

async function sendIn(p: Producer, topic: string, values: string[]): Promise<void> {
  await Promise.all(values.map((v, i) => p.send({ topic, partition: i % 2, value: v })))
}

for (const transactionVersion of [2, 0] as const) {
  const label = transactionVersion === 2 ? 'transactions v2' : 'classic protocol'
  describe(`transactional producer on the fake coordinator (${label})`, () => {
    test('CONCURRENT_TRANSACTIONS while the previous transaction completes: retried, both commit', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({
        brokers: 1,
        topics: [{ name: 't', partitions: 2 }],
        transactionVersion,
      })
      const p = producerFor(cluster)
      try {
        await p.initTransactions()
        cluster.setTransactionCompletionDelay(300)
        p.beginTransaction()
        await sendIn(p, 't', ['first-0', 'first-1'])
        await p.commitTransaction()
        // The markers are still being written: the next transaction meets CONCURRENT_TRANSACTIONS.
        p.beginTransaction()
        await sendIn(p, 't', ['second-0', 'second-1'])
        await p.commitTransaction()
        cluster.setTransactionCompletionDelay(0)
        cluster.completeTransactions()
        assert.deepEqual(committedValues(cluster, 't', 2), ['first-0', 'first-1', 'second-0', 'second-1'])
        const busy = cluster.requests.filter(
          (r) =>
            (r.apiKey === ApiKey.AddPartitionsToTxn ||
              r.apiKey === ApiKey.Produce ||
              r.apiKey === ApiKey.EndTxn) &&
            r.transactionalId === TXN,
        )
        assert.ok(busy.length > 0)
      } finally {
        await p.close()
        await cluster.close()
      }
    })

    test('the coordinator moves mid-transaction: NOT_COORDINATOR, looked up again, committed', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({
        brokers: 3,
        topics: [{ name: 't', partitions: 2 }],
        transactionVersion,
      })
      const p = producerFor(cluster)
      try {
        await p.initTransactions()
        const before = cluster.coordinatorOf('txn', TXN)
        p.beginTransaction()
        await sendIn(p, 't', ['a', 'b'])
        const after = cluster.moveCoordinator('txn', TXN)
        assert.notEqual(after, before)
        await sendIn(p, 't', ['c', 'd'])
        await p.commitTransaction()
        assert.deepEqual(committedValues(cluster, 't', 2), ['a', 'b', 'c', 'd'])
        const lookups = cluster.requests.filter((r) => r.apiKey === ApiKey.FindCoordinator)
        assert.ok(lookups.length >= 2, 'the coordinator was looked up again')
      } finally {
        await p.close()
        await cluster.close()
      }
    })

    test('the coordinator times the transaction out (epoch bump): the producer is fenced', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({
        brokers: 1,
        topics: [{ name: 't', partitions: 2 }],
        transactionVersion,
      })
      const p = producerFor(cluster)
      try {
        await p.initTransactions()
        p.beginTransaction()
        await sendIn(p, 't', ['late-0', 'late-1'])
        assert.ok(cluster.timeOutTransaction(TXN))
        await assert.rejects(p.commitTransaction(), ProducerFencedError)
        assert.throws(() => p.beginTransaction(), ProducerFencedError)
        assert.deepEqual(committedValues(cluster, 't', 2), [])
      } finally {
        await p.close()
        await cluster.close()
      }
    })

    test('CONCURRENT_TRANSACTIONS and COORDINATOR_LOAD_IN_PROGRESS on InitProducerId and EndTxn are retried', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({
        brokers: 1,
        topics: [{ name: 't', partitions: 2 }],
        transactionVersion,
      })
      cluster.addRule({
        apiKey: ApiKey.InitProducerId,
        times: 2,
        errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
      })
      cluster.addRule({ apiKey: ApiKey.EndTxn, times: 2, errorCode: ErrorCode.CONCURRENT_TRANSACTIONS })
      const p = producerFor(cluster)
      try {
        await p.initTransactions()
        p.beginTransaction()
        await sendIn(p, 't', ['x', 'y'])
        await p.commitTransaction()
        assert.deepEqual(committedValues(cluster, 't', 2), ['x', 'y'])
        assert.equal(cluster.requests.filter((r) => r.apiKey === ApiKey.EndTxn).length, 3)
      } finally {
        await p.close()
        await cluster.close()
      }
    })

    test('a record that fails before reaching a batch (serializer) makes the transaction abortable', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({
        brokers: 1,
        topics: [{ name: 't', partitions: 2 }],
        transactionVersion,
      })
      const p = producerFor(cluster)
      try {
        await p.initTransactions()
        p.beginTransaction()
        await sendIn(p, 't', ['kept-0'])
        // The default serializer takes bytes or strings, not numbers.
        await assert.rejects(p.send({ topic: 't', value: 42 as unknown as string }), SerializationError)
        await assert.rejects(p.commitTransaction(), TransactionAbortableError)
        await p.abortTransaction()
        p.beginTransaction()
        await sendIn(p, 't', ['after-0', 'after-1'])
        await p.commitTransaction()
        assert.deepEqual(committedValues(cluster, 't', 2), ['after-0', 'after-1'])
      } finally {
        await p.close()
        await cluster.close()
      }
    })

    test('a fatal coordinator answer (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) fails initTransactions for good', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({
        brokers: 1,
        topics: [{ name: 't', partitions: 1 }],
        transactionVersion,
      })
      cluster.addRule({
        apiKey: ApiKey.InitProducerId,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      })
      const p = producerFor(cluster)
      try {
        const err = await p.initTransactions().then(
          () => null,
          (e: unknown) => e,
        )
        assert.ok(err instanceof KafkaError)
        assert.equal(err.retriable, false)
        assert.match(err.message, /TRANSACTIONAL_ID_AUTHORIZATION_FAILED/)
        assert.throws(() => p.beginTransaction(), /fatal/)
      } finally {
        await p.close()
        await cluster.close()
      }
    })
  })
}

describe('transactional producer: lost producer id and epoch exhaustion', () => {
  test('the coordinator forgot the producer id: commit fails abortable, abort re-initializes, the next transaction commits', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      brokers: 1,
      topics: [{ name: 't', partitions: 2 }],
      transactionVersion: 0,
    })
    const p = producerFor(cluster)
    try {
      await p.initTransactions()
      p.beginTransaction()
      await sendIn(p, 't', ['lost-0', 'lost-1'])
      assert.ok(cluster.expireTransactionalId(TXN))
      await assert.rejects(p.commitTransaction(), TransactionAbortableError)
      await p.abortTransaction()
      p.beginTransaction()
      await sendIn(p, 't', ['next-0', 'next-1'])
      await p.commitTransaction()
      // (The fake keeps the forgotten transaction open, so look at each record's fate rather than
      // at what read_committed would see.)
      const fates = [0, 1].flatMap((part) =>
        cluster.log('t', part).map((r) => `${r.value?.toString()}:${r.txnState}`),
      )
      assert.deepEqual(fates.filter((f) => f.startsWith('next')).sort(), [
        'next-0:committed',
        'next-1:committed',
      ])
      assert.ok(!fates.some((f) => f.startsWith('lost') && f.endsWith(':committed')))
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('transactions v2 at the last epoch: EndTxn hands out a new producer id and the producer goes on', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      brokers: 1,
      topics: [{ name: 't', partitions: 2 }],
      transactionVersion: 2,
    })
    const p = producerFor(cluster)
    try {
      await p.initTransactions()
      const first = cluster.transaction(TXN)!
      cluster.setTransactionEpoch(TXN, 32766)
      // The producer does not know its epoch moved: fenced. A fresh producer starts at 32766+.
      await p.close()
      const q = producerFor(cluster)
      try {
        await q.initTransactions()
        for (let i = 0; i < 3; i++) {
          q.beginTransaction()
          await sendIn(q, 't', [`round-${i}-0`, `round-${i}-1`])
          await q.commitTransaction()
        }
        const now = cluster.transaction(TXN)!
        assert.notEqual(now.producerId, first.producerId, 'a new producer id after the epoch ran out')
        assert.deepEqual(committedValues(cluster, 't', 2), [
          'round-0-0',
          'round-0-1',
          'round-1-0',
          'round-1-1',
          'round-2-0',
          'round-2-1',
        ])
      } finally {
        await q.close()
      }
    } finally {
      await cluster.close()
    }
  })
})

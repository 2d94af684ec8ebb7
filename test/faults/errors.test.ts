/**
 * The Producer against per-partition broker errors: a moved leader, retriable and fatal codes,
 * and the sequence errors idempotence produces when an earlier batch fails while later ones are
 * in flight.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BrokerError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { FakeError, startFakeCluster } from '../fakes/fake-broker.js'
import {
  assertAcknowledgedInLog,
  assertAllFulfilled,
  fulfilled,
  logValues,
  QUICK,
  records,
  rejected,
  sendAll,
  TEST_TIMEOUT,
} from './support.js'

const touches = (partitions: { topic: string; partition: number }[], partition: number) =>
  partitions.some((p) => p.topic === 't' && p.partition === partition)

describe('broker errors', () => {
  for (const leaderHints of [true, false]) {
    test(`NOT_LEADER_OR_FOLLOWER after the leader moved (${leaderHints ? 'with a KIP-951 leader hint' : 'no hint: metadata refresh'}): that partition goes to the new leader, the other is untouched`, {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({
        brokers: 2,
        topics: [{ name: 't', partitions: 2, leaders: [0, 0] }],
        leaderHints,
      })
      const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
      try {
        const warm = await sendAll(producer, records('t', 'warm', 2, [0, 1]))
        assertAllFulfilled(warm)
        const mark = cluster.requests.length
        cluster.moveLeader('t', 0, 1)
        const sent = await sendAll(producer, records('t', 'moved', 10, [0, 1]))
        assertAllFulfilled(sent)
        assertAcknowledgedInLog(cluster, [...warm, ...sent], 'once')

        const produces = cluster.requests.slice(mark).filter((r) => r.apiKey === ApiKey.Produce)
        const first = produces[0]!
        assert.equal(first.broker, 0, 'the first request went to the old leader')
        assert.ok(touches(first.partitions, 0) && touches(first.partitions, 1), 'with both partitions in it')
        assert.equal(produces.filter((r) => touches(r.partitions, 1)).length, 1, 'partition 1 was sent once')
        const last = produces.at(-1)!
        assert.equal(last.broker, 1, 'partition 0 ended up at the new leader')
        assert.deepEqual(last.partitions, [{ topic: 't', partition: 0 }])
        for (const r of cluster.log('t', 0).slice(1))
          assert.equal(r.leaderEpoch, 1, 'appended under the new epoch')
        // Only partition 0's five records were retried (possibly more than once, if a retry beat
        // the metadata refresh); never partition 1's.
        const retried = producer.metrics()['record-retry-total']!
        assert.ok(retried >= 5 && retried % 5 === 0, `record-retry-total ${retried}`)
        if (!leaderHints) {
          assert.ok(
            cluster.requests.slice(mark).some((r) => r.apiKey === ApiKey.Metadata),
            'without a hint, metadata was refreshed to find the new leader',
          )
        }
      } finally {
        await producer.close()
        await cluster.close()
      }
    })
  }

  test('a retriable code (NOT_ENOUGH_REPLICAS) 3 times, then success: delivered once, retries counted', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    cluster.failPartition('t', 0, FakeError.NOT_ENOUGH_REPLICAS, { times: 3 })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const sent = await sendAll(producer, records('t', 'ner', 8, [0, 1]))
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, sent, 'once')
      // One batch of 4 records on partition 0, sent 4 times.
      assert.equal(producer.metrics()['record-retry-total'], 12)
      assert.equal(producer.metrics()['record-error-total'], 0)
      const produces = cluster.requests.filter((r) => r.apiKey === ApiKey.Produce)
      assert.equal(produces.filter((r) => touches(r.partitions, 0)).length, 4)
      assert.equal(produces.filter((r) => touches(r.partitions, 1)).length, 1)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('a non-retriable code (INVALID_RECORD) fails only that partition’s records, with a BrokerError', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    cluster.failPartition('t', 0, FakeError.INVALID_RECORD, {
      times: 1,
      errorMessage: 'no key on a compacted topic',
    })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const sent = await sendAll(producer, records('t', 'invalid', 8, [0, 1]))
      const failed = rejected(sent)
      assert.deepEqual(
        failed.map((f) => f.partition),
        [0, 0, 0, 0],
      )
      for (const f of failed) {
        assert.ok(f.reason instanceof BrokerError, `got ${String(f.reason)}`)
        assert.equal(f.reason.code, 'INVALID_RECORD')
        assert.equal(f.reason.errorCode, FakeError.INVALID_RECORD)
        assert.equal(f.reason.retriable, false)
        assert.match(f.reason.message, /no key on a compacted topic/)
      }
      assert.deepEqual(
        fulfilled(sent).map((s) => s.partition),
        [1, 1, 1, 1],
      )
      assertAcknowledgedInLog(cluster, sent, 'once')
      assert.deepEqual(logValues(cluster, 't', 0), [])
      assert.equal(producer.metrics()['record-retry-total'], 0, 'a fatal error is not retried')
      assert.equal(producer.metrics()['record-error-total'], 4)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('after a non-retriable error, later records to the same partition are delivered (Java adjusts sequences)', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // Java: TransactionManager.handleFailedBatch -> adjustSequencesDueToFailedBatch, so the
    // partition's next batch reuses the failed batch's sequence; the broker sees no gap.
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const warm = await sendAll(producer, records('t', 'warm', 2, [0]))
      assertAllFulfilled(warm)
      cluster.failPartition('t', 0, FakeError.INVALID_RECORD, { times: 1 })
      const bad = await sendAll(producer, records('t', 'bad', 2, [0]))
      assert.equal(rejected(bad).length, 2)
      const later = await sendAll(producer, records('t', 'later', 2, [0]))
      assertAllFulfilled(later)
      assertAcknowledgedInLog(cluster, [...warm, ...later], 'once')
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('OUT_OF_ORDER_SEQUENCE_NUMBER behind a retriable failure, 5 requests in flight: all exactly once, in order', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    // Small batches: one or two records each, one batch per request.
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      batchSize: 150,
      maxInFlightRequestsPerConnection: 5,
    })
    try {
      // The broker must know the producer already: for an unknown producer id, Kafka (and the
      // fake) accepts any sequence.
      const warm = await sendAll(producer, records('t', 'warm', 1, [0]))
      assertAllFulfilled(warm)
      const mark = cluster.requests.length
      // The burst's first request fails retriably (nothing appended); the ones pipelined behind
      // it then carry sequences past a gap: OUT_OF_ORDER_SEQUENCE_NUMBER.
      cluster.failPartition('t', 0, FakeError.NOT_ENOUGH_REPLICAS, { times: 1 })
      const burst = records('t', 'burst', 60, [0]).map((s) => ({ ...s, value: s.value.padEnd(60, '.') }))
      const sent = await sendAll(producer, burst)
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, [...warm, ...sent], 'once')
      assert.deepEqual(
        logValues(cluster, 't', 0),
        [...warm, ...sent].map((s) => s.value),
      )
      const produces = cluster.requests.slice(mark).filter((r) => r.apiKey === ApiKey.Produce)
      const sameConnection = produces.filter((r) => r.connectionId === produces[0]!.connectionId)
      assert.ok(sameConnection.length >= 5, 'several requests were pipelined')
      // More than the first batch was retried: the batches behind it got OUT_OF_ORDER_SEQUENCE_NUMBER.
      const firstBatchRecords = 2
      assert.ok(
        producer.metrics()['record-retry-total']! > firstBatchRecords,
        `record-retry-total ${producer.metrics()['record-retry-total']}`,
      )
      assert.equal(producer.metrics()['record-error-total'], 0)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('CLUSTER_AUTHORIZATION_FAILED on the idempotent InitProducerId: fatal, and the error says to grant IdempotentWrite or turn idempotence off', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.InitProducerId, errorCode: FakeError.CLUSTER_AUTHORIZATION_FAILED })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const sent = await sendAll(producer, records('t', 'denied', 3, [0]))
      const failed = rejected(sent)
      assert.equal(failed.length, sent.length, 'every record failed')
      for (const { reason } of failed) {
        const err = reason as BrokerError
        assert.equal((err as BrokerError).code, 'CLUSTER_AUTHORIZATION_FAILED', String(err))
        assert.match(err.message, /IdempotentWrite/)
        assert.match(err.message, /enable\.idempotence=false/)
      }
      assert.equal(
        cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).length,
        0,
        'nothing was produced without a producer id',
      )
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

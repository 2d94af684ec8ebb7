/**
 * The idempotent producer's answers to the sequence errors a real broker gives only in rare
 * failures (fake broker): a sequence gap (OUT_OF_ORDER_SEQUENCE_NUMBER on the next-in-line
 * batch) bumps the epoch locally and rewrites sequences from 0 (KIP-360), UNKNOWN_PRODUCER_ID
 * is retried, DUPLICATE_SEQUENCE_NUMBER counts as success, INVALID_PRODUCER_EPOCH fails only
 * that batch. In every case nothing is written twice and later records flow.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import {
  assertAcknowledgedInLog,
  assertAllFulfilled,
  logValues,
  QUICK,
  records,
  rejected,
  sendAll,
  TEST_TIMEOUT,
} from './support.js'

describe('idempotence: sequence errors', () => {
  test('OUT_OF_ORDER_SEQUENCE_NUMBER on the next expected batch: epoch bumped, sequences from 0, exactly once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const warm = await sendAll(producer, records('t', 'warm', 3, [0]))
      assertAllFulfilled(warm)
      cluster.failPartition('t', 0, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
      const gap = await sendAll(producer, records('t', 'gap', 3, [0]))
      assertAllFulfilled(gap)
      const later = await sendAll(producer, records('t', 'later', 2, [0]))
      assertAllFulfilled(later)
      assertAcknowledgedInLog(cluster, [...warm, ...gap, ...later], 'once')
      const log = cluster.log('t', 0)
      const epochs = log.map((r) => `${r.value?.toString()}@${r.producerEpoch}/${r.sequence}`)
      // Same producer id throughout; the refused batch went again as epoch 1, sequence 0.
      assert.equal(new Set(log.map((r) => r.producerId)).size, 1)
      assert.deepEqual(epochs, [
        'warm-0@0/0',
        'warm-1@0/1',
        'warm-2@0/2',
        'gap-0@1/0',
        'gap-1@1/1',
        'gap-2@1/2',
        'later-0@1/3',
        'later-1@1/4',
      ])
      assert.equal(producer.metrics()['epoch-bump-total'], 1, 'one epoch bump, counted')
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('the first batch of a new producer refused (retriable) while the next is in flight: no sequence race', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // A broker with no state for a producer accepts its first batch at any sequence (Kafka's
    // ProducerAppendInfo). If batch 0 is refused and batch 1, already in flight, lands first,
    // batch 0 could never be written. Until a partition has an acknowledged batch, the producer
    // keeps one batch in flight there.
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, batchSize: 200 })
    try {
      cluster.failPartition('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS)
      const sent = await sendAll(producer, records('t', 'first', 20, [0]))
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, sent, 'once')
      assert.equal(cluster.log('t', 0)[0]?.sequence, 0)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('UNKNOWN_PRODUCER_ID without a log start offset: retried, written once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      cluster.failPartition('t', 1, ErrorCode.UNKNOWN_PRODUCER_ID, { times: 2 })
      const sent = await sendAll(producer, records('t', 'r', 10, [0, 1]))
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, sent, 'once')
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('DUPLICATE_SEQUENCE_NUMBER counts as success (the broker already has the batch)', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      cluster.failPartition('t', 0, ErrorCode.DUPLICATE_SEQUENCE_NUMBER)
      const dup = await sendAll(producer, records('t', 'dup', 2, [0]))
      assertAllFulfilled(dup)
      const later = await sendAll(producer, records('t', 'later', 2, [0]))
      assertAllFulfilled(later)
      // The fake did not append the "duplicate"; the producer moved on without resending it.
      assert.deepEqual(logValues(cluster, 't', 0), ['later-0', 'later-1'])
      assert.equal(producer.metrics()['record-error-total'], 0)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('INVALID_PRODUCER_EPOCH fails that batch alone; later records are delivered once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const warm = await sendAll(producer, records('t', 'warm', 2, [0]))
      assertAllFulfilled(warm)
      cluster.failPartition('t', 0, ErrorCode.INVALID_PRODUCER_EPOCH)
      const refused = await sendAll(producer, records('t', 'refused', 2, [0]))
      assert.equal(rejected(refused).length, 2)
      const later = await sendAll(producer, records('t', 'later', 3, [0]))
      assertAllFulfilled(later)
      assertAcknowledgedInLog(cluster, [...warm, ...later], 'once')
      assert.deepEqual(logValues(cluster, 't', 0), ['warm-0', 'warm-1', 'later-0', 'later-1', 'later-2'])
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

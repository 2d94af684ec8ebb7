/**
 * The producer's metrics against hand computations on known workloads (known-workload.ts: ten
 * 17-byte records in one 231-byte batch), through a fake broker whose requests the test can count
 * and whose answers it can shape.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  BufferExhaustedError,
  InvalidRecordError,
  RecordTooLargeError,
  SerializationError,
} from '../../src/errors.js'
import type { Metric } from '../../src/metrics/registry.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'
import { BATCH_BYTES, RECORD_BYTES, tenRecords } from './known-workload.js'

function find(
  all: readonly Metric[],
  group: string,
  name: string,
  tags: Record<string, string> = {},
): number {
  const m = all.find(
    (x) => x.group === group && x.name === name && Object.entries(tags).every(([k, v]) => x.tags[k] === v),
  )
  assert.ok(m !== undefined, `no metric ${group}:${name} ${JSON.stringify(tags)}`)
  return m.value
}

describe('producer metrics on a known workload', () => {
  test('one batch of ten records: sizes, counts, ratios and the network totals', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      clientId: 'metrics-test',
      lingerMs: 5000,
      bufferMemory: 1 << 20,
    })
    try {
      const started = Date.now()
      await tenRecords(producer, 't')
      const elapsed = Date.now() - started
      const m = producer.metrics()
      assert.equal(m['record-send-total'], 10)
      assert.equal(m['records-per-request-avg'], 10)
      assert.equal(m['batch-size-avg'], BATCH_BYTES)
      assert.equal(m['batch-size-max'], BATCH_BYTES)
      assert.equal(m['record-size-max'], RECORD_BYTES)
      assert.equal(m['record-size-avg'], RECORD_BYTES)
      assert.equal(m['compression-rate-avg'], 1)
      assert.equal(m['record-retry-total'], 0)
      assert.equal(m['record-error-total'], 0)
      assert.equal(m['batch-split-total'], 0)
      assert.equal(m['buffer-total-bytes'], 1 << 20)
      assert.equal(m['buffer-available-bytes'], 1 << 20, 'the completed batch gave its memory back')
      assert.equal(m['waiting-threads'], 0)
      assert.equal(m['requests-in-flight'], 0)
      assert.equal(m['buffer-exhausted-total'], 0)
      // The queue time of the one batch: from its first record to its drain, within the test.
      assert.ok(m['record-queue-time-max']! >= 0 && m['record-queue-time-max']! <= elapsed)
      assert.equal(m['record-queue-time-avg'], m['record-queue-time-max'])
      assert.ok(m['request-latency-max']! >= 0 && m['request-latency-max']! <= elapsed)
      assert.equal(m['produce-throttle-time-max'], 0)
      assert.ok(m['flush-time-ns-total']! > 0)
      assert.ok(m['metadata-wait-time-ns-total']! > 0, 'the records waited for the topic')
      // A rate is its windowed sum over at least one 30 s window (2 samples): 10 records over
      // (elapsed since the first record + 30 s).
      const rate = m['record-send-rate']!
      assert.ok(rate <= 10 / 30 && rate >= 10 / ((elapsed + 30_000) / 1000), `record-send-rate ${rate}`)

      // The network layer counts every request the broker got from us, and every answer.
      const ours = cluster.requests.filter((r) => r.clientId === 'metrics-test')
      assert.equal(m['request-total'], ours.length)
      assert.equal(m['response-total'], ours.length)
      assert.equal(m['connection-creation-total'], 1)
      assert.equal(m['connection-count'], 1)
      // Every byte the broker read from our socket, and every byte it wrote to it (frames with
      // their 4-byte size, as Java counts them).
      assert.equal(m['outgoing-byte-total'], cluster.brokers[0]!.bytesReceived)
      assert.equal(m['incoming-byte-total'], cluster.brokers[0]!.bytesSent)
      assert.ok(m['outgoing-byte-total']! > BATCH_BYTES)
      assert.equal(m['request-size-max']! >= BATCH_BYTES, true)
      // Aggregates that must agree with each other, by their definitions.
      assert.equal(m['request-size-avg'], m['outgoing-byte-total']! / m['request-total']!)
      assert.ok(m['network-io-total']! >= 2, 'at least one socket write and one read')
      assert.ok(m['metadata-age']! >= 0 && m['metadata-age']! <= elapsed / 1000 + 1)
      assert.equal(m['epoch-bump-total'], 0)
      assert.equal(m['successful-authentication-total'], 0, 'no SASL here')
      for (const txn of ['txn-init', 'txn-begin', 'txn-send-offsets', 'txn-commit', 'txn-abort'])
        assert.equal(m[`${txn}-time-ns-total`], 0)

      const all = producer.allMetrics()
      const topic = { 'client-id': 'metrics-test', topic: 't' }
      assert.equal(find(all, 'producer-topic-metrics', 'record-send-total', topic), 10)
      assert.equal(find(all, 'producer-topic-metrics', 'byte-total', topic), BATCH_BYTES)
      assert.equal(find(all, 'producer-topic-metrics', 'compression-rate', topic), 1)
      assert.equal(find(all, 'producer-topic-metrics', 'record-error-total', topic), 0)
      // The bootstrap address turned out to be node 0: the requests after that count for node-0,
      // those before for node--1, and together they are the client's.
      const node0 = { 'client-id': 'metrics-test', 'node-id': 'node-0' }
      const boot = { 'client-id': 'metrics-test', 'node-id': 'node--1' }
      const produces = ours.filter((r) => r.apiKey === ApiKey.Produce).length
      assert.equal(produces, 1)
      assert.ok(find(all, 'producer-node-metrics', 'request-total', node0) >= produces)
      assert.equal(
        find(all, 'producer-node-metrics', 'request-total', node0) +
          find(all, 'producer-node-metrics', 'request-total', boot),
        ours.length,
      )
      assert.equal(find(all, 'producer-node-metrics', 'request-latency-max', node0), m['request-latency-max'])
      assert.ok(find(all, 'app-info', 'start-time-ms', { 'client-id': 'metrics-test' }) >= started - 1000)
      for (const x of all) {
        assert.equal(typeof x.description, 'string')
        assert.ok(x.description.length > 0, `${x.group}:${x.name} has a description`)
      }
    } finally {
      await producer.close()
      await cluster.close()
    }
    // Read after close: the one connection was closed, and counted.
    const closed = producer.metrics()
    assert.equal(closed['connection-close-total'], 1)
    assert.equal(closed['connection-count'], 0)
  })

  test('a retried batch counts as sent twice and retried once; a failed one as errors, per topic too', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      brokers: 1,
      topics: [
        { name: 'r', partitions: 1 },
        { name: 'f', partitions: 1 },
      ],
    })
    cluster.failPartition('r', 0, 6) // NOT_LEADER_OR_FOLLOWER once: retriable
    cluster.failPartition('f', 0, 87, { times: Number.POSITIVE_INFINITY }) // INVALID_RECORD: fatal
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, lingerMs: 5000 })
    try {
      await tenRecords(producer, 'r')
      await assert.rejects(tenRecords(producer, 'f'))
      const m = producer.metrics()
      assert.equal(m['record-retry-total'], 10)
      assert.equal(m['record-error-total'], 10)
      assert.equal(m['record-send-total'], 30, 'r twice (first try and retry), f once')
      const all = producer.allMetrics()
      const r = { topic: 'r' }
      const f = { topic: 'f' }
      assert.equal(find(all, 'producer-topic-metrics', 'record-retry-total', r), 10)
      assert.equal(find(all, 'producer-topic-metrics', 'record-send-total', r), 20)
      assert.equal(find(all, 'producer-topic-metrics', 'record-error-total', r), 0)
      assert.equal(find(all, 'producer-topic-metrics', 'record-error-total', f), 10)
      assert.equal(find(all, 'producer-topic-metrics', 'record-retry-total', f), 0)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('a split batch counts once in batch-split-total; throttling shows in produce-throttle-time', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 's', partitions: 1 }] })
    cluster.failPartition('s', 0, 10) // MESSAGE_TOO_LARGE once
    cluster.addRule({ apiKey: ApiKey.Produce, throttleTimeMs: 7 })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, lingerMs: 5000 })
    try {
      await tenRecords(producer, 's')
      const m = producer.metrics()
      assert.equal(m['batch-split-total'], 1)
      assert.equal(m['produce-throttle-time-max'], 7)
      // Every answer is throttled 7 ms but the refusal (the first rule that matches decides).
      const answers = cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).length
      assert.ok(answers >= 2)
      assert.equal(m['produce-throttle-time-avg'], (7 * (answers - 1)) / answers)
      assert.equal(m['record-error-total'], 0)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('a send waiting for memory: waiting-threads while it waits, its wait in bufferpool-wait-*, and buffer-exhausted at max.block.ms', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'm', partitions: 2 }] })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      batchSize: 1024,
      bufferMemory: 1024,
      lingerMs: 0,
    })
    try {
      await producer.send({ topic: 'm', partition: 0, value: 'warm-up' })
      // The next batch's answer takes 300 ms; until then its memory is taken.
      cluster.addRule({ apiKey: ApiKey.Produce, times: 1, delayMs: 300 })
      // Its batch takes the memory at once (the topic is known); the second send waits for it.
      const first = producer.send({ topic: 'm', partition: 0, value: 'x' })
      const second = producer.send({ topic: 'm', partition: 1, value: 'y' })
      assert.equal(producer.metrics()['waiting-threads'], 1)
      await Promise.all([first, second])
      const m = producer.metrics()
      assert.equal(m['waiting-threads'], 0)
      assert.ok(m['bufferpool-wait-time-ns-total']! > 0, 'the second send waited')
      assert.equal(m['bufferpool-wait-time-total'], m['bufferpool-wait-time-ns-total'])
      assert.ok(m['bufferpool-wait-ratio']! > 0)
      assert.equal(m['buffer-exhausted-total'], 0)
    } finally {
      await producer.close()
    }
    const short = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      batchSize: 1024,
      bufferMemory: 1024,
      maxBlockMs: 1_000,
      // The held answer (3 s) comes within the request timeout: the memory stays taken until then.
      requestTimeoutMs: 10_000,
      deliveryTimeoutMs: 20_000,
    })
    try {
      await short.send({ topic: 'm', partition: 0, value: 'warm-up' })
      cluster.addRule({ apiKey: ApiKey.Produce, times: 1, delayMs: 3_000 })
      const first = short.send({ topic: 'm', partition: 0, value: 'x' })
      await assert.rejects(short.send({ topic: 'm', partition: 1, value: 'y' }), BufferExhaustedError)
      assert.equal(short.metrics()['buffer-exhausted-total'], 1)
      await first
    } finally {
      await short.close()
      await cluster.close()
    }
  })

  test('records failing before a batch (too large, unserializable, bad partition, out of memory) count in record-error, as Java counts doSend() failures', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'e', partitions: 2 }] })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      batchSize: 1024,
      bufferMemory: 1024,
      maxBlockMs: 1_000,
      // The held answer (3 s) comes within the request timeout: the memory stays taken until then.
      requestTimeoutMs: 10_000,
      deliveryTimeoutMs: 20_000,
      valueSerializer: 'json',
    })
    try {
      await producer.send({ topic: 'e', partition: 0, value: 'warm-up' })
      assert.equal(producer.metrics()['record-error-total'], 0)
      await assert.rejects(producer.send({ topic: 'e', value: 'x'.repeat(2000) }), RecordTooLargeError)
      await assert.rejects(producer.send({ topic: 'e', value: 10n }), SerializationError)
      await assert.rejects(producer.send({ topic: 'e', partition: 7, value: 1 }), InvalidRecordError)
      cluster.addRule({ apiKey: ApiKey.Produce, times: 1, delayMs: 3_000 })
      const first = producer.send({ topic: 'e', partition: 0, value: 'x' })
      await assert.rejects(producer.send({ topic: 'e', partition: 1, value: 'y' }), BufferExhaustedError)
      await first
      const m = producer.metrics()
      assert.equal(m['record-error-total'], 4)
      assert.ok(m['record-error-rate']! > 0)
      const all = producer.allMetrics()
      assert.equal(
        find(all, 'producer-topic-metrics', 'record-error-total', { topic: 'e' }),
        0,
        'per topic: batches only',
      )
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

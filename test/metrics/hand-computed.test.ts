/**
 * Every metric of every group against a hand computation, on a scripted workload with a clock the
 * test moves: the windows are metrics.sample.window.ms = 1000 and metrics.num.samples = 2, so a
 * rate read at 11 500 divides by the time since its oldest sample began, counted as at least one
 * full window (Java's Rate.windowSize): 1.5 s for a stat first recorded at 10 000 or at 11 000,
 * 1.3 s from 10 200, 1.0 s from 10 500 and 1.7 s from 10 800. The table below must name every
 * metric the registry holds, so a metric added later without a hand-computed value fails here.
 * (producer-metrics.test.ts shows that the producer feeds these events with the right values.)
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ProducerMetrics } from '../../src/metrics/producer-metrics.js'
import { metricKey } from '../../src/metrics/registry.js'

test('each metric of a scripted workload equals its hand computation', () => {
  let now = 9_000
  const m = new ProducerMetrics(
    'hand',
    { windowMs: 1000, samples: 2 },
    {
      requestsInFlight: () => 3,
      metadataAgeMs: (n) => n - 4_000,
      bufferTotalBytes: () => 1 << 20,
      bufferAvailableBytes: () => 1000,
      waitingForMemory: () => 2,
      connectionCount: () => 1,
    },
    () => now,
  )
  const node0 = m.connectionIo({ nodeId: 'node-0' })
  const node1 = m.connectionIo({ nodeId: 'node-1' })

  now = 10_000
  m.connectionCreated(now)
  m.connectionCreated(now)
  m.batchDrained(
    {
      topic: 'a',
      recordCount: 10,
      sizeInBytes: 231,
      compressionRatio: 1,
      maxRecordBytes: 17,
      createdMs: 9_990,
    },
    now,
  )
  m.requestSent(10, now)
  node0.requestSent(300, now)
  node0.networkOp(now)

  now = 10_200
  node0.responseReceived(80, now)
  node0.networkOp(now)
  m.produceAnswered({ nodeId: 'node-0' }, 200, 0, now)

  now = 10_500
  m.batchDrained(
    {
      topic: 'b',
      recordCount: 4,
      sizeInBytes: 100,
      compressionRatio: 0.5,
      maxRecordBytes: 30,
      createdMs: 10_470,
    },
    now,
  )
  m.batchDrained(
    {
      topic: 'a',
      recordCount: 6,
      sizeInBytes: 150,
      compressionRatio: 1,
      maxRecordBytes: 20,
      createdMs: 10_400,
    },
    now,
  )
  m.requestSent(10, now)
  node1.requestSent(400, now)

  now = 10_800
  node1.responseReceived(60, now)
  node1.networkOp(now)
  m.produceAnswered({ nodeId: 'node-1' }, 300, 7, now)
  m.retried('b', 4, now)
  m.failed('a', 6, now)

  now = 11_000 // a new sample for the stats recorded before
  m.epochBumped(now)
  m.batchSplit(now)
  m.bufferWaited(250e6, now)
  m.bufferExhausted(now)
  m.flushTook(5e6)
  m.metadataWaited(2e6)
  m.transactionCallTook('txn-init-time-ns-total', 3e6)
  m.connectionClosed(now)
  m.authenticated(false, true, 5, now)
  m.authenticated(false, false, 5, now)
  m.authenticated(true, true, 12, now)
  m.authenticated(true, false, 99, now)

  now = 11_500
  const client = { 'client-id': 'hand' }
  const expected: [group: string, name: string, tags: Record<string, string>, value: number][] = []
  const p = (name: string, value: number) => expected.push(['producer-metrics', name, client, value])
  p('batch-size-avg', (231 + 100 + 150) / 3)
  p('batch-size-max', 231)
  p('compression-rate-avg', (1 + 0.5 + 1) / 3)
  p('record-queue-time-avg', (10 + 30 + 100) / 3)
  p('record-queue-time-max', 100)
  p('request-latency-avg', (200 + 300) / 2)
  p('request-latency-max', 300)
  p('produce-throttle-time-avg', (0 + 7) / 2)
  p('produce-throttle-time-max', 7)
  p('record-send-rate', 20 / 1.5) // records per request, from 10 000
  p('record-send-total', 20)
  p('records-per-request-avg', 10)
  p('record-retry-rate', 4 / 1.7)
  p('record-retry-total', 4)
  p('record-error-rate', 6 / 1.7)
  p('record-error-total', 6)
  p('record-size-max', 30)
  p('record-size-avg', (17 + 30 + 20) / 3)
  p('batch-split-rate', 1 / 1.5)
  p('batch-split-total', 1)
  p('epoch-bump-rate', 1 / 1.5)
  p('epoch-bump-total', 1)
  p('requests-in-flight', 3)
  p('metadata-age', (11_500 - 4_000) / 1000)
  p('waiting-threads', 2)
  p('buffer-total-bytes', 1 << 20)
  p('buffer-available-bytes', 1000)
  p('bufferpool-wait-ratio', 0.25 / 1.5) // 250 ms waited over 1.5 s
  p('bufferpool-wait-time-ns-total', 250e6)
  p('bufferpool-wait-time-total', 250e6)
  p('buffer-exhausted-rate', 1 / 1.5)
  p('buffer-exhausted-total', 1)
  p('connection-creation-rate', 2 / 1.5)
  p('connection-creation-total', 2)
  p('connection-close-rate', 1 / 1.5)
  p('connection-close-total', 1)
  p('connection-count', 1)
  p('outgoing-byte-rate', (300 + 400) / 1.5)
  p('outgoing-byte-total', 700)
  p('request-rate', 2 / 1.5)
  p('request-total', 2)
  p('request-size-avg', 350)
  p('request-size-max', 400)
  p('incoming-byte-rate', (80 + 60) / 1.3) // from 10 200
  p('incoming-byte-total', 140)
  p('response-rate', 2 / 1.3)
  p('response-total', 2)
  p('network-io-rate', 3 / 1.5)
  p('network-io-total', 3)
  for (const what of [
    'successful-authentication',
    'failed-authentication',
    'successful-reauthentication',
    'failed-reauthentication',
  ]) {
    p(`${what}-rate`, 1 / 1.5)
    p(`${what}-total`, 1)
  }
  p('reauthentication-latency-avg', 12)
  p('reauthentication-latency-max', 12)
  p('flush-time-ns-total', 5e6)
  p('metadata-wait-time-ns-total', 2e6)
  p('txn-init-time-ns-total', 3e6)
  for (const txn of ['begin', 'send-offsets', 'commit', 'abort']) p(`txn-${txn}-time-ns-total`, 0)
  expected.push(['app-info', 'start-time-ms', client, 9_000])

  const topic = (t: string, name: string, value: number) =>
    expected.push(['producer-topic-metrics', name, { ...client, topic: t }, value])
  topic('a', 'record-send-rate', (10 + 6) / 1.5)
  topic('a', 'record-send-total', 16)
  topic('a', 'byte-rate', (231 + 150) / 1.5)
  topic('a', 'byte-total', 381)
  topic('a', 'compression-rate', 1)
  topic('a', 'record-retry-rate', 0) // never recorded: 0 over one window
  topic('a', 'record-retry-total', 0)
  topic('a', 'record-error-rate', 6 / 1.7)
  topic('a', 'record-error-total', 6)
  topic('b', 'record-send-rate', 4 / 1.0) // from 10 500: one full window
  topic('b', 'record-send-total', 4)
  topic('b', 'byte-rate', 100 / 1.0)
  topic('b', 'byte-total', 100)
  topic('b', 'compression-rate', 0.5)
  topic('b', 'record-retry-rate', 4 / 1.7)
  topic('b', 'record-retry-total', 4)
  topic('b', 'record-error-rate', 0)
  topic('b', 'record-error-total', 0)

  const node = (id: string, name: string, value: number) =>
    expected.push(['producer-node-metrics', name, { ...client, 'node-id': id }, value])
  node('node-0', 'outgoing-byte-rate', 300 / 1.5)
  node('node-0', 'outgoing-byte-total', 300)
  node('node-0', 'request-rate', 1 / 1.5)
  node('node-0', 'request-total', 1)
  node('node-0', 'request-size-avg', 300)
  node('node-0', 'request-size-max', 300)
  node('node-0', 'incoming-byte-rate', 80 / 1.3)
  node('node-0', 'incoming-byte-total', 80)
  node('node-0', 'response-rate', 1 / 1.3)
  node('node-0', 'response-total', 1)
  node('node-0', 'request-latency-avg', 200)
  node('node-0', 'request-latency-max', 200)
  node('node-1', 'outgoing-byte-rate', 400 / 1.0)
  node('node-1', 'outgoing-byte-total', 400)
  node('node-1', 'request-rate', 1 / 1.0)
  node('node-1', 'request-total', 1)
  node('node-1', 'request-size-avg', 400)
  node('node-1', 'request-size-max', 400)
  node('node-1', 'incoming-byte-rate', 60 / 1.7)
  node('node-1', 'incoming-byte-total', 60)
  node('node-1', 'response-rate', 1 / 1.7)
  node('node-1', 'response-total', 1)
  node('node-1', 'request-latency-avg', 300)
  node('node-1', 'request-latency-max', 300)

  const actual = new Map(m.snapshot().map((x) => [metricKey(x), x.value]))
  const want = new Map(
    expected.map(([group, name, tags, value]) => [metricKey({ group, name, tags }), value]),
  )
  assert.equal(want.size, expected.length, 'no metric twice in the table')
  assert.deepEqual([...actual.keys()].sort(), [...want.keys()].sort(), 'the table names every metric')
  for (const [key, value] of want) {
    const got = actual.get(key)!
    // Equal to the last bit but for the rounding of the window's division (1500 / 1e-6, say).
    assert.ok(Math.abs(got - value) <= 1e-12 * Math.abs(value), `${key}: ${got}, by hand ${value}`)
  }
})

test('before any value an average or a maximum is NaN, as in Java, and a rate is 0', () => {
  const m = new ProducerMetrics(
    'empty',
    { windowMs: 30_000, samples: 2 },
    {
      requestsInFlight: () => 0,
      metadataAgeMs: () => 0,
      bufferTotalBytes: () => 0,
      bufferAvailableBytes: () => 0,
      waitingForMemory: () => 0,
      connectionCount: () => 0,
    },
    () => 1_000,
  )
  const c = m.clientMetrics()
  assert.ok(Number.isNaN(c['batch-size-avg']))
  assert.ok(Number.isNaN(c['request-latency-max']))
  assert.equal(c['record-send-rate'], 0)
  assert.equal(c['record-send-total'], 0)
})

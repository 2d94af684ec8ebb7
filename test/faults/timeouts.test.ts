/**
 * The Producer against slow and silent (fake) brokers: request.timeout.ms closes the connection
 * and retries, idempotence keeps one copy, delivery.timeout.ms ends the wait.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { KafkaError, TimeoutError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import {
  assertAcknowledgedInLog,
  assertAllFulfilled,
  assertNoDuplicates,
  QUICK,
  records,
  rejected,
  sendAll,
  TEST_TIMEOUT,
  within,
} from './support.js'

describe('slow and silent brokers', () => {
  test('a Produce response delayed within request.timeout.ms: records succeed once, on the same connection', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    const delayed = cluster.addRule({ apiKey: ApiKey.Produce, times: 2, delayMs: 300 })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 3_000,
    })
    try {
      const sent = await sendAll(producer, records('t', 'slow', 20, [0, 1]))
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, sent)
      assert.equal(cluster.broker(0).connectionCount, 1, 'no connection was given up')
      assert.equal(producer.metrics()['record-retry-total'], 0)
    } finally {
      delayed()
      await producer.close()
      await cluster.close()
    }
  })

  test('a Produce response later than request.timeout.ms: connection closed, batch retried, delivered once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // The broker sits on the first Produce longer than the client waits; the client gives the
    // connection up (nothing was appended: the fake drops the work of a closed connection).
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, times: 1, delayMs: 1_500 })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 300,
      deliveryTimeoutMs: 10_000,
    })
    try {
      const sent = await sendAll(producer, records('t', 'late', 10, [0]))
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, sent)
      assert.ok(cluster.broker(0).connectionCount >= 2, 'the timed-out connection was replaced')
      assert.ok(producer.metrics()['record-retry-total']! >= 10, 'the batch was retried')
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('an appended batch whose response never comes: retried after request.timeout.ms, idempotence keeps one copy', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, times: 1, noResponse: true })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 300,
    })
    try {
      const sent = await sendAll(producer, records('t', 'lost-answer', 20, [0, 1]))
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, sent, 'once')
      const produces = cluster.requests.filter((r) => r.apiKey === ApiKey.Produce)
      assert.ok(produces.length >= 2, 'the batch was sent again')
      assert.ok(cluster.broker(0).connectionCount >= 2, 'the timed-out connection was replaced')
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('without idempotence (acks=1) the same lost response gives at-least-once: send() resolves, a duplicate is possible', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, times: 1, noResponse: true })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 1_000,
      enableIdempotence: false,
      acks: 1,
    })
    try {
      const sent = await sendAll(producer, records('t', 'dup', 10, [0]))
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, sent, 'at-least-once')
      // What Java does here: the retry is appended again (no producer id, no dedup).
      assert.equal(cluster.log('t', 0).length, 20, 'the batch is in the log twice')
      const produces = cluster.requests.filter((r) => r.apiKey === ApiKey.Produce)
      assert.ok(
        produces.every((r) => r.acks === 1),
        'acks=1 on every Produce',
      )
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('a broker that never answers: sends fail with ERR_DELIVERY_TIMEOUT after delivery.timeout.ms, close() returns', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 200,
      deliveryTimeoutMs: 700,
    })
    try {
      const sent = await within(sendAll(producer, records('t', 'silent', 10, [0, 1])), 'the sends')
      const failed = rejected(sent)
      assert.equal(failed.length, sent.length, 'every send failed')
      for (const f of failed) {
        assert.ok(f.reason instanceof TimeoutError, `got ${String(f.reason)}`)
        assert.equal(f.reason.code, 'ERR_DELIVERY_TIMEOUT')
      }
      for (const p of [0, 1]) assertNoDuplicates(cluster, 't', p)
      assert.equal(producer.metrics()['record-error-total'], 10)
    } finally {
      await within(producer.close(), 'close()')
      await cluster.close()
    }
  })

  test('close() while requests hang returns, and settles every send', { timeout: TEST_TIMEOUT }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 200,
      deliveryTimeoutMs: 600,
    })
    try {
      const pending = sendAll(producer, records('t', 'closing', 5, [0]))
      await new Promise((r) => setTimeout(r, 50))
      await within(producer.close(), 'close()')
      const sent = await within(pending, 'the sends')
      for (const f of rejected(sent)) assert.ok(f.reason instanceof KafkaError, `got ${String(f.reason)}`)
      assert.equal(rejected(sent).length, sent.length)
    } finally {
      await cluster.close()
    }
  })

  test('after records expire unwritten, later records to the same partition are delivered (Java resets the sequence)', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // The broker drops every Produce before reading it until the first records expire; then it
    // is healthy. Java marks the expired batch's sequence unresolved and bumps the producer
    // epoch, so the partition keeps working; the broker must not see a sequence gap forever.
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 1_000,
      deliveryTimeoutMs: 3_000,
    })
    try {
      const warm = await sendAll(producer, records('t', 'warm', 3, [0]))
      assertAllFulfilled(warm)
      const dropping = cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before' })
      const expired = await within(sendAll(producer, records('t', 'expired', 3, [0])), 'the expiring sends')
      assert.equal(rejected(expired).length, 3)
      for (const f of rejected(expired)) assert.equal((f.reason as KafkaError).code, 'ERR_DELIVERY_TIMEOUT')
      dropping()
      const later = await within(sendAll(producer, records('t', 'later', 3, [0])), 'the later sends')
      assertAllFulfilled(later)
      assertAcknowledgedInLog(cluster, [...warm, ...later])
    } finally {
      await within(producer.close(), 'close()')
      await cluster.close()
    }
  })

  test('after records expire written but unacknowledged, later records are delivered, not taken for duplicates', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // The broker appends every Produce but never answers until the records expire. Whether
    // they were written is unknown to the producer, so Java must not reuse their sequences
    // (it marks them unresolved and bumps the epoch). Reusing them, a later batch of the same
    // size looks to the broker exactly like the expired one: a "duplicate", answered with the
    // expired records' offsets, and the later records are never written.
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 1_000,
      deliveryTimeoutMs: 3_000,
    })
    try {
      const warm = await sendAll(producer, records('t', 'warm', 3, [0]))
      assertAllFulfilled(warm)
      const silent = cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
      const expired = await within(sendAll(producer, records('t', 'unknown', 3, [0])), 'the expiring sends')
      assert.equal(rejected(expired).length, 3)
      for (const f of rejected(expired)) assert.equal((f.reason as KafkaError).code, 'ERR_DELIVERY_TIMEOUT')
      silent()
      const later = await within(sendAll(producer, records('t', 'later', 3, [0])), 'the later sends')
      assertAllFulfilled(later)
      assertAcknowledgedInLog(cluster, [...warm, ...later], 'once')
      assertNoDuplicates(cluster, 't', 0)
    } finally {
      await within(producer.close(), 'close()')
      await cluster.close()
    }
  })
})

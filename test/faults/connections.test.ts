/**
 * The Producer against (fake) brokers that drop connections, answer with garbage, or go down
 * and come back: every request is retried on a new connection and delivered exactly once.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import type { ReceivedRequest } from '../fakes/fake-broker.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import {
  assertAcknowledgedInLog,
  assertAllFulfilled,
  QUICK,
  records,
  sendAll,
  TEST_TIMEOUT,
  within,
} from './support.js'

describe('dropped connections', () => {
  for (const when of ['after-append', 'before'] as const) {
    test(`a connection dropped ${when === 'before' ? 'before the broker reads the request' : 'after the append, response lost'}: retried, delivered exactly once`, {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 3 }] })
      cluster.addRule({ apiKey: ApiKey.Produce, times: 1, dropConnection: when })
      const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
      try {
        const sent = await sendAll(producer, records('t', when, 30, [0, 1, 2]))
        assertAllFulfilled(sent)
        assertAcknowledgedInLog(cluster, sent, 'once')
        assert.ok(cluster.broker(0).connectionCount >= 2, 'a new connection was opened')
        assert.ok(
          producer.metrics()['record-retry-total']! >= 30,
          'every batch of the dropped request was retried',
        )
        const produces = cluster.requests.filter((r) => r.apiKey === ApiKey.Produce)
        assert.ok(produces.length >= 2)
        assert.notEqual(
          produces.at(-1)!.connectionId,
          produces[0]!.connectionId,
          'the retry used a new connection',
        )
      } finally {
        await producer.close()
        await cluster.close()
      }
    })
  }

  test('several dropped connections in a row (after-append) with 5 requests in flight: exactly once, in order', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    let n = 0
    // Every third Produce is appended and its connection dropped, losing the responses of the
    // requests pipelined behind it too.
    cluster.onRequest((req) =>
      req.apiKey === ApiKey.Produce && ++n % 3 === 0 && n < 30
        ? { dropConnection: 'after-append' }
        : undefined,
    )
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, batchSize: 200 })
    try {
      const sent = await sendAll(producer, records('t', 'burst', 200, [0, 1]))
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, sent, 'once')
      assert.ok(cluster.broker(0).connectionCount >= 3)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

/** A response frame: size, then `body` (the correlation id first, for the shapes that have one). */
function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

const GARBAGE: Record<string, (req: ReceivedRequest) => Uint8Array> = {
  'the right correlation id, then junk': (req) => {
    const body = Buffer.alloc(40, 0xff)
    body.writeInt32BE(req.correlationId, 0)
    return frame(body)
  },
  'an unknown correlation id': (req) => {
    const body = Buffer.alloc(40, 0)
    body.writeInt32BE(req.correlationId + 1000, 0)
    return frame(body)
  },
  'a frame size beyond any limit': () => Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]),
  'a negative frame size': () => Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]),
  'a frame too short for a correlation id': () => frame(Buffer.from([1])),
}

describe('garbage responses', () => {
  for (const [shape, bytes] of Object.entries(GARBAGE)) {
    test(`${shape}: the connection is closed, the request retried on a new one`, {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
      cluster.addRule({ apiKey: ApiKey.Produce, times: 1, respondWith: bytes })
      const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
      try {
        const sent = await sendAll(producer, records('t', 'garbage', 10, [0, 1]))
        assertAllFulfilled(sent)
        assertAcknowledgedInLog(cluster, sent, 'once')
        const produces = cluster.requests.filter((r) => r.apiKey === ApiKey.Produce)
        assert.ok(produces.length >= 2, 'the request was sent again')
        assert.notEqual(produces.at(-1)!.connectionId, produces[0]!.connectionId, 'on a new connection')
        assert.deepEqual(cluster.broker(0).protocolErrors, [], 'the client spoke correctly throughout')
      } finally {
        await producer.close()
        await cluster.close()
      }
    })
  }
})

describe('unreachable leader', () => {
  test('the only broker stops and starts again: records sent meanwhile are delivered after reconnecting', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const warm = await sendAll(producer, records('t', 'warm', 4, [0, 1]))
      assertAllFulfilled(warm)
      const broker = cluster.broker(0)
      await broker.stop()
      const pending = sendAll(producer, records('t', 'down', 20, [0, 1]))
      await new Promise((r) => setTimeout(r, 300))
      const connectionsWhileDown = broker.connectionCount
      await broker.start()
      const sent = await within(pending, 'the sends made while the broker was down')
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, [...warm, ...sent], 'once')
      assert.ok(broker.connectionCount > connectionsWhileDown, 'the producer reconnected')
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('one leader of two stops: its partitions wait and are delivered after it returns, the other partition flows on', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      brokers: 2,
      topics: [{ name: 't', partitions: 2, leaders: [0, 1] }],
    })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const warm = await sendAll(producer, records('t', 'warm', 4, [0, 1]))
      assertAllFulfilled(warm)
      await cluster.broker(1).stop()
      const toDown = sendAll(producer, records('t', 'down', 10, [1]))
      const toUp = await within(sendAll(producer, records('t', 'up', 10, [0])), 'sends to the live leader')
      assertAllFulfilled(toUp)
      const metadataBefore = cluster.broker(0).requests.filter((r) => r.apiKey === ApiKey.Metadata).length
      const windowStart = Date.now()
      await new Promise((r) => setTimeout(r, 300))
      const windowMs = Date.now() - windowStart // more than 300 on a loaded machine
      const metadataWhileDown =
        cluster.broker(0).requests.filter((r) => r.apiKey === ApiKey.Metadata).length - metadataBefore
      await cluster.broker(1).start()
      const sent = await within(toDown, 'the sends to the stopped leader')
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, [...warm, ...toUp, ...sent], 'once')
      // Java backs metadata refreshes off (retry.backoff.ms doubling up to retry.backoff.max.ms =
      // 50 ms here): about one per 50 ms of the window, give or take. A bound 10x higher only
      // catches a refresh loop without backoff.
      assert.ok(
        metadataWhileDown < (windowMs / 50) * 10,
        `${metadataWhileDown} Metadata requests in ${windowMs} ms while the leader was down`,
      )
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('a broker that accepts and drops every connection is redialled with backoff, then delivers', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const warm = await sendAll(producer, records('t', 'warm', 1, [0]))
      assertAllFulfilled(warm)
      const broker = cluster.broker(0)
      // Every new connection dies at its first request (ApiVersions) until the rule goes.
      const refusing = cluster.addRule({ dropConnection: 'before' })
      broker.dropConnections()
      const before = broker.connectionCount
      const pending = sendAll(producer, records('t', 'later', 5, [0]))
      const windowStart = Date.now()
      await new Promise((r) => setTimeout(r, 300))
      const windowMs = Date.now() - windowStart // more than 300 on a loaded machine
      const dials = broker.connectionCount - before
      refusing()
      const sent = await within(pending, 'the sends')
      assertAllFulfilled(sent)
      assertAcknowledgedInLog(cluster, [...warm, ...sent], 'once')
      assert.ok(dials >= 2, `the producer kept trying (${dials} connections)`)
      // reconnect.backoff.ms=10 doubling to 50: some 8-10 dials in 300 ms, then one per 50 ms. A
      // bound 10x higher only catches reconnecting without backoff.
      assert.ok(dials < (windowMs / 300) * 100, `${dials} connections in ${windowMs} ms`)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

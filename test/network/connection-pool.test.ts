/**
 * ConnectionPool on its own, against the fake broker and a closed port: one connection per
 * address however many ask at once, reconnect backoff that grows with each failure, the counts
 * the metrics read, node ids for bootstrap addresses, close() failing what is pending.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, test } from 'node:test'
import { NetworkError, ProducerClosedError } from '../../src/errors.js'
import type { ConnectionIo } from '../../src/network/connection.js'
import { ConnectionPool, connectTimeoutFor, type PoolMetrics } from '../../src/network/connection-pool.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { Metadata } from '../../src/protocol/messages/metadata.js'
import { startFakeCluster } from '../fakes/fake-broker.js'

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

class RecordingMetrics implements PoolMetrics {
  created = 0
  closed = 0
  readonly nodes: string[] = []
  readonly sent = new Map<string, number>()
  connectionCreated(): void {
    this.created++
  }
  connectionClosed(): void {
    this.closed++
  }
  authenticated(): void {}
  connectionIo(node: { nodeId: string }): ConnectionIo {
    this.nodes.push(node.nodeId)
    return {
      requestSent: (bytes) => this.sent.set(node.nodeId, (this.sent.get(node.nodeId) ?? 0) + bytes),
      responseReceived: () => {},
      networkOp: () => {},
    }
  }
}

function pool(metrics?: PoolMetrics): ConnectionPool {
  return new ConnectionPool({
    clientId: 'pool-test',
    requestTimeoutMs: 5000,
    connectTimeoutMs: 2000,
    reconnectBackoffMs: 40,
    reconnectBackoffMaxMs: 1000,
    ...(metrics === undefined ? {} : { metrics }),
  })
}

const metadataRequest = {
  topics: [],
  allowAutoTopicCreation: false,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
}

describe('ConnectionPool', () => {
  test('concurrent get()s of one address share one connection; openCount counts it', async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [] })
    const p = pool()
    try {
      const addr = { host: '127.0.0.1', port: cluster.brokers[0]!.port }
      const [a, b, c] = await Promise.all([p.get(addr), p.get(addr), p.get(addr)])
      assert.equal(a, b)
      assert.equal(b, c)
      assert.equal(p.openCount, 1)
      assert.equal(p.peek(addr), a)
      const apiVersions = cluster.requests.filter((r) => r.apiKey === ApiKey.ApiVersions)
      assert.equal(apiVersions.length, 1, 'one connection negotiated')
    } finally {
      p.close()
      await cluster.close()
    }
  })

  test('a refused address: get() rejects, and each failure pushes the next attempt further (reconnect backoff)', async () => {
    const port = await closedPort()
    const p = pool()
    const addr = { host: '127.0.0.1', port }
    try {
      const gaps: number[] = []
      for (let i = 0; i < 4; i++) {
        await assert.rejects(p.get(addr), NetworkError)
        gaps.push(p.readyAt(addr) - Date.now())
      }
      assert.ok(
        gaps.every((g) => g > 0),
        `each failure sets a time before the next attempt (${gaps.join(', ')} ms)`,
      )
      // 40 ms doubling (with jitter of +-20%): the fourth wait is several times the first.
      assert.ok(gaps[3]! > gaps[0]! * 2, `the backoff grows (${gaps.join(', ')} ms)`)
      assert.equal(p.openCount, 0)
      assert.equal(p.peek(addr), null)
    } finally {
      p.close()
    }
  })

  test('a bootstrap address counts under node--1 until metadata names its node, then under node-<id>', async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [] })
    const metrics = new RecordingMetrics()
    const p = pool(metrics)
    try {
      const port = cluster.brokers[0]!.port
      const conn = await p.get({ host: '127.0.0.1', port })
      await conn.send(Metadata, metadataRequest)
      const bootBytes = metrics.sent.get('node--1') ?? 0
      assert.ok(bootBytes > 0)
      // The same address, now known as node 0 from metadata: the same connection.
      assert.equal(p.peek({ host: '127.0.0.1', port, nodeId: 0 }), conn)
      await conn.send(Metadata, metadataRequest)
      assert.deepEqual(metrics.nodes, ['node--1', 'node-0'])
      assert.equal(metrics.sent.get('node--1'), bootBytes, 'later requests count for node-0')
      assert.ok((metrics.sent.get('node-0') ?? 0) > 0)
      assert.equal(metrics.created, 1)
    } finally {
      p.close()
      await cluster.close()
    }
    assert.equal(metrics.closed, 1)
  })

  test('inFlight counts requests sent and not answered; close(reason) fails them with it, and later get()s', async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [] })
    cluster.addRule({ apiKey: ApiKey.Metadata, noResponse: true })
    const p = pool()
    try {
      const conn = await p.get({ host: '127.0.0.1', port: cluster.brokers[0]!.port })
      const pending = conn.send(Metadata, metadataRequest)
      assert.equal(p.inFlight, 1)
      const reason = new Error('shutting down')
      p.close(reason)
      await assert.rejects(pending, (err: unknown) => err === reason)
      await assert.rejects(p.get({ host: '127.0.0.1', port: cluster.brokers[0]!.port }), ProducerClosedError)
      assert.equal(p.openCount, 0)
    } finally {
      await cluster.close()
    }
  })

  test('connectTimeoutFor: socket.connection.setup.timeout.ms doubling per failure, capped at the max', () => {
    assert.equal(connectTimeoutFor(10_000, undefined, 5), 10_000, 'no max: constant')
    const t = [0, 1, 2, 3, 4].map((f) => connectTimeoutFor(1000, 5000, f))
    assert.ok(t[0]! >= 800 && t[0]! <= 1200, `first ${t[0]}`)
    assert.ok(t[2]! >= 3200 && t[2]! <= 4800, `third ${t[2]}`)
    assert.ok(t[4]! <= 5000 * 1.2, `capped ${t[4]}`)
    assert.ok(connectTimeoutFor(1000, 500, 3) >= 800, 'never below the base')
  })
})

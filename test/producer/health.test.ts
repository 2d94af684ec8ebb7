/**
 * health(): the verdict rules (assess, pure), the producer's report with and without a breaker,
 * and sluice/health's HTTP handler on a real node:http server over a stand-in source. Without
 * Kafka: a producer pointed at a closed port opens its breaker from refused connections.
 */
import assert from 'node:assert/strict'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { CircuitOpenError } from '../../src/errors.js'
import { healthHandler, isLive, isReady } from '../../src/health/index.js'
import type { CircuitEvent, CircuitStatus } from '../../src/producer/circuit-breaker.js'
import { assess, type HealthInputs, type ProducerHealth } from '../../src/producer/health.js'
import { Producer } from '../../src/producer/producer.js'

const NOW = 10_000_000

function inputs(extra: Partial<HealthInputs> = {}): HealthInputs {
  return {
    now: NOW,
    clientId: 'c',
    closed: false,
    fatalError: null,
    knownBrokers: 3,
    connected: ['127.0.0.1:9092'],
    lastConnectedAt: NOW - 1000,
    lastConnectFailedAt: 0,
    lastConnectError: null,
    metadataUpdatedAt: NOW - 1000,
    metadataMaxAgeMs: 300_000,
    topicsInUse: 1,
    bufferTotalBytes: 1000,
    bufferAvailableBytes: 1000,
    waitingForMemory: 0,
    lastProduced: new Map([['orders', NOW - 5]]),
    partitionsWithoutLeader: [],
    circuit: null,
    ...extra,
  }
}

function circuit(state: CircuitStatus['state']): CircuitStatus {
  return {
    state,
    consecutiveFailures: 3,
    failureThreshold: 3,
    since: NOW - 10,
    retryAt: state === 'open' ? NOW + 100 : null,
    reason: 'why',
    probesInFlight: 0,
    probesDelivered: 0,
    openedTotal: 1,
    rejectedTotal: 0,
  }
}

describe('assess: the verdict and its reasons', () => {
  test('ok with nothing wrong; the report carries its facts', () => {
    const h = assess(inputs())
    assert.equal(h.verdict, 'ok')
    assert.deepEqual(h.reasons, [])
    assert.equal(h.metadataAgeMs, 1000)
    assert.deepEqual(h.lastProduced, { orders: NOW - 5 })
    assert.deepEqual(h.buffer, { totalBytes: 1000, usedBytes: 0, usedRatio: 0, waitingForMemory: 0 })
    assert.equal(h.circuit, null)
    assert.equal(h.spool, null, 'null without a spool')
    assert.doesNotThrow(() => JSON.stringify(h))
  })

  test('a producer that has not connected yet is ok (it connects on its first send)', () => {
    const h = assess(inputs({ connected: [], lastConnectedAt: 0, metadataUpdatedAt: 0, topicsInUse: 0 }))
    assert.equal(h.verdict, 'ok')
    assert.equal(h.metadataAgeMs, null)
  })

  const cases: [string, Partial<HealthInputs>, 'degraded' | 'down', RegExp][] = [
    ['closed', { closed: true }, 'down', /the producer is closed/],
    ['failed for good', { fatalError: 'fenced' }, 'down', /failed for good: fenced/],
    ['breaker open', { circuit: circuit('open') }, 'down', /circuit breaker is open: why/],
    [
      'no broker reachable',
      { connected: [], lastConnectFailedAt: NOW - 1, lastConnectError: 'ECONNREFUSED' },
      'down',
      /no broker reachable.*ECONNREFUSED/,
    ],
    ['breaker half-open', { circuit: circuit('half-open') }, 'degraded', /half-open/],
    ['stale metadata', { metadataUpdatedAt: NOW - 600_001 }, 'degraded', /metadata is stale: 600001 ms/],
    ['buffer above 90%', { bufferAvailableBytes: 99 }, 'degraded', /buffer is 90% used \(901 of/],
    [
      'leaderless partitions',
      { partitionsWithoutLeader: ['orders-1'] },
      'degraded',
      /1 partition\(s\) without a leader: orders-1/,
    ],
  ]
  for (const [name, extra, verdict, reason] of cases) {
    test(`${name}: ${verdict}`, () => {
      const h = assess(inputs(extra))
      assert.equal(h.verdict, verdict)
      assert.ok(
        h.reasons.some((r) => reason.test(r)),
        h.reasons.join('; '),
      )
    })
  }

  test('not stale while no topic is in use; a connection open after a failed attempt is reachable', () => {
    assert.equal(assess(inputs({ metadataUpdatedAt: NOW - 10_000_000, topicsInUse: 0 })).verdict, 'ok')
    const h = assess(inputs({ lastConnectFailedAt: NOW - 1, lastConnectError: 'x' }))
    assert.equal(h.verdict, 'ok', 'another broker is connected')
    assert.equal(h.brokers.lastConnectError, 'x')
  })

  test('down reasons come before degraded ones', () => {
    const h = assess(inputs({ circuit: circuit('open'), bufferAvailableBytes: 0 }))
    assert.equal(h.verdict, 'down')
    assert.match(h.reasons[0]!, /open/)
    assert.match(h.reasons[1]!, /buffer/)
  })
})

async function serve(listener: RequestListener): Promise<{ base: string; server: Server }> {
  const server = createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

describe('sluice/health handler', () => {
  test('/live and /ready answer 200 or 503 with the health JSON', async () => {
    let report: ProducerHealth = assess(inputs())
    const { base, server } = await serve(healthHandler({ health: () => report }))
    try {
      let res = await fetch(`${base}/ready`)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /application\/json/)
      assert.equal(res.headers.get('cache-control'), 'no-store')
      assert.equal(((await res.json()) as ProducerHealth).verdict, 'ok')
      report = assess(inputs({ circuit: circuit('open') }))
      res = await fetch(`${base}/ready?verbose=1`)
      assert.equal(res.status, 503)
      const body = (await res.json()) as ProducerHealth
      assert.equal(body.verdict, 'down')
      assert.equal(body.circuit?.state, 'open')
      assert.equal((await fetch(`${base}/live`)).status, 200, 'an open breaker is alive')
      report = assess(inputs({ circuit: circuit('half-open') }))
      assert.equal((await fetch(`${base}/ready/`)).status, 200, 'degraded is ready by default')
      report = assess(inputs({ closed: true }))
      assert.equal((await fetch(`${base}/live`)).status, 503)
      const head = await fetch(`${base}/live`, { method: 'HEAD' })
      assert.equal(head.status, 503)
      assert.equal(await head.text(), '')
      const post = await fetch(`${base}/ready`, { method: 'POST' })
      assert.equal(post.status, 405)
      assert.equal(post.headers.get('allow'), 'GET, HEAD')
      assert.equal((await fetch(`${base}/metrics`)).status, 404)
    } finally {
      await closeServer(server)
    }
  })

  test('express-style: next() for other paths; custom paths; degraded not ready when asked', async () => {
    const report = assess(inputs({ circuit: circuit('half-open') }))
    const handler = healthHandler(
      { health: () => report },
      { livePath: '/healthz', readyPath: '/readyz', degradedIsReady: false },
    )
    const { base, server } = await serve((req, res) => {
      handler(req, res, () => {
        res.statusCode = 418
        res.end('next')
      })
    })
    try {
      assert.equal((await fetch(`${base}/readyz`)).status, 503)
      assert.equal((await fetch(`${base}/healthz`)).status, 200)
      const other = await fetch(`${base}/ready`)
      assert.equal(other.status, 418)
      assert.equal(await other.text(), 'next')
    } finally {
      await closeServer(server)
    }
  })

  test('a source whose health() throws is not ready; a bad source is refused at once', async () => {
    const { base, server } = await serve(
      healthHandler({
        health: () => {
          throw new Error('boom')
        },
      }),
    )
    try {
      const res = await fetch(`${base}/ready`)
      assert.equal(res.status, 503)
      assert.match(JSON.stringify(await res.json()), /boom/)
    } finally {
      await closeServer(server)
    }
    assert.throws(() => healthHandler({} as never), /pass a Producer/)
    assert.equal(isLive(assess(inputs())), true)
    assert.equal(isReady(assess(inputs({ circuit: circuit('half-open') })), false), false)
  })
})

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await closeServer(s)
  return port
}

describe('the producer', () => {
  test('without circuitBreaker: no breaker, no circuit metrics, health ok before connecting', async () => {
    const producer = new Producer({ bootstrapServers: `127.0.0.1:${await closedPort()}` })
    try {
      const h = producer.health()
      assert.equal(h.verdict, 'ok', h.reasons.join('; '))
      assert.equal(h.circuit, null)
      assert.equal(h.brokers.connected.length, 0)
      assert.ok(!Object.keys(producer.metrics()).some((k) => k.startsWith('circuit-')))
      assert.doesNotMatch(producer.metricsText(), /circuit/)
    } finally {
      await producer.close()
    }
    assert.equal(producer.health().verdict, 'down')
  })

  test('with no broker listening: refused connections open the breaker, then sends fail inside send()', async () => {
    const producer = new Producer({
      bootstrapServers: `127.0.0.1:${await closedPort()}`,
      reconnectBackoffMs: 10,
      reconnectBackoffMaxMs: 50,
      retryBackoffMs: 10,
      retryBackoffMaxMs: 50,
      maxBlockMs: 60_000,
      circuitBreaker: { failureThreshold: 2, cooldownMs: 600_000 },
    })
    const events: CircuitEvent[] = []
    producer.on('circuit', (e) => events.push(e))
    try {
      assert.equal(producer.metrics()['circuit-state'], 0)
      const waiting = producer.send({ topic: 't', value: 'v' }) // waits for metadata, meets refusals
      waiting.catch(() => {})
      const opened = new Promise<void>((resolve) =>
        producer.on('circuit', (e) => {
          if (e.state === 'open') resolve()
        }),
      )
      await opened
      assert.deepEqual(
        events.map((e) => `${e.previous}->${e.state}`),
        ['closed->open'],
      )
      assert.match(events[0]!.reason, /2 consecutive delivery failure\(s\).*ECONNREFUSED/)
      let err: unknown = null
      let calls = 0
      producer.send({ topic: 't', value: 'w' }, (e) => {
        calls++
        err = e
      })
      assert.equal(calls, 1, 'settled inside send()')
      assert.ok(err instanceof CircuitOpenError)
      const h = producer.health()
      assert.equal(h.verdict, 'down')
      assert.ok(h.reasons.some((r) => /circuit breaker is open/.test(r)))
      assert.ok(h.reasons.some((r) => /no broker reachable/.test(r)))
      assert.equal(producer.metrics()['circuit-state'], 2)
      assert.equal(producer.metrics()['circuit-open-total'], 1)
      assert.equal(producer.metrics()['circuit-rejected-total'], 1)
      assert.match(producer.metricsText(), /kafka_producer_circuit_rejected_total\{[^}]*\} 1/)
    } finally {
      await producer.close()
    }
  })
})

/**
 * The circuit breaker and health() against a real broker of this file's own, stopped and
 * restarted: the breaker opens after its threshold of failures, later sends fail fast with
 * CircuitOpenError (settled before send() returns, or before the next macrotask on the promise
 * path: no delivery.timeout.ms wait), 'circuit' events come in order, the restarted broker
 * closes it through half-open probes, and Kafka's own consumer reads back what was sent. The
 * health verdicts of each phase are checked through producer.health() and over HTTP with
 * sluice/health's handler on a real node:http server. No wall-clock assertions: waits are
 * bounded polls that fail with what they waited for.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { CircuitOpenError, KafkaError } from '../../src/errors.js'
import { healthHandler } from '../../src/health/index.js'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import type { CircuitEvent } from '../../src/producer/circuit-breaker.js'
import { Producer } from '../../src/producer/producer.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'
import { waitUntil } from '../helpers/wait-until.js'

let cluster: KafkaCluster
before(async () => {
  cluster = await startKafka({ name: `breaker-${process.pid}` })
})
after(async () => {
  await cluster?.stop()
})

async function get(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** Settles before the next macrotask? The outcome then, or 'pending'. */
function settledThisTick<T>(p: Promise<T>): Promise<unknown> {
  return Promise.race([
    p.then(
      (v) => v,
      (e: unknown) => e,
    ),
    new Promise((resolve) => setImmediate(() => resolve('pending'))),
  ])
}

test('brokers down: the breaker opens, sends fail fast, health says down; brokers back: probes close it, records are read back', async (t) => {
  const bootstrap = cluster.bootstrapServers
  const node = cluster.brokers[0]!.nodeId
  const topic = uniqueTopic('breaker')
  await createTopic(topic, 2, { bootstrap })
  const producer = new Producer({
    bootstrapServers: bootstrap,
    clientId: 'breaker-test',
    lingerMs: 0,
    deliveryTimeoutMs: 300_000,
    requestTimeoutMs: 5_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 500,
    retryBackoffMs: 50,
    retryBackoffMaxMs: 500,
    maxBlockMs: 60_000,
    circuitBreaker: { failureThreshold: 3, cooldownMs: 4_000, halfOpenProbes: 2 },
  })
  const events: CircuitEvent[] = []
  producer.on('circuit', (e) => {
    events.push(e)
    t.diagnostic(`circuit ${e.previous} -> ${e.state}: ${e.reason}`)
  })
  const server: Server = createServer(healthHandler(producer))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let brokerStopped = false
  try {
    // 1. Healthy: records go, health is ok, both probes answer 200.
    for (let i = 0; i < 5; i++) await producer.send({ topic, value: `before-${i}` })
    let h = producer.health()
    assert.equal(h.verdict, 'ok', h.reasons.join('; '))
    assert.equal(h.circuit?.state, 'closed')
    assert.ok(h.brokers.connected.length > 0)
    assert.ok(h.lastProduced[topic]! > 0, 'the last acknowledged batch of the topic is known')
    assert.equal(typeof h.metadataAgeMs, 'number')
    assert.equal((await get(base, '/ready')).status, 200)
    assert.equal((await get(base, '/live')).status, 200)
    assert.equal(producer.metrics()['circuit-state'], 0)

    // 2. The broker stops. Records sent now wait in the accumulator; the failures they meet
    // (the lost connection, connection attempts refused) open the breaker.
    await cluster.stopBroker(node)
    brokerStopped = true
    const during: { value: string; outcome: KafkaError | RecordMetadata | null }[] = []
    for (let i = 0; i < 3; i++) {
      const entry = { value: `during-${i}`, outcome: null as KafkaError | RecordMetadata | null }
      during.push(entry)
      producer.send({ topic, value: entry.value }, (err, md) => {
        entry.outcome = err ?? md
      })
    }
    await waitUntil(
      () => events.some((e) => e.state === 'open'),
      () =>
        `the breaker to open (events: ${JSON.stringify(events)}, health: ${JSON.stringify(producer.health())})`,
      60_000,
    )
    assert.deepEqual(
      { previous: events[0]!.previous, state: events[0]!.state },
      { previous: 'closed', state: 'open' },
    )
    assert.match(events[0]!.reason, /3 consecutive delivery failure/)
    assert.ok(
      during.every((d) => d.outcome === null),
      'records already in the accumulator are not touched',
    )

    // Fail fast: the callback runs before send() returns; the promise settles before the next
    // macrotask. Nothing waits for delivery.timeout.ms (300 s here).
    // The cooldown (4 s) is far longer than the poll above (100 ms): it is still open.
    assert.equal(producer.health().circuit?.state, 'open')
    {
      const refused: KafkaError[] = []
      for (let i = 0; i < 10; i++) {
        producer.send({ topic, value: `refused-${i}` }, (err) => {
          if (err !== null) refused.push(err)
        })
      }
      assert.equal(refused.length, 10, 'every callback ran inside send()')
      for (const err of refused) {
        assert.ok(err instanceof CircuitOpenError)
        assert.equal(err.code, 'ERR_CIRCUIT_OPEN')
        assert.equal(err.retriable, true)
        assert.equal(err.maybeWritten, false)
      }
      const viaPromise = await settledThisTick(producer.send({ topic, value: 'refused-promise' }))
      assert.ok(viaPromise instanceof CircuitOpenError, `settled at once: ${String(viaPromise)}`)
      h = producer.health()
      assert.equal(h.verdict, 'down')
      assert.ok(
        h.reasons.some((r) => /circuit breaker is open/.test(r)),
        h.reasons.join('; '),
      )
      const ready = await get(base, '/ready')
      assert.equal(ready.status, 503)
      assert.equal(ready.body.verdict, 'down')
      assert.equal(
        (await get(base, '/live')).status,
        200,
        'an open breaker is not a reason to restart the process',
      )
      const m = producer.metrics()
      assert.equal(m['circuit-state'], 2)
      assert.ok(m['circuit-open-total']! >= 1)
      assert.ok(m['circuit-rejected-total']! >= 11)
      assert.match(producer.metricsText(), /kafka_producer_circuit_state\{client_id="breaker-test"\} 2/)
      assert.ok(h.brokers.lastConnectError !== null, 'the failed connection attempt is reported')
    }

    // 3. The broker comes back. After a cooldown, probes go through and close the breaker.
    await cluster.startBroker(node)
    brokerStopped = false
    // The records still queued are retried: the producer connects again (breaker or not).
    await waitUntil(
      () => producer.health().brokers.connected.length > 0,
      () => `a connection to the restarted broker (${JSON.stringify(producer.health().brokers)})`,
      60_000,
    )
    const probes: Promise<RecordMetadata>[] = []
    for (let round = 0; producer.health().circuit?.state !== 'closed'; round++) {
      assert.ok(round < 60, `the breaker closes (events: ${JSON.stringify(events.map((e) => e.state))})`)
      await waitUntil(
        () => producer.health().circuit?.state !== 'open',
        () => 'the cooldown to end',
        30_000,
        50,
      )
      if (producer.health().circuit?.state === 'half-open') {
        const hh = producer.health()
        assert.equal(hh.verdict, 'degraded', hh.reasons.join('; '))
        assert.ok(
          hh.reasons.some((r) => /circuit breaker is half-open/.test(r)),
          hh.reasons.join('; '),
        )
        assert.equal((await get(base, '/ready')).status, 200, 'degraded is ready')
        const p = [0, 1].map((i) => producer.send({ topic, value: `probe-${round}-${i}` }))
        const outcomes = await Promise.allSettled(p)
        for (const o of outcomes) {
          if (o.status === 'fulfilled') probes.push(Promise.resolve(o.value))
          else
            assert.ok(
              o.reason instanceof CircuitOpenError || o.reason instanceof KafkaError,
              String(o.reason),
            )
        }
      }
    }
    assert.ok(probes.length >= 2, 'two probes were delivered')
    const last = events.at(-1)!
    assert.deepEqual(
      { previous: last.previous, state: last.state },
      { previous: 'half-open', state: 'closed' },
    )
    assert.match(last.reason, /2 probe\(s\) delivered/)
    // Events form a chain: each one's previous is the state the last one entered.
    for (let i = 1; i < events.length; i++) assert.equal(events[i]!.previous, events[i - 1]!.state)
    for (const e of events) {
      const allowed = { closed: ['open'], open: ['half-open'], 'half-open': ['open', 'closed'] }[e.previous]
      assert.ok(allowed.includes(e.state), `${e.previous} -> ${e.state}`)
    }

    // 4. Closed: records go again; the ones that waited through the outage are delivered too.
    for (let i = 0; i < 10; i++) await producer.send({ topic, value: `after-${i}` })
    await producer.flush()
    await waitUntil(
      () => during.every((d) => d.outcome !== null),
      () => 'the records sent during the outage to settle',
      60_000,
    )
    for (const d of during) assert.ok(!(d.outcome instanceof Error), `${d.value}: ${String(d.outcome)}`)
    await waitUntil(
      () => producer.health().verdict === 'ok',
      () => `health ok (${producer.health().reasons.join('; ')})`,
      30_000,
    )
    assert.equal(producer.metrics()['circuit-state'], 0)
    const ready = await get(base, '/ready')
    assert.equal(ready.status, 200)
    assert.equal(ready.body.verdict, 'ok')
    assert.equal((ready.body.circuit as { state: string }).state, 'closed')
  } finally {
    await producer.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    if (brokerStopped) await cluster.startBroker(node)
  }
  // A closed producer is not live.
  assert.equal(producer.health().verdict, 'down')

  const values = (await readTopic(bootstrap, topic)).map((r) => r.value!.toString()).sort()
  const expected = [
    ...Array.from({ length: 5 }, (_, i) => `before-${i}`),
    ...Array.from({ length: 3 }, (_, i) => `during-${i}`),
    ...Array.from({ length: 10 }, (_, i) => `after-${i}`),
  ]
  for (const v of expected) assert.ok(values.includes(v), `${v} is in the topic`)
  assert.ok(!values.some((v) => v.startsWith('refused')), 'no refused record was written')
  assert.ok(values.filter((v) => v.startsWith('probe-')).length >= 2, 'the delivered probes are in the topic')
})

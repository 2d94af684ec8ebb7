/**
 * What the circuit breaker counts, through a real Producer against the fake broker: record-level
 * errors and retriable errors the broker answered (and that a retry then fixed) are not
 * failures; unanswered requests are, and only consecutive ones; an open breaker refuses inside
 * send() and leaves queued records alone; probes close it once the cluster answers again.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BrokerError, CircuitOpenError, type KafkaError } from '../../src/errors.js'
import type { CircuitEvent } from '../../src/producer/circuit-breaker.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { FakeError, startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from './support.js'

function onCircuit(producer: Producer): CircuitEvent[] {
  const events: CircuitEvent[] = []
  producer.on('circuit', (e) => events.push(e))
  return events
}

function nextState(producer: Producer, state: CircuitEvent['state']): Promise<CircuitEvent> {
  return new Promise((resolve) => {
    const on = (e: CircuitEvent) => {
      if (e.state !== state) return
      producer.off('circuit', on)
      resolve(e)
    }
    producer.on('circuit', on)
  })
}

describe('circuit breaker against the fake broker', () => {
  test('record-level errors and answered retriable errors are not failures, even with a threshold of 1', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    cluster.failPartition('t', 0, FakeError.INVALID_RECORD, { times: 3 })
    cluster.failPartition('t', 1, FakeError.NOT_ENOUGH_REPLICAS, { times: 3 })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      circuitBreaker: { failureThreshold: 1, cooldownMs: 600_000 },
    })
    const events = onCircuit(producer)
    try {
      const refused = await Promise.allSettled(
        [0, 1, 2].map((i) => producer.send({ topic: 't', partition: 0, value: `bad-${i}` })),
      )
      for (const r of refused) {
        assert.equal(r.status, 'rejected')
        assert.ok((r as PromiseRejectedResult).reason instanceof BrokerError)
      }
      await producer.send({ topic: 't', partition: 1, value: 'retried' }) // NOT_ENOUGH_REPLICAS x3, then ok
      assert.ok(producer.metrics()['record-retry-total']! >= 1)
      assert.deepEqual(events, [])
      assert.equal(producer.health().circuit?.state, 'closed')
      assert.equal(producer.metrics()['circuit-consecutive-failures'], 0)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('a batch that fails for good with a retriable error counts (no retry left), and the record sees the breaker open in its callback', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    cluster.failPartition('t', 0, FakeError.NOT_ENOUGH_REPLICAS, { times: 10 })
    const producer = new Producer({
      ...QUICK,
      enableIdempotence: false,
      retries: 0,
      bootstrapServers: cluster.bootstrapServers,
      circuitBreaker: { failureThreshold: 2, cooldownMs: 600_000 },
    })
    const events = onCircuit(producer)
    try {
      const first = await producer.send({ topic: 't', value: 'a' }).catch((e: unknown) => e)
      assert.ok(first instanceof BrokerError && first.code === 'NOT_ENOUGH_REPLICAS' && first.retriable)
      assert.equal(producer.metrics()['circuit-consecutive-failures'], 1)
      let stateInCallback: string | undefined
      await new Promise<void>((resolve) =>
        producer.send({ topic: 't', value: 'b' }, () => {
          stateInCallback = producer.health().circuit?.state
          resolve()
        }),
      )
      assert.equal(stateInCallback, 'open', 'the breaker counted the batch before its records settled')
      assert.match(events[0]!.reason, /2 consecutive .*a batch for t-0 failed: NOT_ENOUGH_REPLICAS/)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('unanswered requests count only when consecutive: an acknowledged batch starts over', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      circuitBreaker: { failureThreshold: 2, cooldownMs: 600_000 },
    })
    const events = onCircuit(producer)
    try {
      await producer.send({ topic: 't', value: 'warm' })
      for (let i = 0; i < 3; i++) {
        cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before', times: 1 })
        await producer.send({ topic: 't', value: `v-${i}` }) // one lost request, then delivered
      }
      assert.deepEqual(events, [], 'never two failures in a row')
      assert.equal(producer.metrics()['circuit-consecutive-failures'], 0)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('opens on lost requests, refuses inside send(), leaves queued records alone, closes through probes', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({
      ...QUICK,
      deliveryTimeoutMs: 20_000,
      bootstrapServers: cluster.bootstrapServers,
      circuitBreaker: { failureThreshold: 3, cooldownMs: 300, halfOpenProbes: 1 },
    })
    const events = onCircuit(producer)
    try {
      await producer.send({ topic: 't', value: 'warm' })
      const removeRule = cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before' })
      const opened = nextState(producer, 'open')
      const queued = producer.send({ topic: 't', value: 'queued' })
      await opened
      let settledInside = false
      let refusal = null as KafkaError | null
      producer.send({ topic: 't', value: 'refused' }, (err) => {
        settledInside = true
        refusal = err
      })
      assert.ok(settledInside)
      assert.ok(refusal instanceof CircuitOpenError)
      assert.equal(producer.health().verdict, 'down')
      // The cluster answers again; the queued record is still being retried and gets through.
      removeRule()
      assert.ok(!(await queued).offset.toString().startsWith('-'), 'the queued record was delivered')
      if (producer.health().circuit?.state !== 'half-open') await nextState(producer, 'half-open')
      const closed = nextState(producer, 'closed')
      const probe = await producer.send({ topic: 't', value: 'probe' })
      assert.equal(typeof probe.offset, 'bigint')
      const e = await closed
      assert.match(e.reason, /1 probe\(s\) delivered/)
      const chain = events.map((x) => `${x.previous}->${x.state}`)
      assert.equal(chain[0], 'closed->open')
      assert.equal(chain.at(-1), 'half-open->closed')
      const values = cluster.log('t', 0).map((r) => r.value?.toString())
      assert.ok(values.includes('queued') && values.includes('probe') && !values.includes('refused'))
      await producer.send({ topic: 't', value: 'after' })
      assert.equal(producer.health().verdict, 'ok', producer.health().reasons.join('; '))
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

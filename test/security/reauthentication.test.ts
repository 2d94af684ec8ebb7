/**
 * KIP-368 re-authentication against the fake broker's SASL listener, whose sessions last
 * `sessionLifetimeMs`: while the producer keeps sending, each connection re-authenticates before
 * its session ends (ordinary requests held back meanwhile, never interleaved with the SASL ones),
 * and no record is lost, duplicated or reordered. A re-authentication the broker refuses closes
 * the connection, as in Java (a fatal AuthenticationException for that connection): the requests
 * on it fail as a disconnection and retry on a new connection, which authenticates afresh; when
 * that first authentication is refused too, the records waiting for the broker fail with the
 * AuthenticationError.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { AuthenticationError, type KafkaError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { type FakeCluster, startFakeCluster } from '../fakes/fake-broker.js'
import type { FakeSaslListener } from '../fakes/sasl-listener.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'

const PASSWORD = 'Re4uth-Pw-Qx'
// Java re-authenticates at 85-95% of the session: 3 s leaves 150-450 ms between that and the
// broker's expiry, room for a loaded machine's late timers.
const LIFETIME_MS = 3_000
const PARTITIONS = [0, 1, 2]
const GIVE_UP_MS = 20_000

interface Outcome {
  partition: number
  value: string
  calls: number
  error: Error | null
  md: RecordMetadata | null
}

function producerFor(cluster: FakeCluster): Producer {
  return new Producer({
    ...QUICK,
    bootstrapServers: cluster.bootstrapServers,
    securityProtocol: 'SASL_PLAINTEXT',
    sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
    acks: 'all',
    enableIdempotence: true,
    lingerMs: 2,
    deliveryTimeoutMs: 20_000,
  })
}

/**
 * Sends with the callback API, a few records per partition every couple of milliseconds, until
 * `enough()` holds and at least `minMs` have passed (a length of traffic, not a claim about
 * speed); then flushes.
 */
async function produceUntil(
  producer: Producer,
  tag: string,
  minMs: number,
  enough: (outcomes: readonly Outcome[]) => boolean,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  const started = Date.now()
  let i = 0
  // Bounded, so that a producer that stops making progress fails the test instead of looping.
  while ((Date.now() - started < minMs || !enough(outcomes)) && Date.now() - started < GIVE_UP_MS) {
    for (let k = 0; k < 6; k++, i++) {
      const o: Outcome = {
        partition: PARTITIONS[i % PARTITIONS.length]!,
        value: `${tag}-${i}`,
        calls: 0,
        error: null,
        md: null,
      }
      outcomes.push(o)
      const more = producer.send({ topic: 't', partition: o.partition, value: o.value }, (err, md) => {
        o.calls++
        o.error = err
        o.md = md
      })
      if (!more) await new Promise<void>((r) => producer.once('drain', r))
    }
    await sleep(2)
  }
  await producer.flush({ signal: AbortSignal.timeout(GIVE_UP_MS) })
  return outcomes
}

function assertExactlyOnceInOrder(cluster: FakeCluster, outcomes: readonly Outcome[]): void {
  for (const o of outcomes) {
    assert.equal(o.calls, 1, `${o.value}: callback called ${o.calls} times`)
    assert.equal(o.error, null, `${o.value} failed: ${o.error}`)
  }
  for (const p of PARTITIONS) {
    const sent = outcomes.filter((o) => o.partition === p)
    const log = cluster.log('t', p)
    assert.deepEqual(
      log.map((r) => r.value?.toString()),
      sent.map((o) => o.value),
      `partition ${p}: the log holds every record once, in send order`,
    )
    for (const [j, o] of sent.entries()) assert.equal(o.md!.offset, log[j]!.offset, `offset of ${o.value}`)
  }
}

/** Checks that on every connection no ordinary request came between a SaslHandshake and its SaslAuthenticate. */
function assertSaslNotInterleaved(cluster: FakeCluster): void {
  const byConnection = new Map<number, number[]>()
  for (const r of cluster.requests)
    byConnection.set(r.connectionId, [...(byConnection.get(r.connectionId) ?? []), r.apiKey])
  for (const [id, keys] of byConnection) {
    for (const [j, k] of keys.entries()) {
      if (k === ApiKey.SaslHandshake && j + 1 < keys.length)
        assert.equal(
          keys[j + 1],
          ApiKey.SaslAuthenticate,
          `connection ${id}: SaslHandshake followed by ${keys[j + 1]}`,
        )
    }
  }
}

describe('KIP-368 re-authentication', () => {
  test('continuous idempotent produce across several re-authentications: exactly once, in order, one connection', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      brokers: 1,
      topics: [{ name: 't', partitions: 3 }],
      sasl: { users: { alice: PASSWORD }, sessionLifetimeMs: LIFETIME_MS },
    })
    const producer = producerFor(cluster)
    const sasl = cluster.broker(0).sasl!
    try {
      await producer.send({ topic: 't', partition: 0, value: 'first' })
      const created = producer.metrics()['connection-creation-total']
      assert.equal(created, 1)
      const outcomes = await produceUntil(producer, 'r', 3_000, () => sasl.reauthentications >= 2)
      outcomes.unshift({
        partition: 0,
        value: 'first',
        calls: 1,
        error: null,
        md: { offset: 0n } as RecordMetadata,
      })
      assertExactlyOnceInOrder(cluster, outcomes)
      assert.ok(sasl.reauthentications >= 2, `re-authentications: ${sasl.reauthentications}`)
      assert.equal(sasl.failures, 0)
      assert.deepEqual(cluster.broker(0).protocolErrors, [])
      assertSaslNotInterleaved(cluster)
      const m = producer.metrics()
      assert.equal(m['connection-creation-total'], created, 'no new connection after the first')
      assert.equal(m['successful-reauthentication-total'], sasl.reauthentications)
      assert.equal(m['failed-reauthentication-total'], 0)
      assert.equal(cluster.broker(0).connectionCount, 1)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('a refused re-authentication closes the connection; its records retry on a new one, exactly once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      brokers: 1,
      topics: [{ name: 't', partitions: 3 }],
      sasl: { users: { alice: PASSWORD }, sessionLifetimeMs: LIFETIME_MS, rejectReauthentication: true },
    })
    const producer = producerFor(cluster)
    const sasl = cluster.broker(0).sasl!
    try {
      const outcomes = await produceUntil(producer, 'f', 1_000, () => sasl.reauthenticationFailures >= 2)
      assertExactlyOnceInOrder(cluster, outcomes)
      const m = producer.metrics()
      assert.ok(
        m['failed-reauthentication-total']! >= 2,
        `failed re-authentications: ${m['failed-reauthentication-total']}`,
      )
      assert.ok(m['connection-creation-total']! >= 3, 'each refusal was followed by a new connection')
      assert.equal(m['failed-authentication-total'], 0, 'the new connections authenticated at once')
      assert.deepEqual(cluster.broker(0).protocolErrors, [], 'no request was sent on a refused session')
      assertSaslNotInterleaved(cluster)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('credentials revoked: the re-authentication and the new connection are refused; records fail with AuthenticationError', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const users: Record<string, string> = { alice: PASSWORD }
    const cluster = await startFakeCluster({
      brokers: 1,
      topics: [{ name: 't', partitions: 3 }],
      sasl: { users, sessionLifetimeMs: LIFETIME_MS },
    })
    const producer = producerFor(cluster)
    const sasl: FakeSaslListener = cluster.broker(0).sasl!
    try {
      await producer.send({ topic: 't', partition: 0, value: 'before' })
      users.alice = 'changed-by-the-admin'
      const outcomes = await produceUntil(producer, 'x', 0, (sent) => sent.some((o) => o.error !== null))
      const failed = outcomes.filter((o) => o.error !== null)
      assert.ok(failed.length > 0)
      for (const o of outcomes) assert.equal(o.calls, 1, `${o.value}: callback called ${o.calls} times`)
      for (const o of failed) {
        assert.ok(o.error instanceof AuthenticationError, `${o.value}: ${o.error}`)
        assert.equal((o.error as KafkaError).code, 'SASL_AUTHENTICATION_FAILED')
        assert.ok(!String(o.error.stack).includes(PASSWORD))
      }
      assert.ok(sasl.reauthenticationFailures >= 1 || sasl.failures >= 1)
      assert.ok(producer.metrics()['failed-authentication-total']! >= 1, 'a new connection was refused')
      // What was acknowledged is in the log once, in order.
      for (const p of PARTITIONS) {
        const acked = outcomes.filter((o) => o.partition === p && o.error === null).map((o) => o.value)
        const log = cluster
          .log('t', p)
          .map((r) => r.value?.toString())
          .filter((v) => v !== 'before')
        assert.deepEqual(log, acked, `partition ${p}`)
      }
      assert.deepEqual(cluster.broker(0).protocolErrors, [])
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

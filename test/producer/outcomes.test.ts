/**
 * Every failure tells whether the records may have been written (docs/DELIVERY.md): `maybeWritten`
 * is true only for records whose request was sent and not answered, false for records never sent
 * and for records the broker refused. Against the fake broker, which shows what it received.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { asMaybeWritten, BrokerError, KafkaError, NetworkError, TimeoutError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT, waitFor } from '../faults/support.js'

/** The error a send rejected with (fails the test if it resolved). */
async function failure(p: Promise<unknown>): Promise<KafkaError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof KafkaError, `a KafkaError, got ${err}`)
    return err
  }
  assert.fail('the send succeeded')
}

const producedValues = (cluster: Awaited<ReturnType<typeof startFakeCluster>>) =>
  cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).length

describe('maybeWritten', () => {
  test('close({ timeoutMs }): the record in flight may have been written; the one never sent was not', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'hung', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
    const p = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 60_000,
      deliveryTimeoutMs: 120_000,
      maxInFlightRequestsPerConnection: 1,
    })
    try {
      const inFlight = p.send({ topic: 'hung', partition: 0, value: 'sent, never answered' })
      // It goes out (the broker has it); the next one waits behind it (max.in.flight 1).
      await waitFor(() => producedValues(cluster) === 1, 'the first Produce request reached the broker')
      const queued = p.send({ topic: 'hung', partition: 0, value: 'never sent' })
      await p.close({ timeoutMs: 300 })
      const sent = await failure(inFlight)
      const unsent = await failure(queued)
      assert.equal(producedValues(cluster), 1, 'the broker got one Produce request')
      assert.equal(sent.code, 'ERR_CLOSE_TIMEOUT')
      assert.equal(sent.maybeWritten, true)
      assert.match(
        sent.message,
        /closed after 300 ms while these records were sent and not answered: they may have been written/,
      )
      assert.equal(unsent.code, 'ERR_CLOSE_TIMEOUT')
      assert.equal(unsent.maybeWritten, false)
      assert.match(
        unsent.message,
        /closed after 300 ms before these records were sent: they were not written/,
      )
      assert.equal(sent.retriable, false)
    } finally {
      await cluster.close()
    }
  })

  test('delivery.timeout.ms: a batch whose requests were never answered may have been written', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'slow', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
    const p = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 1_000,
      deliveryTimeoutMs: 4_000,
    })
    try {
      const err = await failure(p.send({ topic: 'slow', partition: 0, value: 'v' }))
      assert.ok(producedValues(cluster) >= 1)
      assert.equal(err.code, 'ERR_DELIVERY_TIMEOUT')
      assert.equal(err.maybeWritten, true)
      // Expired in flight, or waiting for its retry after an unanswered attempt: either way, sent.
      assert.match(
        err.message,
        /(sent and not answered|an earlier attempt was not answered), so they may have been written/,
      )
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('delivery.timeout.ms: a batch never sent (no leader) was not written', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'leaderless', partitions: 1 }] })
    cluster.moveLeader('leaderless', 0, -1)
    const p = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      requestTimeoutMs: 300,
      deliveryTimeoutMs: 600,
    })
    try {
      const err = await failure(p.send({ topic: 'leaderless', partition: 0, value: 'v' }))
      assert.equal(producedValues(cluster), 0)
      assert.equal(err.code, 'ERR_DELIVERY_TIMEOUT')
      assert.equal(err.maybeWritten, false)
      assert.match(err.message, /never sent, so not written/)
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('a refusal by the broker was not written', { timeout: TEST_TIMEOUT }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'bad', partitions: 1 }] })
    cluster.failPartition('bad', 0, 87, { times: Number.POSITIVE_INFINITY }) // INVALID_RECORD
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const err = await failure(p.send({ topic: 'bad', partition: 0, value: 'v' }))
      assert.ok(err instanceof BrokerError)
      assert.equal(err.maybeWritten, false)
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('a lost connection with no retries left: the records in flight may have been written', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'cut', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before' })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, retries: 0 })
    try {
      const err = await failure(p.send({ topic: 'cut', partition: 0, value: 'v' }))
      assert.ok(err instanceof NetworkError, `got ${err}`)
      assert.equal(err.maybeWritten, true)
      assert.match(err.message, /the request was sent and not answered, so the records may have been written/)
    } finally {
      await p.close()
      await cluster.close()
    }
  })
})

describe('asMaybeWritten', () => {
  test('keeps the class, code and fields; one copy per error; the original is untouched', () => {
    const original = new TimeoutError('request timed out', 'ERR_DELIVERY_TIMEOUT')
    const copy = asMaybeWritten(original)
    assert.ok(copy instanceof TimeoutError)
    assert.ok(copy instanceof KafkaError)
    assert.equal(copy.code, 'ERR_DELIVERY_TIMEOUT')
    assert.equal(copy.retriable, true)
    assert.equal(copy.maybeWritten, true)
    assert.equal(copy.name, 'TimeoutError')
    assert.match(copy.message, /^request timed out; the request was sent and not answered/)
    assert.match(String(copy.stack), /may have been written/)
    assert.equal(original.maybeWritten, false)
    assert.equal(original.message, 'request timed out')
    assert.equal(asMaybeWritten(original), copy)
    assert.equal(asMaybeWritten(copy), copy)
    const plain = asMaybeWritten(new Error('socket hang up'))
    assert.ok(plain instanceof KafkaError)
    assert.equal(plain.code, 'ERR_NETWORK')
    assert.equal(plain.maybeWritten, true)
    assert.equal((plain.cause as Error).message, 'socket hang up')
  })
})

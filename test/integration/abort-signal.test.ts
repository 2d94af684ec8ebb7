/**
 * AbortSignal on send(), flush() and close(): a record can be taken back only while it waits
 * (for its topic's metadata or for memory); flush() stops waiting and the records go on; close()
 * gives up as its timeout would, and still settles everything.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, test } from 'node:test'
import { AbortError, KafkaError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

/** A producer whose topics never appear: every record waits for metadata. */
async function nowhere(): Promise<Producer> {
  return new Producer({
    bootstrapServers: `127.0.0.1:${await closedPort()}`,
    maxBlockMs: 120_000,
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 50,
  })
}

function isAbort(reason: unknown) {
  return (err: unknown) => {
    assert.ok(err instanceof AbortError, `got ${err}`)
    assert.ok(err instanceof KafkaError)
    assert.equal(err.name, 'AbortError')
    assert.equal(err.code, 'ERR_ABORTED')
    assert.equal(err.cause, reason)
    return true
  }
}

describe('send({ signal })', () => {
  test('a signal already aborted rejects at once; the record is not sent', async () => {
    const p = await nowhere()
    try {
      const reason = new Error('too late')
      const signal = AbortSignal.abort(reason)
      await assert.rejects(p.send({ topic: 't', value: 'x' }, { signal }), isAbort(reason))
      let got: Error | null = null
      p.send({ topic: 't', value: 'y' }, (err) => (got = err), { signal })
      assert.ok(got !== null, 'the callback ran before send() returned')
      isAbort(reason)(got)
    } finally {
      await p.close({ timeoutMs: 0 })
    }
  })

  test('aborting a record waiting for metadata rejects it; the others of its topic still wait', async () => {
    const p = await nowhere()
    const ac = new AbortController()
    const kept = p.send({ topic: 'never', value: 'kept' })
    const dropped = p.send({ topic: 'never', value: 'dropped' }, { signal: ac.signal })
    let keptSettled = false
    kept.then(
      () => (keptSettled = true),
      () => (keptSettled = true),
    )
    const reason = new Error('user navigated away')
    ac.abort(reason)
    await assert.rejects(dropped, isAbort(reason))
    await new Promise((r) => setImmediate(r))
    assert.equal(keptSettled, false, 'the record without a signal is still waiting')
    await p.close({ timeoutMs: 0 })
    await assert.rejects(kept) // the close fails it; it was never appended
  })

  test('the callback form takes a signal too', async () => {
    const p = await nowhere()
    const ac = new AbortController()
    const outcome = new Promise<Error | null>((resolve) => {
      const room = p.send({ topic: 'never', value: 'cb' }, (err) => resolve(err), { signal: ac.signal })
      assert.equal(typeof room, 'boolean')
    })
    ac.abort()
    const err = await outcome
    assert.ok(err instanceof AbortError)
    assert.ok(err.cause instanceof DOMException, 'the default reason is an AbortError DOMException')
    await p.close({ timeoutMs: 0 })
  })

  test('aborting a record waiting for memory removes it from the queue', async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'full', partitions: 3 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
    const p = new Producer({
      bootstrapServers: cluster.bootstrapServers,
      bufferMemory: 32768,
      batchSize: 16384,
      maxBlockMs: 120_000,
      requestTimeoutMs: 120_000,
      deliveryTimeoutMs: 240_000,
    })
    try {
      await p.partitionsFor('full')
      // Two batches take all of buffer.memory; a record for a third partition waits for memory.
      const first = p.send({ topic: 'full', partition: 0, value: 'a' })
      const second = p.send({ topic: 'full', partition: 1, value: 'b' })
      const ac = new AbortController()
      const waiting = p.send({ topic: 'full', partition: 2, value: 'c' }, { signal: ac.signal })
      assert.equal(p.needsDrain, true, 'the third record waits for memory')
      const reason = new Error('no longer needed')
      ac.abort(reason)
      await assert.rejects(waiting, isAbort(reason))
      await p.close({ timeoutMs: 100 })
      // The two records in batches were never answered: the close tells them so.
      for (const r of [first, second]) {
        await assert.rejects(r, (err: unknown) => (err as KafkaError).code === 'ERR_CLOSE_TIMEOUT')
      }
    } finally {
      await p.close()
      await cluster.close()
    }
  })
})

describe('flush({ signal })', () => {
  test('aborting stops the wait with an AbortError; the records keep waiting', async () => {
    const p = await nowhere()
    const record = p.send({ topic: 'never', value: 'still here' })
    let recordSettled = false
    record.then(
      () => (recordSettled = true),
      () => (recordSettled = true),
    )
    const ac = new AbortController()
    const flushing = p.flush({ signal: ac.signal })
    const reason = new Error('stop waiting')
    ac.abort(reason)
    await assert.rejects(flushing, isAbort(reason))
    await new Promise((r) => setImmediate(r))
    assert.equal(recordSettled, false)
    await assert.rejects(p.flush({ signal: AbortSignal.abort(reason) }), isAbort(reason))
    await p.close({ timeoutMs: 0 })
    await assert.rejects(record)
  })

  test('on a real broker: an aborted flush leaves the records delivered', async () => {
    const topic = uniqueTopic('abort-flush')
    await createTopic(topic, 2)
    const p = new Producer({ bootstrapServers: testBootstrap(), lingerMs: 60_000 })
    try {
      const sends = Array.from({ length: 200 }, (_, i) => p.send({ topic, value: `v${i}` }))
      const ac = new AbortController()
      const flushing = p.flush({ signal: ac.signal })
      ac.abort()
      await assert.rejects(flushing, AbortError)
      const mds = await Promise.all(sends)
      assert.ok(mds.every((m) => m.offset >= 0n))
      const values = (await readTopic(testBootstrap(), topic)).map((r) => r.value?.toString())
      assert.deepEqual(
        values.sort(),
        Array.from({ length: 200 }, (_, i) => `v${i}`).sort(),
        "Kafka's own consumer reads every record",
      )
    } finally {
      await p.close()
    }
  })
})

describe('close({ signal })', () => {
  test('aborting acts as the timeout passing: what is left fails, close() resolves', async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'hung', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
    const p = new Producer({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 120_000 })
    try {
      await p.partitionsFor('hung')
      const pending = p.send({ topic: 'hung', value: 'never acknowledged' })
      const ac = new AbortController()
      const closing = p.close({ signal: ac.signal })
      const reason = new Error('shutting down now')
      ac.abort(reason)
      await closing
      await assert.rejects(pending, (err: unknown) => {
        assert.equal((err as KafkaError).code, 'ERR_CLOSE_TIMEOUT', `got ${err}`)
        assert.match((err as Error).message, /close\(\) was aborted/)
        assert.equal((err as Error).cause, reason)
        return true
      })
      assert.equal(await p.close(), undefined, 'a later close() returns the same settled promise')
    } finally {
      await cluster.close()
    }
  })

  test('a signal aborted before close() closes at once', async () => {
    const p = await nowhere()
    const record = p.send({ topic: 'never', value: 'x' })
    await p.close({ signal: AbortSignal.abort() })
    await assert.rejects(record)
  })
})

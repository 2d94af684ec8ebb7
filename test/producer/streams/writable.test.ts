/**
 * producer.writable() against the fake broker: the producer's backpressure (write() false at its
 * high-water mark, the stream's 'drain' after the producer's, nothing buffered without bound),
 * end() waiting for the acknowledgements, the first failure destroying the stream (pipeline()
 * rejects with that KafkaError once the records already sent have settled), destroy() and the
 * signal leaving the producer open.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, test } from 'node:test'
import { AbortError, BrokerError, KafkaError, RecordTooLargeError } from '../../../src/errors.js'
import { Producer } from '../../../src/producer/producer.js'
import type { ProducerRecord, SendCallback, SendOptions } from '../../../src/producer/record.js'
import { ApiKey } from '../../../src/protocol/api-keys.js'
import { FakeError, startFakeCluster } from '../../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../../faults/support.js'

type Cluster = Awaited<ReturnType<typeof startFakeCluster>>

/** Counts the records handed to the producer and those settled, by wrapping its send(). */
function watchSends(p: Producer): { handed: () => number; settled: () => number; maxHeld: () => number } {
  let handed = 0
  let settled = 0
  let maxHeld = 0
  const send = p.send.bind(p) as (r: ProducerRecord, cb: SendCallback, o?: SendOptions) => boolean
  const spy = (record: ProducerRecord, cb: SendCallback, options?: SendOptions): boolean => {
    if (typeof cb !== 'function') return (send as (...a: unknown[]) => boolean)(record, cb, options) // the promise path
    handed++
    maxHeld = Math.max(maxHeld, handed - settled)
    return send(
      record,
      (err, md) => {
        settled++
        cb(err, md)
      },
      options,
    )
  }
  ;(p as unknown as { send: typeof spy }).send = spy
  return { handed: () => handed, settled: () => settled, maxHeld: () => maxHeld }
}

/** Resolves at 'close' (events.once would reject on the 'error' before it). */
const closed = (w: NodeJS.EventEmitter): Promise<void> => new Promise((resolve) => w.once('close', resolve))

const values = (cluster: Cluster, topic: string, partition = 0): string[] =>
  cluster.log(topic, partition).map((r) => r.value?.toString('utf8') ?? '<null>')

describe('producer.writable()', () => {
  test('write() returns false when the producer reaches its high-water mark, and drain follows the producer', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    // A slow broker: the mark is reached long before the first answer.
    cluster.addRule({ apiKey: ApiKey.Produce, delayMs: 5 })
    const p = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      bufferMemory: 64 * 1024,
      batchSize: 1024,
    })
    const bufferHwm = p.highWaterMark
    assert.equal(bufferHwm, 2048)
    try {
      await p.send({ topic: 't', value: 'warm-up' }) // metadata known: the first false is the mark's
      const w = p.writable({ topic: 't' })
      let producerDrains = 0
      p.on('drain', () => producerDrains++)
      const value = 'v'.repeat(100)
      let written = 0
      let falses = 0
      while (written < 1000) {
        const ok = w.write(`${written}-${value}`)
        written++
        if (!ok) {
          falses++
          // The producer asked to wait, not the stream's own buffer.
          assert.equal(p.needsDrain, true, 'write() false because the producer needs a drain')
          assert.equal(w.writableLength, 1, 'only the held chunk is in the stream')
          const drainsBefore = producerDrains
          await once(w, 'drain')
          assert.ok(producerDrains > drainsBefore, "the stream's drain came after the producer's")
          assert.equal(p.needsDrain, false)
        }
      }
      w.end()
      await once(w, 'finish')
      assert.ok(falses > 0, 'write() signalled backpressure')
      // 100-byte values: the producer's mark is reached with at most hwm / 100 records held.
      assert.ok(falses >= Math.floor((1000 * 100) / bufferHwm) - 1, `${falses} waits`)
      const got = values(cluster, 't')
      assert.equal(got.length, 1001)
      assert.deepEqual(
        got.slice(1),
        Array.from({ length: 1000 }, (_, i) => `${i}-${value}`),
        'every record once, in order',
      )
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('pipeline() from a fast source holds a bounded number of records: the producer’s mark plus the streams’ buffers', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 2 }] })
    const p = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      bufferMemory: 64 * 1024,
      batchSize: 1024,
    })
    const watch = watchSends(p)
    const total = 20_000
    let produced = 0
    let maxAhead = 0
    function* source(): Generator<ProducerRecord> {
      for (let i = 0; i < total; i++) {
        produced++
        maxAhead = Math.max(maxAhead, produced - watch.settled())
        yield { topic: 't', key: `k${i % 7}`, value: `r${i}-${'x'.repeat(90)}` }
      }
    }
    try {
      await pipeline(Readable.from(source()), p.writable())
      assert.equal(watch.handed(), total)
      assert.equal(watch.settled(), total, 'finished only once every record settled')
      const perRecord = 100 // each record is more than 90 bytes of value in its batch
      const producerBound = Math.ceil(p.highWaterMark / perRecord) + 1
      assert.ok(watch.maxHeld() <= producerBound + 16, `held ${watch.maxHeld()} records in the producer`)
      // The readable's and the writable's buffers (16 each) and the chunk being written.
      assert.ok(
        maxAhead <= producerBound + 16 + 16 + 16 + 2,
        `the source ran at most ${maxAhead} records ahead of the acknowledgements`,
      )
      const got = [...values(cluster, 't', 0), ...values(cluster, 't', 1)]
      assert.equal(got.length, total)
      assert.equal(new Set(got).size, total)
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('many streams and sendAll() calls waiting on one producer at once: one drain listener, no warning, all delivered', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 3 }] })
    const p = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      bufferMemory: 64 * 1024,
      batchSize: 1024,
    })
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    let maxListeners = 0
    const source = (tag: string) =>
      Readable.from(
        (function* () {
          for (let i = 0; i < 300; i++) {
            maxListeners = Math.max(maxListeners, p.listenerCount('drain'))
            yield `${tag}-${i}-${'x'.repeat(60)}`
          }
        })(),
      )
    try {
      await p.send({ topic: 't', value: 'warm-up' })
      await Promise.all([
        ...Array.from({ length: 12 }, (_, k) => pipeline(source(`w${k}`), p.writable({ topic: 't' }))),
        ...Array.from({ length: 12 }, (_, k) => p.sendAll(source(`s${k}`), { topic: 't' })),
      ])
      await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on the next tick
      assert.deepEqual(
        warnings.map((w) => w.name),
        [],
      )
      assert.equal(maxListeners, 1, "the streams share one 'drain' listener")
      assert.equal(p.listenerCount('drain'), 0, 'none left behind')
      const got = [0, 1, 2].flatMap((partition) => values(cluster, 't', partition))
      assert.equal(got.length, 1 + 24 * 300)
    } finally {
      process.off('warning', onWarning)
      await p.close()
      await cluster.close()
    }
  })

  test('end() finishes only once every record written is acknowledged', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, lingerMs: 50 })
    const watch = watchSends(p)
    try {
      await p.send({ topic: 't', value: 'warm-up' })
      // Answers that take a while: 'finish' must wait for them.
      cluster.addRule({ apiKey: ApiKey.Produce, delayMs: 300 })
      const w = p.writable()
      for (let i = 0; i < 10; i++) assert.equal(w.write({ topic: 't', value: `v${i}` }), true)
      let finishedAt = -1
      w.on('finish', () => {
        finishedAt = watch.settled()
      })
      w.end()
      await once(w, 'close')
      assert.equal(finishedAt, 10, "'finish' came after the 10 acknowledgements")
      assert.equal(values(cluster, 't').length, 11)
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('a record too large fails the stream: pipeline() rejects with its RecordTooLargeError once the records sent before it settled', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, delayMs: 50 })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, maxRequestSize: 2000 })
    const watch = watchSends(p)
    let pulled = 0
    function* source(): Generator<string> {
      for (let i = 0; i < 1000; i++) {
        pulled++
        yield i === 100 ? 'x'.repeat(5000) : `ok-${i}`
      }
    }
    try {
      await p.send({ topic: 't', value: 'warm-up' })
      const err = await pipeline(Readable.from(source()), p.writable({ topic: 't' })).then(
        () => assert.fail('pipeline resolved'),
        (e: unknown) => e,
      )
      assert.ok(err instanceof RecordTooLargeError, `a RecordTooLargeError, got ${err}`)
      assert.ok(err instanceof KafkaError)
      assert.equal(err.code, 'RECORD_TOO_LARGE')
      assert.equal(watch.settled(), watch.handed(), 'nothing the stream sent is still under way')
      assert.ok(pulled < 1000, `the source stopped being read (${pulled} pulled)`)
      const got = values(cluster, 't').slice(1)
      assert.deepEqual(
        got.slice(0, 100),
        Array.from({ length: 100 }, (_, i) => `ok-${i}`),
      )
      assert.ok(!got.some((v) => v.startsWith('xxx')))
      // The producer is still the caller's.
      assert.equal((await p.send({ topic: 't', value: 'after' })).topic, 't')
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test("a broker's refusal fails the stream with the BrokerError", { timeout: TEST_TIMEOUT }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      await p.send({ topic: 't', value: 'warm-up' })
      cluster.failPartition('t', 0, FakeError.INVALID_RECORD, { times: 1 })
      const w = p.writable()
      const errors: unknown[] = []
      w.on('error', (e) => errors.push(e))
      w.write({ topic: 't', value: 'refused' })
      await closed(w)
      assert.equal(errors.length, 1)
      const err = errors[0]
      assert.ok(err instanceof BrokerError, `a BrokerError, got ${err}`)
      assert.equal(err.code, 'INVALID_RECORD')
      assert.equal(w.destroyed, true)
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('destroy() and the signal end the stream, not the producer', { timeout: TEST_TIMEOUT }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      await p.send({ topic: 't', value: 'warm-up' }) // metadata known: the writes go into batches
      const w = p.writable({ topic: 't' })
      w.write('before destroy')
      w.destroy()
      await once(w, 'close')
      assert.equal(w.errored, null)
      const md = await p.send({ topic: 't', value: 'after destroy' })
      assert.equal(md.topic, 't')

      const ac = new AbortController()
      const w2 = p.writable({ topic: 't', signal: ac.signal })
      const errors: unknown[] = []
      w2.on('error', (e) => errors.push(e))
      w2.write('before abort')
      ac.abort(new Error('shutting down'))
      await closed(w2)
      assert.equal(errors.length, 1)
      const err = errors[0]
      assert.ok(err instanceof AbortError, `an AbortError, got ${err}`)
      assert.equal(err.code, 'ERR_ABORTED')
      assert.equal((err.cause as Error).message, 'shutting down')
      await p.send({ topic: 't', value: 'after abort' })
      assert.deepEqual(values(cluster, 't'), [
        'warm-up',
        'before destroy',
        'after destroy',
        'before abort',
        'after abort',
      ])

      const w3 = p.writable({ topic: 't', signal: AbortSignal.abort() })
      const [e3] = (await once(w3, 'error')) as [unknown]
      assert.ok(e3 instanceof AbortError)
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('destroy() takes back the records still waiting for metadata; they are not written', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // The topic exists only later: the records wait for its metadata.
    const cluster = await startFakeCluster({ topics: [] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    const watch = watchSends(p)
    try {
      const w = p.writable({ topic: 'later' })
      assert.equal(w.write('waits'), false, 'a record waiting for metadata asks the writer to wait')
      w.destroy()
      await once(w, 'close')
      assert.equal(w.errored, null, 'the records taken back are not an error of the stream')
      assert.equal(watch.settled(), 1)
      cluster.createTopic({ name: 'later', partitions: 1 })
      await p.send({ topic: 'later', value: 'sent after' })
      assert.deepEqual(values(cluster, 'later'), ['sent after'])
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('chunks: records, records without a topic and bare values with a default topic', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      topics: [
        { name: 'default', partitions: 1 },
        { name: 'other', partitions: 1 },
      ],
    })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const w = p.writable({ topic: 'default' })
      w.write('a string')
      w.write(Buffer.from('bytes'))
      w.write({ key: 'k', value: 'no topic', headers: { h: 'v' } })
      w.write({ topic: 'other', value: 'its own topic' })
      w.end()
      await once(w, 'finish')
      assert.deepEqual(values(cluster, 'default'), ['a string', 'bytes', 'no topic'])
      assert.deepEqual(values(cluster, 'other'), ['its own topic'])
      const keyed = cluster.log('default', 0)[2]!
      assert.equal(keyed.key?.toString(), 'k')
      assert.equal(cluster.log('default', 0)[0]!.key, null)

      // Without a default topic a chunk must be a record with one.
      const w2 = p.writable()
      const errors: unknown[] = []
      w2.on('error', (e) => errors.push(e))
      ;(w2 as unknown as { write(c: unknown): boolean }).write('no topic')
      await closed(w2)
      assert.ok(errors[0] instanceof KafkaError)
      assert.equal((errors[0] as KafkaError).code, 'ERR_INVALID_RECORD')
      assert.throws(() => p.writable({ topic: '' }), { code: 'ERR_INVALID_RECORD' })
    } finally {
      await p.close()
      await cluster.close()
    }
  })
})

/**
 * producer.sendAll() against the fake broker: backpressure from an async generator (the source
 * runs at most the producer's mark ahead of the acknowledgements), counts once everything has
 * settled, failures to onError (nothing dropped), stop at the first failure by default, the
 * AbortSignal (also while the source itself is stuck), and the source's own errors.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AbortError, InvalidRecordError, KafkaError, RecordTooLargeError } from '../../../src/errors.js'
import { Producer } from '../../../src/producer/producer.js'
import type { ProducerRecord } from '../../../src/producer/record.js'
import { ApiKey } from '../../../src/protocol/api-keys.js'
import { startFakeCluster } from '../../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../../faults/support.js'

type Cluster = Awaited<ReturnType<typeof startFakeCluster>>

const values = (cluster: Cluster, topic: string, partition = 0): string[] =>
  cluster.log(topic, partition).map((r) => r.value?.toString('utf8') ?? '<null>')

/** Fails the test if `p` resolves; the rejection otherwise. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => assert.fail(`resolved with ${JSON.stringify(v)}`),
    (e: unknown) => e,
  )
}

describe('producer.sendAll()', () => {
  test('an async generator: every record once, in order, with the source held back by the producer’s mark', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    const p = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      bufferMemory: 64 * 1024,
      batchSize: 1024,
    })
    let acked = 0
    p.on('drain', () => drains++)
    let drains = 0
    const total = 5000
    let produced = 0
    let maxAhead = 0
    async function* source(): AsyncGenerator<ProducerRecord<string, string>> {
      for (let i = 0; i < total; i++) {
        produced++
        // How far ahead of the acknowledgements the generator runs.
        acked = cluster.log('t', 0).length
        maxAhead = Math.max(maxAhead, produced - acked)
        yield { topic: 't', value: `${i}-${'v'.repeat(90)}` }
      }
    }
    try {
      const result = await p.sendAll(source())
      assert.deepEqual(result, { sent: total, failed: 0 })
      assert.deepEqual(
        values(cluster, 't'),
        Array.from({ length: total }, (_, i) => `${i}-${'v'.repeat(90)}`),
      )
      assert.ok(drains > 0, 'sendAll waited for drain')
      // 100-byte records against a 2 KiB mark: a few dozen ahead at most, not thousands.
      assert.ok(maxAhead <= p.highWaterMark / 90 + 2, `ran ${maxAhead} records ahead of the broker`)
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('onError: every record is sent, each failure goes there with its record, and the counts add up', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, maxRequestSize: 2000 })
    const failures: { code: string; value: string }[] = []
    try {
      const result = await p.sendAll(
        (function* () {
          for (let i = 0; i < 1000; i++) yield i % 100 === 7 ? 'x'.repeat(3000 + i) : `ok-${i}`
        })(),
        {
          topic: 't',
          onError: (err, record) => {
            assert.ok(err instanceof RecordTooLargeError)
            failures.push({ code: err.code, value: String(record.value).length.toString() })
          },
        },
      )
      assert.deepEqual(result, { sent: 990, failed: 10 })
      assert.deepEqual(
        failures,
        Array.from({ length: 10 }, (_, k) => ({
          code: 'RECORD_TOO_LARGE',
          value: String(3000 + k * 100 + 7),
        })),
      )
      const got = values(cluster, 't')
      assert.equal(got.length, 990)
      assert.ok(got.every((v) => v.startsWith('ok-')))
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('by default the first failure stops it: no more records are taken, the source is closed, it rejects with that error after the others settle', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, delayMs: 20 })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, maxRequestSize: 2000 })
    let pulled = 0
    let closedSource = false
    async function* source(): AsyncGenerator<string> {
      try {
        for (let i = 0; i < 1000; i++) {
          pulled++
          yield i === 50 ? 'x'.repeat(5000) : `ok-${i}`
        }
      } finally {
        closedSource = true
      }
    }
    try {
      await p.send({ topic: 't', value: 'warm-up' })
      const err = await rejection(p.sendAll(source(), { topic: 't' }))
      assert.ok(err instanceof RecordTooLargeError, `a RecordTooLargeError, got ${err}`)
      assert.equal(pulled, 51, 'nothing was taken after the failing record')
      assert.equal(closedSource, true, "the generator's finally ran")
      // The 50 sent before it settled before sendAll rejected.
      assert.deepEqual(
        values(cluster, 't').slice(1),
        Array.from({ length: 50 }, (_, i) => `ok-${i}`),
      )

      // stopOnError with onError: the failures seen, and still a rejection.
      const seen: string[] = []
      const err2 = await rejection(
        p.sendAll(['a', 'x'.repeat(5000), 'b'], {
          topic: 't',
          stopOnError: true,
          onError: (e) => seen.push(e.code),
        }),
      )
      assert.ok(err2 instanceof RecordTooLargeError)
      assert.deepEqual(seen, ['RECORD_TOO_LARGE'])
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test('the signal stops it, also while the source is stuck; what waited for metadata is taken back and reported', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      await p.send({ topic: 't', value: 'warm-up' })
      // The source never yields its 4th item.
      const ac = new AbortController()
      async function* stuck(): AsyncGenerator<string> {
        yield 'one'
        yield 'two'
        yield 'three'
        setTimeout(() => ac.abort(new Error('shutdown')), 10)
        await new Promise(() => {})
      }
      const err = await rejection(p.sendAll(stuck(), { topic: 't', signal: ac.signal }))
      assert.ok(err instanceof AbortError, `an AbortError, got ${err}`)
      assert.equal(err.code, 'ERR_ABORTED')
      assert.equal((err.cause as Error).message, 'shutdown')
      assert.deepEqual(values(cluster, 't'), ['warm-up', 'one', 'two', 'three'])

      // Records waiting for a topic's metadata are taken back: onError sees each one.
      const ac2 = new AbortController()
      const takenBack: string[] = []
      let pulled = 0
      const waiting = p.sendAll(
        (async function* () {
          pulled++
          yield { topic: 'unknown-yet', value: 'waits' } // sendAll now waits for 'drain'
          pulled++
          yield { topic: 't', value: 'never taken' }
        })(),
        { signal: ac2.signal, onError: (e, r) => takenBack.push(`${e.code} ${String(r.value)}`) },
      )
      setTimeout(() => ac2.abort(), 20)
      const err2 = await rejection(waiting)
      assert.equal(pulled, 1)
      assert.ok(err2 instanceof AbortError)
      assert.deepEqual(takenBack, ['ERR_ABORTED waits'])
      assert.deepEqual(values(cluster, 't'), ['warm-up', 'one', 'two', 'three'])

      // Already aborted: nothing is taken from the source.
      let touched = false
      const err3 = await rejection(
        p.sendAll(
          (function* () {
            touched = true
            yield { topic: 't', value: 'no' }
          })(),
          { signal: AbortSignal.abort() },
        ),
      )
      assert.ok(err3 instanceof AbortError)
      assert.equal(touched, false)
      // The producer is still the caller's.
      await p.send({ topic: 't', value: 'after' })
    } finally {
      await p.close()
      await cluster.close()
    }
  })

  test("the source's own error stops it and is what it rejects with; not an iterable is an InvalidRecordError", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const boom = new Error('the database went away')
      const err = await rejection(
        p.sendAll(
          (async function* () {
            yield 'first'
            throw boom
          })(),
          { topic: 't' },
        ),
      )
      assert.equal(err, boom)
      assert.deepEqual(values(cluster, 't'), ['first'])

      const bad = await rejection(p.sendAll(42 as unknown as []))
      assert.ok(bad instanceof InvalidRecordError)
      assert.ok(bad instanceof KafkaError)
      const empty = await p.sendAll([])
      assert.deepEqual(empty, { sent: 0, failed: 0 })
      // An array of records, sync path, with record-level topics.
      const r = await p.sendAll([
        { topic: 't', value: 'a' },
        { topic: 't', key: 'k', value: 'b' },
      ])
      assert.deepEqual(r, { sent: 2, failed: 0 })
      assert.deepEqual(values(cluster, 't'), ['first', 'a', 'b'])
    } finally {
      await p.close()
      await cluster.close()
    }
  })
})

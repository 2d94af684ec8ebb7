/** buffer.memory bounds what is queued; senders are told to wait, fairly, and nothing is lost. */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, test } from 'node:test'
import { BufferExhaustedError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()

describe('backpressure', () => {
  test('the callback path returns false when buffer.memory is full, then emits drain; nothing is lost', async () => {
    const topic = uniqueTopic('drain')
    await createTopic(topic, 4)
    const p = new Producer({
      bootstrapServers: bootstrap,
      bufferMemory: 64 * 1024,
      batchSize: 16 * 1024,
      lingerMs: 5,
    })
    const total = 20_000
    const value = Buffer.alloc(100, 0x62)
    let sawFalse = 0
    let drains = 0
    p.on('drain', () => drains++)
    const outcomes: (Error | null)[] = []
    try {
      for (let i = 0; i < total; i++) {
        const ok = p.send({ topic, key: `k${i % 64}`, value }, (err) => outcomes.push(err))
        if (!ok) {
          sawFalse++
          await once(p, 'drain')
        }
      }
      await p.flush()
    } finally {
      await p.close()
    }
    assert.ok(sawFalse > 0, 'send() signalled a full buffer at least once')
    assert.ok(drains >= sawFalse, 'every false was followed by a drain')
    assert.equal(outcomes.length, total)
    assert.equal(outcomes.filter((e) => e !== null).length, 0)
    const read = await readTopic(bootstrap, topic)
    assert.equal(read.length, total)
  })

  test('send() returns false at the high-water mark, long before buffer.memory is full; honouring it bounds the records held', async () => {
    const topic = uniqueTopic('hwm')
    await createTopic(topic, 8)
    const bufferMemory = 32 * 1024 * 1024
    const p = new Producer({ bootstrapServers: bootstrap, bufferMemory, batchSize: 16 * 1024, lingerMs: 5 })
    // 1/32 of buffer.memory, which is more than two batches.
    assert.equal(p.highWaterMark, 1024 * 1024)
    const total = 200_000
    const value = Buffer.alloc(100, 0x63)
    let acked = 0
    let failed = 0
    let falses = 0
    let maxHeld = 0
    let heldAtFirstFalse = -1
    try {
      for (let i = 0; i < total; i++) {
        const ok = p.send({ topic, value }, (err) => {
          if (err === null) acked++
          else failed++
        })
        maxHeld = Math.max(maxHeld, i + 1 - acked - failed)
        if (!ok) {
          falses++
          if (heldAtFirstFalse < 0) heldAtFirstFalse = i + 1 - acked - failed
          assert.equal(p.needsDrain, true)
          await once(p, 'drain')
          assert.equal(p.needsDrain, false)
        }
      }
      await p.flush()
    } finally {
      await p.close()
    }
    assert.ok(falses > 0, 'the producer signalled backpressure')
    // Each record takes more than its 100-byte value in its batch, so the mark is reached with
    // fewer than hwm / 100 records held, and a caller that waits never holds more.
    const bound = p.highWaterMark / 100
    assert.ok(
      heldAtFirstFalse > 0 && heldAtFirstFalse <= bound,
      `first false with ${heldAtFirstFalse} records held`,
    )
    assert.ok(maxHeld <= bound + 1, `held at most ${maxHeld} records (bound ${bound})`)
    assert.ok(maxHeld * 100 < bufferMemory / 8, 'buffer.memory was never close to full')
    assert.equal(failed, 0)
    assert.equal(acked, total)
    const read = await readTopic(bootstrap, topic)
    assert.equal(read.length, total)
  })

  test('the promise path reports the same signal through needsDrain and drain', async () => {
    const topic = uniqueTopic('hwm-promise')
    await createTopic(topic, 2)
    const p = new Producer({
      bootstrapServers: bootstrap,
      bufferMemory: 1024 * 1024,
      batchSize: 16 * 1024,
      lingerMs: 5,
    })
    assert.equal(p.highWaterMark, 32 * 1024)
    const value = Buffer.alloc(100, 0x64)
    const sends: Promise<RecordMetadata>[] = []
    let waits = 0
    try {
      for (let i = 0; i < 20_000; i++) {
        sends.push(p.send({ topic, value }))
        if (p.needsDrain) {
          waits++
          await once(p, 'drain')
        }
      }
      const mds = await Promise.all(sends)
      assert.equal(mds.length, 20_000)
    } finally {
      await p.close()
    }
    assert.ok(waits > 0, 'needsDrain was raised')
    assert.equal((await readTopic(bootstrap, topic)).length, 20_000)
  })

  test('a send that cannot get memory within max.block.ms fails alone with BufferExhaustedError', async () => {
    // A (fake) broker that takes Produce requests and never answers: the batches stay in flight,
    // holding their memory, until delivery.timeout.ms.
    const fake = await startFakeCluster({ brokers: 1, topics: [{ name: 'stuck', partitions: 3 }] })
    fake.addRule({ apiKey: ApiKey.Produce, noResponse: true })
    const p = new Producer({
      bootstrapServers: fake.bootstrapServers,
      bufferMemory: 32 * 1024,
      batchSize: 16 * 1024,
      lingerMs: 0,
      // The third send's wait for memory ends (2 s) well before the first two expire (8 s).
      maxBlockMs: 2_000,
      requestTimeoutMs: 3_000,
      deliveryTimeoutMs: 8_000,
    })
    try {
      await p.partitionsFor('stuck') // known: the sends below take their memory at once
      const first = p.send({ topic: 'stuck', partition: 0, value: 'a' })
      const second = p.send({ topic: 'stuck', partition: 1, value: 'b' })
      const third = p.send({ topic: 'stuck', partition: 2, value: 'c' })
      await assert.rejects(third, (err: unknown) => {
        assert.ok(err instanceof BufferExhaustedError, `got ${err}`)
        assert.match(err.message, /buffer\.memory=32768/)
        return true
      })
      // The two that had memory are not swallowed by the exhausted buffer: they fail on their
      // own terms, when delivery.timeout.ms runs out.
      for (const r of await Promise.allSettled([first, second])) {
        assert.equal(r.status, 'rejected')
        assert.equal(((r as PromiseRejectedResult).reason as { code?: string }).code, 'ERR_DELIVERY_TIMEOUT')
      }
    } finally {
      await p.close()
      await fake.close()
    }
  })

  test('promise sends wait their turn for memory, in order, and all complete', async () => {
    const topic = uniqueTopic('fair')
    await createTopic(topic, 1)
    const p = new Producer({
      bootstrapServers: bootstrap,
      bufferMemory: 40 * 1024,
      batchSize: 8 * 1024,
      lingerMs: 1,
    })
    // Metadata first: records that wait for metadata count against buffer.memory as well, and
    // this test is about the wait for memory. Then, in one synchronous burst, more records than
    // buffer.memory's batches hold: the rest wait for memory, within the bound on what waits.
    const first = await p.send({ topic, value: 'first' })
    const n = 400
    let mds: RecordMetadata[]
    let waitedNs = 0
    try {
      const sends: Promise<RecordMetadata>[] = []
      for (let i = 0; i < n; i++) sends.push(p.send({ topic, value: `v${i}`.padEnd(100, '.') }))
      assert.ok(p.metrics()['waiting-threads']! > 0, 'some sends wait for memory')
      mds = await Promise.all(sends)
      waitedNs = p.metrics()['bufferpool-wait-time-ns-total']!
    } finally {
      await p.close()
    }
    assert.ok(waitedNs > 0, 'the waits for memory were timed')
    assert.deepEqual(
      mds.map((m) => m.offset),
      mds.map((_, i) => first.offset + 1n + BigInt(i)),
      'offsets follow send order',
    )
  })
})

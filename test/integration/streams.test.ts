/**
 * producer.writable() and producer.sendAll() against the real broker: a file of a million lines
 * piped through a line-splitting Transform into the producer, and an async generator, each read
 * back by Kafka's own consumer line by line (every line exactly once, its content intact). The
 * records the producer held at any moment stay within its high-water mark plus the stream's
 * buffer (counted, not timed).
 */
import assert from 'node:assert/strict'
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, test } from 'node:test'
import { KafkaError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import type { ProducerRecord, SendCallback, SendOptions } from '../../src/producer/record.js'
import { readTopic, readTopicValues } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()
const LINE_LENGTH = 32

/** Line `i` of the file: its index, a hash of it, and filler, 32 characters. */
function line(i: number): string {
  const head = `${String(i).padStart(7, '0')} ${(Math.imul(i, 2654435761) >>> 0).toString(16).padStart(8, '0')} `
  return head.padEnd(LINE_LENGTH, String.fromCharCode(97 + (i % 26)))
}

/** Checks what Kafka's consumer reads: every line 0..n-1 exactly once, each one intact. */
async function readBackLines(topic: string, n: number): Promise<void> {
  const seen = new Uint8Array(n)
  let duplicates = 0
  let mangled = 0
  const count = await readTopicValues(bootstrap, topic, (_partition, _offset, value) => {
    const i = Number(value?.slice(0, 7))
    if (!Number.isInteger(i) || i < 0 || i >= n || value !== line(i)) {
      mangled++
      return
    }
    if (seen[i] === 1) duplicates++
    seen[i] = 1
  })
  assert.equal(mangled, 0, 'every value is one of the lines, intact')
  assert.equal(duplicates, 0, 'no line twice')
  assert.equal(count, n, 'as many records as lines')
  assert.equal(seen.indexOf(0), -1, 'every line arrived')
}

/** Counts the records the producer holds (handed to send(), not yet settled), by wrapping send(). */
function watchHeld(p: Producer): () => number {
  let held = 0
  let max = 0
  const send = p.send.bind(p) as (r: ProducerRecord, cb: SendCallback, o?: SendOptions) => boolean
  const spy = (record: ProducerRecord, cb: SendCallback, options?: SendOptions): boolean => {
    if (++held > max) max = held
    return send(
      record,
      (err, md) => {
        held--
        cb(err, md)
      },
      options,
    )
  }
  ;(p as unknown as { send: typeof spy }).send = spy
  return () => max
}

/** Splits text into lines, each a record without a topic (the writable's default fills it in). */
function lineSplitter(): Transform {
  let carry = ''
  return new Transform({
    readableObjectMode: true,
    decodeStrings: false,
    transform(chunk: string, _encoding, callback) {
      const lines = (carry + chunk).split('\n')
      carry = lines.pop() ?? ''
      for (const l of lines) this.push({ value: l })
      callback()
    },
    flush(callback) {
      if (carry !== '') this.push({ value: carry })
      callback()
    },
  })
}

describe('streams against Kafka', () => {
  test('pipeline(a file of 1,000,000 lines, a line splitter, producer.writable()): every line in the topic exactly once', {
    timeout: 600_000,
  }, async (t) => {
    const n = 1_000_000
    const dir = mkdtempSync(join(tmpdir(), 'sluice-streams-'))
    const file = join(dir, 'lines.txt')
    const topic = uniqueTopic('streams-file')
    try {
      await pipeline(
        Readable.from(
          (function* () {
            for (let i = 0; i < n; i += 10_000) {
              const block: string[] = []
              for (let j = i; j < Math.min(n, i + 10_000); j++) block.push(`${line(j)}\n`)
              yield block.join('')
            }
          })(),
        ),
        createWriteStream(file),
      )
      await createTopic(topic, 4)
      const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 5 })
      const maxHeld = watchHeld(p)
      try {
        await pipeline(createReadStream(file, { encoding: 'utf8' }), lineSplitter(), p.writable({ topic }))
      } finally {
        await p.close()
      }
      // Each record takes more than its 32-byte value in a batch: at most highWaterMark / 32
      // records reach the mark, plus the one that crossed it and the stream's 16 passed on at once.
      const bound = Math.ceil(p.highWaterMark / LINE_LENGTH) + 1 + 16
      t.diagnostic(`at most ${maxHeld()} records held by the producer (bound ${bound})`)
      assert.ok(maxHeld() <= bound, `held ${maxHeld()} records`)
      await readBackLines(topic, n)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('sendAll(an async generator of 200,000 records): { sent, failed } and every record in the topic once', {
    timeout: 300_000,
  }, async () => {
    const n = 200_000
    const topic = uniqueTopic('streams-gen')
    await createTopic(topic, 3)
    const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 5 })
    let yielded = 0
    async function* records(): AsyncGenerator<ProducerRecord<string, string>> {
      for (let i = 0; i < n; i++) {
        yielded++
        // An await now and then, as a source reading from somewhere would.
        if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve))
        yield { topic, key: `k${i % 97}`, value: line(i) }
      }
    }
    try {
      const result = await p.sendAll(records())
      assert.deepEqual(result, { sent: n, failed: 0 })
      assert.equal(yielded, n)
    } finally {
      await p.close()
    }
    await readBackLines(topic, n)
  })

  test("the broker's refusal of one record fails the pipeline; the topic holds exactly the records acknowledged", {
    timeout: 120_000,
  }, async (t) => {
    const topic = uniqueTopic('streams-refused')
    await createTopic(topic, 1, { configs: { 'max.message.bytes': '1500' } })
    const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 5 })
    let acked = 0
    const send = p.send.bind(p) as (r: ProducerRecord, cb: SendCallback, o?: SendOptions) => boolean
    ;(p as unknown as { send: typeof send }).send = (record, cb, options) =>
      send(
        record,
        (err, md) => {
          if (err === null) acked++
          cb(err, md)
        },
        options,
      )
    let pulled = 0
    function* lines(): Generator<string> {
      for (let i = 0; i < 100_000; i++) {
        pulled++
        yield i === 500 ? 'x'.repeat(3000) : line(i)
      }
    }
    let err: unknown
    try {
      err = await pipeline(Readable.from(lines()), p.writable({ topic })).then(
        () => assert.fail('pipeline resolved'),
        (e: unknown) => e,
      )
    } finally {
      await p.close()
    }
    assert.ok(err instanceof KafkaError, `a KafkaError, got ${err}`)
    assert.equal(err.code, 'MESSAGE_TOO_LARGE')
    // How far the source got depends on when the refusal came back (the fake-broker test
    // checks that the stream stops reading); here only what reached the topic is checked.
    t.diagnostic(`${pulled} lines read from the source, ${acked} acknowledged`)
    // One partition, idempotent: the lines before the refused one, then those sent before the
    // refusal came back, in order; and nothing that was not acknowledged.
    const read = (await readTopic(bootstrap, topic)).map((r) => r.value!.toString())
    assert.equal(read.length, acked, 'the topic holds exactly the records acknowledged')
    const expected = Array.from({ length: read.length + 1 }, (_, i) => line(i)).filter((_, i) => i !== 500)
    assert.deepEqual(read, expected)
  })
})

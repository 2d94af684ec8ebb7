/** RecordAccumulator's batches and the storage they pass on to later batches once done. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { RecordAccumulator } from '../../src/producer/accumulator.js'
import { MemoryBudget } from '../../src/producer/memory.js'
import type { ProducerBatch } from '../../src/producer/producer-batch.js'
import type { RecordMetadata, SendCallback } from '../../src/producer/record.js'
import { decodeRecordBatch } from '../../src/records/record-batch-decoder.js'

const BATCH_SIZE = 1024

function accumulator(): RecordAccumulator {
  return new RecordAccumulator({
    batchSize: BATCH_SIZE,
    lingerMs: 0,
    memory: new MemoryBudget(1024 * 1024),
    onMemoryReleased: () => {},
  })
}

/** A callback that records every call it gets. */
function recorder(): { cb: SendCallback; calls: (RecordMetadata | Error)[] } {
  const calls: (RecordMetadata | Error)[] = []
  return { cb: (err, md) => calls.push(err ?? md!), calls }
}

function append(acc: RecordAccumulator, value: string, cb: SendCallback, timestamp = 1000): void {
  const r = acc.append('t', 0, timestamp, null, Buffer.from(value), [], cb, 0)
  assert.notEqual(r, null)
}

function takeHead(acc: RecordAccumulator): ProducerBatch {
  const q = acc.queue('t', 0)
  assert.ok(q.head !== undefined)
  return q.takeHead()
}

describe('RecordAccumulator batch storage', () => {
  test("a completed batch's buffer is reused by the next batch, whose records alone are settled", () => {
    const acc = accumulator()
    const first = [recorder(), recorder(), recorder()]
    for (const [i, r] of first.entries()) append(acc, `first-${i}`, r.cb)
    const a = takeHead(acc)
    const aBytes = a.encode()
    acc.complete(a, 10n, -1)
    assert.deepEqual(
      first.map((r) => r.calls.map((c) => (c as RecordMetadata).offset)),
      [[10n], [11n], [12n]],
    )

    const second = recorder()
    append(acc, 'second', second.cb, 2000)
    const b = takeHead(acc)
    const bBytes = b.encode()
    assert.equal(bBytes.buffer, aBytes.buffer, 'the new batch encodes into the completed one’s buffer')
    const decoded = decodeRecordBatch(Buffer.from(bBytes))
    assert.deepEqual(
      decoded.records.map((r) => [r.timestamp, r.value?.toString()]),
      [[2000, 'second']],
    )
    acc.complete(b, 20n, -1)
    assert.deepEqual(
      second.calls.map((c) => [(c as RecordMetadata).offset, (c as RecordMetadata).timestamp]),
      [[20n, 2000]],
    )
    for (const r of first) assert.equal(r.calls.length, 1, 'an earlier batch’s record settled again')
  })

  test('a batch whose storage went back for reuse refuses to be encoded again', () => {
    const acc = accumulator()
    append(acc, 'x', () => {})
    const a = takeHead(acc)
    a.encode()
    acc.fail(a, new Error('gone'))
    assert.throws(() => a.encode(), /encoded after release/)
  })

  test('a batch larger than batch.size has storage of its own that is not reused', () => {
    const acc = accumulator()
    append(acc, 'x'.repeat(3 * BATCH_SIZE), () => {})
    const big = takeHead(acc)
    const bigBytes = big.encode()
    assert.ok(bigBytes.buffer.byteLength > BATCH_SIZE)
    acc.complete(big, 0n, -1)
    append(acc, 'small', () => {})
    const small = takeHead(acc)
    const smallBytes = small.encode()
    assert.notEqual(smallBytes.buffer, bigBytes.buffer)
    assert.equal(smallBytes.buffer.byteLength, BATCH_SIZE)
  })

  test('records of a split batch settle once, through its parts, and not through later batches', () => {
    const acc = accumulator()
    const rs = Array.from({ length: 6 }, () => recorder())
    for (const [i, r] of rs.entries()) append(acc, `record-${i}-${'v'.repeat(100)}`, r.cb)
    const whole = takeHead(acc)
    whole.encode()
    // It was sent (takeHead), and refused as too large.
    const parts = acc.split(whole, 300).length
    assert.ok(parts > 1)
    let offset = 100n
    for (let i = 0; i < parts; i++) {
      const part = takeHead(acc)
      part.encode()
      acc.complete(part, offset, -1)
      offset += BigInt(part.recordCount)
    }
    const later = recorder()
    append(acc, 'later', later.cb)
    const next = takeHead(acc)
    next.encode()
    acc.complete(next, 500n, -1)
    assert.deepEqual(
      rs.map((r) => r.calls.map((c) => (c as RecordMetadata).offset)),
      [[100n], [101n], [102n], [103n], [104n], [105n]],
    )
    assert.deepEqual(
      later.calls.map((c) => (c as RecordMetadata).offset),
      [500n],
    )
  })
})

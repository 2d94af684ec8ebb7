/** The hand-over chunk format: what the caller's thread writes, the worker reads back exactly. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodedSize, HandoverWriter, readChunk } from '../../src/workers/handover.js'

test('records come back with topic id, partition, timestamp, key, value and headers, in order', () => {
  const w = new HandoverWriter()
  const rows = [
    { t: 0, p: 3, ts: 1_700_000_000_123, k: Buffer.from('k1'), v: Buffer.from('value one'), h: [] },
    { t: 1, p: 0, ts: 0, k: null, v: null, h: [{ key: 'trace', value: Buffer.from([1, 2, 3]) }] },
    {
      t: 7,
      p: 2 ** 31 - 1,
      ts: Number.MAX_SAFE_INTEGER,
      k: Buffer.alloc(0),
      v: Buffer.alloc(70_000, 9),
      h: [
        { key: 'ключ', value: null },
        { key: '', value: Buffer.alloc(0) },
      ],
    },
  ]
  let total = 0
  for (const r of rows) {
    const size = encodedSize(r.k, r.v, r.h)
    total += size
    w.append(r.t, r.p, r.ts, r.k, r.v, r.h, size)
  }
  assert.equal(w.count, 3)
  assert.equal(w.byteLength, total, 'encodedSize is the exact size')
  const { buffer, length, count } = w.take()
  assert.equal(count, 3)
  assert.equal(w.count, 0)
  assert.equal(w.byteLength, 0)
  const seen: unknown[] = []
  const n = readChunk(buffer, length, (r, i) => {
    seen.push({
      i,
      t: r.topicId,
      p: r.partition,
      ts: r.timestamp,
      k: r.key === null ? null : [...r.key],
      v: r.value === null ? null : [...r.value],
      h: r.headers.map(([k, v]) => [k, v === null ? null : [...v]]),
    })
  })
  assert.equal(n, 3)
  assert.deepEqual(
    seen,
    rows.map((r, i) => ({
      i,
      t: r.t,
      p: r.p,
      ts: r.ts,
      k: r.k === null ? null : [...r.k],
      v: r.v === null ? null : [...r.v],
      h: r.h.map((h) => [h.key, h.value === null ? null : [...h.value]]),
    })),
  )
})

test('a taken chunk is its own ArrayBuffer: transferring it leaves the writer usable', () => {
  const w = new HandoverWriter()
  w.append(0, 0, 1, null, Buffer.from('a'), [], encodedSize(null, Buffer.from('a'), []))
  const { buffer } = w.take()
  structuredClone(buffer, { transfer: [buffer] })
  assert.equal(buffer.byteLength, 0, 'detached by the transfer')
  w.append(0, 1, 2, null, Buffer.from('b'), [], encodedSize(null, Buffer.from('b'), []))
  const next = w.take()
  const values: string[] = []
  readChunk(next.buffer, next.length, (r) => values.push(r.value!.toString()))
  assert.deepEqual(values, ['b'])
})

test('a truncated chunk is refused, not misread', () => {
  const w = new HandoverWriter()
  const v = Buffer.from('hello')
  w.append(0, 0, 1, null, v, [], encodedSize(null, v, []))
  const { buffer, length } = w.take()
  assert.throws(() => readChunk(buffer, length - 2, () => {}), RangeError)
})

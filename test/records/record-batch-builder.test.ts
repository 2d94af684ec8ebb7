import assert from 'node:assert/strict'
import { test } from 'node:test'
import { crc32c } from '../../src/protocol/crc32c.js'
import { RecordBatchBuilder, type RecordHeader } from '../../src/records/record-batch-builder.js'
import { decodeRecordBatch } from '../../src/records/record-batch-decoder.js'
import { runJava } from '../helpers/java.js'
import { BATCHES_FIXTURE, loadSamples, parseSamples, type Sample } from './java-batches.js'

function buildSample(s: Sample, builder = new RecordBatchBuilder(64)): Buffer {
  for (const r of s.records) builder.append(r.timestamp, r.key, r.value, r.headers)
  return builder.build({
    producerId: s.producerId,
    producerEpoch: s.producerEpoch,
    baseSequence: s.baseSequence,
    transactional: s.transactional,
    partitionLeaderEpoch: s.partitionLeaderEpoch,
  })
}

test('the fixture covers the cases the producer meets', () => {
  const samples = loadSamples()
  const records = samples.flatMap((s) => s.records)
  const headers = records.flatMap((r) => r.headers)
  assert.ok(samples.length >= 8)
  assert.ok(samples.some((s) => s.transactional))
  assert.ok(samples.some((s) => s.producerId >= 0n && !s.transactional))
  assert.ok(records.some((r) => r.key === null))
  assert.ok(records.some((r) => r.value === null))
  assert.ok(records.some((r) => r.value?.length === 0))
  assert.ok(records.some((r) => (r.value?.length ?? 0) > 4096))
  assert.ok(headers.some((h) => h.value === null))
  assert.ok(headers.some((h) => /[^\x20-\x7e]/.test(h.key)))
  assert.ok(samples.some((s) => s.records.some((r, i) => i > 0 && r.timestamp < s.records[0]!.timestamp)))
  assert.ok(samples.some((s) => s.records.length > 64))
})

test("the builder writes exactly the bytes Kafka's MemoryRecords writes", () => {
  for (const s of loadSamples()) {
    const ours = buildSample(s)
    assert.equal(ours.toString('hex'), s.bytes.toString('hex'), s.name)
  }
})

test('a reset builder reuses its buffer and still matches, sample after sample', () => {
  const builder = new RecordBatchBuilder(64)
  for (const s of loadSamples()) {
    builder.reset()
    assert.equal(builder.recordCount, 0)
    assert.equal(builder.sizeInBytes, 61)
    assert.deepEqual(buildSample(s, builder), s.bytes, s.name)
  }
})

test('append returns sizeOfRecord, and sizeInBytes tracks the batch exactly', () => {
  for (const s of loadSamples()) {
    const b = new RecordBatchBuilder()
    let expected = 61
    s.records.forEach((r, i) => {
      const predicted = RecordBatchBuilder.sizeOfRecord(
        i === 0 ? 0 : r.timestamp - b.firstTimestamp,
        i,
        r.key,
        r.value,
        r.headers,
      )
      const took = b.append(r.timestamp, r.key, r.value, r.headers)
      assert.equal(took, predicted, `${s.name} record ${i}`)
      expected += took
      assert.equal(b.sizeInBytes, expected)
      assert.equal(b.recordCount, i + 1)
    })
    assert.equal(b.firstTimestamp, s.records[0]!.timestamp)
    assert.equal(b.build().length, s.bytes.length)
  }
})

test('header fields land at their offsets; CRC covers attributes to the end', () => {
  const b = new RecordBatchBuilder()
  b.append(1000, Buffer.from('k'), Buffer.from('v'), null)
  b.append(900, null, null, [])
  b.append(1500, null, Buffer.from('x'), [{ key: 'h', value: null }])
  const out = b.build({ producerId: 77n, producerEpoch: 2, baseSequence: 9, transactional: true })
  assert.equal(out.readBigInt64BE(0), 0n)
  assert.equal(out.readInt32BE(8), out.length - 12)
  assert.equal(out.readInt32BE(12), -1)
  assert.equal(out[16], 2)
  assert.equal(out.readUInt32BE(17), crc32c(out, 21))
  assert.equal(out.readInt16BE(21), 0x10)
  assert.equal(out.readInt32BE(23), 2)
  assert.equal(out.readBigInt64BE(27), 1000n)
  assert.equal(out.readBigInt64BE(35), 1500n)
  assert.equal(out.readBigInt64BE(43), 77n)
  assert.equal(out.readInt16BE(51), 2)
  assert.equal(out.readInt32BE(53), 9)
  assert.equal(out.readInt32BE(57), 3)
  assert.equal(b.maxTimestamp, 1500)
})

test('build without options writes a non-idempotent, non-transactional header', () => {
  const b = new RecordBatchBuilder()
  b.append(5, null, Buffer.from('v'), null)
  const out = b.build()
  assert.equal(out.readInt16BE(21), 0)
  assert.equal(out.readBigInt64BE(43), -1n)
  assert.equal(out.readInt16BE(51), -1)
  assert.equal(out.readInt32BE(53), -1)
})

test('null headers and an empty header list encode the same', () => {
  const a = new RecordBatchBuilder()
  const b = new RecordBatchBuilder()
  a.append(1, null, Buffer.from('v'), null)
  b.append(1, null, Buffer.from('v'), [])
  assert.deepEqual(a.build(), b.build())
})

test('build returns a view of the builder buffer; appending after build and rebuilding works', () => {
  const samples = loadSamples()
  const s = samples.find((x) => x.records.length > 2)!
  const b = new RecordBatchBuilder()
  const first = s.records[0]!
  b.append(first.timestamp, first.key, first.value, first.headers)
  const early = b.build()
  assert.equal(early.readInt32BE(57), 1)
  for (const r of s.records.slice(1)) b.append(r.timestamp, r.key, r.value, r.headers)
  const out = b.build({
    producerId: s.producerId,
    producerEpoch: s.producerEpoch,
    baseSequence: s.baseSequence,
    transactional: s.transactional,
    partitionLeaderEpoch: s.partitionLeaderEpoch,
  })
  assert.deepEqual(out, s.bytes)
  assert.equal(b.build().buffer, out.buffer, 'a view, not a copy')
})

test('an empty batch cannot be built', () => {
  const b = new RecordBatchBuilder()
  assert.equal(b.firstTimestamp, -1)
  assert.throws(() => b.build(), RangeError)
})

test('large timestamp deltas, many headers and multibyte header keys size correctly', () => {
  const headers: RecordHeader[] = []
  for (let i = 0; i < 70; i++) headers.push({ key: `h-${i}-🔑`, value: i % 2 === 0 ? null : Buffer.alloc(i) })
  const b = new RecordBatchBuilder(256)
  b.append(1, Buffer.alloc(300), Buffer.alloc(70_000), headers)
  for (const delta of [2 ** 31, 2 ** 40, -(2 ** 35)]) {
    const expect = RecordBatchBuilder.sizeOfRecord(delta, b.recordCount, null, null, headers)
    assert.equal(b.append(1 + delta, null, null, headers), expect)
  }
  assert.equal(b.build().length, b.sizeInBytes)
})

test('tryAppend refuses a record that would take the batch past maxBytes, writing nothing', () => {
  const b = new RecordBatchBuilder(64)
  const value = Buffer.alloc(100, 1)
  const first = b.tryAppend(1000, null, value, null, 10)
  assert.ok(first > 0, 'a first record always goes in')
  const size = b.sizeInBytes
  const second = RecordBatchBuilder.sizeOfRecord(5, 1, null, value, null)
  assert.equal(b.tryAppend(1005, null, value, null, size + second - 1), -1)
  assert.equal(b.sizeInBytes, size)
  assert.equal(b.recordCount, 1)
  assert.equal(b.maxTimestamp, 1000)
  assert.equal(b.tryAppend(1005, null, value, null, size + second), second)
  assert.equal(b.sizeInBytes, size + second)
})

test('short, long, ASCII and non-ASCII header keys and small values encode like the fixture encoder', () => {
  const keys = ['k', 'trace-id', 'é', 'clé-😀', 'x'.repeat(100), `${'y'.repeat(70)}€`, '\ud83d']
  const headers: RecordHeader[] = keys.map((key, i) => ({ key, value: Buffer.alloc(i * 5, i) }))
  const b = new RecordBatchBuilder(64)
  b.append(7, Buffer.from('k1'), Buffer.alloc(15, 2), headers)
  b.append(8, Buffer.alloc(16, 3), Buffer.alloc(17, 4), headers)
  const decoded = decodeRecordBatch(b.build())
  assert.deepEqual(
    decoded.records.map((r) => r.headers.map((h) => h.key)),
    [keys.map((k) => Buffer.from(k).toString()), keys.map((k) => Buffer.from(k).toString())],
  )
  assert.deepEqual(decoded.records[0]!.key, Buffer.from('k1'))
  assert.deepEqual(decoded.records[1]!.key, Buffer.alloc(16, 3))
  assert.deepEqual(decoded.records[1]!.value, Buffer.alloc(17, 4))
  assert.deepEqual(
    decoded.records[1]!.headers.map((h) => h.value),
    headers.map((h) => h.value),
  )
})

test("rerunning Kafka's RecordFixtures reproduces the committed fixture", async () => {
  const { stdout } = await runJava('RecordFixtures.java', ['batches'])
  assert.deepEqual(parseSamples(stdout), loadSamples(), `regenerate ${BATCHES_FIXTURE}`)
})

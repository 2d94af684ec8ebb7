import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ProtocolError } from '../../src/errors.js'
import { crc32c } from '../../src/protocol/crc32c.js'
import { RecordBatchBuilder } from '../../src/records/record-batch-builder.js'
import { decodeRecordBatch, decodeRecordBatches } from '../../src/records/record-batch-decoder.js'
import { loadSamples } from './java-batches.js'

function isProtocolError(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`)
    assert.match((err as Error).message, pattern)
    return true
  }
}

/** Rewrites the CRC after a deliberate edit, so the edit itself is what gets caught. */
function fixCrc(buf: Buffer, start = 0): Buffer {
  const end = start + 12 + buf.readInt32BE(start + 8)
  buf.writeUInt32BE(crc32c(buf, start + 21, end), start + 17)
  return buf
}

function smallBatch(): Buffer {
  const b = new RecordBatchBuilder()
  b.append(1000, Buffer.from('k'), Buffer.from('v'), [{ key: 'h', value: null }])
  b.append(1001, null, Buffer.from('w'), null)
  return Buffer.from(b.build({ producerId: 5n, producerEpoch: 1, baseSequence: 0 }))
}

test("decodes Kafka's batches back to the records and header Java was given", () => {
  for (const s of loadSamples()) {
    const batch = decodeRecordBatch(s.bytes)
    assert.equal(batch.baseOffset, 0n)
    assert.equal(batch.magic, 2)
    assert.equal(batch.batchLength, s.bytes.length - 12)
    assert.equal(batch.compression, 0)
    assert.equal(batch.timestampType, 'CreateTime')
    assert.equal(batch.transactional, s.transactional, s.name)
    assert.equal(batch.control, false)
    assert.equal(batch.producerId, s.producerId)
    assert.equal(batch.producerEpoch, s.producerEpoch)
    assert.equal(batch.baseSequence, s.baseSequence)
    assert.equal(batch.partitionLeaderEpoch, s.partitionLeaderEpoch)
    assert.equal(batch.lastOffsetDelta, s.records.length - 1)
    assert.equal(batch.baseTimestamp, s.records[0]!.timestamp)
    assert.equal(batch.maxTimestamp, Math.max(...s.records.map((r) => r.timestamp)))
    assert.equal(batch.crc, crc32c(s.bytes, 21))
    assert.deepEqual(
      batch.records.map((r) => ({ timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })),
      s.records,
      s.name,
    )
    batch.records.forEach((r, i) => {
      assert.equal(r.offsetDelta, i)
      assert.equal(r.offset, BigInt(i))
      assert.equal(r.attributes, 0)
      assert.equal(r.timestampDelta, r.timestamp - batch.baseTimestamp)
    })
  }
})

test('decodes several concatenated batches, honouring each base offset', () => {
  const samples = loadSamples()
  const parts = samples.map((s, i) => {
    const copy = Buffer.from(s.bytes)
    copy.writeBigInt64BE(BigInt(i * 1000), 0) // baseOffset is outside the CRC
    return copy
  })
  const batches = decodeRecordBatches(Buffer.concat(parts))
  assert.equal(batches.length, samples.length)
  batches.forEach((b, i) => {
    assert.equal(b.baseOffset, BigInt(i * 1000))
    assert.equal(b.records.length, samples[i]!.records.length)
    assert.equal(b.records.at(-1)!.offset, BigInt(i * 1000 + samples[i]!.records.length - 1))
  })
  assert.deepEqual(decodeRecordBatches(Buffer.alloc(0)), [])
})

test('LogAppendTime batches give every record the batch max timestamp', () => {
  const buf = smallBatch()
  buf.writeInt16BE(buf.readInt16BE(21) | 0x08, 21)
  buf.writeBigInt64BE(5555n, 35)
  const batch = decodeRecordBatch(fixCrc(buf))
  assert.equal(batch.timestampType, 'LogAppendTime')
  assert.deepEqual(
    batch.records.map((r) => r.timestamp),
    [5555, 5555],
  )
})

test('a flipped bit anywhere under the CRC is caught', () => {
  const good = smallBatch()
  for (let i = 21; i < good.length; i++) {
    const bad = Buffer.from(good)
    bad[i]! ^= 0x04
    assert.throws(() => decodeRecordBatch(bad), isProtocolError(/CRC/), `byte ${i}`)
  }
  const badCrc = Buffer.from(good)
  badCrc[18]! ^= 1
  assert.throws(() => decodeRecordBatch(badCrc), isProtocolError(/CRC/))
})

test('wrong magic, impossible batch lengths and truncation raise ProtocolError', () => {
  const good = smallBatch()
  const magic1 = Buffer.from(good)
  magic1[16] = 1
  assert.throws(() => decodeRecordBatch(magic1), isProtocolError(/magic 1/))
  const short = Buffer.from(good)
  short.writeInt32BE(10, 8)
  assert.throws(() => decodeRecordBatch(short), isProtocolError(/batchLength 10/))
  const long = Buffer.from(good)
  long.writeInt32BE(good.length, 8)
  assert.throws(() => decodeRecordBatch(long), isProtocolError(/truncated/))
  for (let cut = 1; cut < good.length; cut++) {
    assert.throws(() => decodeRecordBatches(good.subarray(0, cut)), ProtocolError, `cut at ${cut}`)
  }
  assert.throws(() => decodeRecordBatch(Buffer.concat([good, Buffer.alloc(1)])), isProtocolError(/after/))
  assert.throws(
    () => decodeRecordBatches(Buffer.concat([good, Buffer.alloc(20)])),
    isProtocolError(/truncated/),
  )
})

test('inconsistent record counts and record lengths raise ProtocolError', () => {
  const good = smallBatch()
  const fewer = Buffer.from(good)
  fewer.writeInt32BE(1, 57)
  assert.throws(() => decodeRecordBatch(fixCrc(fewer)), isProtocolError(/after its 1 records/))
  const more = Buffer.from(good)
  more.writeInt32BE(3, 57)
  assert.throws(() => decodeRecordBatch(fixCrc(more)), ProtocolError)
  const huge = Buffer.from(good)
  huge.writeInt32BE(0x7fffffff, 57)
  assert.throws(() => decodeRecordBatch(fixCrc(huge)), isProtocolError(/claims/))
  const negative = Buffer.from(good)
  negative.writeInt32BE(-1, 57)
  assert.throws(() => decodeRecordBatch(fixCrc(negative)), isProtocolError(/claims/))
  // the first record's length varint: shrink it so its fields overrun it
  const overrun = Buffer.from(good)
  overrun[61] = overrun[61]! - 2
  assert.throws(() => decodeRecordBatch(fixCrc(overrun)), ProtocolError)
})

test('garbage never escapes as anything but ProtocolError', () => {
  const good = smallBatch()
  let seed = 1
  for (let i = 0; i < 2000; i++) {
    const bad = Buffer.from(good)
    for (let j = 0; j < 3; j++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      const at = 61 + (seed % (good.length - 61))
      bad[at] = seed >>> 24
    }
    try {
      decodeRecordBatch(fixCrc(bad))
    } catch (err) {
      assert.ok(err instanceof ProtocolError, `mutation ${i}: ${String(err)}`)
    }
  }
})

test('compressed batches are refused with the codec named', () => {
  const names = ['gzip', 'snappy', 'lz4', 'zstd']
  names.forEach((name, i) => {
    const buf = smallBatch()
    buf.writeInt16BE(i + 1, 21)
    assert.throws(
      () => decodeRecordBatch(fixCrc(buf)),
      isProtocolError(new RegExp(`compressed with ${name}`)),
    )
  })
  const buf = smallBatch()
  buf.writeInt16BE(6, 21)
  assert.throws(() => decodeRecordBatch(fixCrc(buf)), isProtocolError(/unknown compression 6/))
})

test('our builder and decoder round-trip what the producer appends', () => {
  const b = new RecordBatchBuilder(128)
  const input = [
    { ts: 10, key: null, value: Buffer.from('a'), headers: [] },
    { ts: 5, key: Buffer.from('ключ'), value: null, headers: [{ key: 'x', value: Buffer.from('y') }] },
    {
      ts: 2 ** 42,
      key: Buffer.alloc(0),
      value: Buffer.alloc(20_000, 3),
      headers: [{ key: '', value: null }],
    },
  ]
  for (const r of input) b.append(r.ts, r.key, r.value, r.headers)
  const batch = decodeRecordBatch(
    b.build({ producerId: 2n ** 62n, producerEpoch: 0, baseSequence: 2 ** 31 - 1 }),
  )
  assert.equal(batch.producerId, 2n ** 62n)
  assert.equal(batch.baseSequence, 2 ** 31 - 1)
  assert.equal(batch.maxTimestamp, 2 ** 42)
  assert.deepEqual(
    batch.records.map((r) => ({ ts: r.timestamp, key: r.key, value: r.value, headers: r.headers })),
    input,
  )
})

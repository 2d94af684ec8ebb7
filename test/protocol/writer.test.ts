import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Reader } from '../../src/protocol/reader.js'
import { sizeOfUvarint, sizeOfVarint, sizeOfVarlong, utf8Length, Writer } from '../../src/protocol/writer.js'

// Independent reference encodings, in BigInt so that nothing is lost to doubles.
function refUvarint(n: bigint): Buffer {
  const out: number[] = []
  let v = n
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return Buffer.from(out)
}
const refZigzag = (v: bigint): bigint => (v >= 0n ? v * 2n : -v * 2n - 1n)

function written(fn: (w: Writer) => unknown): Buffer {
  const w = new Writer()
  fn(w)
  return w.toBuffer()
}

const INT32_EDGES = [
  0,
  1,
  -1,
  63,
  -64,
  64,
  -65,
  8191,
  -8192,
  8192,
  2 ** 28,
  -(2 ** 28),
  2 ** 31 - 1,
  -(2 ** 31),
]
const LONG_EDGES = [
  ...INT32_EDGES,
  2 ** 30 - 1,
  2 ** 30,
  -(2 ** 30),
  -(2 ** 30) - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  -(2 ** 32),
  1_700_000_000_000,
  -1_700_000_000_000,
  2 ** 52 - 1,
  2 ** 52,
  -(2 ** 52),
  -(2 ** 52) - 1,
  2 ** 53 - 2,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  -(2 ** 53),
]

test('fixed-width integers are big-endian and round-trip at their edges', () => {
  const w = new Writer()
  w.int8(-128).int8(127).int8(255).boolean(true).boolean(false)
  w.int16(-32768).int16(32767).uint16(65535)
  w.int32(-(2 ** 31))
    .int32(2 ** 31 - 1)
    .uint32(2 ** 32 - 1)
    .uint32(-1)
  w.int64(-(2n ** 63n)).int64(2n ** 63n - 1n)
  w.float64(-0.1).float64(Number.POSITIVE_INFINITY)
  const r = new Reader(w.toBuffer())
  assert.equal(r.int8(), -128)
  assert.equal(r.int8(), 127)
  assert.equal(r.uint8(), 255)
  assert.equal(r.boolean(), true)
  assert.equal(r.boolean(), false)
  assert.equal(r.int16(), -32768)
  assert.equal(r.int16(), 32767)
  assert.equal(r.uint16(), 65535)
  assert.equal(r.int32(), -(2 ** 31))
  assert.equal(r.int32(), 2 ** 31 - 1)
  assert.equal(r.uint32(), 2 ** 32 - 1)
  assert.equal(r.uint32(), 2 ** 32 - 1)
  assert.equal(r.int64(), -(2n ** 63n))
  assert.equal(r.int64(), 2n ** 63n - 1n)
  assert.equal(r.float64(), -0.1)
  assert.equal(r.float64(), Number.POSITIVE_INFINITY)
  assert.equal(r.remaining, 0)
  assert.deepEqual(
    written((w) => w.int32(0x01020304)),
    Buffer.from([1, 2, 3, 4]),
  )
  assert.deepEqual(
    written((w) => w.int16(-2)),
    Buffer.from([0xff, 0xfe]),
  )
})

test('Reader.int64n reads int64 bytes back exactly for safe integers', () => {
  for (const v of LONG_EDGES) {
    assert.equal(new Reader(written((w) => w.int64(BigInt(v)))).int64n(), v, `int64n(${v})`)
  }
})

test('uvarint matches LEB128 and its size', () => {
  for (const v of [
    0,
    1,
    127,
    128,
    255,
    300,
    16383,
    16384,
    2 ** 21 - 1,
    2 ** 21,
    2 ** 28 - 1,
    2 ** 28,
    2 ** 32 - 1,
  ]) {
    const bytes = written((w) => w.uvarint(v))
    assert.deepEqual(bytes, refUvarint(BigInt(v)), `uvarint(${v})`)
    assert.equal(sizeOfUvarint(v), bytes.length)
    assert.equal(new Reader(bytes).uvarint(), v)
  }
  assert.deepEqual(
    written((w) => w.uvarint(300)),
    Buffer.from([0xac, 0x02]),
  )
})

test('varint is zigzag over 32 bits, at every edge', () => {
  for (const v of INT32_EDGES) {
    const bytes = written((w) => w.varint(v))
    assert.deepEqual(bytes, refUvarint(refZigzag(BigInt(v))), `varint(${v})`)
    assert.equal(sizeOfVarint(v), bytes.length)
    assert.equal(new Reader(bytes).varint(), v)
  }
  assert.deepEqual(
    written((w) => w.varint(-1)),
    Buffer.from([0x01]),
  )
  assert.deepEqual(
    written((w) => w.varint(-(2 ** 31))),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
  )
})

test('varlong is zigzag over safe integers, exact out to +-2^53', () => {
  for (const v of LONG_EDGES) {
    const bytes = written((w) => w.varlong(v))
    assert.deepEqual(bytes, refUvarint(refZigzag(BigInt(v))), `varlong(${v})`)
    assert.equal(sizeOfVarlong(v), bytes.length, `sizeOfVarlong(${v})`)
    assert.equal(new Reader(bytes).varlong(), v, `read back ${v}`)
  }
})

test('varlong reads the 10-byte encodings of 64-bit extremes without failing', () => {
  const max = refUvarint(refZigzag(2n ** 63n - 1n))
  const min = refUvarint(refZigzag(-(2n ** 63n)))
  assert.equal(max.length, 10)
  assert.equal(new Reader(max).varlong(), 2 ** 63)
  assert.equal(new Reader(min).varlong(), -(2 ** 63))
})

test('strings: STRING, NULLABLE_STRING and compact forms, with multibyte UTF-8', () => {
  const texts = ['', 'a', 'hello', 'café', 'ключ', '键', '🔑 emoji', 'x'.repeat(300)]
  const w = new Writer(16)
  w.string(null).compactString(null)
  for (const s of texts) w.string(s).compactString(s)
  const r = new Reader(w.toBuffer())
  assert.equal(r.string(), null)
  assert.equal(r.compactString(), null)
  for (const s of texts) {
    assert.equal(r.string(), s)
    assert.equal(r.compactString(), s)
  }
  assert.equal(r.remaining, 0)
  assert.deepEqual(
    written((w) => w.string('é')),
    Buffer.from([0, 2, 0xc3, 0xa9]),
  )
  assert.deepEqual(
    written((w) => w.string(null)),
    Buffer.from([0xff, 0xff]),
  )
  assert.deepEqual(
    written((w) => w.compactString('é')),
    Buffer.from([3, 0xc3, 0xa9]),
  )
  assert.deepEqual(
    written((w) => w.compactString('')),
    Buffer.from([1]),
  )
  assert.deepEqual(
    written((w) => w.compactString(null)),
    Buffer.from([0]),
  )
})

test('utf8 returns the byte count written', () => {
  const w = new Writer()
  assert.equal(w.utf8('a🔑é'), 1 + 4 + 2)
  assert.equal(w.length, 7)
})

test('utf8Length agrees with Buffer.byteLength, surrogates and lone surrogates included', () => {
  const samples = [
    '',
    'trace-id',
    'é',
    'ß€',
    '\u07ff\u0800',
    '😀',
    'a😀b',
    '\ud83d', // a lone high surrogate at the end
    '\ude00x', // a lone low surrogate
    '\ud83dx', // a high surrogate followed by no low one
    '\ud83d\ud83d\ude00',
    'k'.repeat(64),
    `${'k'.repeat(63)}é`,
    `${'k'.repeat(64)}é😀`, // longer than the JS-counted range
  ]
  for (const s of samples) assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s))
})

test('bytes: BYTES, NULLABLE_BYTES and compact forms', () => {
  const values = [new Uint8Array(0), Buffer.from([1, 2, 3]), Buffer.alloc(1000, 7)]
  const w = new Writer()
  w.bytes(null).compactBytes(null)
  for (const b of values) w.bytes(b).compactBytes(b)
  const r = new Reader(w.toBuffer())
  assert.equal(r.bytes(), null)
  assert.equal(r.compactBytes(), null)
  for (const b of values) {
    assert.deepEqual(r.bytes(), Buffer.from(b))
    assert.deepEqual(r.compactBytes(), Buffer.from(b))
  }
  assert.deepEqual(
    written((w) => w.bytes(null)),
    Buffer.from([0xff, 0xff, 0xff, 0xff]),
  )
  assert.deepEqual(
    written((w) => w.bytes(Buffer.from([9]))),
    Buffer.from([0, 0, 0, 1, 9]),
  )
  assert.deepEqual(
    written((w) => w.compactBytes(Buffer.from([9]))),
    Buffer.from([2, 9]),
  )
})

test('uuid is 16 raw bytes and anything else is refused; emptyTags is one zero byte', () => {
  const u = Buffer.from('00112233445566778899aabbccddeeff', 'hex')
  assert.deepEqual(
    written((w) => w.uuid(u)),
    u,
  )
  assert.throws(() => new Writer().uuid(new Uint8Array(15)), RangeError)
  assert.deepEqual(
    written((w) => w.emptyTags()),
    Buffer.from([0]),
  )
})

test('the buffer grows geometrically and keeps what was written', () => {
  const w = new Writer(1)
  assert.equal(w.buf.length, 256)
  const expected: number[] = []
  for (let i = 0; i < 5000; i++) {
    w.int8(i)
    expected.push(i & 0xff)
  }
  w.raw(Buffer.alloc(3000, 0xab))
  for (let i = 0; i < 3000; i++) expected.push(0xab)
  assert.deepEqual(w.toBuffer(), Buffer.from(expected))
  assert.equal(w.buf.length, 8192)
  // one large write jumps straight to a big enough power of two
  const big = new Writer(256)
  big.raw(Buffer.alloc(100_000))
  assert.equal(big.buf.length, 131072)
})

test('reserve + *At fill values in after the body, also across a growth', () => {
  const w = new Writer(256)
  const size = w.reserve(4)
  const crc = w.reserve(4)
  w.raw(Buffer.alloc(1000, 1))
  w.int32At(size, w.length - 4)
  w.uint32At(crc, 0xdeadbeef)
  const r = new Reader(w.toBuffer())
  assert.equal(r.int32(), 1004)
  assert.equal(r.uint32(), 0xdeadbeef)
  assert.deepEqual(r.raw(1000), Buffer.alloc(1000, 1))
})

test('reset keeps the buffer; view aliases it while toBuffer copies', () => {
  const w = new Writer()
  w.int32(1)
  const buf = w.buf
  const view = w.view()
  const copy = w.toBuffer()
  w.reset()
  assert.equal(w.length, 0)
  w.int32(2)
  assert.equal(w.buf, buf)
  assert.deepEqual(view, Buffer.from([0, 0, 0, 2]))
  assert.deepEqual(copy, Buffer.from([0, 0, 0, 1]))
  assert.deepEqual(w.view(2, 4), Buffer.from([0, 2]))
  assert.deepEqual(w.toBuffer(1, 3), Buffer.from([0, 0]))
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ProtocolError } from '../../src/errors.js'
import { Reader } from '../../src/protocol/reader.js'
import { Writer } from '../../src/protocol/writer.js'

const b = (...bytes: number[]) => Buffer.from(bytes)

function assertProtocolError(fn: () => unknown, what: string): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `${what}: expected ProtocolError, got ${String(err)}`)
      assert.equal((err as ProtocolError).code, 'ERR_PROTOCOL')
      return true
    },
    what,
  )
}

type Read = (r: Reader) => unknown
const READS: Record<string, Read> = {
  int8: (r) => r.int8(),
  uint8: (r) => r.uint8(),
  boolean: (r) => r.boolean(),
  int16: (r) => r.int16(),
  uint16: (r) => r.uint16(),
  int32: (r) => r.int32(),
  uint32: (r) => r.uint32(),
  int64: (r) => r.int64(),
  int64n: (r) => r.int64n(),
  float64: (r) => r.float64(),
  uvarint: (r) => r.uvarint(),
  varint: (r) => r.varint(),
  varlong: (r) => r.varlong(),
  raw: (r) => r.raw(1),
  string: (r) => r.string(),
  compactString: (r) => r.compactString(),
  bytes: (r) => r.bytes(),
  compactBytes: (r) => r.compactBytes(),
  uuid: (r) => r.uuid(),
  arrayLength: (r) => r.arrayLength(),
  compactArrayLength: (r) => r.compactArrayLength(),
  taggedFields: (r) => r.taggedFields(),
}

test('every read on an empty buffer raises ProtocolError, never RangeError', () => {
  for (const [name, read] of Object.entries(READS)) {
    assertProtocolError(() => read(new Reader(Buffer.alloc(0))), name)
  }
})

test('every read that runs past `end` raises ProtocolError even when the buffer goes on', () => {
  const buf = Buffer.alloc(64, 0xff)
  for (const [name, read] of Object.entries(READS)) {
    assertProtocolError(() => read(new Reader(buf, 10, 10)), name)
  }
  const r = new Reader(Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]), 0, 6)
  assert.equal(r.int32(), 1)
  assert.equal(r.remaining, 2)
  assertProtocolError(() => r.int32(), 'int32 across end')
  assert.equal(r.pos, 4, 'a failed read consumes nothing')
})

test('lengths that point past the data raise ProtocolError', () => {
  assertProtocolError(() => new Reader(b(0, 5, 0x61, 0x62)).string(), 'string')
  assertProtocolError(() => new Reader(b(6, 0x61, 0x62)).compactString(), 'compactString')
  assertProtocolError(() => new Reader(b(0, 0, 0, 9, 1)).bytes(), 'bytes')
  assertProtocolError(() => new Reader(b(3, 1)).compactBytes(), 'compactBytes')
  assertProtocolError(() => new Reader(b(0x7f, 0xff, 0xff, 0xff)).bytes(), 'huge bytes length')
  assertProtocolError(() => new Reader(b(0, 0, 0, 5, 1, 2)).arrayLength(), 'array longer than data')
  assertProtocolError(() => new Reader(b(0xff, 0xff, 0xff, 0xfe)).arrayLength(), 'array length -2')
  assertProtocolError(() => new Reader(b(9, 1, 2)).compactArrayLength(), 'compact array longer than data')
  assertProtocolError(() => new Reader(b(1, 0, 5, 1)).taggedFields(), 'tagged field longer than data')
  assertProtocolError(() => new Reader(b(2, 0, 0)).taggedFields(), 'missing second tagged field')
})

test('null and negative lengths read as null; null arrays as -1', () => {
  assert.equal(new Reader(b(0xff, 0xff)).string(), null)
  assert.equal(new Reader(b(0xff, 0xfe)).string(), null)
  assert.equal(new Reader(b(0)).compactString(), null)
  assert.equal(new Reader(b(0xff, 0xff, 0xff, 0xff)).bytes(), null)
  assert.equal(new Reader(b(0)).compactBytes(), null)
  assert.equal(new Reader(b(0xff, 0xff, 0xff, 0xff)).arrayLength(), -1)
  assert.equal(new Reader(b(0)).compactArrayLength(), -1)
  assert.equal(new Reader(b(3, 1, 2)).compactArrayLength(), 2)
})

test('over-long varints raise ProtocolError', () => {
  assertProtocolError(() => new Reader(b(0xff, 0xff, 0xff, 0xff, 0x1f)).uvarint(), 'uvarint > 32 bits')
  assertProtocolError(() => new Reader(b(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).uvarint(), 'uvarint of 6 bytes')
  assertProtocolError(() => new Reader(b(0xff, 0xff, 0xff, 0xff, 0x1f)).varint(), 'varint > 32 bits')
  assertProtocolError(() => new Reader(Buffer.alloc(11, 0x80)).varlong(), 'varlong of 11 bytes')
  assertProtocolError(() => new Reader(b(0x80, 0x80)).varlong(), 'unterminated varlong')
  assert.equal(new Reader(b(0xff, 0xff, 0xff, 0xff, 0x0f)).uvarint(), 2 ** 32 - 1)
})

test('raw, bytes and uuid return views into the buffer, not copies', () => {
  const buf = b(0, 0, 0, 2, 7, 8, ...new Array(16).fill(1))
  const r = new Reader(buf)
  const v = r.bytes()!
  const u = r.uuid()
  buf[4] = 99
  buf[6] = 42
  assert.deepEqual(v, b(99, 8))
  assert.equal(u[0], 42)
})

test('tagged fields are handed over bounded to their own size, and skipped when not consumed', () => {
  const w = new Writer()
  w.uvarint(2)
  w.uvarint(0).uvarint(4).int32(77)
  w.uvarint(5)
    .uvarint(3)
    .raw(b(1, 2, 3))
  w.int16(-7)
  const seen: [number, number, number][] = []
  const r = new Reader(w.toBuffer())
  r.taggedFields((tag, sub, size) => {
    if (tag === 0) seen.push([tag, size, sub.int32()])
    else {
      seen.push([tag, size, sub.remaining])
      assertProtocolError(() => sub.int32(), 'reading past a tagged field')
    }
  })
  assert.deepEqual(seen, [
    [0, 4, 77],
    [5, 3, 3],
  ])
  assert.equal(r.int16(), -7)
  const skipping = new Reader(w.toBuffer())
  skipping.taggedFields()
  assert.equal(skipping.int16(), -7)
})

test('every truncation of a valid encoding fails with ProtocolError only', () => {
  const w = new Writer()
  w.int16(3)
    .int32(-5)
    .string('héllo')
    .compactString('wörld')
    .bytes(b(1, 2, 3))
    .compactBytes(b(4))
  w.varint(-300)
    .varlong(-1_700_000_000_000)
    .uvarint(2 ** 31)
    .int64(-9n)
    .uuid(Buffer.alloc(16, 5))
  w.int32(2).int8(1).int8(2).uvarint(1).uvarint(1).uvarint(1).int8(9)
  const full = w.toBuffer()
  const readAll = (r: Reader) => {
    r.int16()
    r.int32()
    r.string()
    r.compactString()
    r.bytes()
    r.compactBytes()
    r.varint()
    r.varlong()
    r.uvarint()
    r.int64()
    r.uuid()
    const n = r.arrayLength()
    for (let i = 0; i < n; i++) r.int8()
    r.taggedFields()
  }
  const r = new Reader(full)
  readAll(r)
  assert.equal(r.remaining, 0)
  for (let cut = 0; cut < full.length; cut++) {
    assertProtocolError(() => readAll(new Reader(full.subarray(0, cut))), `cut at ${cut}`)
  }
})

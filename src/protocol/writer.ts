/**
 * Append-only byte writer over one reused, geometrically grown buffer.
 *
 * Lengths that are only known after the body is written (request size, batch length, CRC) are
 * written by reserving room with `reserve()` and filling it later with the `*At` methods.
 * Nothing here allocates per call except on growth.
 */
const MIN_CAPACITY = 256

export class Writer {
  buf: Buffer
  pos = 0

  /** A capacity to allocate, or a buffer to write into (it is replaced if it must grow). */
  constructor(initial: number | Buffer = 16 * 1024) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafe(Math.max(MIN_CAPACITY, initial)) : initial
  }

  /** Forget the contents; the buffer is kept for reuse. */
  reset(): this {
    this.pos = 0
    return this
  }

  /** Bytes written (a RequestWriter counts the payloads it references too). */
  get length(): number {
    return this.pos
  }

  /** Payloads referenced instead of copied (see RequestWriter); none here. */
  get chunkCount(): number {
    return 0
  }

  /** Drops what was written after `pos` (and after the first `chunkCount` referenced payloads). */
  truncate(pos: number, _chunkCount: number): void {
    this.pos = pos
  }

  /** Make room for `n` more bytes, doubling the buffer as needed. */
  ensure(n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < need) cap *= 2
    const next = Buffer.allocUnsafe(cap)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** Moves the contents into `next` (a larger buffer) and writes there from now on; returns the old one. */
  moveTo(next: Buffer): Buffer {
    const old = this.buf
    old.copy(next, 0, 0, this.pos)
    this.buf = next
    return old
  }

  /** Skip `n` bytes to be filled in later; returns their offset. */
  reserve(n: number): number {
    this.ensure(n)
    const at = this.pos
    this.pos += n
    return at
  }

  /** A view of what was written. Valid until the next write or reset. */
  view(from = 0, to = this.pos): Buffer {
    return this.buf.subarray(from, to)
  }

  /** A copy of what was written, independent of later writes. */
  toBuffer(from = 0, to = this.pos): Buffer {
    const out = Buffer.allocUnsafe(to - from)
    this.buf.copy(out, 0, from, to)
    return out
  }

  int8(v: number): this {
    this.ensure(1)
    this.buf[this.pos++] = v & 0xff
    return this
  }

  boolean(v: boolean): this {
    return this.int8(v ? 1 : 0)
  }

  int16(v: number): this {
    this.ensure(2)
    this.buf.writeInt16BE(v, this.pos)
    this.pos += 2
    return this
  }

  uint16(v: number): this {
    this.ensure(2)
    this.buf.writeUInt16BE(v, this.pos)
    this.pos += 2
    return this
  }

  int32(v: number): this {
    this.ensure(4)
    this.buf.writeInt32BE(v, this.pos)
    this.pos += 4
    return this
  }

  uint32(v: number): this {
    this.ensure(4)
    this.buf.writeUInt32BE(v >>> 0, this.pos)
    this.pos += 4
    return this
  }

  int64(v: bigint): this {
    this.ensure(8)
    this.buf.writeBigInt64BE(v, this.pos)
    this.pos += 8
    return this
  }

  float64(v: number): this {
    this.ensure(8)
    this.buf.writeDoubleBE(v, this.pos)
    this.pos += 8
    return this
  }

  /** Unsigned LEB128 varint of a 32-bit value. */
  uvarint(v: number): this {
    this.ensure(5)
    const buf = this.buf
    let n = v >>> 0
    while (n >= 0x80) {
      buf[this.pos++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    buf[this.pos++] = n
    return this
  }

  /** Zigzag varint of a signed 32-bit value. */
  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31))
  }

  /** Zigzag varlong of a signed safe integer (no BigInt). */
  varlong(v: number): this {
    if (v >= -0x40000000 && v < 0x40000000) return this.varint(v)
    // The zigzag value 2m + sign (m = v or -v - 1) is not exact in a double once past 2^53, so it
    // is never formed: the first byte holds the sign bit and m's low 6 bits, the rest is m / 64.
    const m = v >= 0 ? v : -v - 1
    this.ensure(10)
    const buf = this.buf
    buf[this.pos++] = ((m % 64) * 2 + (v >= 0 ? 0 : 1)) | 0x80
    let n = Math.floor(m / 64)
    while (n >= 0x80) {
      buf[this.pos++] = (n % 128) | 0x80
      n = Math.floor(n / 128)
    }
    buf[this.pos++] = n
    return this
  }

  /** Raw bytes, no length prefix. */
  raw(src: Uint8Array): this {
    this.ensure(src.length)
    this.buf.set(src, this.pos)
    this.pos += src.length
    return this
  }

  /** UTF-8 text, no length prefix; returns the byte count written. */
  utf8(s: string): number {
    const max = s.length * 3
    this.ensure(max)
    const n = this.buf.write(s, this.pos, max, 'utf8')
    this.pos += n
    return n
  }

  /** STRING / NULLABLE_STRING: int16 length (-1 for null) then UTF-8. */
  string(s: string | null): this {
    if (s === null) return this.int16(-1)
    const at = this.reserve(2)
    const n = this.utf8(s)
    this.buf.writeInt16BE(n, at)
    return this
  }

  /** COMPACT_STRING / COMPACT_NULLABLE_STRING: uvarint(length + 1), 0 for null. */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0)
    const n = Buffer.byteLength(s)
    this.uvarint(n + 1)
    this.ensure(n)
    this.pos += this.buf.write(s, this.pos, n, 'utf8')
    return this
  }

  /** BYTES / NULLABLE_BYTES: int32 length (-1 for null). */
  bytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1)
    this.int32(b.length)
    return this.raw(b)
  }

  /** COMPACT_BYTES / COMPACT_NULLABLE_BYTES: uvarint(length + 1), 0 for null. */
  compactBytes(b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0)
    this.uvarint(b.length + 1)
    return this.raw(b)
  }

  /** UUID: 16 raw bytes. */
  uuid(u: Uint8Array): this {
    if (u.length !== 16) throw new RangeError(`a UUID is 16 bytes, got ${u.length}`)
    return this.raw(u)
  }

  /** An empty tagged-field section. */
  emptyTags(): this {
    return this.int8(0)
  }

  int32At(at: number, v: number): void {
    this.buf.writeInt32BE(v, at)
  }

  uint32At(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at)
  }
}

/** Size in bytes of an unsigned varint. */
export function sizeOfUvarint(v: number): number {
  let n = v >>> 0
  let size = 1
  while (n >= 0x80) {
    n >>>= 7
    size++
  }
  return size
}

/** Strings longer than this are measured by Buffer.byteLength (native) rather than in JS. */
const SHORT_STRING = 64

/**
 * UTF-8 length of `s`, as Buffer.byteLength(s, 'utf8') computes it (a lone surrogate takes the
 * 3 bytes of U+FFFD); counted in JS for short strings, where the native call costs more.
 */
export function utf8Length(s: string): number {
  const n = s.length
  if (n > SHORT_STRING) return Buffer.byteLength(s, 'utf8')
  let bytes = n
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2 // a surrogate pair: 4 bytes for 2 units
      i++
    } else bytes += 2
  }
  return bytes
}

/** Size in bytes of a zigzag varint. */
export function sizeOfVarint(v: number): number {
  return sizeOfUvarint((v << 1) ^ (v >> 31))
}

/** Size in bytes of a zigzag varlong of a safe integer. */
export function sizeOfVarlong(v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) return sizeOfVarint(v)
  let n = v >= 0 ? v * 2 : -v * 2 - 1
  let size = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}

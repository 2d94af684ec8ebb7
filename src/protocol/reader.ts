import { ProtocolError } from '../errors.js'

/**
 * Cursor over a received buffer. Every read checks bounds, so a truncated or malformed response
 * surfaces as a `ProtocolError` (the connection that received it is then closed), never as a
 * RangeError from deep inside Buffer.
 */
export class Reader {
  readonly buf: Buffer
  pos: number
  readonly end: number

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  get remaining(): number {
    return this.end - this.pos
  }

  #need(n: number): number {
    const at = this.pos
    if (n < 0 || at + n > this.end) {
      throw new ProtocolError(`truncated data: needed ${n} bytes at offset ${at}, ${this.end - at} left`)
    }
    this.pos = at + n
    return at
  }

  int8(): number {
    return this.buf.readInt8(this.#need(1))
  }

  uint8(): number {
    return this.buf[this.#need(1)]!
  }

  boolean(): boolean {
    return this.int8() !== 0
  }

  int16(): number {
    return this.buf.readInt16BE(this.#need(2))
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.#need(2))
  }

  int32(): number {
    return this.buf.readInt32BE(this.#need(4))
  }

  uint32(): number {
    return this.buf.readUInt32BE(this.#need(4))
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.#need(8))
  }

  /** int64 as a JS number; exact for values within +-2^53. */
  int64n(): number {
    const at = this.#need(8)
    return this.buf.readInt32BE(at) * 4294967296 + this.buf.readUInt32BE(at + 4)
  }

  float64(): number {
    return this.buf.readDoubleBE(this.#need(8))
  }

  uvarint(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const b = this.uint8()
      if (shift === 28) {
        if (b > 0x0f) throw new ProtocolError('unsigned varint is longer than 32 bits')
        return (result | (b << 28)) >>> 0
      }
      result |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) return result >>> 0
      shift += 7
    }
  }

  varint(): number {
    const n = this.uvarint()
    return (n >>> 1) ^ -(n & 1)
  }

  /** Zigzag varlong as a JS number (exact within +-2^53). */
  varlong(): number {
    // Decodes m (v or -v - 1) directly rather than the zigzag value 2m + sign, which is not
    // exact in a double past 2^53: the first byte holds the sign bit and m's low 6 bits.
    const b0 = this.uint8()
    if ((b0 & 0x80) === 0) return (b0 >>> 1) ^ -(b0 & 1)
    let m = (b0 & 0x7f) >>> 1
    let mul = 64
    for (let i = 1; i < 10; i++) {
      const b = this.uint8()
      m += (b & 0x7f) * mul
      if ((b & 0x80) === 0) return b0 & 1 ? -m - 1 : m
      mul *= 128
    }
    throw new ProtocolError('varlong is longer than 10 bytes')
  }

  /** `n` raw bytes as a view (no copy). */
  raw(n: number): Buffer {
    const at = this.#need(n)
    return this.buf.subarray(at, at + n)
  }

  #utf8(n: number): string {
    const at = this.#need(n)
    return this.buf.toString('utf8', at, at + n)
  }

  /** NULLABLE_STRING / STRING. */
  string(): string | null {
    const n = this.int16()
    if (n < 0) return null
    return this.#utf8(n)
  }

  /** COMPACT_NULLABLE_STRING / COMPACT_STRING. */
  compactString(): string | null {
    const n = this.uvarint()
    if (n === 0) return null
    return this.#utf8(n - 1)
  }

  /** NULLABLE_BYTES / BYTES, as a view. */
  bytes(): Buffer | null {
    const n = this.int32()
    if (n < 0) return null
    return this.raw(n)
  }

  /** COMPACT_NULLABLE_BYTES / COMPACT_BYTES, as a view. */
  compactBytes(): Buffer | null {
    const n = this.uvarint()
    if (n === 0) return null
    return this.raw(n - 1)
  }

  uuid(): Buffer {
    return this.raw(16)
  }

  /** ARRAY length: int32, -1 for null. */
  arrayLength(): number {
    const n = this.int32()
    this.#checkCount(n)
    return n
  }

  /** COMPACT_ARRAY length: uvarint(n + 1), 0 for null; returns -1 for null. */
  compactArrayLength(): number {
    const n = this.uvarint() - 1
    this.#checkCount(n)
    return n
  }

  // Every element takes at least one byte, so a count larger than what is left is malformed;
  // checking it here stops a corrupt length from allocating a huge array.
  #checkCount(n: number): void {
    if (n < -1 || n > this.remaining) {
      throw new ProtocolError(`array length ${n} is impossible with ${this.remaining} bytes left`)
    }
  }

  /** Tagged fields: calls `onTag` for each, skipping those it does not consume. */
  taggedFields(onTag?: (tag: number, r: Reader, size: number) => void): void {
    const count = this.uvarint()
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint()
      const size = this.uvarint()
      const start = this.#need(size)
      if (onTag !== undefined) {
        const sub = new Reader(this.buf, start, start + size)
        onTag(tag, sub, size)
      }
    }
  }
}

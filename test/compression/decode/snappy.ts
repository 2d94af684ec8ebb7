/**
 * Kafka's Snappy decoded, for tests (the producer never decompresses): xerial streams (also
 * concatenated ones) and, like snappy-java's SnappyInputStream on Kafka's broker, input without
 * the magic as one raw Snappy block. Malformed input throws CorruptCompressedDataError.
 */
import { snappyCompressBlock, snappyCompressBound } from '../../../src/compression/snappy-block.js'
import { CorruptCompressedDataError } from './errors.js'

/** snappy-java's stream header: magic `\x82SNAPPY\0`, then version and compatible version. */
const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
const MAGIC_LENGTH = 8

class SnappyFormatError extends Error {}

function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
}

/** Reads the varint uncompressed length at `s`; returns [length, offset after it]. */
function snappyUncompressedLength(src: Uint8Array, s: number, end: number): [number, number] {
  let result = 0
  for (let shift = 0; shift < 35; shift += 7) {
    if (s >= end) throw new SnappyFormatError('truncated length')
    const b = src[s++]!
    result += (b & 0x7f) * 2 ** shift
    if (b < 0x80) {
      if (result > 0xffffffff) break
      return [result, s]
    }
  }
  throw new SnappyFormatError('invalid length')
}

/**
 * Decodes the elements of a block in `src[s, end)` (after its length) into exactly
 * `dst[d, d + length)`; returns `d + length`.
 */
function snappyDecompressElements(
  src: Uint8Array,
  s: number,
  end: number,
  dst: Uint8Array,
  d: number,
  length: number,
): number {
  const start = d
  const dEnd = d + length
  while (s < end) {
    const tag = src[s++]!
    let len: number
    let offset: number
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2
        if (len >= 60) {
          const bytes = len - 59
          if (end - s < bytes) throw new SnappyFormatError('truncated literal length')
          len = 0
          for (let i = 0; i < bytes; i++) len += src[s + i]! * 2 ** (8 * i)
          s += bytes
        }
        len += 1
        if (len > end - s) throw new SnappyFormatError('literal runs past the input')
        if (len > dEnd - d) throw new SnappyFormatError('literal exceeds the declared length')
        if (len > 32) dst.set(src.subarray(s, s + len), d)
        else for (let i = 0; i < len; i++) dst[d + i] = src[s + i]!
        s += len
        d += len
        continue
      }
      case 1:
        if (s >= end) throw new SnappyFormatError('truncated copy')
        len = 4 + ((tag >>> 2) & 7)
        offset = ((tag >>> 5) << 8) | src[s++]!
        break
      case 2:
        if (end - s < 2) throw new SnappyFormatError('truncated copy')
        len = 1 + (tag >>> 2)
        offset = src[s]! | (src[s + 1]! << 8)
        s += 2
        break
      default:
        if (end - s < 4) throw new SnappyFormatError('truncated copy')
        len = 1 + (tag >>> 2)
        offset = read32(src, s) >>> 0
        s += 4
    }
    if (offset === 0 || offset > d - start) throw new SnappyFormatError(`invalid copy offset ${offset}`)
    if (len > dEnd - d) throw new SnappyFormatError('copy exceeds the declared length')
    let from = d - offset
    if (offset >= len && len > 32) {
      dst.copyWithin(d, from, from + len)
      d += len
    } else {
      const stop = d + len
      while (d < stop) dst[d++] = dst[from++]!
    }
  }
  if (d !== dEnd) throw new SnappyFormatError(`decoded ${d - start} bytes, expected ${length}`)
  return d
}

/** The most a block of `compressed` bytes can expand to (a 3-byte copy yields 64 bytes). */
function snappyMaxExpansion(compressed: number): number {
  return compressed * 22 + 64
}

/** Compresses `data` as a single raw Snappy block (no framing). */
export function snappyCompressRaw(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(snappyCompressBound(data.length))
  return Buffer.from(out.subarray(0, snappyCompressBlock(data, 0, data.length, out, 0)))
}

function fail(detail: string, cause?: unknown): never {
  throw new CorruptCompressedDataError('snappy', detail, cause)
}

function hasMagic(src: Uint8Array, s: number): boolean {
  if (src.length - s < MAGIC_LENGTH) return false
  for (let i = 0; i < MAGIC_LENGTH; i++) if (src[s + i] !== XERIAL_HEADER[i]) return false
  return true
}

function readI32BE(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!
}

function decodeRaw(src: Uint8Array, s: number, end: number): Buffer {
  const [length, at] = snappyUncompressedLength(src, s, end)
  if (length > snappyMaxExpansion(end - at)) throw new SnappyFormatError(`implausible length ${length}`)
  const out = Buffer.allocUnsafe(length)
  snappyDecompressElements(src, at, end, out, 0, length)
  return out
}

export function snappyDecompress(src: Uint8Array): Buffer {
  try {
    if (src.length === 0) return Buffer.alloc(0)
    if (!hasMagic(src, 0)) return decodeRaw(src, 0, src.length)
    // Two passes: sum the chunks' lengths, then decode each into one buffer.
    let total = 0
    const n = src.length
    for (let s = 0; s < n; ) {
      if (hasMagic(src, s)) {
        if (n - s < XERIAL_HEADER.length) fail('truncated stream header')
        s += XERIAL_HEADER.length
        continue
      }
      if (n - s < 4) fail('truncated chunk length')
      const size = readI32BE(src, s)
      if (size < 0 || size > n - s - 4) fail('truncated chunk')
      const [length, at] = snappyUncompressedLength(src, s + 4, s + 4 + size)
      if (length > snappyMaxExpansion(s + 4 + size - at)) fail(`implausible chunk length ${length}`)
      total += length
      s += 4 + size
    }
    const out = Buffer.allocUnsafe(total)
    let d = 0
    for (let s = 0; s < n; ) {
      if (hasMagic(src, s)) {
        s += XERIAL_HEADER.length
        continue
      }
      const end = s + 4 + readI32BE(src, s)
      const [length, at] = snappyUncompressedLength(src, s + 4, end)
      d = snappyDecompressElements(src, at, end, out, d, length)
      s = end
    }
    return out
  } catch (err) {
    if (err instanceof SnappyFormatError) fail(err.message)
    throw err
  }
}

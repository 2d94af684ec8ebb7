/**
 * Kafka's LZ4 frames decoded, for tests (the producer never decompresses): every frame option
 * but dictionaries, concatenated frames, skippable frames. Malformed input throws
 * CorruptCompressedDataError.
 */
import { xxhash32 } from '../../../src/compression/xxhash32.js'
import { CorruptCompressedDataError } from './errors.js'

const LZ4_MAGIC = 0x184d2204
const MIN_MATCH = 4
const UNCOMPRESSED = 0x80000000

class Lz4FormatError extends Error {}

/**
 * Decodes one block from `src[s, sEnd)` into `dst` at `d`, writing no further than `dEnd`.
 * Matches may reach back to `windowStart`. Returns the end offset in `dst`.
 */
function lz4DecompressBlock(
  src: Uint8Array,
  s: number,
  sEnd: number,
  dst: Uint8Array,
  d: number,
  dEnd: number,
  windowStart: number,
): number {
  if (s >= sEnd) throw new Lz4FormatError('empty block')
  for (;;) {
    const token = src[s++]!
    let litLen = token >>> 4
    if (litLen === 15) {
      let b: number
      do {
        if (s >= sEnd) throw new Lz4FormatError('truncated literal length')
        b = src[s++]!
        litLen += b
      } while (b === 255)
    }
    if (litLen > sEnd - s) throw new Lz4FormatError('literals run past the block')
    if (litLen > dEnd - d) throw new Lz4FormatError('literals exceed the output size')
    if (litLen > 32) dst.set(src.subarray(s, s + litLen), d)
    else for (let i = 0; i < litLen; i++) dst[d + i] = src[s + i]!
    s += litLen
    d += litLen
    if (s === sEnd) return d
    if (sEnd - s < 2) throw new Lz4FormatError('truncated match offset')
    const offset = src[s]! | (src[s + 1]! << 8)
    s += 2
    if (offset === 0 || offset > d - windowStart) throw new Lz4FormatError(`invalid match offset ${offset}`)
    let len = token & 15
    if (len === 15) {
      let b: number
      do {
        if (s >= sEnd) throw new Lz4FormatError('truncated match length')
        b = src[s++]!
        len += b
      } while (b === 255)
    }
    len += MIN_MATCH
    if (len > dEnd - d) throw new Lz4FormatError('match exceeds the output size')
    let from = d - offset
    if (offset >= len && len > 32) {
      dst.copyWithin(d, from, from + len)
      d += len
    } else {
      const stop = d + len
      while (d < stop) dst[d++] = dst[from++]!
    }
  }
}

function fail(detail: string, cause?: unknown): never {
  throw new CorruptCompressedDataError('lz4', detail, cause)
}

function readU32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0
}

/** Decodes one or more concatenated LZ4 frames (skippable frames are skipped). */
export function lz4Decompress(src: Uint8Array): Buffer {
  let out = Buffer.allocUnsafe(Math.min(Math.max(src.length * 4, 1024), 64 * 1024 * 1024))
  let d = 0
  let s = 0
  const n = src.length
  const ensure = (need: number) => {
    if (d + need <= out.length) return
    let cap = out.length * 2
    while (cap < d + need) cap *= 2
    const next = Buffer.allocUnsafe(cap)
    out.copy(next, 0, 0, d)
    out = next
  }
  do {
    if (n - s < 4) fail('truncated frame magic')
    const magic = readU32(src, s)
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (n - s < 8) fail('truncated skippable frame')
      const size = readU32(src, s + 4)
      if (size > n - s - 8) fail('truncated skippable frame')
      s += 8 + size
      continue
    }
    if (magic !== LZ4_MAGIC) fail(`bad frame magic 0x${magic.toString(16)}`)
    s += 4
    if (n - s < 3) fail('truncated frame descriptor')
    const descStart = s
    const flg = src[s++]!
    const bd = src[s++]!
    if (flg >>> 6 !== 1) fail(`unsupported frame version ${flg >>> 6}`)
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) fail('reserved descriptor bits set')
    if ((flg & 0x01) !== 0) fail('frames with a dictionary are not supported')
    const blockMax = (bd >>> 4) & 7
    if (blockMax < 4) fail(`invalid block maximum size ${blockMax}`)
    const maxBlockSize = 1 << (2 * blockMax + 8)
    const independent = (flg & 0x20) !== 0
    const blockChecksum = (flg & 0x10) !== 0
    const contentSize = (flg & 0x08) !== 0
    const contentChecksum = (flg & 0x04) !== 0
    if (contentSize) {
      if (n - s < 9) fail('truncated frame descriptor')
      s += 8
    }
    if (n - s < 1) fail('truncated frame descriptor')
    if (src[s] !== ((xxhash32(src, descStart, s) >>> 8) & 0xff)) fail('frame descriptor checksum mismatch')
    s++
    const frameStart = d
    for (;;) {
      if (n - s < 4) fail('truncated block size')
      const word = readU32(src, s)
      s += 4
      if (word === 0) break
      const size = word & 0x7fffffff
      if (size > maxBlockSize) fail(`block of ${size} bytes exceeds the frame's maximum ${maxBlockSize}`)
      if (size > n - s) fail('truncated block')
      if (blockChecksum) {
        if (n - s - size < 4) fail('truncated block checksum')
        if (xxhash32(src, s, s + size) !== readU32(src, s + size)) fail('block checksum mismatch')
      }
      ensure(maxBlockSize)
      if ((word & UNCOMPRESSED) !== 0) {
        out.set(src.subarray(s, s + size), d)
        d += size
      } else {
        try {
          d = lz4DecompressBlock(src, s, s + size, out, d, d + maxBlockSize, independent ? d : frameStart)
        } catch (err) {
          if (err instanceof Lz4FormatError) fail(err.message)
          throw err
        }
      }
      s += size + (blockChecksum ? 4 : 0)
    }
    if (contentChecksum) {
      if (n - s < 4) fail('truncated content checksum')
      if (xxhash32(out, frameStart, d) !== readU32(src, s)) fail('content checksum mismatch')
      s += 4
    }
  } while (s < n)
  // Don't let a small result pin a large buffer.
  if (out.length - d > Math.max(4096, d >>> 3)) return Buffer.from(out.subarray(0, d))
  return out.subarray(0, d)
}

/**
 * Kafka's Snappy: the snappy-java (xerial) stream framing that Kafka's producer writes: a 16-byte
 * header (magic `\x82SNAPPY\0`, version 1, compatible version 1, big-endian int32s), then for
 * every 32 KiB of input a big-endian int32 length and a raw Snappy block.
 *
 * The reader accepts xerial streams (also concatenated ones) and, like snappy-java's
 * SnappyInputStream on Kafka's broker, input without the magic as one raw Snappy block.
 */
import { CorruptCompressedDataError } from './errors.js'
import { Scratch } from './scratch.js'
import {
  SnappyFormatError,
  snappyCompressBlock,
  snappyCompressBound,
  snappyDecompressElements,
  snappyMaxExpansion,
  snappyUncompressedLength,
} from './snappy-block.js'

const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
const MAGIC_LENGTH = 8
/** snappy-java's default SnappyOutputStream block size, which Kafka uses. */
const CHUNK = 32 * 1024

const scratch = new Scratch()

export function snappyCompress(data: Uint8Array): Buffer {
  const n = data.length
  const chunks = Math.ceil(n / CHUNK)
  const out = scratch.get(XERIAL_HEADER.length + chunks * 4 + snappyCompressBound(n))
  XERIAL_HEADER.copy(out, 0)
  let d = XERIAL_HEADER.length
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(start + CHUNK, n)
    const stop = snappyCompressBlock(data, start, end, out, d + 4)
    out.writeInt32BE(stop - d - 4, d)
    d = stop
  }
  return scratch.take(d)
}

/** Compresses `data` as a single raw Snappy block (no framing). */
export function snappyCompressRaw(data: Uint8Array): Buffer {
  const out = scratch.get(snappyCompressBound(data.length))
  return scratch.take(snappyCompressBlock(data, 0, data.length, out, 0))
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

/**
 * The spool's bytes: segment files and the entries in them. Pure functions over buffers; the file
 * handling is in spool.ts.
 *
 * A segment file, `<20-digit base sequence>.seg`:
 *
 *   header  = magic "SLSG" (4) | version u16 (1) | flags u16 (0) | base sequence u64 | crc u32
 *             (CRC-32C of the 16 bytes before it)                                      20 bytes
 *   entry*  = marker u32 0x534c454e ("SLEN") | crc u32 | length u32 | body (length bytes)
 *             crc is the CRC-32C of `length` and `body`, the same checksum RecordBatch v2 uses.
 *   body    = seq u64 | flags u8 (bit 0: partition set, bit 1: timestamp set) | partition i32
 *             | timestamp f64 (epoch ms) | topic (u16 length, UTF-8) | key (i32 length, -1 null)
 *             | value (i32 length, -1 null) | header count u32
 *             | per header: key (u32 length, UTF-8), value (i32 length, -1 null)
 *
 * All integers big-endian. Every entry starts with the marker, so after a damaged entry the
 * reader can find the next one: it looks for the marker at each later position and takes the
 * first place where a whole entry with a matching CRC starts (a false match needs the marker and
 * a 32-bit CRC to agree by chance).
 */
import { crc32c } from '../protocol/crc32c.js'

export const SEGMENT_MAGIC = 0x534c5347 // "SLSG"
export const SEGMENT_VERSION = 1
export const SEGMENT_HEADER_BYTES = 20
export const ENTRY_MARKER = 0x534c454e // "SLEN"
export const ENTRY_OVERHEAD = 12
const MARKER_BYTES = Buffer.from([0x53, 0x4c, 0x45, 0x4e])
/** The smallest body: seq, flags, partition, timestamp, topic length, key, value, header count. */
const MIN_BODY = 8 + 1 + 4 + 8 + 2 + 4 + 4 + 4
const TWO_32 = 2 ** 32

/** One spooled record: what the producer had after serializing it, before partitioning (when no partition was given). */
export interface SpoolRecord {
  readonly topic: string
  /** The partition the caller chose, or null (the partitioner chooses at replay). */
  readonly partition: number | null
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: readonly (readonly [string, Uint8Array | null])[]
  /** CreateTime in epoch ms, or null (replay takes the time of the replay). */
  readonly timestamp: number | null
}

/** A record read back from the spool, with its sequence number (ack it with that). */
export interface SpoolEntry {
  readonly seq: number
  readonly record: SpoolRecord
}

export function segmentFileName(base: number): string {
  return `${String(base).padStart(20, '0')}.seg`
}

/** The base sequence of a segment file name, or null if the name is not a segment's. */
export function parseSegmentFileName(name: string): number | null {
  const m = /^(\d{20})\.seg$/.exec(name)
  if (m === null) return null
  const n = Number(m[1])
  return Number.isSafeInteger(n) ? n : null
}

export function encodeSegmentHeader(base: number): Buffer {
  const buf = Buffer.allocUnsafe(SEGMENT_HEADER_BYTES)
  buf.writeUInt32BE(SEGMENT_MAGIC, 0)
  buf.writeUInt16BE(SEGMENT_VERSION, 4)
  buf.writeUInt16BE(0, 6)
  writeU64(buf, 8, base)
  buf.writeUInt32BE(crc32c(buf, 0, 16), 16)
  return buf
}

/** The header's base sequence, or a reason it is not a valid header. */
export function decodeSegmentHeader(buf: Uint8Array): { base: number } | { error: string } {
  if (buf.length < SEGMENT_HEADER_BYTES) return { error: `header truncated (${buf.length} bytes)` }
  const b = Buffer.from(buf.buffer, buf.byteOffset, SEGMENT_HEADER_BYTES)
  if (b.readUInt32BE(0) !== SEGMENT_MAGIC) return { error: 'not a spool segment (bad magic)' }
  if (b.readUInt32BE(16) !== crc32c(b, 0, 16)) return { error: 'header CRC mismatch' }
  const version = b.readUInt16BE(4)
  if (version !== SEGMENT_VERSION) return { error: `unsupported segment version ${version}` }
  return { base: readU64(b, 8) }
}

const textEncoder = new TextEncoder()

/** The entry's bytes: marker, CRC, length and body. */
export function encodeEntry(seq: number, record: SpoolRecord): Buffer {
  const topic = textEncoder.encode(record.topic)
  if (topic.length > 0xffff) throw new RangeError('topic name longer than 65535 bytes')
  const headerKeys = record.headers.map(([k]) => textEncoder.encode(k))
  let size = ENTRY_OVERHEAD + MIN_BODY + topic.length
  size += record.key?.length ?? 0
  size += record.value?.length ?? 0
  for (let i = 0; i < record.headers.length; i++) {
    size += 8 + headerKeys[i]!.length + (record.headers[i]![1]?.length ?? 0)
  }
  const buf = Buffer.allocUnsafe(size)
  buf.writeUInt32BE(ENTRY_MARKER, 0)
  buf.writeUInt32BE(size - ENTRY_OVERHEAD, 8)
  let o = ENTRY_OVERHEAD
  writeU64(buf, o, seq)
  o += 8
  buf.writeUInt8((record.partition === null ? 0 : 1) | (record.timestamp === null ? 0 : 2), o++)
  buf.writeInt32BE(record.partition ?? -1, o)
  o += 4
  buf.writeDoubleBE(record.timestamp ?? 0, o)
  o += 8
  buf.writeUInt16BE(topic.length, o)
  o += 2
  buf.set(topic, o)
  o += topic.length
  o = writeBytes(buf, o, record.key)
  o = writeBytes(buf, o, record.value)
  buf.writeUInt32BE(record.headers.length, o)
  o += 4
  for (let i = 0; i < record.headers.length; i++) {
    const k = headerKeys[i]!
    buf.writeUInt32BE(k.length, o)
    o += 4
    buf.set(k, o)
    o += k.length
    o = writeBytes(buf, o, record.headers[i]![1])
  }
  buf.writeUInt32BE(crc32c(buf, 8, size), 4)
  return buf
}

/** The length of the whole entry starting at `at` if a valid one starts there (marker, length in bounds, CRC), else 0. */
export function validEntryAt(buf: Buffer, at: number, end: number): number {
  if (at + ENTRY_OVERHEAD > end) return 0
  if (buf.readUInt32BE(at) !== ENTRY_MARKER) return 0
  const length = buf.readUInt32BE(at + 8)
  if (length < MIN_BODY || length > end - at - ENTRY_OVERHEAD) return 0
  if (buf.readUInt32BE(at + 4) !== crc32c(buf, at + 8, at + ENTRY_OVERHEAD + length)) return 0
  return ENTRY_OVERHEAD + length
}

/** The sequence number of the valid entry at `at`. */
export function entrySeq(buf: Buffer, at: number): number {
  return readU64(buf, at + ENTRY_OVERHEAD)
}

/** The record of the valid entry at `at` (its byte fields are copies, not views of `buf`). */
export function decodeEntry(buf: Buffer, at: number): SpoolEntry {
  let o = at + ENTRY_OVERHEAD
  const seq = readU64(buf, o)
  o += 8
  const flags = buf.readUInt8(o++)
  const partition = buf.readInt32BE(o)
  o += 4
  const timestamp = buf.readDoubleBE(o)
  o += 8
  const topicLength = buf.readUInt16BE(o)
  o += 2
  const topic = buf.toString('utf8', o, o + topicLength)
  o += topicLength
  const key = readBytes(buf, o)
  o = key.next
  const value = readBytes(buf, o)
  o = value.next
  const count = buf.readUInt32BE(o)
  o += 4
  const headers: (readonly [string, Uint8Array | null])[] = []
  for (let i = 0; i < count; i++) {
    const kl = buf.readUInt32BE(o)
    o += 4
    const k = buf.toString('utf8', o, o + kl)
    o += kl
    const v = readBytes(buf, o)
    o = v.next
    headers.push([k, v.bytes])
  }
  return {
    seq,
    record: {
      topic,
      partition: flags & 1 ? partition : null,
      key: key.bytes,
      value: value.bytes,
      headers,
      timestamp: flags & 2 ? timestamp : null,
    },
  }
}

/** What scanEntries found in a range of a segment. */
export interface ScanVisitor {
  /** A valid entry at [start, end); returning false stops the walk after it. */
  entry(start: number, end: number): boolean | undefined
  /** Bytes [start, end) that hold no valid entry; `tail` when nothing valid follows them in the range. */
  damaged(start: number, end: number, tail: boolean): void
}

/**
 * Walks the entries of `buf[start, end)` in order: each valid entry goes to `visitor.entry`; a
 * damaged stretch (bad marker, length or CRC) goes to `visitor.damaged` and the walk resumes at
 * the next position where a valid entry starts. Returns where the walk stopped: `end`, or the
 * end of the entry whose visit returned false.
 */
export function scanEntries(buf: Buffer, start: number, end: number, visitor: ScanVisitor): number {
  let at = start
  while (at < end) {
    const n = validEntryAt(buf, at, end)
    if (n > 0) {
      const go = visitor.entry(at, at + n)
      at += n
      if (go === false) return at
      continue
    }
    let next = -1
    let probe = buf.indexOf(MARKER_BYTES, at + 1)
    while (probe !== -1 && probe < end) {
      if (validEntryAt(buf, probe, end) > 0) {
        next = probe
        break
      }
      probe = buf.indexOf(MARKER_BYTES, probe + 1)
    }
    if (next === -1) {
      visitor.damaged(at, end, true)
      return end
    }
    visitor.damaged(at, next, false)
    at = next
  }
  return at
}

function writeU64(buf: Buffer, at: number, n: number): void {
  buf.writeUInt32BE(Math.floor(n / TWO_32), at)
  buf.writeUInt32BE(n % TWO_32, at + 4)
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4)
}

function writeBytes(buf: Buffer, at: number, bytes: Uint8Array | null): number {
  if (bytes === null) {
    buf.writeInt32BE(-1, at)
    return at + 4
  }
  buf.writeInt32BE(bytes.length, at)
  buf.set(bytes, at + 4)
  return at + 4 + bytes.length
}

function readBytes(buf: Buffer, at: number): { bytes: Uint8Array | null; next: number } {
  const n = buf.readInt32BE(at)
  if (n < 0) return { bytes: null, next: at + 4 }
  return { bytes: Buffer.from(buf.subarray(at + 4, at + 4 + n)), next: at + 4 + n }
}

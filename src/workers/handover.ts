/**
 * The hand-over of records from the caller's thread to a worker: records appended one after the
 * other into one buffer, whose ArrayBuffer is transferred (not copied) to the worker once per
 * tick or when it fills. A record's id is implicit: the chunk carries the first id and records
 * are numbered in order.
 *
 * record  := topicId u32 | partition i32 | timestamp f64 | key bytes | value bytes | headers
 * bytes   := length i32 (-1: null) | length bytes
 * headers := count u32 | (keyLength u32 | key UTF-8 | value bytes) * count
 *
 * All little-endian. Timestamps are epoch ms, exact in a double.
 */
import type { RecordHeader } from '../records/record-batch-builder.js'

const FIXED = 4 + 4 + 8 + 4 + 4 + 4
const MIN_CAPACITY = 64 * 1024

/** The bytes a record takes in a chunk (its memory cost on the caller's side). */
export function encodedSize(
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[],
): number {
  let n = FIXED + (key === null ? 0 : key.length) + (value === null ? 0 : value.length)
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!
    n += 8 + Buffer.byteLength(h.key, 'utf8') + (h.value === null ? 0 : h.value.length)
  }
  return n
}

/** Appends records into a buffer handed over whole by take(). */
export class HandoverWriter {
  #buf: Buffer = Buffer.alloc(0)
  #pos = 0
  /** Records in the current chunk. */
  count = 0

  get byteLength(): number {
    return this.#pos
  }

  append(
    topicId: number,
    partition: number,
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    size: number,
  ): void {
    this.#ensure(size)
    const b = this.#buf
    let p = this.#pos
    b.writeUInt32LE(topicId, p)
    b.writeInt32LE(partition, p + 4)
    b.writeDoubleLE(timestamp, p + 8)
    p = writeBytes(b, p + 16, key)
    p = writeBytes(b, p, value)
    b.writeUInt32LE(headers.length, p)
    p += 4
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!
      const n = b.write(h.key, p + 4, 'utf8')
      b.writeUInt32LE(n, p)
      p = writeBytes(b, p + 4 + n, h.value)
    }
    this.#pos = p
    this.count++
  }

  /** The chunk so far, as an ArrayBuffer to transfer and its used length; the writer starts a new one. */
  take(): { buffer: ArrayBuffer; length: number; count: number } {
    const out = { buffer: this.#buf.buffer as ArrayBuffer, length: this.#pos, count: this.count }
    this.#buf = Buffer.alloc(0)
    this.#pos = 0
    this.count = 0
    return out
  }

  #ensure(size: number): void {
    if (this.#pos + size <= this.#buf.length) return
    const capacity = Math.max(MIN_CAPACITY, (this.#pos + size) * 2)
    // Its own ArrayBuffer (never the shared pool's), so that it can be transferred.
    const next = Buffer.from(new ArrayBuffer(capacity))
    this.#buf.copy(next, 0, 0, this.#pos)
    this.#buf = next
  }
}

function writeBytes(b: Buffer, p: number, bytes: Uint8Array | null): number {
  if (bytes === null) {
    b.writeInt32LE(-1, p)
    return p + 4
  }
  b.writeInt32LE(bytes.length, p)
  b.set(bytes, p + 4)
  return p + 4 + bytes.length
}

/** Shared by every record without headers: not to be modified. */
const NO_HEADERS: [string, Buffer | null][] = []

/** One record read back from a chunk; key, value and header values are views of the chunk. */
export interface HandedRecord {
  topicId: number
  partition: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: [string, Buffer | null][]
}

/** Calls visit(record, index) for each of the chunk's records, in order. */
export function readChunk(
  buffer: ArrayBuffer,
  length: number,
  visit: (record: HandedRecord, index: number) => void,
): number {
  const b = Buffer.from(buffer, 0, length)
  let p = 0
  let i = 0
  while (p < length) {
    const topicId = b.readUInt32LE(p)
    const partition = b.readInt32LE(p + 4)
    const timestamp = b.readDoubleLE(p + 8)
    p += 16
    const kl = b.readInt32LE(p)
    const key = kl < 0 ? null : b.subarray(p + 4, p + 4 + kl)
    p += 4 + Math.max(kl, 0)
    const vl = b.readInt32LE(p)
    const value = vl < 0 ? null : b.subarray(p + 4, p + 4 + vl)
    p += 4 + Math.max(vl, 0)
    const hc = b.readUInt32LE(p)
    p += 4
    const headers: [string, Buffer | null][] = hc === 0 ? NO_HEADERS : []
    for (let h = 0; h < hc; h++) {
      const n = b.readUInt32LE(p)
      const hk = b.toString('utf8', p + 4, p + 4 + n)
      p += 4 + n
      const l = b.readInt32LE(p)
      headers.push([hk, l < 0 ? null : b.subarray(p + 4, p + 4 + l)])
      p += 4 + Math.max(l, 0)
    }
    if (p > length) throw new RangeError(`hand-over chunk truncated in record ${i}`)
    visit({ topicId, partition, timestamp, key, value, headers }, i++)
  }
  return i
}

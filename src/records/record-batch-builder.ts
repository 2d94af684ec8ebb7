/**
 * Incremental RecordBatch v2 encoder for one partition's pending records.
 *
 * Each record is encoded into one reused buffer the moment it is appended (no per-record objects
 * are kept), after 61 bytes reserved for the batch header. `build()` fills in the header and CRC
 * once the batch is complete. Record layout (all lengths zigzag varints, -1 for null):
 *
 *   length varint | attributes int8 (0) | timestampDelta varlong | offsetDelta varint
 *   | key length + key | value length + value | header count varint
 *   | per header: key length + UTF-8 key, value length + value
 *
 * The records section (`recordsView()`) is contiguous and the header is written last by
 * `writeBatchHeader`, so a compressing caller can encode that section into a new buffer behind 61
 * reserved bytes and write the header there with `headerFields()` and the codec's attribute bits.
 */
import { sizeOfUvarint, sizeOfVarint, sizeOfVarlong, utf8Length, Writer } from '../protocol/writer.js'
import {
  BATCH_HEADER_SIZE,
  type BatchHeaderFields,
  TRANSACTIONAL_BIT,
  writeBatchHeader,
} from './batch-header.js'

export interface RecordHeader {
  key: string
  value: Uint8Array | null
}

export interface BuildOptions {
  /** -1n (the default) when the producer is not idempotent. */
  producerId?: bigint
  producerEpoch?: number
  /** Sequence number of the batch's first record; -1 when not idempotent. */
  baseSequence?: number
  transactional?: boolean
  /** Set by the broker; producers send -1. */
  partitionLeaderEpoch?: number
  /** Only uncompressed batches are built here; see the module comment for compression. */
  compressionType?: 0
}

/** Kafka's NO_TIMESTAMP, reported by an empty builder. */
const NO_TIMESTAMP = -1

export class RecordBatchBuilder {
  readonly #w: Writer
  #count = 0
  #firstTimestamp = NO_TIMESTAMP
  #maxTimestamp = NO_TIMESTAMP

  /** A capacity to allocate, or a buffer to encode into (replaced by a larger one if it fills). */
  constructor(initial: number | Buffer = 16 * 1024) {
    this.#w = new Writer(initial)
    this.#w.reserve(BATCH_HEADER_SIZE)
  }

  /** The buffer the batch is encoded in (a larger one than it started with, if it grew). */
  get buffer(): Buffer {
    return this.#w.buf
  }

  /** Moves the batch into `next` (a larger buffer); returns the one it leaves, free for reuse. */
  moveTo(next: Buffer): Buffer {
    return this.#w.moveTo(next)
  }

  /**
   * Exact encoded size of one record, its length prefix included. `timestampDelta` is relative to
   * the batch's first record and `offsetDelta` is the record's index in the batch.
   */
  static sizeOfRecord(
    timestampDelta: number,
    offsetDelta: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[] | null,
  ): number {
    const body = sizeOfRecordBody(timestampDelta, offsetDelta, key, value, headers)
    return sizeOfVarint(body) + body
  }

  /** Encodes a record at the end of the batch; returns the bytes it took. */
  append(
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[] | null,
  ): number {
    return this.tryAppend(timestamp, key, value, headers, Number.POSITIVE_INFINITY)
  }

  /**
   * Encodes a record at the end of the batch if the batch stays within `maxBytes` (header
   * included); a first record always goes in. Returns the bytes it took, or -1 when it does not
   * fit (nothing is written then).
   */
  tryAppend(
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[] | null,
    maxBytes: number,
  ): number {
    const offsetDelta = this.#count
    const timestampDelta = offsetDelta === 0 ? 0 : timestamp - this.#firstTimestamp
    const body = sizeOfRecordBody(timestampDelta, offsetDelta, key, value, headers)
    // Lengths and the offset delta are never negative: their zigzag form is twice the value.
    const size = sizeOfUvarint(body * 2) + body
    const w = this.#w
    if (offsetDelta > 0 && w.pos + size > maxBytes) return -1
    if (offsetDelta === 0) this.#firstTimestamp = timestamp
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp
    w.ensure(size)
    // Written straight into the buffer: room for the whole record was made above.
    const buf = w.buf
    let pos = putUvarint(buf, w.pos, body * 2)
    buf[pos++] = 0 // attributes
    if (timestampDelta >= -0x40000000 && timestampDelta < 0x40000000) {
      pos = putUvarint(buf, pos, (timestampDelta << 1) ^ (timestampDelta >> 31))
    } else {
      w.pos = pos
      w.varlong(timestampDelta)
      pos = w.pos
    }
    pos = putUvarint(buf, pos, offsetDelta * 2)
    pos = putNullableBytes(buf, pos, key)
    pos = putNullableBytes(buf, pos, value)
    const headerCount = headers === null ? 0 : headers.length
    pos = putUvarint(buf, pos, headerCount * 2)
    for (let i = 0; i < headerCount; i++) {
      const h = headers![i]!
      const keyBytes = utf8Length(h.key)
      pos = putUvarint(buf, pos, keyBytes * 2)
      pos = putUtf8(buf, pos, h.key, keyBytes)
      pos = putNullableBytes(buf, pos, h.value)
    }
    w.pos = pos
    this.#count = offsetDelta + 1
    return size
  }

  get recordCount(): number {
    return this.#count
  }

  /** Encoded size of the whole batch as it stands, the 61-byte header included. */
  get sizeInBytes(): number {
    return this.#w.pos
  }

  /** Timestamp of the first record (the batch's base timestamp); -1 while empty. */
  get firstTimestamp(): number {
    return this.#firstTimestamp
  }

  /** Largest timestamp appended so far; -1 while empty. */
  get maxTimestamp(): number {
    return this.#maxTimestamp
  }

  /** The encoded records section (after the header). A view, valid until the next append or reset. */
  recordsView(): Buffer {
    return this.#w.view(BATCH_HEADER_SIZE)
  }

  /** The header values `build()` writes for these options, for a caller that writes its own copy. */
  headerFields(opts: BuildOptions = {}): BatchHeaderFields {
    if (this.#count === 0) throw new RangeError('a record batch needs at least one record')
    return {
      baseOffset: 0n,
      partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
      attributes: (opts.compressionType ?? 0) | (opts.transactional === true ? TRANSACTIONAL_BIT : 0),
      lastOffsetDelta: this.#count - 1,
      baseTimestamp: this.#firstTimestamp,
      maxTimestamp: this.#maxTimestamp,
      producerId: opts.producerId ?? -1n,
      producerEpoch: opts.producerEpoch ?? -1,
      baseSequence: opts.baseSequence ?? -1,
      recordCount: this.#count,
    }
  }

  /**
   * Fills in the header and CRC and returns the whole batch as a view of the builder's buffer (no
   * copy). The view stays valid until the next `append`, `build` or `reset`; copy it to keep it
   * longer. Building again after more appends, or with other options, is allowed.
   */
  build(opts: BuildOptions = {}): Buffer {
    const w = this.#w
    writeBatchHeader(w.buf, 0, w.pos, this.headerFields(opts))
    return w.view()
  }

  /** Empties the batch, keeping its buffer for reuse. */
  reset(): void {
    this.#w.reset().reserve(BATCH_HEADER_SIZE)
    this.#count = 0
    this.#firstTimestamp = NO_TIMESTAMP
    this.#maxTimestamp = NO_TIMESTAMP
  }
}

function sizeOfNullableBytes(b: Uint8Array | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length
}

function sizeOfRecordBody(
  timestampDelta: number,
  offsetDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[] | null,
): number {
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta)
  size += sizeOfNullableBytes(key) + sizeOfNullableBytes(value)
  const headerCount = headers === null ? 0 : headers.length
  size += sizeOfVarint(headerCount)
  for (let i = 0; i < headerCount; i++) {
    const h = headers![i]!
    const keyBytes = utf8Length(h.key)
    size += sizeOfVarint(keyBytes) + keyBytes + sizeOfNullableBytes(h.value)
  }
  return size
}

// The put* helpers write at `pos` into a buffer known to have room and return the next offset.

function putUvarint(buf: Buffer, pos: number, v: number): number {
  let n = v >>> 0
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  buf[pos++] = n
  return pos
}

/** Below this length a byte loop beats the call into TypedArray.prototype.set. */
const SMALL_COPY = 16

function putNullableBytes(buf: Buffer, pos: number, b: Uint8Array | null): number {
  if (b === null) {
    buf[pos] = 1 // zigzag varint of -1
    return pos + 1
  }
  const n = b.length
  pos = putUvarint(buf, pos, n * 2)
  if (n < SMALL_COPY) {
    for (let i = 0; i < n; i++) buf[pos + i] = b[i]!
  } else {
    buf.set(b, pos)
  }
  return pos + n
}

/** `s` takes `bytes` bytes in UTF-8 (from utf8Length). */
function putUtf8(buf: Buffer, pos: number, s: string, bytes: number): number {
  if (bytes === s.length) {
    // All ASCII: one byte per UTF-16 unit.
    for (let i = 0; i < bytes; i++) buf[pos + i] = s.charCodeAt(i)
    return pos + bytes
  }
  return pos + buf.write(s, pos, bytes, 'utf8')
}

import type { Codec } from '../compression/index.js'
import type { CompressAsync } from '../compression/offload/offload.js'
import { type KafkaError, toKafkaError } from '../errors.js'
import { processWarning, type Warn } from '../logging.js'
import { BATCH_HEADER_SIZE, writeBatchHeader } from '../records/batch-header.js'
import { RecordBatchBuilder, type RecordHeader } from '../records/record-batch-builder.js'
import { type DecodedRecord, decodeRecordBatch } from '../records/record-batch-decoder.js'
import type { RecordMetadata, SendCallback } from './record.js'

/** How one record learns its outcome: a promise's settle functions, or a user callback. */
export interface Deferred {
  resolve: (md: RecordMetadata) => void
  reject: (err: Error) => void
}
export type Completion = Deferred | SendCallback | null

/**
 * Where a batch is in its life; see PartitionQueue, the only place that changes it. `queued`:
 * open for records; `sealed`: closed to records, waiting to be sent; `in-flight`: in a request
 * not yet answered; `retry-wait`: waiting to be sent again; `done`: completed, failed or split.
 */
export type BatchState = 'queued' | 'sealed' | 'in-flight' | 'retry-wait' | 'done'

/**
 * What a batch keeps its records in: the buffer they are encoded into, and each record's
 * completion and timestamp by index. Recycled from completed batches to new ones (see
 * BatchStoragePool), arrays included: grown afresh for every batch, they were most of what the
 * producer promoted to the old heap generation.
 */
export interface BatchStorage {
  buffer: Buffer
  /** Entries past the batch's record count are null (a recycled array is never shrunk). */
  completions: Completion[]
  timestamps: number[]
}

export function newBatchStorage(bytes: number): BatchStorage {
  return { buffer: Buffer.allocUnsafeSlow(bytes), completions: [], timestamps: [] }
}

/**
 * The records queued for one partition that will travel in one RecordBatch. Records are encoded
 * into the batch's buffer as they are appended; the batch is closed (header and CRC filled in)
 * once, when it is first drained, and the same bytes are resent on retries.
 */
export class ProducerBatch {
  readonly topic: string
  readonly partition: number
  readonly createdMs: number
  readonly #builder: RecordBatchBuilder
  readonly #completions: Completion[]
  readonly #timestamps: number[]
  #encoded: Buffer | null = null
  /** The compressed records section, once compressed; the header is written around it. */
  #compressed: Buffer | null = null
  #compressing: Promise<void> | null = null
  #codecId = 0
  #whenDone: Promise<void> | null = null
  #signalDone: (() => void) | null = null
  #released = false

  /** Changed only by PartitionQueue. */
  state: BatchState = 'queued'
  /** Produce attempts made so far. */
  attempts = 0
  /** The accumulator's count of batches made when this one was (the disk spool orders by it). */
  madeAt = 0
  /** Not to be sent again before this time (retry backoff). */
  retryAt = 0
  /** Idempotence: the sequence of the first record, assigned when first drained; -1 if none. */
  baseSequence = -1
  producerId = -1n
  producerEpoch = -1
  /** The next retry needs no backoff: the partition's new leader is already known. */
  skipBackoff = false
  /** Its sequence was rewritten (an earlier batch failed, or a new epoch) since it was sent. */
  resequenced = false
  /** Part of a transaction (the RecordBatch's transactional flag). */
  transactional = false

  /** Bytes of `buffer.memory` this batch holds until it completes (grows with its buffer). */
  reservedBytes: number
  /**
   * With compression: the topic's compression ratio estimate when the batch was made, which
   * decides how many records it takes (see compression-ratio.ts).
   */
  estimatedRatio = 1
  /** With compression: told once the records are compressed (the accumulator's estimate learns). */
  onCompressed: ((batch: ProducerBatch) => void) | null = null
  /** Its records' bytes as counted in `MemoryBudget.queued` (kept by the accumulator). */
  queuedBytes = 0
  /** The largest record's encoded size (record-size-max/avg are of these, as in Java). */
  maxRecordBytes = 0

  /** `storage.buffer` must hold at least `reservedBytes`. */
  constructor(
    topic: string,
    partition: number,
    createdMs: number,
    reservedBytes: number,
    storage: BatchStorage = newBatchStorage(reservedBytes),
  ) {
    this.topic = topic
    this.partition = partition
    this.createdMs = createdMs
    this.reservedBytes = reservedBytes
    this.#builder = new RecordBatchBuilder(storage.buffer)
    this.#completions = storage.completions
    this.#timestamps = storage.timestamps
  }

  get recordCount(): number {
    return this.#builder.recordCount
  }

  get sizeInBytes(): number {
    return this.#encoded?.length ?? this.#builder.sizeInBytes
  }

  /** The encoded size over the uncompressed one (1 without compression); once encoded. */
  get compressionRatio(): number {
    const uncompressed = this.#builder.sizeInBytes
    return this.#encoded === null || uncompressed === 0 ? 1 : this.#encoded.length / uncompressed
  }

  /** The records section's uncompressed size (the batch without its header). */
  get recordsBytes(): number {
    return this.#builder.sizeInBytes - BATCH_HEADER_SIZE
  }

  /** The records section's compressed size; -1 until compressed. */
  get compressedRecordsBytes(): number {
    return this.#compressed === null ? -1 : this.#compressed.length
  }

  /** The size of the buffer the records are encoded in. */
  get capacity(): number {
    return this.#builder.buffer.length
  }

  /**
   * Moves the records into `next`, a larger buffer (memory for it already reserved), while the
   * batch is open; returns the buffer it leaves, which nothing else refers to.
   */
  moveTo(next: Buffer): Buffer {
    if (this.state !== 'queued')
      throw new Error(`bug: a ${this.state} batch of ${this.topic}-${this.partition} moved`)
    return this.#builder.moveTo(next)
  }

  /** Whether `encode()` can run now (uncompressed, or compression has finished). */
  get isCompressed(): boolean {
    return this.#compressed !== null
  }

  /**
   * Compresses the records section (closing the batch to appends): inline with `codec`, or,
   * given `offThread`, off the event loop (zlib's threadpool, or the worker pool, which copies).
   */
  compress(codec: Codec, level: number | undefined, offThread: CompressAsync | null): Promise<void> | null {
    if (this.#compressed !== null) return null
    this.#assertSealed('compressed')
    this.#codecId = codec.id
    const records = this.#builder.recordsView()
    if (offThread === null) {
      this.#compressed = codec.compressSync(records, level)
      this.onCompressed?.(this)
      return null
    }
    this.#compressing ??= offThread(records, level).then((out) => {
      this.#compressed = out
      this.onCompressed?.(this)
    })
    return this.#compressing
  }

  /**
   * Appends a record if it fits within `maxBytes` (a first record always fits). Returns the
   * bytes it took, or -1 when it does not fit.
   */
  tryAppend(
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    completion: Completion,
    maxBytes: number,
  ): number {
    const b = this.#builder
    const i = b.recordCount
    const n = b.tryAppend(timestamp, key, value, headers, maxBytes)
    if (n < 0) return -1
    if (n > this.maxRecordBytes) this.maxRecordBytes = n
    this.#completions[i] = completion
    this.#timestamps[i] = timestamp
    return n
  }

  /**
   * The encoded RecordBatch; built on first call with the producer identity set on the batch. A
   * view of the batch's buffer when uncompressed: valid until the batch's buffer is released.
   */
  encode(): Buffer {
    if (this.#released) throw new Error(`bug: batch of ${this.topic}-${this.partition} encoded after release`)
    if (this.#encoded !== null) return this.#encoded
    this.#assertSealed('encoded')
    const opts = {
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.baseSequence,
      transactional: this.transactional,
    }
    const payload = this.#compressed
    if (payload === null) {
      // A view of the builder's buffer, no copy: the builder belongs to this batch alone and is
      // only built again (in place, same bytes but the header) by resequence() or split().
      this.#encoded = this.#builder.build(opts)
    } else {
      const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + payload.length)
      payload.copy(out, BATCH_HEADER_SIZE)
      const fields = this.#builder.headerFields(opts)
      fields.attributes |= this.#codecId
      writeBatchHeader(out, 0, out.length, fields)
      this.#encoded = out
    }
    return this.#encoded
  }

  /**
   * Splits a batch the broker refused as too large into batches of at most `maxBytes` (each at
   * least one record), moving every record's completion with it. With idempotence the parts
   * take consecutive sequences from this batch's base sequence, covering the same range.
   */
  split(maxBytes: number, reserve: (bytes: number) => number): ProducerBatch[] {
    const decoded = decodeRecordBatch(this.#builder.build())
    const parts: ProducerBatch[] = []
    let current: ProducerBatch | null = null
    let sequence = this.baseSequence
    const records = decoded.records
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!
      const completion = this.#completions[i] ?? null
      if (
        current === null ||
        current.tryAppend(r.timestamp, r.key, r.value, r.headers, completion, maxBytes) < 0
      ) {
        const size = RecordBatchBuilder.sizeOfRecord(0, 0, r.key, r.value, r.headers) + BATCH_HEADER_SIZE
        current = new ProducerBatch(
          this.topic,
          this.partition,
          this.createdMs,
          reserve(Math.max(maxBytes, size)),
        )
        current.tryAppend(r.timestamp, r.key, r.value, r.headers, completion, maxBytes)
        parts.push(current)
      }
    }
    for (const part of parts) {
      part.attempts = this.attempts
      part.producerId = this.producerId
      part.producerEpoch = this.producerEpoch
      part.transactional = this.transactional
      if (this.baseSequence >= 0) {
        part.baseSequence = sequence
        sequence = (sequence + part.recordCount) % 2 ** 31
      }
    }
    // The records now belong to the parts: this batch must never settle them.
    this.#completions.fill(null, 0, records.length)
    this.#signalDone?.()
    return parts
  }

  /**
   * Takes the records out, decoded, each with its completion (for the disk spool): the batch
   * must then never settle them. Called instead of fail(), by the accumulator.
   */
  takeRecords(): { record: DecodedRecord; completion: Completion }[] {
    const records = decodeRecordBatch(this.#builder.build()).records
    const out = records.map((record, i) => ({ record, completion: this.#completions[i] ?? null }))
    this.#completions.fill(null, 0, records.length)
    this.#signalDone?.()
    return out
  }

  /** Stamps producer id, epoch and base sequence; `transactional` sets the batch's flag. */
  setProducerState(producerId: bigint, epoch: number, baseSequence: number, transactional: boolean): void {
    this.producerId = producerId
    this.producerEpoch = epoch
    this.baseSequence = baseSequence
    this.transactional = transactional
    this.#encoded = null
  }

  /** A new epoch (KIP-360): the batch goes out again with the new identity and sequence. */
  resetProducerState(producerId: bigint, epoch: number, baseSequence: number): void {
    this.setProducerState(producerId, epoch, baseSequence, this.transactional)
    this.resequenced = true
  }

  /** Gives the batch a new base sequence; it is framed again before it next goes out. */
  resequence(baseSequence: number): void {
    this.baseSequence = baseSequence
    this.resequenced = true
    this.#encoded = null
  }

  /**
   * Success: each record gets its offset and timestamp (the broker's when LogAppendTime). Called
   * once, by the accumulator, which makes sure of that.
   */
  complete(baseOffset: bigint, logAppendTimeMs: number, warn: Warn = processWarning): void {
    this.#signalDone?.()
    const n = this.recordCount
    const known = baseOffset >= 0n
    let offset = baseOffset
    for (let i = 0; i < n; i++, offset = known ? offset + 1n : offset) {
      const c = this.#completions[i]
      if (c === null || c === undefined) continue
      this.#completions[i] = null
      const md: RecordMetadata = {
        topic: this.topic,
        partition: this.partition,
        offset,
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : this.#timestamps[i]!,
      }
      if (typeof c === 'function') safeCall(c, null, md, warn)
      else c.resolve(md)
    }
  }

  /** Failure: each record gets `err`. Called once, by the accumulator. */
  fail(error: Error, warn: Warn = processWarning): void {
    this.#signalDone?.()
    const err = toKafkaError(error)
    const n = this.recordCount
    for (let i = 0; i < n; i++) {
      const c = this.#completions[i]
      if (c === null || c === undefined) continue
      this.#completions[i] = null
      if (typeof c === 'function') safeCall(c, err, null, warn)
      else c.reject(err)
    }
  }

  /**
   * Hands over the batch's storage for reuse once the batch is done with (completed, failed or
   * split): it can't be encoded again. Null if already released.
   */
  releaseStorage(): BatchStorage | null {
    if (this.#released) return null
    this.#released = true
    this.#encoded = null
    return { buffer: this.#builder.buffer, completions: this.#completions, timestamps: this.#timestamps }
  }

  /** Resolves when the batch has completed or failed (never rejects); used by flush(). */
  whenDone(): Promise<void> {
    if (this.state === 'done') return Promise.resolve()
    this.#whenDone ??= new Promise((resolve) => {
      this.#signalDone = resolve
    })
    return this.#whenDone
  }

  // Framing an open batch would lose the records appended after it.
  #assertSealed(what: string): void {
    if (this.state === 'queued') {
      throw new Error(`bug: open batch of ${this.topic}-${this.partition} ${what} before it was sealed`)
    }
  }
}

// As in the Java client, a callback that throws is reported and never breaks delivery of the
// batch's other records.
export function safeCall(
  cb: SendCallback,
  err: KafkaError | null,
  md: RecordMetadata | null,
  warn: Warn,
): void {
  try {
    cb(err, md)
  } catch (e) {
    warn(`a send callback threw: ${(e as Error)?.stack ?? e}`, { type: CALLBACK_WARNING })
  }
}

export const CALLBACK_WARNING = 'SluiceCallbackWarning'

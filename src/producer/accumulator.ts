import { processWarning, type Warn } from '../logging.js'
import { BATCH_HEADER_SIZE } from '../records/batch-header.js'
import { RecordBatchBuilder, type RecordHeader } from '../records/record-batch-builder.js'
import { CompressionRatioEstimator, estimatedBatchBytes, observedRatio } from './compression-ratio.js'
import { BatchStoragePool, type MemoryBudget } from './memory.js'
import { PartitionQueue } from './partition-queue.js'
import { type Completion, ProducerBatch } from './producer-batch.js'

export interface AccumulatorOptions {
  batchSize: number
  /**
   * True when batches are compressed: a batch then takes records until their estimated
   * compressed size reaches `batch.size` (as Java's), its uncompressed buffer growing as needed.
   */
  compressed?: boolean
  /**
   * With compression, the most a batch's uncompressed records may take (header included), however
   * well they compress: `max.request.size` (at least `batch.size`).
   */
  maxBatchBytes?: number
  lingerMs: number
  memory: MemoryBudget
  /** Called whenever a completed batch gives memory back. */
  onMemoryReleased: () => void
  /** Where a send callback that throws is reported (default: process.emitWarning). */
  warn?: Warn
  /**
   * A batch fails for good: true when this took its records (ProducerBatch.takeRecords, for the
   * disk spool) and settled them itself, false to let the batch fail them with `err`.
   */
  takeFailed?: (batch: ProducerBatch, err: Error) => boolean
}

export interface AppendResult {
  /**
   * Bytes the record added to its batch as `batch.size` counts them: its encoded size, or with
   * compression the growth of the batch's estimated size (Java's appendedBytes).
   */
  bytes: number
  /** The record started a new batch (the previous one, if any, is full). */
  newBatch: boolean
}

/**
 * Per-partition batches. A batch is ready to send when it is full (a later batch exists behind
 * it), when `linger.ms` has passed since it was opened, or while a flush or close is under way.
 */
export class RecordAccumulator {
  readonly #options: AccumulatorOptions
  readonly #queues = new Map<string, PartitionQueue[]>()
  /** Every queue in creation order; the sender walks it round-robin. */
  readonly queues: PartitionQueue[] = []
  /** Batches not yet completed or failed, queued or in flight. */
  readonly incomplete = new Set<ProducerBatch>()
  /** Batches made so far (new ones and the parts of split ones): tells a waiter that new ones came. */
  batchesMade = 0
  #flushing = 0
  /** Set while sends wait for memory: every batch is then ready, to free memory sooner. */
  exhausted = false
  readonly #storage: BatchStoragePool
  /** Null without compression: the uncompressed path never looks at an estimate. */
  readonly #ratios: CompressionRatioEstimator | null
  readonly #maxBatchBytes: number
  readonly #learn = (batch: ProducerBatch): void => {
    const uncompressed = batch.recordsBytes
    if (uncompressed > 0)
      this.#ratios?.update(batch.topic, observedRatio(batch.compressedRecordsBytes, uncompressed))
  }

  constructor(options: AccumulatorOptions) {
    this.#options = options
    this.#storage = new BatchStoragePool(options.batchSize, options.memory.capacity)
    this.#ratios = options.compressed === true ? new CompressionRatioEstimator() : null
    this.#maxBatchBytes = Math.max(options.batchSize, options.maxBatchBytes ?? options.batchSize)
  }

  /** The compression ratio estimates (null without compression). */
  get ratios(): CompressionRatioEstimator | null {
    return this.#ratios
  }

  queue(topic: string, partition: number): PartitionQueue {
    let byPartition = this.#queues.get(topic)
    if (byPartition === undefined) {
      byPartition = []
      this.#queues.set(topic, byPartition)
    }
    let q = byPartition[partition]
    if (q === undefined) {
      q = new PartitionQueue(topic, partition)
      byPartition[partition] = q
      this.queues.push(q)
    }
    return q
  }

  append(
    topic: string,
    partition: number,
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    completion: Completion,
    now: number,
  ): AppendResult | null {
    const q = this.queue(topic, partition)
    const last = q.last
    if (last !== undefined && last.state === 'queued') {
      if (this.#ratios !== null) {
        const estimated = this.#appendCompressed(last, timestamp, key, value, headers, completion)
        if (estimated >= 0) return { bytes: estimated, newBatch: false }
      } else {
        const bytes = last.tryAppend(timestamp, key, value, headers, completion, this.#options.batchSize)
        if (bytes >= 0) {
          last.queuedBytes += bytes
          this.#options.memory.queued += bytes
          return { bytes, newBatch: false }
        }
      }
    }
    const recordSize = RecordBatchBuilder.sizeOfRecord(0, 0, key, value, headers) + BATCH_HEADER_SIZE
    const reserve = Math.max(this.#options.batchSize, recordSize)
    if (!this.#options.memory.tryReserve(reserve)) return null
    const storage = reserve === this.#storage.bufferSize ? this.#storage.take() : undefined
    const batch = new ProducerBatch(topic, partition, now, reserve, storage)
    let bytes = batch.tryAppend(timestamp, key, value, headers, completion, this.#options.batchSize)
    if (this.#ratios !== null) {
      batch.estimatedRatio = this.#ratios.estimation(topic)
      batch.onCompressed = this.#learn
      bytes = estimatedBatchBytes(batch.recordsBytes, batch.estimatedRatio)
    }
    this.#countQueued(batch)
    q.push(batch)
    this.incomplete.add(batch)
    batch.madeAt = ++this.batchesMade
    return { bytes, newBatch: true }
  }

  /**
   * Appends to an open compressed batch if its estimated size stays within `batch.size`, as
   * Java's MemoryRecordsBuilder.hasRoomFor: header + uncompressed records x estimate x 1.05, plus
   * the new record uncompressed, at most `batch.size`. The buffer grows (memory reserved first)
   * up to `maxBatchBytes`; when `buffer.memory` can't give the growth, the batch is full.
   * Returns the estimated size's growth, or -1 when the record goes to a new batch.
   */
  #appendCompressed(
    batch: ProducerBatch,
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    completion: Completion,
  ): number {
    const size = batch.sizeInBytes
    const before = estimatedBatchBytes(size - BATCH_HEADER_SIZE, batch.estimatedRatio)
    // hasRoomFor as a limit on the uncompressed size: before + record <= batch.size.
    const limit = Math.min(this.#options.batchSize - before + size, this.#maxBatchBytes)
    const capacity = batch.capacity
    let bytes = batch.tryAppend(timestamp, key, value, headers, completion, Math.min(limit, capacity))
    if (bytes < 0) {
      if (limit <= capacity) return -1
      const grown = Math.min(Math.max(capacity * 2, size + 1024), this.#maxBatchBytes)
      const memory = this.#options.memory
      if (!memory.tryReserve(grown - capacity)) return -1
      batch.reservedBytes += grown - capacity
      this.#storage.giveBuffer(batch.moveTo(this.#storage.takeBuffer(grown)))
      bytes = batch.tryAppend(timestamp, key, value, headers, completion, Math.min(limit, grown))
      if (bytes < 0) return -1
    }
    batch.queuedBytes += bytes
    this.#options.memory.queued += bytes
    return estimatedBatchBytes(size + bytes - BATCH_HEADER_SIZE, batch.estimatedRatio) - before
  }

  /**
   * Whether an open batch is full: its size (with compression, its estimated compressed size)
   * has reached `batch.size`, or its buffer `maxBatchBytes`.
   */
  isFull(batch: ProducerBatch): boolean {
    const size = batch.sizeInBytes
    const batchSize = this.#options.batchSize
    if (this.#ratios === null) return size >= batchSize
    return (
      estimatedBatchBytes(size - BATCH_HEADER_SIZE, batch.estimatedRatio) >= batchSize ||
      size >= this.#maxBatchBytes
    )
  }

  /**
   * Closes every open batch to more records (the disk spool: a record refused now must not be
   * overtaken by one sent later that joins an older batch).
   */
  sealAll(): void {
    for (const q of this.queues) {
      const last = q.last
      if (last !== undefined && last.state === 'queued') q.seal(last)
    }
  }

  /** Whether the head batch of `q` may be sent now, and if not, when it will be (ms epoch). */
  readyAt(q: PartitionQueue): number {
    const head = q.head
    if (head === undefined) return Number.POSITIVE_INFINITY
    const notBefore = head.retryAt
    if (head.state !== 'queued' || this.#flushing > 0 || this.exhausted) {
      return notBefore
    }
    if (this.isFull(head)) return notBefore
    return Math.max(notBefore, head.createdMs + this.#options.lingerMs)
  }

  /**
   * Replaces an in-flight batch the broker refused as too large by batches of at most
   * `maxBytes`, waiting where it was; returns them.
   */
  split(batch: ProducerBatch, maxBytes: number): ProducerBatch[] {
    const memory = this.#options.memory
    const parts = batch.split(maxBytes, (n) => memory.forceReserve(n))
    const ratios = this.#ratios
    if (ratios !== null) {
      // As Java: the estimate was too low; start again from no better than no compression.
      const compressed = batch.compressedRecordsBytes
      const ratio = compressed < 0 ? 1 : observedRatio(compressed, batch.recordsBytes)
      ratios.set(batch.topic, Math.max(1, ratio))
    }
    for (const part of parts) {
      part.onCompressed = batch.onCompressed
      this.#countQueued(part)
      this.incomplete.add(part)
      part.madeAt = ++this.batchesMade
    }
    this.queue(batch.topic, batch.partition).replace(batch, parts)
    this.#release(batch)
    return parts
  }

  /** Success: every record of the batch gets its offset. False if the batch was already done. */
  complete(batch: ProducerBatch, baseOffset: bigint, logAppendTimeMs: number): boolean {
    if (!this.queue(batch.topic, batch.partition).settle(batch)) return false
    try {
      batch.complete(baseOffset, logAppendTimeMs, this.#options.warn ?? processWarning)
    } finally {
      this.#release(batch)
    }
    return true
  }

  /** Failure: every record of the batch gets `err`. False if the batch was already done. */
  fail(batch: ProducerBatch, err: Error): boolean {
    if (!this.queue(batch.topic, batch.partition).settle(batch)) return false
    try {
      if (this.#options.takeFailed?.(batch, err) !== true)
        batch.fail(err, this.#options.warn ?? processWarning)
    } finally {
      this.#release(batch)
    }
    return true
  }

  beginFlush(): void {
    this.#flushing++
  }

  endFlush(): void {
    this.#flushing--
  }

  /** Resolves when every batch incomplete at the time of the call is done. */
  awaitIncomplete(): Promise<void> {
    if (this.incomplete.size === 0) return Promise.resolve()
    return Promise.all([...this.incomplete].map((b) => b.whenDone())).then(() => {})
  }

  /** A batch is done with (completed, failed or split): forget it and give its memory back. */
  #release(batch: ProducerBatch): void {
    if (!this.incomplete.delete(batch)) return
    const storage = batch.releaseStorage()
    if (storage !== null) this.#storage.give(storage)
    const memory = this.#options.memory
    memory.release(batch.reservedBytes)
    memory.queued -= batch.queuedBytes
    this.#options.onMemoryReleased()
  }

  #countQueued(batch: ProducerBatch): void {
    batch.queuedBytes = batch.sizeInBytes
    this.#options.memory.queued += batch.queuedBytes
  }
}

import { BATCH_HEADER_SIZE } from '../records/batch-header.js'
import { RecordBatchBuilder, type RecordHeader } from '../records/record-batch-builder.js'
import { BatchStoragePool, type MemoryBudget } from './memory.js'
import { type Completion, ProducerBatch } from './producer-batch.js'

/** The batches of one partition waiting to be sent, oldest first, and those in flight. */
export class PartitionQueue {
  readonly topic: string
  readonly partition: number
  readonly batches: ProducerBatch[] = []
  /** Batches of this partition sent and not yet answered. */
  readonly inFlight = new Set<ProducerBatch>()
  /** Idempotence: the sequence the next new batch of this partition starts at. */
  nextSequence = 0

  constructor(topic: string, partition: number) {
    this.topic = topic
    this.partition = partition
  }
}

export interface AccumulatorOptions {
  batchSize: number
  lingerMs: number
  memory: MemoryBudget
  /** Called whenever a completed batch gives memory back. */
  onMemoryReleased: () => void
}

export interface AppendResult {
  /** Bytes the record took in its batch. */
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
  #flushing = 0
  /** Set while sends wait for memory: every batch is then ready, to free memory sooner. */
  exhausted = false
  readonly #storage: BatchStoragePool

  constructor(options: AccumulatorOptions) {
    this.#options = options
    this.#storage = new BatchStoragePool(options.batchSize, options.memory.capacity)
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
    const last = q.batches[q.batches.length - 1]
    if (last !== undefined && !last.isClosed) {
      const bytes = last.tryAppend(timestamp, key, value, headers, completion, this.#options.batchSize)
      if (bytes >= 0) {
        last.queuedBytes += bytes
        this.#options.memory.queued += bytes
        return { bytes, newBatch: false }
      }
    }
    const recordSize = RecordBatchBuilder.sizeOfRecord(0, 0, key, value, headers) + BATCH_HEADER_SIZE
    const reserve = Math.max(this.#options.batchSize, recordSize)
    if (!this.#options.memory.tryReserve(reserve)) return null
    const storage = reserve === this.#storage.bufferSize ? this.#storage.take() : undefined
    const batch = new ProducerBatch(topic, partition, now, reserve, storage)
    const bytes = batch.tryAppend(timestamp, key, value, headers, completion, this.#options.batchSize)
    this.#countQueued(batch)
    q.batches.push(batch)
    this.incomplete.add(batch)
    return { bytes, newBatch: true }
  }

  /** Whether the head batch of `q` may be sent now, and if not, when it will be (ms epoch). */
  readyAt(q: PartitionQueue): number {
    const head = q.batches[0]
    if (head === undefined) return Number.POSITIVE_INFINITY
    const notBefore = head.retryAt
    if (head.attempts > 0 || q.batches.length > 1 || head.isClosed || this.#flushing > 0 || this.exhausted) {
      return notBefore
    }
    if (head.sizeInBytes >= this.#options.batchSize) return notBefore
    return Math.max(notBefore, head.createdMs + this.#options.lingerMs)
  }

  /** Puts a batch that must be retried back in order (by sequence, else by creation). */
  reenqueue(batch: ProducerBatch): void {
    const q = this.queue(batch.topic, batch.partition)
    let i = 0
    while (i < q.batches.length && comesBefore(q.batches[i]!, batch)) i++
    q.batches.splice(i, 0, batch)
  }

  /** Replaces a batch refused as too large by smaller ones, queued where it was. */
  splitAndReenqueue(batch: ProducerBatch, maxBytes: number): ProducerBatch[] {
    const memory = this.#options.memory
    const parts = batch.split(maxBytes, (n) => memory.forceReserve(n))
    for (const part of parts) {
      this.#countQueued(part)
      this.incomplete.add(part)
      this.reenqueue(part)
    }
    this.done(batch)
    return parts
  }

  beginFlush(): void {
    this.#flushing++
  }

  endFlush(): void {
    this.#flushing--
  }

  get flushing(): boolean {
    return this.#flushing > 0
  }

  /** Resolves when every batch incomplete at the time of the call is done. */
  awaitIncomplete(): Promise<void> {
    if (this.incomplete.size === 0) return Promise.resolve()
    return Promise.all([...this.incomplete].map((b) => b.whenDone())).then(() => {})
  }

  /** A batch completed or failed: forget it and give its memory back. */
  done(batch: ProducerBatch): void {
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

// A retried batch goes before every batch not yet sent and after those sent earlier than it.
function comesBefore(queued: ProducerBatch, retried: ProducerBatch): boolean {
  if (queued.baseSequence >= 0 && retried.baseSequence >= 0) return queued.baseSequence < retried.baseSequence
  return queued.attempts > 0 && queued.createdMs <= retried.createdMs
}

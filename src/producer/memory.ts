import { type BatchStorage, newBatchStorage } from './producer-batch.js'

/**
 * The `buffer.memory` budget. As in the Java producer, memory is taken a batch at a time: a new
 * batch reserves max(batch.size, its first record) and gives it back when the batch completes.
 * Records appended to an open batch cost nothing more.
 *
 * It also counts the bytes of the records themselves (encoded, uncompressed) in batches not yet
 * completed, queued or in flight: the measure of how much work the producer holds, which the
 * backpressure signal of `send()` compares with its high-water mark.
 */
export class MemoryBudget {
  readonly capacity: number
  #used = 0
  /** Encoded bytes of the records in incomplete batches. */
  queued = 0

  constructor(capacity: number) {
    this.capacity = capacity
  }

  get available(): number {
    return this.capacity - this.#used
  }

  tryReserve(bytes: number): boolean {
    if (this.#used + bytes > this.capacity) return false
    this.#used += bytes
    return true
  }

  /** Takes memory even past the capacity (for batches split on the way out, which must go). */
  forceReserve(bytes: number): number {
    this.#used += bytes
    return bytes
  }

  release(bytes: number): void {
    this.#used -= bytes
    if (this.#used < 0) this.#used = 0
  }
}

/**
 * Storage (buffer and per-record arrays) of completed batches whose buffer is exactly
 * `batch.size` bytes, for new batches to reuse, as the Java producer's BufferPool keeps its
 * buffers. A steady producer then allocates no batch memory: completed batches' buffers don't
 * pile up outside the heap, nor their arrays in the old generation, until a major GC. At most
 * `buffer.memory` worth is kept.
 */
export class BatchStoragePool {
  readonly bufferSize: number
  readonly #maxFree: number
  readonly #free: BatchStorage[] = []

  constructor(bufferSize: number, maxBytes: number) {
    this.bufferSize = bufferSize
    this.#maxFree = Math.floor(maxBytes / bufferSize)
  }

  /** Storage with a `bufferSize` buffer, reused if some is free; the buffer's contents are garbage. */
  take(): BatchStorage {
    return this.#free.pop() ?? newBatchStorage(this.bufferSize)
  }

  /** Gives storage back; nothing may use it afterwards. Other buffer sizes are dropped. */
  give(storage: BatchStorage): void {
    if (storage.buffer.length === this.bufferSize && this.#free.length < this.#maxFree)
      this.#free.push(storage)
  }
}

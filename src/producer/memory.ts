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
 *
 * With compression a batch's buffer grows past `batch.size` (doubling, up to a cap), so its
 * sizes come from a few classes: those buffers are kept by size for the next growth (at most
 * `buffer.memory` worth too), so a steady compressed producer does not allocate them either.
 */
export class BatchStoragePool {
  readonly bufferSize: number
  readonly #maxFree: number
  readonly #free: BatchStorage[] = []
  readonly #maxBytes: number
  /** Loose buffers by size: left by growing batches, or of completed grown batches. */
  readonly #buffers = new Map<number, Buffer[]>()
  #bufferBytes = 0

  constructor(bufferSize: number, maxBytes: number) {
    this.bufferSize = bufferSize
    this.#maxFree = Math.floor(maxBytes / bufferSize)
    this.#maxBytes = maxBytes
  }

  /** Storage with a `bufferSize` buffer, reused if some is free; the buffer's contents are garbage. */
  take(): BatchStorage {
    return this.#free.pop() ?? newBatchStorage(this.bufferSize)
  }

  /**
   * Gives storage back; nothing may use it afterwards. A buffer of another size is kept loose,
   * its arrays go on with a loose `bufferSize` buffer (the one the batch grew out of) if any.
   */
  give(storage: BatchStorage): void {
    if (storage.buffer.length !== this.bufferSize) {
      this.giveBuffer(storage.buffer)
      const loose = this.#buffers.get(this.bufferSize)
      if (loose === undefined || loose.length === 0) return
      storage.buffer = loose.pop()!
      this.#bufferBytes -= this.bufferSize
    }
    if (this.#free.length < this.#maxFree) this.#free.push(storage)
  }

  /** A buffer of exactly `size` bytes, reused if one is free; its contents are garbage. */
  takeBuffer(size: number): Buffer {
    const buf = this.#buffers.get(size)?.pop()
    if (buf === undefined) return Buffer.allocUnsafeSlow(size)
    this.#bufferBytes -= size
    return buf
  }

  /** Gives a loose buffer back for takeBuffer(); nothing may use it afterwards. */
  giveBuffer(buf: Buffer): void {
    const size = buf.length
    if (this.#bufferBytes + size > this.#maxBytes) return
    let list = this.#buffers.get(size)
    if (list === undefined) {
      list = []
      this.#buffers.set(size, list)
    }
    list.push(buf)
    this.#bufferBytes += size
  }
}

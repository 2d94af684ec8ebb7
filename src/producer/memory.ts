/**
 * The `buffer.memory` budget. As in the Java producer, memory is taken a batch at a time: a new
 * batch reserves max(batch.size, its first record) and gives it back when the batch completes.
 * Records appended to an open batch cost nothing more.
 */
export class MemoryBudget {
  readonly capacity: number
  #used = 0

  constructor(capacity: number) {
    this.capacity = capacity
  }

  get used(): number {
    return this.#used
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

/**
 * Send callbacks for `sluice perf` without a closure per record: each callback is bound once to
 * a slot that holds its record's send time, size and phase; a slot is reused as soon as its
 * record is acknowledged. The pool grows (doubling) to the peak number of records in flight,
 * which buffer.memory bounds.
 */
import type { SendCallback } from '../../producer/record.js'

export type OnAcknowledged = (err: Error | null, sentAtMs: number, bytes: number, steady: boolean) => void

export class InflightSlots {
  readonly #onAck: OnAcknowledged
  #sentAt = new Float64Array(1024)
  #bytes = new Int32Array(1024)
  #steady = new Uint8Array(1024)
  readonly #callbacks: SendCallback[] = []
  /** Free slot numbers, used as a stack. */
  #free = new Int32Array(1024)
  #freeCount = 0

  constructor(onAck: OnAcknowledged) {
    this.#onAck = onAck
  }

  /** Slots created so far (the peak in flight). */
  get capacity(): number {
    return this.#callbacks.length
  }

  /** The callback to pass to send() for a record sent at `sentAtMs`. */
  acquire(sentAtMs: number, bytes: number, steady: boolean): SendCallback {
    if (this.#freeCount === 0) this.#addSlot()
    const slot = this.#free[--this.#freeCount]!
    this.#sentAt[slot] = sentAtMs
    this.#bytes[slot] = bytes
    this.#steady[slot] = steady ? 1 : 0
    return this.#callbacks[slot]!
  }

  #addSlot(): void {
    const slot = this.#callbacks.length
    if (slot === this.#sentAt.length) {
      this.#sentAt = grow(this.#sentAt, new Float64Array(slot * 2))
      this.#bytes = grow(this.#bytes, new Int32Array(slot * 2))
      this.#steady = grow(this.#steady, new Uint8Array(slot * 2))
      this.#free = grow(this.#free, new Int32Array(slot * 2))
    }
    this.#callbacks.push((err) => this.#done(slot, err))
    this.#free[this.#freeCount++] = slot
  }

  #done(slot: number, err: Error | null): void {
    const sentAt = this.#sentAt[slot]!
    const bytes = this.#bytes[slot]!
    const steady = this.#steady[slot] === 1
    this.#free[this.#freeCount++] = slot
    this.#onAck(err, sentAt, bytes, steady)
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from)
  return to
}

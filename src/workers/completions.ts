/**
 * The caller's side of the records one worker holds: each record's completion (a callback or a
 * promise's resolvers) and hand-over size by record id, in a ring that grows when the oldest
 * unsettled record is far behind the newest. Settling an id twice (a late report after the worker
 * died) does nothing: every record settles exactly once.
 */
import type { KafkaError } from '../errors.js'
import type { RecordMetadata, SendCallback } from '../producer/record.js'

export interface Resolvers {
  resolve: (md: RecordMetadata) => void
  reject: (err: KafkaError) => void
}
export type WorkerCompletion = SendCallback | Resolvers

export class CompletionTable {
  #slots: (WorkerCompletion | undefined)[] = new Array(1024)
  #sizes = new Int32Array(1024)
  #mask = 1023
  /** The oldest id that may be unsettled. */
  #base = 0
  /** The id the next record gets. */
  next = 0
  /** Records added and not yet settled. */
  outstanding = 0
  /** Their hand-over bytes. */
  bytes = 0

  /** Adds a record; returns its id. */
  add(completion: WorkerCompletion, size: number): number {
    if (this.next - this.#base > this.#mask) this.#grow()
    const id = this.next++
    this.#slots[id & this.#mask] = completion
    this.#sizes[id & this.#mask] = size
    this.outstanding++
    this.bytes += size
    return id
  }

  /** Takes the record's completion out (undefined if already settled); the caller calls it. */
  take(id: number): WorkerCompletion | undefined {
    if (id < this.#base || id >= this.next) return undefined
    const i = id & this.#mask
    const c = this.#slots[i]
    if (c === undefined) return undefined
    this.#slots[i] = undefined
    this.outstanding--
    this.bytes -= this.#sizes[i]!
    if (id === this.#base) this.#advance()
    return c
  }

  /** Takes every unsettled completion, oldest first. */
  takeAll(): WorkerCompletion[] {
    const out: WorkerCompletion[] = []
    for (let id = this.#base; id < this.next; id++) {
      const c = this.take(id)
      if (c !== undefined) out.push(c)
    }
    return out
  }

  #advance(): void {
    while (this.#base < this.next && this.#slots[this.#base & this.#mask] === undefined) this.#base++
  }

  #grow(): void {
    const size = (this.#mask + 1) * 2
    const slots: (WorkerCompletion | undefined)[] = new Array(size)
    const sizes = new Int32Array(size)
    const mask = size - 1
    for (let id = this.#base; id < this.next; id++) {
      slots[id & mask] = this.#slots[id & this.#mask]
      sizes[id & mask] = this.#sizes[id & this.#mask]!
    }
    this.#slots = slots
    this.#sizes = sizes
    this.#mask = mask
  }
}

/** Settles one completion; a throwing callback is reported, never thrown into the caller's loop. */
export function complete(c: WorkerCompletion, err: KafkaError | null, md: RecordMetadata | null): void {
  if (typeof c === 'function') {
    try {
      c(err, md)
    } catch (e) {
      queueMicrotask(() => {
        throw e
      })
    }
  } else if (err !== null) c.reject(err)
  else c.resolve(md!)
}

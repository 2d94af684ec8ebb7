import type { BatchState, ProducerBatch } from './producer-batch.js'

/**
 * The batches of one partition, and the one place where a batch changes state:
 *
 *   queued --(a batch opens behind it, or the sender frames it)--> sealed
 *   queued | sealed | retry-wait --takeHead--> in-flight --requeue--> retry-wait
 *   any --settle--> done            in-flight --replace (split)--> done, parts retry-wait
 *
 * `queued`, `sealed` and `retry-wait` batches wait in send (sequence) order; `in-flight` ones
 * are in a request the broker has not answered. Leaving the queue and entering a request are one
 * step (takeHead), so no batch is ever in neither place.
 */
export class PartitionQueue {
  readonly topic: string
  readonly partition: number
  /** Waiting batches (queued, sealed, retry-wait), oldest first. */
  readonly #waiting: ProducerBatch[] = []
  /** Batches in a request not yet answered. */
  readonly #inFlight = new Set<ProducerBatch>()

  constructor(topic: string, partition: number) {
    this.topic = topic
    this.partition = partition
  }

  /** The next batch to send, if any. */
  get head(): ProducerBatch | undefined {
    return this.#waiting[0]
  }

  /** The newest waiting batch: the one records are appended to while it is open. */
  get last(): ProducerBatch | undefined {
    return this.#waiting[this.#waiting.length - 1]
  }

  /** Batches waiting to be sent (including retries). */
  get waitingCount(): number {
    return this.#waiting.length
  }

  get inFlightCount(): number {
    return this.#inFlight.size
  }

  /** Whether a batch with this base sequence is in flight (an earlier attempt of a retried batch). */
  hasInFlightSequence(baseSequence: number): boolean {
    for (const b of this.#inFlight) if (b.baseSequence === baseSequence) return true
    return false
  }

  /** A new batch opens at the tail; the open one before it is full and is sealed. */
  push(batch: ProducerBatch): void {
    expect(batch, 'queued', 'push')
    const last = this.last
    if (last !== undefined && last.state === 'queued') last.state = 'sealed'
    this.#waiting.push(batch)
  }

  /** No more records for this batch: it is about to be compressed or framed. */
  seal(batch: ProducerBatch): void {
    if (batch.state === 'queued') batch.state = 'sealed'
  }

  /** The head leaves the queue for a request: it is in flight from here on, one attempt more. */
  takeHead(): ProducerBatch {
    const batch = this.#waiting.shift()
    if (batch === undefined) throw new Error(`bug: takeHead on the empty queue of ${this.#name}`)
    batch.state = 'in-flight'
    batch.attempts++
    this.#inFlight.add(batch)
    return batch
  }

  /** A sent batch goes back for another attempt, in sequence order, not before `retryAt`. */
  requeue(batch: ProducerBatch, retryAt: number): void {
    expect(batch, 'in-flight', 'requeue')
    this.#inFlight.delete(batch)
    batch.retryAt = retryAt
    batch.state = 'retry-wait'
    this.#insertInOrder(batch)
  }

  /** A batch refused as too large gives way to its parts, which wait where it would have. */
  replace(batch: ProducerBatch, parts: readonly ProducerBatch[]): void {
    expect(batch, 'in-flight', 'replace')
    this.#inFlight.delete(batch)
    batch.state = 'done'
    for (const part of parts) {
      expect(part, 'queued', 'replace')
      part.state = 'retry-wait'
      this.#insertInOrder(part)
    }
  }

  /**
   * The batch is finished (completed or failed), from wherever it is. False if it already was:
   * the caller must then not settle its records again.
   */
  settle(batch: ProducerBatch): boolean {
    const was: BatchState = batch.state
    if (was === 'done') return false
    if (was === 'in-flight') this.#inFlight.delete(batch)
    else {
      const i = this.#waiting.indexOf(batch)
      if (i >= 0) this.#waiting.splice(i, 1)
    }
    batch.state = 'done'
    return true
  }

  /** Removes and returns the waiting batches that were never sent. */
  takeUnsent(): ProducerBatch[] {
    const unsent: ProducerBatch[] = []
    let kept = 0
    for (const b of this.#waiting) {
      if (b.attempts === 0) unsent.push(b)
      else this.#waiting[kept++] = b
    }
    this.#waiting.length = kept
    return unsent
  }

  /** Removes and returns every waiting batch. */
  takeWaiting(): ProducerBatch[] {
    return this.#waiting.splice(0)
  }

  get #name(): string {
    return `${this.topic}-${this.partition}`
  }

  #insertInOrder(batch: ProducerBatch): void {
    const w = this.#waiting
    let i = 0
    while (i < w.length && comesBefore(w[i]!, batch)) i++
    w.splice(i, 0, batch)
  }
}

function expect(batch: ProducerBatch, state: BatchState, transition: string): void {
  if (batch.state !== state) {
    throw new Error(
      `bug: ${transition} of a ${batch.state} batch of ${batch.topic}-${batch.partition} (expected ${state})`,
    )
  }
}

// A retried batch goes before every batch not yet sent and after those sent earlier than it.
function comesBefore(queued: ProducerBatch, retried: ProducerBatch): boolean {
  if (queued.baseSequence >= 0 && retried.baseSequence >= 0) return queued.baseSequence < retried.baseSequence
  return queued.attempts > 0 && queued.createdMs <= retried.createdMs
}

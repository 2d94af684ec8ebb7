/**
 * The order in which failed records enter the disk spool: each partition's in send order.
 *
 * - A failed batch's records enter after those of the older batches of its partition (a newer
 *   batch can expire while an older one is still in flight: it waits for that one to end) and
 *   after the records refused before it was made.
 * - A record refused before reaching a batch (the breaker open, the buffer full, its metadata not
 *   coming) waits behind a barrier: every batch made before it done (delivered, or failed and
 *   its records in the spool).
 *
 * Every wait is on a promise that settles once what it waits for has been handed to the spool,
 * whose appends keep their call order; no order rests on one promise chain taking fewer
 * microtask turns than another.
 */
import { BufferExhaustedError, type KafkaError } from '../errors.js'
import type { Warn } from '../logging.js'
import type { SpoolRecord } from '../spool/format.js'
import type { RecordAccumulator } from './accumulator.js'
import { pendingBytes, settle } from './pending-sends.js'
import type { Completion, ProducerBatch } from './producer-batch.js'
import { isReplay, type Settle, type Spooler } from './spooler.js'

interface Held {
  readonly record: SpoolRecord
  readonly completion: Completion
  readonly failure: KafkaError
  readonly bytes: number
}

/** Records refused while batches made before them were not all in the spool yet. */
interface Barrier {
  /** The accumulator's batchesMade when it was made: a batch made later waits for it. */
  readonly at: number
  readonly held: Held[]
  /** Settles once its records have been handed to the spool. */
  entered: Promise<void>
}

export interface SpoolOrderHost {
  readonly spooler: Spooler
  readonly accumulator: RecordAccumulator
  /** Records held by barriers take at most this many bytes. */
  readonly bufferMemory: number
  readonly settle: Settle
  readonly warn: Warn
}

export class SpoolOrder {
  readonly #host: SpoolOrderHost
  /** Oldest first; a barrier leaves once its records are in the spool. */
  readonly #barriers: Barrier[] = []
  /** Failed batches whose records wait for older ones, with the promise of their entry. */
  readonly #waiting = new Map<ProducerBatch, Promise<void>>()
  #heldBytes = 0

  constructor(host: SpoolOrderHost) {
    this.#host = host
  }

  /**
   * A record that never reached a batch: spooled behind every batch made before it. Records
   * held so take at most buffer.memory; past it one fails with BufferExhaustedError (not
   * written, not spooled).
   */
  unsent(record: SpoolRecord, completion: Completion, failure: KafkaError): void {
    const acc = this.#host.accumulator
    let barrier = this.#barriers[this.#barriers.length - 1]
    // A new barrier when batches made before this record are not all in the spool and the last
    // barrier does not cover them (there is none, or batches were made since).
    if ((acc.incomplete.size > 0 || this.#waiting.size > 0) && barrier?.at !== acc.batchesMade)
      barrier = this.#barrier(barrier)
    if (barrier === undefined) {
      this.#host.spooler.spool(record, completion, failure, this.#host.settle)
      return
    }
    const bytes = pendingBytes(record.key, record.value, [])
    if (this.#heldBytes + bytes > this.#host.bufferMemory) {
      const err = new BufferExhaustedError(
        `records waiting to be spooled (behind the batches queued before them) hold buffer.memory=${this.#host.bufferMemory}: this one was neither written nor spooled; the record failed first with: ${failure.message}`,
      )
      settle(completion, err, this.#host.warn)
      return
    }
    this.#heldBytes += bytes
    barrier.held.push({ record, completion, failure, bytes })
  }

  /**
   * A batch failed for good with an error `spool.on` names: its records go to the spool (to the
   * same partition, in order), except replayed ones, which fail (they are in the spool still).
   * Called from the accumulator's takeFailed: the records are taken now.
   */
  failed(batch: ProducerBatch, failure: KafkaError): void {
    const records: Held[] = []
    for (const { record, completion } of batch.takeRecords()) {
      if (completion === null) continue
      if (isReplay(completion)) {
        settle(completion, failure, this.#host.warn)
        continue
      }
      const headers = record.headers.map((h) => [h.key, h.value] as const)
      const entry: SpoolRecord = {
        topic: batch.topic,
        partition: batch.partition,
        key: record.key,
        value: record.value,
        headers,
        timestamp: record.timestamp,
      }
      records.push({ record: entry, completion, failure, bytes: 0 })
    }
    const before: Promise<unknown>[] = []
    for (let i = this.#barriers.length - 1; i >= 0; i--) {
      const b = this.#barriers[i]!
      if (b.at < batch.madeAt) {
        before.push(b.entered)
        break
      }
    }
    for (const b of this.#host.accumulator.incomplete)
      if (b !== batch && olderOfPartition(b, batch)) before.push(this.#entered(b))
    for (const [b, entered] of this.#waiting) if (olderOfPartition(b, batch)) before.push(entered)
    if (before.length === 0) {
      this.#spool(records)
      return
    }
    const entered = Promise.all(before).then(() => {
      this.#waiting.delete(batch)
      this.#spool(records)
    })
    this.#waiting.set(batch, entered)
  }

  /** Settles once every record held here has been handed to the spool (close() waits for it). */
  drained(): Promise<unknown> {
    return Promise.all([...this.#barriers.map((b) => b.entered), ...this.#waiting.values()])
  }

  #barrier(previous: Barrier | undefined): Barrier {
    const acc = this.#host.accumulator
    const before: Promise<unknown>[] = [...this.#waiting.values()]
    if (previous !== undefined) before.push(previous.entered)
    for (const b of acc.incomplete) before.push(this.#entered(b))
    // Records sent from now on make new batches (none joins an older one), which wait for it.
    acc.sealAll()
    const barrier: Barrier = { at: acc.batchesMade, held: [], entered: Promise.resolve() }
    barrier.entered = Promise.all(before).then(() => {
      this.#barriers.splice(this.#barriers.indexOf(barrier), 1)
      for (const h of barrier.held) this.#heldBytes -= h.bytes
      this.#spool(barrier.held)
    })
    this.#barriers.push(barrier)
    return barrier
  }

  /** Settles once `batch` is done and, if it was spooled, its records are in the spool. */
  #entered(batch: ProducerBatch): Promise<unknown> {
    return batch.whenDone().then(() => this.#waiting.get(batch))
  }

  #spool(records: readonly Held[]): void {
    const { spooler, settle } = this.#host
    for (const h of records) spooler.spool(h.record, h.completion, h.failure, settle)
  }
}

/** `b` is a batch of `batch`'s partition made before it. */
function olderOfPartition(b: ProducerBatch, batch: ProducerBatch): boolean {
  return b.madeAt < batch.madeAt && b.partition === batch.partition && b.topic === batch.topic
}

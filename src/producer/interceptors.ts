/**
 * `interceptor.classes` with the Java client's semantics (ProducerInterceptors and
 * KafkaProducer.InterceptorCallback):
 *
 * - `onSend(record)` runs each interceptor in order on the record returned by the one before; an
 *   interceptor that throws (or returns something that is not a record) is reported with a
 *   'SluiceInterceptorWarning' and skipped: the record goes on with the last good value.
 *   Returning undefined keeps the record as it is.
 * - `onAcknowledgement(metadata, error)` is called once for every record's outcome: success,
 *   failure, and failures before the record reached a batch (serialization, size, metadata or
 *   memory waits, closed producer). A failure carries partial metadata as in Java: topic, the
 *   partition if known (else -1), offset -1n, timestamp -1. Exceptions are reported and never
 *   affect delivery. Interceptors run before the record's own callback or promise.
 * - `close()` calls each interceptor's close, in order, reporting failures.
 *
 * The producer pays nothing when the list is empty: it checks `hasInterceptors` once per send.
 */
import type { KafkaError } from '../errors.js'
import { processWarning, type Warn } from '../logging.js'
import type { ProducerInterceptor } from './config/types.js'
import type { Completion, Deferred } from './producer-batch.js'
import type { ProducerRecord, RecordMetadata, SendCallback } from './record.js'

export const INTERCEPTOR_WARNING = 'SluiceInterceptorWarning'

/** Where the record's partition is kept on a wrapped completion, for failure metadata. */
const PARTITION = Symbol('sluice.interceptedPartition')

/** A completion returned by `wrap()`: the original one, seen by the interceptors first. */
export type InterceptedCompletion = (Deferred | SendCallback) & { [PARTITION]: number }

interface Entry {
  readonly interceptor: ProducerInterceptor
  readonly index: number
}

export class ProducerInterceptors {
  /** False for an empty list: the producer may then skip every call. */
  readonly hasInterceptors: boolean
  readonly #all: readonly Entry[]
  readonly #onSend: readonly Entry[]
  readonly #onAck: readonly Entry[]
  readonly #warn: Warn
  #closing: Promise<void> | null = null

  constructor(interceptors: readonly ProducerInterceptor[], warn: Warn = processWarning) {
    this.#warn = warn
    this.#all = interceptors.map((interceptor, index) => ({ interceptor, index }))
    this.#onSend = this.#all.filter((e) => typeof e.interceptor.onSend === 'function')
    this.#onAck = this.#all.filter((e) => typeof e.interceptor.onAcknowledgement === 'function')
    this.hasInterceptors = this.#all.length > 0
  }

  /** The record after every interceptor's onSend (Java: ProducerInterceptors.onSend). */
  onSend(record: ProducerRecord): ProducerRecord {
    let current = record
    for (const e of this.#onSend) {
      let next: unknown
      try {
        next = e.interceptor.onSend!(current)
      } catch (err) {
        this.#warning(`${describe(e)}.onSend threw for ${where(current)}; the record goes on as it was`, err)
        continue
      }
      if (next === undefined) continue
      if (typeof next !== 'object' || next === null) {
        this.#warning(
          `${describe(e)}.onSend returned ${next === null ? 'null' : typeof next} instead of a record for ${where(current)}; the record goes on as it was`,
          null,
        )
        continue
      }
      current = next as ProducerRecord
    }
    return current
  }

  /** Tells every interceptor a record's outcome; never throws. */
  onAcknowledgement(metadata: RecordMetadata | null, error: Error | null): void {
    for (const e of this.#onAck) {
      try {
        e.interceptor.onAcknowledgement!(metadata, error)
      } catch (err) {
        this.#warning(`${describe(e)}.onAcknowledgement threw`, err)
      }
    }
  }

  /**
   * A record failed before it had metadata from a batch (Java: ProducerInterceptors.onSendError):
   * the interceptors get partial metadata, or null when the record has no topic.
   */
  onSendError(record: ProducerRecord | null | undefined, partition: number, error: Error): void {
    this.onAcknowledgement(partialMetadata(record, partition), error)
  }

  /**
   * Wraps a record's completion so the interceptors see its outcome first (Java's
   * InterceptorCallback). Keeps the form: a callback stays a callback, a promise's settlers stay
   * settlers. Returns `completion` itself when no interceptor has onAcknowledgement.
   */
  wrap(completion: SendCallback, record: ProducerRecord): SendCallback
  wrap(completion: Deferred, record: ProducerRecord): Deferred
  wrap(completion: Deferred | SendCallback, record: ProducerRecord): Deferred | SendCallback
  wrap(completion: Completion, record: ProducerRecord): Completion
  wrap(completion: Completion, record: ProducerRecord): Completion {
    if (this.#onAck.length === 0) return completion
    const topic = typeof record?.topic === 'string' ? record.topic : null
    const initial = typeof record?.partition === 'number' ? record.partition : -1
    let wrapped: InterceptedCompletion
    if (typeof completion === 'function') {
      const cb = (err: KafkaError | null, md: RecordMetadata | null): void => {
        this.#acknowledge(md, err, topic, (cb as InterceptedCompletion)[PARTITION])
        completion(err, md)
      }
      wrapped = cb as InterceptedCompletion
    } else {
      const inner = completion
      const d: InterceptedCompletion = {
        [PARTITION]: initial,
        resolve: (md: RecordMetadata): void => {
          this.#acknowledge(md, null, topic, d[PARTITION])
          inner?.resolve(md)
        },
        reject: (err: Error): void => {
          this.#acknowledge(null, err, topic, d[PARTITION])
          inner?.reject(err)
        },
      }
      wrapped = d
    }
    wrapped[PARTITION] = initial
    return wrapped
  }

  /** Closes every interceptor once, in order; failures are reported, not thrown. */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    for (const e of this.#all) {
      if (typeof e.interceptor.close !== 'function') continue
      try {
        await e.interceptor.close()
      } catch (err) {
        this.#warning(`${describe(e)}.close failed`, err)
      }
    }
  }

  #acknowledge(md: RecordMetadata | null, err: Error | null, topic: string | null, partition: number): void {
    if (md === null && topic !== null) md = { topic, partition, offset: -1n, timestamp: -1 }
    this.onAcknowledgement(md, err)
  }

  #warning(message: string, err: unknown): void {
    const cause = err instanceof Error ? err : err === null ? null : new Error(String(err))
    this.#warn(cause === null ? message : `${message}: ${cause.message}`, {
      type: INTERCEPTOR_WARNING,
      ...(cause?.stack === undefined ? {} : { detail: cause.stack }),
    })
  }
}

/**
 * Records the partition chosen for a record whose completion `wrap()` returned, so a later
 * failure reports it (Java: AppendCallbacks.setPartition). Does nothing for other completions.
 */
export function setInterceptedPartition(completion: Completion, partition: number): void {
  if (completion !== null && PARTITION in completion)
    (completion as InterceptedCompletion)[PARTITION] = partition
}

function partialMetadata(
  record: ProducerRecord | null | undefined,
  partition: number,
): RecordMetadata | null {
  if (typeof record?.topic !== 'string') return null
  return { topic: record.topic, partition, offset: -1n, timestamp: -1 }
}

function describe(e: Entry): string {
  const name = (e.interceptor as { constructor?: { name?: unknown } }).constructor?.name
  const suffix = typeof name === 'string' && name !== '' && name !== 'Object' ? ` (${name})` : ''
  return `interceptor.classes[${e.index}]${suffix}`
}

function where(record: ProducerRecord): string {
  const topic = typeof record?.topic === 'string' ? `topic '${record.topic}'` : 'a record without a topic'
  const partition = record?.partition
  return partition === undefined || partition === null ? topic : `${topic} partition ${partition}`
}

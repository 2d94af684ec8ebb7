/**
 * producer.sendAll(): sends every record of an iterable or async iterable (an async generator)
 * through the callback path, waiting for 'drain' whenever the producer asks, and settles once
 * every record it took has settled, with the counts.
 */
import { setMaxListeners } from 'node:events'
import { InvalidRecordError, type KafkaError } from '../../errors.js'
import { abortError } from '../pending-sends.js'
import type { ProducerRecord, SendCallback } from '../record.js'
import { checkDefaultTopic, toRecord } from './chunks.js'
import { onNextDrain, type RecordSink } from './drain.js'

/** Options of `producer.sendAll()`; `R` is the record type, as the producer's serializers make it. */
export interface SendAllOptions<R = ProducerRecord> {
  /**
   * The default topic: records without one go there, and an item may then also be a bare value
   * (a string or bytes), sent with a null key.
   */
  topic?: string
  /**
   * Stops sendAll: no more records are taken from the source, and it rejects with an AbortError
   * (`ERR_ABORTED`, `cause` the signal's reason) once the records already taken have settled.
   */
  signal?: AbortSignal
  /**
   * Called with each record that fails and its error (a KafkaError), as it fails; records taken
   * back when sendAll stops fail with an AbortError and come here too. A throw stops sendAll,
   * which then rejects with what was thrown.
   */
  onError?: (error: KafkaError, record: R) => void
  /**
   * Whether the first failure stops sendAll. Default: true without `onError` (sendAll rejects
   * with the first failure), false with it (every record is sent; sendAll resolves with the
   * counts, each failure having gone to `onError`).
   */
  stopOnError?: boolean
}

/** What sendAll() resolves with once every record it took has settled. */
export interface SendAllResult {
  /** Records the brokers acknowledged (as `acks` defines). */
  sent: number
  /** Records that failed; each went to `onError`. */
  failed: number
}

const STOPPED: unique symbol = Symbol('stopped')

/**
 * The loop of producer.sendAll(); see SendAllOptions. When sendAll stops (the first failure with
 * `stopOnError`, the signal, the source throwing, onError throwing) it takes no more records
 * from the source (closing its iterator), takes back the records still waiting for their
 * topic's metadata or for memory (they fail with AbortError), and settles once the records
 * already in batches have settled, rejecting with the reason it stopped.
 */
export async function sendAll<R>(
  producer: RecordSink,
  source: AsyncIterable<unknown> | Iterable<unknown>,
  options: SendAllOptions<R> = {},
): Promise<SendAllResult> {
  const topic = checkDefaultTopic(options.topic, 'sendAll()')
  const { onError, signal } = options
  const stopOnError = options.stopOnError ?? onError === undefined
  if (signal?.aborted === true) throw abortError(signal, 'sendAll() was aborted before it started')
  const [iterator, isAsync] = iteratorOf(source)
  const takeBack = new AbortController()
  setMaxListeners(0, takeBack.signal)
  const sendOptions = { signal: takeBack.signal }

  let sent = 0
  let failed = 0
  let outstanding = 0
  let stopped: { reason: unknown } | null = null
  /** The source is done (or sendAll stopped): waiting for the last records to settle. */
  let finishing = false
  /** Ends the loop's current wait (drain, the source's next item, the last records). */
  let wake: (() => void) | null = null
  const rouse = (): void => {
    const w = wake
    wake = null
    w?.()
  }
  const stop = (reason: unknown): void => {
    if (stopped !== null) return
    stopped = { reason }
    takeBack.abort()
    rouse()
  }
  const settled = (error: KafkaError | null, record: ProducerRecord): void => {
    outstanding--
    if (error === null) sent++
    else {
      failed++
      if (onError !== undefined) {
        try {
          onError(error, record as R)
        } catch (thrown) {
          stop(thrown)
        }
      }
      if (stopOnError) stop(error)
    }
    if (outstanding === 0 && finishing) rouse()
  }
  const onSettled: SendCallback | null = onError === undefined ? (error) => settled(error, null!) : null
  const onAbort = () => stop(abortError(signal!, 'sendAll() was aborted'))
  signal?.addEventListener('abort', onAbort, { once: true })

  /** A next() of an async source still running when sendAll stopped. */
  let abandoned = false
  try {
    for (;;) {
      if (stopped !== null) break
      let step: IteratorResult<unknown> | typeof STOPPED
      try {
        const next = iterator.next()
        step = isAsync
          ? await nextOrStop(next as Promise<IteratorResult<unknown>>)
          : (next as IteratorResult<unknown>)
      } catch (err) {
        stop(err)
        break
      }
      if (step === STOPPED) {
        abandoned = true
        break
      }
      if (step.done === true) break
      const record = toRecord(step.value, topic)
      outstanding++
      producer.send(record, onSettled ?? ((error) => settled(error, record)), sendOptions)
      if (producer.needsDrain && stopped === null) {
        const cancel = onNextDrain(producer, rouse)
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        cancel()
      }
    }
    finishing = true
    if (stopped !== null) await closeIterator(iterator, abandoned)
    else void producer.flush().catch(() => {}) // the source is done: send what lingers now
    while (outstanding > 0) {
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
  if (stopped !== null) throw (stopped as { reason: unknown }).reason
  return { sent, failed }

  /** The source's next item, or STOPPED as soon as sendAll stops. */
  function nextOrStop(
    next: Promise<IteratorResult<unknown>>,
  ): Promise<IteratorResult<unknown> | typeof STOPPED> {
    return new Promise((resolve, reject) => {
      wake = () => resolve(STOPPED)
      Promise.resolve(next).then(resolve, reject)
    })
  }
}

function iteratorOf(
  source: AsyncIterable<unknown> | Iterable<unknown>,
): [Iterator<unknown> | AsyncIterator<unknown>, boolean] {
  if (source !== null && typeof source === 'object') {
    if (Symbol.asyncIterator in source) return [source[Symbol.asyncIterator](), true]
    if (Symbol.iterator in source) return [source[Symbol.iterator](), false]
  }
  throw new InvalidRecordError(
    `sendAll() needs an iterable or an async iterable of records (an array, a generator...), got ${source === null ? 'null' : `a ${typeof source}`}`,
  )
}

/**
 * Lets the source clean up (a generator's finally), as a for-of loop's break does. A next()
 * still running when sendAll stopped (abandoned) is not waited for: the source's return() runs
 * after it.
 */
async function closeIterator(
  iterator: Iterator<unknown> | AsyncIterator<unknown>,
  abandoned: boolean,
): Promise<void> {
  try {
    const r = iterator.return?.()
    if (abandoned) Promise.resolve(r).catch(() => {})
    else await r
  } catch {
    // The source's own cleanup failed; sendAll rejects with why it stopped.
  }
}

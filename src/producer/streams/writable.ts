/**
 * producer.writable(): a Writable (object mode) in front of the producer's callback path. The
 * backpressure is the producer's: a chunk's write callback waits for the producer's 'drain'
 * when send() said to wait, so the stream holds at most its own `highWaterMark` records on top
 * of what the producer holds. `_final` waits until every record written has settled; the first
 * record that fails destroys the stream with its KafkaError.
 */
import { setMaxListeners } from 'node:events'
import { Writable } from 'node:stream'
import type { KafkaError } from '../../errors.js'
import { abortError } from '../pending-sends.js'
import type { ProducerRecord, SendCallback, SendOptions } from '../record.js'
import { checkDefaultTopic, toRecord } from './chunks.js'
import { onNextDrain, type RecordSink } from './drain.js'

/** Options of `producer.writable()`. */
export interface WritableOptions {
  /**
   * The default topic: records without one go there, and a chunk may then also be a bare value
   * (a string or bytes), sent with a null key.
   */
  topic?: string
  /**
   * How many records the stream itself buffers while the producer asks to wait (default 16, as
   * for any object-mode stream). write() returns false as soon as the producer reaches its own
   * high-water mark, so this only bounds what a writer that ignores write() may add.
   */
  highWaterMark?: number
  /**
   * Aborting destroys the stream with an AbortError (`ERR_ABORTED`, `cause` the signal's
   * reason), as destroy() does (see ProducerWritable).
   */
  signal?: AbortSignal
}

type WriteCallback = (error?: Error | null) => void

/**
 * A Writable (object mode) that sends each chunk with `producer.send(record, callback)`.
 *
 * - write() returns false once the producer holds its high-water mark of records
 *   (`producer.needsDrain`), and the stream emits 'drain' after the producer's. A write's
 *   callback means the producer took the record, not that Kafka has it.
 * - end() (and so `pipeline()`) finishes once every record written has been acknowledged.
 * - The first record that fails destroys the stream with its KafkaError.
 * - On destroy (that error, destroy(), or the signal): chunks still in the stream's own buffer
 *   are not sent; records waiting for their topic's metadata or for memory are taken back (they
 *   fail with AbortError, which the stream does not report); records already in a batch are
 *   delivered or fail as the broker decides. 'error' and 'close' come once all of those have
 *   settled, so when `pipeline()` rejects nothing the stream wrote is still under way. A record
 *   that fails during a destroy() without an error becomes the stream's 'error'.
 * - Destroying the stream never closes the producer: it is the caller's.
 */
export class ProducerWritable<Chunk = ProducerRecord> extends Writable {
  readonly #producer: RecordSink
  readonly #topic: string | undefined
  /** Aborted on destroy: takes back the records still waiting for metadata or memory. */
  readonly #takeBack = new AbortController()
  readonly #sendOptions: SendOptions
  readonly #signal: AbortSignal | undefined
  readonly #onAbort: () => void
  /** Records sent and not settled yet. */
  #outstanding = 0
  /** The first record's failure (AbortErrors of records taken back on destroy do not count). */
  #error: KafkaError | null = null
  #destroying = false
  /** A write callback held until the producer's 'drain'. */
  #held: WriteCallback | null = null
  /** Cancels the wait for that 'drain'. */
  #cancelDrain: (() => void) | null = null
  /** write() returned false for the producer while the Writable itself had room: 'drain' is ours to emit. */
  #owesDrain = false
  #whenSettled: (() => void)[] = []

  constructor(producer: RecordSink, options: WritableOptions = {}) {
    const hwm = options.highWaterMark
    super({ objectMode: true, ...(hwm === undefined ? {} : { highWaterMark: hwm }) })
    this.#producer = producer
    this.#topic = checkDefaultTopic(options.topic, 'writable()')
    // One listener per record waiting for metadata or memory, all on this signal.
    setMaxListeners(0, this.#takeBack.signal)
    this.#sendOptions = { signal: this.#takeBack.signal }
    const signal = options.signal
    this.#signal = signal
    this.#onAbort = () => this.destroy(abortError(signal!, 'the stream was aborted'))
    if (signal !== undefined) {
      if (signal.aborted) process.nextTick(this.#onAbort)
      else signal.addEventListener('abort', this.#onAbort, { once: true })
    }
  }

  // Chunks are typed by the producer's serializers; a string or bytes also compiles (a stream
  // given to pipeline() must take them) but needs a default topic.
  override write(chunk: Chunk | string | Uint8Array, callback?: WriteCallback): boolean
  override write(
    chunk: Chunk | string | Uint8Array,
    encoding?: BufferEncoding,
    callback?: WriteCallback,
  ): boolean
  override write(
    chunk: Chunk | string | Uint8Array,
    encoding?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ): boolean {
    const ok = super.write(chunk, encoding as BufferEncoding, callback)
    if (!ok || this.#held === null) return ok
    // The Writable has room but the producer asked to wait.
    this.#owesDrain = true
    return false
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.#send(chunk)
    this.#afterSend(callback)
  }

  override _writev(chunks: { chunk: unknown }[], callback: WriteCallback): void {
    for (const c of chunks) {
      if (this.destroyed) break
      this.#send(c.chunk)
    }
    this.#afterSend(callback)
  }

  override _final(callback: WriteCallback): void {
    if (this.#outstanding === 0) {
      callback(this.#error)
      return
    }
    // Send what lingers now: the writer is done.
    this.#producer.flush().catch(() => {})
    this.#whenSettled.push(() => callback(this.#error))
  }

  override _destroy(error: Error | null, callback: WriteCallback): void {
    this.#destroying = true
    this.#signal?.removeEventListener('abort', this.#onAbort)
    this.#cancelDrain?.()
    this.#cancelDrain = null
    this.#takeBack.abort()
    const held = this.#held
    this.#held = null
    // That chunk was handed to the producer; its outcome is the record's.
    if (held !== null) held()
    const done = () => callback(error ?? this.#error)
    if (this.#outstanding === 0) done()
    else this.#whenSettled.push(done)
  }

  #send(chunk: unknown): void {
    this.#outstanding++
    this.#producer.send(toRecord(chunk, this.#topic), this.#onSettled, this.#sendOptions)
  }

  /** Releases the write at once while the producer has room, else at its 'drain'. */
  #afterSend(callback: WriteCallback): void {
    if (!this.#producer.needsDrain || this.destroyed) {
      callback()
      this.#payDrain()
      return
    }
    this.#held = callback
    this.#cancelDrain = onNextDrain(this.#producer, this.#onDrain)
  }

  readonly #onDrain = (): void => {
    this.#cancelDrain = null
    const held = this.#held
    if (held === null) return
    this.#held = null
    held() // the Writable passes what it buffered meanwhile to _writev now
    this.#payDrain()
  }

  /** Emits the 'drain' write() promised when it returned false for the producer. */
  #payDrain(): void {
    if (!this.#owesDrain || this.#held !== null || this.writableLength !== 0) return
    this.#owesDrain = false
    if (this.writableNeedDrain) return // the Writable emits its own
    process.nextTick(() => {
      if (this.destroyed) return
      if (this.#held !== null) this.#owesDrain = true
      else this.emit('drain')
    })
  }

  readonly #onSettled: SendCallback = (error) => {
    this.#outstanding--
    if (error !== null && this.#error === null && !(this.#destroying && error.code === 'ERR_ABORTED')) {
      this.#error = error
      this.destroy(error)
    }
    if (this.#outstanding === 0 && this.#whenSettled.length > 0) {
      const waiting = this.#whenSettled
      this.#whenSettled = []
      for (const f of waiting) f()
    }
  }
}

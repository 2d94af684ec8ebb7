import type { TopicMetadata } from '../cluster/cluster-snapshot.js'
import { AbortError, BufferExhaustedError, TimeoutError, toKafkaError } from '../errors.js'
import { processWarning, type Warn } from '../logging.js'
import type { RecordHeader } from '../records/record-batch-builder.js'
import { timerDelay } from '../timers.js'
import { type Completion, safeCall } from './producer-batch.js'
import type { ProducerRecord } from './record.js'

/** A record not yet in a batch: waiting for its topic's metadata (or serializers) or for memory. */
export interface PendingSend {
  record: ProducerRecord
  /**
   * False while it waits for a serializer's prepare(topic): key and value are null until the
   * wait ends and it is serialized then. Records for memory are always serialized.
   */
  serialized: boolean
  key: Uint8Array | null
  value: Uint8Array | null
  headers: readonly RecordHeader[]
  timestamp: number
  completion: Completion
  /** send() time + max.block.ms: metadata and memory waits share this one budget. */
  deadline: number
  /** The caller's signal: aborting removes the record while it waits. */
  signal: AbortSignal | undefined
  /** The listener on `signal`, present while the record waits. */
  onAbort: (() => void) | null
  /**
   * When (epoch ms) its current wait began: send() time, or when its topic's metadata came for
   * a record that waited for it. No clock is read per record for this.
   */
  waitStart: number
  /** What it counts against the waiting bound (see PENDING_RECORD_OVERHEAD); 0 once it left. */
  bytes: number
}

/**
 * What a waiting record costs beyond its serialized key, value and headers: the record, its
 * promise or callback, this entry and the Buffers' own objects. Measured on Node 20 (heap after
 * GC, 200k waiting sends of a 100-character string value): about 530 bytes each with a
 * callback, 930 with a promise and its then(), the 100 serialized bytes included. Records
 * waiting count against a bound of buffer.memory with it.
 */
export const PENDING_RECORD_OVERHEAD = 512

/** The bytes a waiting record counts: its serialized data plus the overhead. */
export function pendingBytes(
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[],
): number {
  let n = PENDING_RECORD_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0)
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!
    n += h.key.length + (h.value?.length ?? 0)
  }
  return n
}

/** What the waiting records need from the producer. */
export interface PendingSendsHost {
  readonly bufferMemory: number
  readonly maxBlockMs: number
  /** The topic's metadata once known and its serializers prepared (rejects at `deadline`). */
  waitForTopic(topic: string, deadline: number): Promise<TopicMetadata>
  /** Serializes a record that waited unserialized: sets key and value, returns its bytes. May throw. */
  serialize(p: PendingSend): number
  /** The topic's metadata as known now. */
  topic(topic: string): TopicMetadata | undefined
  /** Appends the record to its partition's batch; false when memory is short. May throw. */
  append(p: PendingSend, meta: TopicMetadata, now: number): boolean
  /** A record failed before reaching a batch (`p`: the record, when it waited). */
  fail(completion: Completion, err: Error, p?: PendingSend): void
  /** A record started waiting for memory. */
  onWaitForMemory(): void
  /** No record waits for memory any more. */
  onMemoryQueueEmpty(): void
  /** Records waited `ms` in all for their topic's metadata (metadata-wait-time-ns-total). */
  onMetadataWaited?(ms: number): void
  /** Records waited `ms` in all for memory, then got it (bufferpool-wait-*); once per serving. */
  onMemoryWaited?(ms: number, nowMs: number): void
  /** A record gave up waiting for memory at max.block.ms (buffer-exhausted-*). */
  onBufferExhausted?(nowMs: number): void
  /** Where a send callback that throws is reported (default: process.emitWarning). */
  readonly warn?: Warn
}

/**
 * Records sent but not yet in a batch: those waiting for their topic's metadata (per topic, in
 * send order, one metadata wait per topic) and those waiting for memory (one FIFO for all, so
 * waiting is fair). Both waits share the record's `max.block.ms` budget. A record leaves when it
 * is appended, when it fails (metadata never came, `BufferExhaustedError` at its deadline), when
 * everything pending is failed at once (abortTransaction, close), or when its AbortSignal fires.
 */
export class PendingSends {
  readonly #host: PendingSendsHost
  /** Records whose topic metadata is not known yet, in send order, per topic. */
  readonly #forMetadata = new Map<string, PendingSend[]>()
  /** The metadata waits under way, one per topic in #forMetadata. */
  readonly #metadataWaits = new Set<Promise<void>>()
  /** Records waiting for memory, oldest first, from #memoryHead on. */
  #forMemory: PendingSend[] = []
  #memoryHead = 0
  /** Fires at the deadline of the oldest record waiting for memory. */
  #memoryTimer: NodeJS.Timeout | null = null
  /** whenEmpty() calls waiting for the memory queue to empty. */
  #memoryEmptied: (() => void)[] = []
  /** serve() is running: an abort from a callback it made leaves the serving to it. */
  #serving = false
  /** The bytes of every waiting record (PendingSend.bytes), bounded by buffer.memory. */
  #waitingBytes = 0
  /** The error of sends refused while the bound is reached: one for a run of them. */
  #overflow: BufferExhaustedError | null = null

  constructor(host: PendingSendsHost) {
    this.#host = host
  }

  /** No record waits for metadata or memory. */
  get isEmpty(): boolean {
    return this.#forMemory.length === this.#memoryHead && this.#forMetadata.size === 0
  }

  /** How many records wait for memory (waiting-threads). */
  get memoryWaiters(): number {
    return this.#forMemory.length - this.#memoryHead
  }

  /** Some record waits for memory: a new one must queue behind it. */
  get waitingForMemory(): boolean {
    return this.#forMemory.length > this.#memoryHead
  }

  /** Some record for `topic` waits for its metadata: a new one must queue behind it. */
  waitingForMetadata(topic: string): boolean {
    return this.#forMetadata.size !== 0 && this.#forMetadata.has(topic)
  }

  /** The bytes of the records waiting now, for metadata or memory. */
  get waitingBytes(): number {
    return this.#waitingBytes
  }

  /**
   * Counts a record in, or throws a retriable BufferExhaustedError when the records already
   * waiting hold buffer.memory: more would grow without bound when a caller ignores
   * needsDrain/'drain'.
   */
  #admit(p: PendingSend): void {
    const limit = this.#host.bufferMemory
    if (this.#waitingBytes + p.bytes > limit && this.#waitingBytes > 0) {
      p.bytes = 0
      throw this.#overflowError()
    }
    this.#waitingBytes += p.bytes
  }

  /**
   * Throws what #admit would when the records waiting already hold buffer.memory, so a record
   * that would wait can be refused before it is serialized.
   */
  refuseIfFull(): void {
    if (this.#waitingBytes >= this.#host.bufferMemory) throw this.#overflowError()
  }

  #overflowError(): BufferExhaustedError {
    this.#overflow ??= new BufferExhaustedError(
      `${this.#waitingBytes} bytes of records already wait for metadata or memory, the bound of buffer.memory=${this.#host.bufferMemory}: ` +
        "the send was refused at once. Wait for 'drain' when send() returns false or producer.needsDrain is true (or await sends) before sending more.",
    )
    return this.#overflow
  }

  /** The record stops waiting (appended, failed or taken back). */
  #leave(p: PendingSend): void {
    this.#unwatch(p)
    if (p.bytes === 0) return
    this.#waitingBytes -= p.bytes
    p.bytes = 0
    this.#overflow = null
  }

  /** Queues a record behind the others of its topic until the topic's metadata is known. */
  enqueueForMetadata(topic: string, p: PendingSend): void {
    this.#admit(p)
    this.#watch(p)
    const list = this.#forMetadata.get(topic)
    if (list !== undefined) {
      list.push(p)
      return
    }
    const records: PendingSend[] = [p]
    this.#forMetadata.set(topic, records)
    const wait = this.#host
      .waitForTopic(topic, p.deadline)
      .then(
        (meta) => {
          this.#forMetadata.delete(topic)
          this.#metadataWaited(records)
          for (const r of records) {
            if (!r.serialized && !this.#serialize(r)) continue
            this.#appendOrQueue(r, meta)
          }
          this.serve()
        },
        (err: Error) => {
          this.#forMetadata.delete(topic)
          this.#metadataWaited(records)
          for (const r of records) this.#fail(r, err)
          this.serve()
        },
      )
      .finally(() => this.#metadataWaits.delete(wait))
    this.#metadataWaits.add(wait)
  }

  /** Queues a record behind the others waiting for memory. */
  enqueueForMemory(p: PendingSend): void {
    this.#admit(p)
    this.#watch(p)
    this.#queueForMemory(p)
  }

  /** Memory came back (or a deadline passed): append waiting records, in order, while it lasts. */
  serve(): void {
    const host = this.#host
    const now = Date.now()
    const outer = this.#serving
    this.#serving = true
    try {
      this.#serveFrom(host, now)
    } finally {
      this.#serving = outer
    }
  }

  #serveFrom(host: PendingSendsHost, now: number): void {
    let waitedMs = 0
    let served = 0
    while (this.#memoryHead < this.#forMemory.length) {
      const p = this.#forMemory[this.#memoryHead]!
      if (now >= p.deadline) {
        host.onBufferExhausted?.(now)
        this.#fail(
          p,
          new BufferExhaustedError(
            `no room in buffer.memory=${host.bufferMemory} for a record to '${p.record.topic}' within max.block.ms=${host.maxBlockMs}`,
          ),
        )
      } else {
        try {
          const meta = host.topic(p.record.topic)
          if (meta === undefined || meta.partitions.length === 0)
            throw new TimeoutError(`topic '${p.record.topic}' vanished from metadata`)
          if (!host.append(p, meta, now)) break
          waitedMs += now - p.waitStart
          served++
          this.#leave(p)
        } catch (err) {
          this.#fail(p, err as Error)
        }
      }
      this.#forMemory[this.#memoryHead++] = undefined as unknown as PendingSend
    }
    if (served > 0) host.onMemoryWaited?.(waitedMs, now)
    if (this.#memoryHead === this.#forMemory.length) {
      this.#forMemory = []
      this.#memoryHead = 0
      if (this.#memoryTimer !== null) clearTimeout(this.#memoryTimer)
      this.#memoryTimer = null
      const waiters = this.#memoryEmptied
      this.#memoryEmptied = []
      for (const resolve of waiters) resolve()
      host.onMemoryQueueEmpty()
    } else {
      this.#armMemoryTimer()
    }
  }

  /** Fails every record waiting for memory with `err` (not told to the host's `fail`). */
  failWaitingForMemory(err: Error): void {
    const waiting = this.#forMemory.slice(this.#memoryHead)
    this.#forMemory = []
    this.#memoryHead = 0
    for (const p of waiting) this.#settle(p, err)
    this.serve()
  }

  /** Fails every pending record with `err`; the metadata waits go on for records sent later. */
  failAll(err: Error): void {
    for (const list of this.#forMetadata.values()) {
      for (const p of list.splice(0)) this.#settle(p, err)
    }
    this.failWaitingForMemory(err)
  }

  /** Resolves once every record pending at the call (and since) has been appended or failed. */
  async whenEmpty(): Promise<void> {
    while (this.#metadataWaits.size > 0 || this.waitingForMemory) {
      if (this.#metadataWaits.size > 0) await Promise.all([...this.#metadataWaits])
      if (this.waitingForMemory) {
        await new Promise<void>((resolve) => this.#memoryEmptied.push(resolve))
      }
    }
  }

  /** Serializes a record that waited for its serializers; false when that failed it. */
  #serialize(p: PendingSend): boolean {
    try {
      const bytes = this.#host.serialize(p)
      p.serialized = true
      if (p.bytes !== 0) {
        this.#waitingBytes += bytes - p.bytes
        p.bytes = bytes
      }
      return true
    } catch (err) {
      this.#fail(p, err as Error)
      return false
    }
  }

  /** Appends a record whose metadata just came, or queues it behind others waiting for memory. */
  #appendOrQueue(p: PendingSend, meta: TopicMetadata): void {
    try {
      if (this.waitingForMemory || !this.#host.append(p, meta, Date.now())) this.#queueForMemory(p)
      else this.#leave(p)
    } catch (err) {
      this.#fail(p, err as Error)
    }
  }

  #metadataWaited(records: readonly PendingSend[]): void {
    const now = Date.now()
    let waited = 0
    for (const r of records) {
      waited += now - r.waitStart
      r.waitStart = now // a memory wait, if any, begins now
    }
    this.#host.onMetadataWaited?.(waited)
  }

  #queueForMemory(p: PendingSend): void {
    this.#forMemory.push(p)
    this.#host.onWaitForMemory()
    this.#armMemoryTimer()
  }

  #armMemoryTimer(): void {
    if (this.#memoryTimer !== null) return
    const head = this.#forMemory[this.#memoryHead]
    if (head === undefined) return
    this.#memoryTimer = setTimeout(
      () => {
        this.#memoryTimer = null
        this.serve()
      },
      timerDelay(head.deadline - Date.now()),
    )
  }

  /** The record fails (told to the host). */
  #fail(p: PendingSend, err: Error): void {
    this.#leave(p)
    this.#host.fail(p.completion, err, p)
  }

  /** The record fails with everything else pending (not told to the host). */
  #settle(p: PendingSend, err: Error): void {
    this.#leave(p)
    settle(p.completion, err, this.#host.warn)
  }

  /** While the record waits, its signal can take it out. */
  #watch(p: PendingSend): void {
    const signal = p.signal
    if (signal === undefined || p.onAbort !== null) return
    p.onAbort = () => this.#abort(p)
    signal.addEventListener('abort', p.onAbort, { once: true })
  }

  #unwatch(p: PendingSend): void {
    if (p.onAbort === null) return
    p.signal?.removeEventListener('abort', p.onAbort)
    p.onAbort = null
  }

  /** The record's signal fired while it waited: it leaves the queue it is in and fails. */
  #abort(p: PendingSend): void {
    p.onAbort = null
    const i = this.#forMemory.indexOf(p, this.#memoryHead)
    if (i >= 0) this.#forMemory.splice(i, 1)
    else {
      const list = this.#forMetadata.get(p.record.topic)
      const j = list === undefined ? -1 : list.indexOf(p)
      if (j < 0) return
      list!.splice(j, 1)
    }
    this.#leave(p)
    this.#host.fail(p.completion, abortError(p.signal!))
    // The queue may be empty now, or have a new head with another deadline.
    if (i >= 0 && !this.#serving) this.serve()
  }
}

/** The AbortError for a record or a wait whose signal fired. */
export function abortError(signal: AbortSignal, what = 'the record was not sent'): AbortError {
  return new AbortError(`aborted: ${what}`, { cause: signal.reason })
}

export function settle(completion: Completion, error: Error, warn: Warn = processWarning): void {
  if (completion === null) return
  const err = toKafkaError(error)
  if (typeof completion === 'function') safeCall(completion, err, null, warn)
  else completion.reject(err)
}

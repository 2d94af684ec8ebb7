/**
 * WorkerProducer: the Producer's send()/flush()/close() over N worker threads. The caller's
 * thread validates, serializes and chooses the partition (as Producer would: murmur2 for keys,
 * the uniform sticky partitioner otherwise, or partitioner.class); the record is appended to the
 * hand-over chunk of the worker that owns its partition (partition % N), and each chunk is
 * transferred once per tick or when it fills. Each worker runs a plain Producer (accumulator,
 * compression, sender, connections) and reports outcomes back in bulk; each record settles
 * exactly once here. See docs/ARCHITECTURE.md, "Worker mode".
 */
import { EventEmitter } from 'node:events'
import {
  BufferExhaustedError,
  InvalidRecordError,
  type KafkaError,
  PartitionerError,
  ProducerClosedError,
  TimeoutError,
} from '../errors.js'
import { emitGuarded } from '../listeners.js'
import { Log, type LogLevel } from '../logging.js'
import type {
  ProducerConfig,
  ProducerConfigInput,
  ProducerProperties,
  SerializerSetting,
} from '../producer/config/index.js'
import { normalizeHeaders } from '../producer/headers.js'
import { BuiltInPartitioner, callCustomPartitioner } from '../producer/partitioner.js'
import { abortError } from '../producer/pending-sends.js'
import {
  type ProducerEvents,
  type RecordFor,
  type SerializerChoice,
  toTimestamp,
} from '../producer/producer.js'
import { safeCall } from '../producer/producer-batch.js'
import type {
  CloseOptions,
  FlushOptions,
  ProducerRecord,
  RecordMetadata,
  SendCallback,
  SendOptions,
} from '../producer/record.js'
import { checkRecord, describeValue, notARecordError } from '../producer/record-fields.js'
import { resolveSerializer, type Serializer, serialize } from '../producer/serializers.js'
import type { RecordHeader } from '../records/record-batch-builder.js'
import { timerDelay } from '../timers.js'
import type { WorkerCompletion } from './completions.js'
import { resolveWorkerConfig } from './config.js'
import { receivedError } from './errors.js'
import { encodedSize } from './handover.js'
import { Lane } from './lane.js'
import type { FromWorker, MetaPartition } from './messages.js'
import { type TopicInfo, Topics } from './topics.js'

/** A chunk is handed over at once when it reaches this size, else at the end of the tick. */
const CHUNK_BYTES = 256 * 1024

export type WorkerProducerConfig<K extends SerializerSetting, V extends SerializerSetting> =
  | (ProducerConfigInput & SerializerChoice<K, V> & { workers: number })
  | (ProducerProperties & { workers: number | string })

/** A record waiting for its topic's partition count. */
interface Waiting {
  record: ProducerRecord
  key: Uint8Array | null
  value: Uint8Array | null
  headers: readonly RecordHeader[]
  timestamp: number
  size: number
  completion: WorkerCompletion
}

/** For tests: ends worker thread `index` as a crash would (worker.terminate()). */
export const TERMINATE_WORKER: unique symbol = Symbol('sluice.terminateWorker')

export class WorkerProducer<
  KeySerializer extends SerializerSetting = 'buffer',
  ValueSerializer extends SerializerSetting = 'buffer',
> extends EventEmitter<ProducerEvents> {
  readonly config: ProducerConfig
  /** The number of worker threads. */
  readonly workers: number
  /** Bytes handed over and not yet settled at which send() starts returning false (as Producer's). */
  readonly highWaterMark: number
  readonly #lanes: Lane[]
  readonly #log: Log
  readonly #keySerializer: Serializer
  readonly #valueSerializer: Serializer
  readonly #partitioner: BuiltInPartitioner
  readonly #topicIds = new Map<string, number>()
  readonly #topicNames: string[] = []
  readonly #topics: Topics<Waiting>
  #req = 0
  #handOverScheduled = false
  #needDrain = false
  #closed = false
  #closing: Promise<void> | null = null
  readonly #refresh: NodeJS.Timeout

  constructor(config: WorkerProducerConfig<KeySerializer, ValueSerializer>) {
    super()
    const { config: c, workers, shared } = resolveWorkerConfig(config)
    this.config = c
    this.workers = workers
    this.#log = new Log(c.logger, { clientId: c.clientId })
    this.#keySerializer = resolveSerializer(c.keySerializer)
    this.#valueSerializer = resolveSerializer(c.valueSerializer)
    this.#partitioner = new BuiltInPartitioner(c.batchSize, c.partitionerIgnoreKeys, { adaptive: false })
    this.highWaterMark = Math.min(c.bufferMemory, Math.max(Math.floor(c.bufferMemory / 32), 2 * c.batchSize))
    const levels =
      c.logger === null
        ? []
        : ['trace', 'debug', 'info', 'warn', 'error'].filter(
            (l) => typeof (c.logger as Record<string, unknown>)[l] === 'function',
          )
    const perWorker = Math.max(c.batchSize, Math.floor(c.bufferMemory / workers))
    this.#lanes = []
    try {
      for (let i = 0; i < workers; i++) {
        const settings = { ...shared, clientId: `${c.clientId}-w${i}`, bufferMemory: perWorker }
        this.#lanes.push(
          new Lane(
            i,
            { settings, logLevels: levels },
            (lane, m) => this.#onMessage(lane, m),
            (lane) => this.#onExit(lane),
          ),
        )
      }
    } catch (err) {
      for (const lane of this.#lanes) void lane.worker.terminate()
      if ((err as Error)?.name === 'DataCloneError') {
        throw new InvalidRecordError(
          `worker mode: a setting cannot be sent to a worker thread (${(err as Error).message}); settings other than the serializers, partitioner.class and logger must be plain data`,
        )
      }
      throw err
    }
    this.#topics = new Topics<Waiting>({
      ask: (topic) => this.#askPartitions(topic),
      release: (topic, waiting, info, err) => this.#release(topic, waiting, info, err),
    })
    this.#refresh = setInterval(() => this.#topics.refresh(), Math.max(1000, c.metadataMaxAgeMs)).unref()
  }

  /**
   * As Producer.send(). `options.signal` takes a record back only if it has fired before the
   * call: the record is handed to its worker in the same tick, where Producer's signal no longer
   * applies either once a record is in a batch.
   */
  send(
    record: RecordFor<KeySerializer, ValueSerializer>,
    callback: SendCallback,
    options?: SendOptions,
  ): boolean
  send(record: RecordFor<KeySerializer, ValueSerializer>, options?: SendOptions): Promise<RecordMetadata>
  send(
    record: ProducerRecord,
    callbackOrOptions?: SendCallback | SendOptions,
    options?: SendOptions,
  ): Promise<RecordMetadata> | boolean {
    if (typeof callbackOrOptions === 'function') {
      if (options?.signal?.aborted === true) this.#fail(callbackOrOptions, abortError(options.signal))
      else this.#send(record, callbackOrOptions)
      return this.#hasRoom()
    }
    const signal = callbackOrOptions?.signal
    const promise = new Promise<RecordMetadata>((resolve, reject) => {
      if (signal?.aborted === true) reject(abortError(signal))
      else this.#send(record, { resolve, reject })
    })
    this.#hasRoom()
    return promise
  }

  /** True from a send() that returned false until 'drain'. */
  get needsDrain(): boolean {
    return this.#needDrain
  }

  #heldBytes(): number {
    let n = this.#topics.waitingBytes
    const lanes = this.#lanes
    for (let i = 0; i < lanes.length; i++) n += lanes[i]!.table.bytes
    return n
  }

  #hasRoom(): boolean {
    if (this.#heldBytes() < this.highWaterMark) return true
    this.#needDrain = true
    return false
  }

  #send(record: ProducerRecord, completion: WorkerCompletion): void {
    try {
      if (this.#closed) throw new ProducerClosedError('cannot send: the producer is closed')
      if (record === null || typeof record !== 'object' || Array.isArray(record))
        throw notARecordError(record)
      const topic = checkRecord(record)
      const key = serialize(this.#keySerializer, record.key ?? null, topic, 'key')
      const value = serialize(this.#valueSerializer, record.value ?? null, topic, 'value')
      const headers = normalizeHeaders(record.headers, topic)
      const timestamp = toTimestamp(record.timestamp, Date.now())
      const size = encodedSize(key, value, headers)
      // The hand-over memory counts against buffer.memory; the workers' batches are within it.
      if (this.#heldBytes() + size > this.config.bufferMemory) {
        throw new BufferExhaustedError(
          `worker mode: the records handed over and not yet settled hold buffer.memory (${this.config.bufferMemory} bytes); wait for 'drain' when send() returns false`,
        )
      }
      const info = this.#topics.ready(topic)
      if (info === undefined) {
        this.#topics.wait(topic, { record, key, value, headers, timestamp, size, completion })
        return
      }
      this.#route(topic, info, record, key, value, headers, timestamp, size, completion)
    } catch (err) {
      this.#fail(completion, err as KafkaError)
    }
  }

  #fail(completion: WorkerCompletion, err: KafkaError): void {
    if (typeof completion === 'function') safeCall(completion, err, null, this.#log.warning)
    else completion.reject(err)
  }

  #route(
    topic: string,
    info: TopicInfo,
    record: ProducerRecord,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    timestamp: number,
    size: number,
    completion: WorkerCompletion,
  ): void {
    const count = info.count
    let partition = record.partition
    let sticky = false
    if (partition === undefined || partition === null) {
      const custom = this.config.partitionerClass
      if (custom !== null) {
        try {
          partition = callCustomPartitioner(custom, {
            topic,
            key: record.key,
            keyBytes: key,
            value: record.value,
            valueBytes: value,
            partitionCount: count,
            availablePartitions: info.available,
          })
        } catch (err) {
          throw new PartitionerError(
            `the custom partitioner (partitioner.class) threw for a record to topic '${topic}': ${(err as Error)?.message ?? String(err)}`,
            err,
          )
        }
      }
      if (partition === undefined || partition === null) {
        sticky = key === null || this.config.partitionerIgnoreKeys
        partition = this.#partitioner.partition(topic, key, count, info.available)
      }
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
      throw new InvalidRecordError(
        `partition ${describeValue(partition)} of topic '${topic}' is not in the range [0...${count}): the topic has ${count} partition(s)`,
        'ERR_INVALID_PARTITION',
      )
    }
    const lane = this.#lanes[partition % this.workers]!
    if (lane.exited !== null) throw lane.exited
    const writer = lane.writer
    const id = lane.table.add(completion, size)
    if (writer.count === 0) lane.chunkFirst = id
    writer.append(this.#topicId(topic), partition, timestamp, key, value, headers, size)
    if (sticky) this.#partitioner.onAppend(topic, partition, size, count, info.available)
    if (writer.byteLength >= CHUNK_BYTES) this.#handOver(lane)
    else if (!this.#handOverScheduled) {
      this.#handOverScheduled = true
      setImmediate(this.#handOverAll)
    }
  }

  #topicId(topic: string): number {
    let id = this.#topicIds.get(topic)
    if (id === undefined) {
      id = this.#topicNames.length
      this.#topicNames.push(topic)
      this.#topicIds.set(topic, id)
    }
    return id
  }

  readonly #handOverAll = (): void => {
    this.#handOverScheduled = false
    for (const lane of this.#lanes) if (lane.writer.count > 0) this.#handOver(lane)
  }

  #handOver(lane: Lane): void {
    const { buffer, length } = lane.writer.take()
    const topics = lane.topicsSent < this.#topicNames.length ? this.#topicNames.slice(lane.topicsSent) : []
    lane.topicsSent = this.#topicNames.length
    if (lane.exited !== null) return // its records were failed when it ended
    lane.post({ t: 'records', topics, first: lane.chunkFirst, buffer, length }, [buffer])
  }

  /** Asks a live worker for the topic's partitions (it waits up to max.block.ms). */
  async #askPartitions(topic: string): Promise<readonly MetaPartition[] | KafkaError> {
    for (;;) {
      const lane = this.#lanes.find((l) => l.exited === null)
      if (lane === undefined) return new ProducerClosedError('no worker thread is running')
      const m = await lane.request({ t: 'meta', req: ++this.#req, topic })
      if (m === null || m.t !== 'meta') continue // that worker ended; ask another
      return m.error !== null ? receivedError(m.error) : m.partitions!
    }
  }

  #release(topic: string, waiting: Waiting[], info: TopicInfo | undefined, err: KafkaError | null): void {
    for (const w of waiting) {
      try {
        if (err !== null || info === undefined) throw err ?? new ProducerClosedError()
        this.#route(topic, info, w.record, w.key, w.value, w.headers, w.timestamp, w.size, w.completion)
      } catch (e) {
        this.#fail(w.completion, e as KafkaError)
      }
    }
    this.#maybeDrain()
  }

  #onMessage(lane: Lane, m: FromWorker): void {
    switch (m.t) {
      case 'done':
        this.#settle(lane, m)
        return
      case 'log':
        this.#log[m.level as LogLevel]?.({ worker: lane.index, ...m.fields }, m.message)
        return
      default: {
        const answer = lane.requests.get(m.req)
        lane.requests.delete(m.req)
        answer?.(m)
      }
    }
  }

  #settle(lane: Lane, m: Extract<FromWorker, { t: 'done' }>): void {
    const table = lane.table
    const ok = m.ok
    const names = this.#topicNames
    for (let i = 0, r = 0; i < ok.length; i += 4, r++) {
      const c = table.take(ok[i]!)
      if (c === undefined) continue
      const md: RecordMetadata = {
        topic: names[ok[i + 1]!]!,
        partition: ok[i + 2]!,
        offset: m.offsets[r]!,
        timestamp: ok[i + 3]!,
      }
      if (typeof c === 'function') safeCall(c, null, md, this.#log.warning)
      else c.resolve(md)
    }
    for (const f of m.failed) {
      const err = receivedError(f.error)
      for (const id of f.ids) {
        const c = table.take(id)
        if (c !== undefined) this.#fail(c, err)
      }
    }
    this.#maybeDrain()
  }

  #onExit(lane: Lane): void {
    const err = lane.exited!
    if (lane.table.outstanding > 0)
      this.#log.error({ worker: lane.index, records: lane.table.outstanding }, err.message)
    for (const c of lane.table.takeAll()) this.#fail(c, err)
    this.#maybeDrain()
  }

  #maybeDrain(): void {
    if (this.#needDrain && this.#heldBytes() < this.highWaterMark) {
      this.#needDrain = false
      emitGuarded(this, 'drain', this.#log.warning)
    }
  }

  /** The partitions of `topic` with their leaders (asked of a worker; waits up to max.block.ms). */
  async partitionsFor(topic: string): Promise<readonly MetaPartition[]> {
    const err = await this.#topics.fetch(topic)
    if (err !== null) throw err
    return this.#topics.info(topic)!.partitions
  }

  /** Hands over what is pending and resolves once every record sent before the call has settled. */
  async flush(options?: FlushOptions): Promise<void> {
    const signal = options?.signal
    if (signal?.aborted === true) throw signal.reason
    const work = this.#flush()
    if (signal === undefined) return work
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
    })
    try {
      await Promise.race([work, aborted])
    } finally {
      signal.removeEventListener('abort', onAbort!)
    }
  }

  async #flush(): Promise<void> {
    await this.#topics.settled()
    this.#handOverAll()
    await Promise.all(this.#lanes.map((lane) => lane.request({ t: 'flush', req: ++this.#req })))
  }

  /**
   * Sends what is pending, waits for it up to `timeoutMs` (default: no limit; each worker's
   * Producer fails what is left then, as Producer.close does) and ends the worker threads. An
   * aborted `signal` ends the threads at once: their records fail with WorkerExitedError.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? Number.POSITIVE_INFINITY)
    const signal = options.signal
    if (signal !== undefined) {
      const stop = () => {
        for (const lane of this.#lanes) void lane.worker.terminate()
      }
      if (signal.aborted) stop()
      else {
        signal.addEventListener('abort', stop, { once: true })
        this.#closing.finally(() => signal.removeEventListener('abort', stop)).catch(() => {})
      }
    }
    return this.#closing
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#closed = true
    clearInterval(this.#refresh)
    const start = Date.now()
    const metaWaits = this.#topics.settled()
    if (timeoutMs === Number.POSITIVE_INFINITY) await metaWaits
    else {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([metaWaits, new Promise((r) => (timer = setTimeout(r, timerDelay(timeoutMs))))])
      clearTimeout(timer)
    }
    this.#topics.releaseAll(
      (topic) =>
        new TimeoutError(
          `the producer closed after ${timeoutMs} ms while these records waited for topic '${topic}'`,
          'ERR_CLOSE_TIMEOUT',
        ),
    )
    this.#handOverAll()
    const left = timeoutMs === Number.POSITIVE_INFINITY ? -1 : Math.max(0, timeoutMs - (Date.now() - start))
    await Promise.all(
      this.#lanes.map(async (lane) => {
        const answer = await lane.request({ t: 'close', req: ++this.#req, timeoutMs: left })
        if (answer === null) return
        await lane.ended
      }),
    )
  }

  /**
   * Each worker thread's event-loop utilization since it started (0..1, Node's
   * eventLoopUtilization()): near 1, that worker is the bottleneck; all low while send() is
   * busy, the caller's thread is.
   */
  threadUtilization(): number[] {
    return this.#lanes.map((lane) =>
      lane.exited === null ? lane.worker.performance.eventLoopUtilization().utilization : 0,
    )
  }

  /** For tests: ends worker thread `index` as a crash would. */
  [TERMINATE_WORKER](index: number): Promise<number> {
    return this.#lanes[index]!.worker.terminate()
  }
}

import { AsyncResource } from 'node:async_hooks'
import { EventEmitter } from 'node:events'
import type { PartitionMetadata, TopicMetadata } from '../cluster/cluster-snapshot.js'
import { MetadataManager } from '../cluster/metadata-manager.js'
import { type SendContext, sendChannel } from '../diagnostics.js'
import {
  BufferExhaustedError,
  CircuitOpenError,
  InvalidRecordError,
  type KafkaError,
  PartitionerError,
  ProducerClosedError,
  RecordTooLargeError,
  TimeoutError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionStateError,
  toKafkaError,
} from '../errors.js'
import { emitGuarded } from '../listeners.js'
import { errorFields, Log } from '../logging.js'
import { toOpenMetrics } from '../metrics/openmetrics.js'
import { ProducerMetrics } from '../metrics/producer-metrics.js'
import type { Metric } from '../metrics/registry.js'
import { ConnectionPool } from '../network/connection-pool.js'
import { RecordBatchBuilder, type RecordHeader } from '../records/record-batch-builder.js'
import { type ResolvedSecurity, resolveSecurity } from '../security/settings.js'
import type { SpoolEntry, SpoolRecord } from '../spool/format.js'
import { timerDelay } from '../timers.js'
import { RecordAccumulator } from './accumulator.js'
import type { CircuitBreaker, CircuitEvent } from './circuit-breaker.js'
import {
  type ProducerConfig,
  type ProducerConfigInput,
  type ProducerProperties,
  resolveConfig,
  type SerializerSetting,
} from './config/index.js'
import { DeliveryMonitor } from './delivery-monitor.js'
import { normalizeHeaders } from './headers.js'
import { assess, type ProducerHealth } from './health.js'
import { ProducerInterceptors, setInterceptedPartition } from './interceptors.js'
import { javaString, javaUtf8 } from './java-utf8.js'
import { MemoryBudget } from './memory.js'
import { BuiltInPartitioner, type CustomPartitioner, callCustomPartitioner } from './partitioner.js'
import { abortError, type PendingSend, PendingSends, pendingBytes, settle } from './pending-sends.js'
import { type Completion, type Deferred, type ProducerBatch, safeCall } from './producer-batch.js'
import type {
  CloseOptions,
  FlushOptions,
  ProducerRecord,
  RecordMetadata,
  SendCallback,
  SendOptions,
} from './record.js'
import { checkRecord, describeValue, notABatchError, notARecordError } from './record-fields.js'
import { Sender } from './sender.js'
import { resolveSerializer, type Serializer, type SerializerInput, serialize } from './serializers.js'
import { SpoolOrder } from './spool-order.js'
import { isReplay, markReplay, type Settle, Spooler } from './spooler.js'
import type { DefaultTopicChunk } from './streams/chunks.js'
import { type SendAllOptions, type SendAllResult, sendAll } from './streams/send-all.js'
import { ProducerWritable, type WritableOptions } from './streams/writable.js'
import { TransactionManager } from './txn/transaction-manager.js'
import type { ConsumerGroupMetadata, OffsetToCommit } from './txn/types.js'

/** Size of the RecordBatch header that every batch carries. */
const BATCH_OVERHEAD = 61

/**
 * The promise path's settle functions, taken by one shared executor: a closure per send() (and
 * its context) was the one allocation of the promise path that a caller's record does not need.
 */
let captured: Deferred | null = null
function captureDeferred(resolve: (md: RecordMetadata) => void, reject: (err: Error) => void): void {
  captured = { resolve, reject }
}

/**
 * A Kafka producer with the Java KafkaProducer's semantics.
 *
 * ```ts
 * const producer = new Producer({ bootstrapServers: 'localhost:9092' })
 * const md = await producer.send({ topic: 'orders', key: 'o-1', value: '{"a":1}' })
 * await producer.close()
 * ```
 */
export class Producer<
  KeySerializer extends SerializerSetting = 'buffer',
  ValueSerializer extends SerializerSetting = 'buffer',
> extends EventEmitter<ProducerEvents> {
  readonly config: ProducerConfig
  readonly #memory: MemoryBudget
  /** Records sent but not yet in a batch: waiting for their topic's metadata or for memory. */
  readonly #pending: PendingSends
  /** send() returned false; emit 'drain' once there is room again. */
  #needDrain = false
  /**
   * Bytes of records held (queued and in flight) at which send() starts returning false:
   * 1/32 of `buffer.memory`, at least two batches. Enough to keep the brokers busy; more only
   * adds latency and keeps more records' callbacks and promises alive, which the garbage
   * collector then copies on every scavenge (a quarter of the promise path's time at 1/16).
   */
  readonly highWaterMark: number
  readonly #pool: ConnectionPool
  readonly #metrics: ProducerMetrics
  readonly #log: Log
  readonly #security: ResolvedSecurity
  readonly #metadata: MetadataManager
  readonly #accumulator: RecordAccumulator
  readonly #sender: Sender
  /** Idempotence and transactions; null when both are off. */
  readonly #tm: TransactionManager | null
  readonly #partitioner: BuiltInPartitioner
  readonly #interceptors: ProducerInterceptors
  readonly #custom: CustomPartitioner | null
  readonly #keySerializer: Serializer
  readonly #valueSerializer: Serializer
  /** A serializer has prepare(topic): records may wait for it (a schema registry lookup). */
  readonly #preparing: boolean
  /** Delivery outcomes for health() and the circuit breaker. */
  readonly #monitor: DeliveryMonitor
  /** The circuit breaker; null unless `circuitBreaker` is set (send() then costs one comparison). */
  readonly #breaker: CircuitBreaker | null
  /** The disk spool; null unless `spool` is set. */
  readonly #spooler: Spooler | null
  /** The order in which failed records enter the spool; null unless `spool` is set. */
  readonly #spoolOrder: SpoolOrder | null
  #closed = false
  #closing: Promise<void> | null = null
  /** Gives up close()'s waits early: a close() signal fired. */
  #abortClose: ((reason: unknown) => void) | null = null

  constructor(
    config: (ProducerConfigInput & SerializerChoice<KeySerializer, ValueSerializer>) | ProducerProperties,
  ) {
    super()
    this.config = resolveConfig(config)
    const c = this.config
    this.#log = new Log(c.logger, { clientId: c.clientId })
    this.#security = resolveSecurity(c, this.#log.warning)
    this.#metrics = new ProducerMetrics(
      c.clientId,
      { windowMs: c.metricsSampleWindowMs, samples: c.metricsNumSamples },
      {
        requestsInFlight: () => this.#pool.inFlight,
        metadataAgeMs: (now) => now - this.#metadata.snapshot.updatedAt,
        bufferTotalBytes: () => this.#memory.capacity,
        bufferAvailableBytes: () => this.#memory.available,
        waitingForMemory: () => this.#pending.memoryWaiters,
        connectionCount: () => this.#pool.openCount,
      },
    )
    this.#monitor = new DeliveryMonitor({
      circuitBreaker: c.circuitBreaker,
      metrics: this.#metrics,
      log: this.#log,
      emit: (e) => {
        if (e.state !== 'open') this.#spooler?.kick()
        emitGuarded(this, 'circuit', this.#log.warning, e)
      },
      onDelivered: () => this.#spooler?.kick(),
    })
    this.#breaker = this.#monitor.breaker
    this.#pool = new ConnectionPool({
      metrics: this.#metrics,
      log: this.#log,
      tls: this.#security.tls,
      sasl: this.#security.sasl,
      clientId: c.clientId,
      requestTimeoutMs: c.requestTimeoutMs,
      connectTimeoutMs: c.socketConnectionSetupTimeoutMs,
      connectTimeoutMaxMs: c.socketConnectionSetupTimeoutMaxMs,
      maxIdleMs: c.connectionsMaxIdleMs,
      sendBufferBytes: c.sendBufferBytes,
      receiveBufferBytes: c.receiveBufferBytes,
      reconnectBackoffMs: c.reconnectBackoffMs,
      reconnectBackoffMaxMs: c.reconnectBackoffMaxMs,
      onConnectAttempt: (addr, err) => this.#monitor.connectAttempt(addr, err),
    })
    this.#metadata = new MetadataManager(this.#pool, {
      bootstrapServers: c.bootstrapServers,
      metadataMaxAgeMs: c.metadataMaxAgeMs,
      metadataMaxIdleMs: c.metadataMaxIdleMs,
      retryBackoffMs: c.retryBackoffMs,
      retryBackoffMaxMs: c.retryBackoffMaxMs,
      allowAutoCreateTopics: c.allowAutoCreateTopics,
      recoveryStrategy: c.metadataRecoveryStrategy,
      log: this.#log,
    })
    this.#memory = new MemoryBudget(c.bufferMemory)
    this.#pending = new PendingSends({
      bufferMemory: c.bufferMemory,
      maxBlockMs: c.maxBlockMs,
      waitForTopic: (topic, deadline) => this.#waitForTopic(topic, deadline),
      serialize: (w) => this.#serializeWaiting(w),
      topic: (topic) => this.#metadata.snapshot.topic(topic),
      append: (w, meta, now) =>
        this.#append(w.record, w.key, w.value, w.headers, w.timestamp, w.completion, meta, now),
      fail: (completion, err, p) => this.#failRecord(completion, err, p),
      onMetadataWaited: (ms) => this.#metrics.metadataWaited(ms * 1e6),
      onMemoryWaited: (ms, now) => this.#metrics.bufferWaited(ms * 1e6, now),
      onBufferExhausted: (now) => this.#metrics.bufferExhausted(now),
      warn: this.#log.warning,
      onWaitForMemory: () => {
        this.#accumulator.exhausted = true
        this.#needDrain = true
        this.#sender.wakeup()
      },
      onMemoryQueueEmpty: () => {
        this.#accumulator.exhausted = this.#needDrain
        if (this.#needDrain && this.#mayGoOn()) {
          this.#needDrain = false
          this.#accumulator.exhausted = false
          emitGuarded(this, 'drain', this.#log.warning)
        }
      },
    })
    this.highWaterMark = Math.min(c.bufferMemory, Math.max(Math.floor(c.bufferMemory / 32), 2 * c.batchSize))
    this.#accumulator = new RecordAccumulator({
      batchSize: c.batchSize,
      compressed: c.compressionType !== 'none',
      maxBatchBytes: c.maxRequestSize,
      lingerMs: c.lingerMs,
      memory: this.#memory,
      onMemoryReleased: () => this.#pending.serve(),
      warn: this.#log.warning,
      takeFailed: (batch, err) => this.#spoolBatch(batch, err),
    })
    this.#partitioner = new BuiltInPartitioner(c.batchSize, c.partitionerIgnoreKeys, {
      adaptive: c.partitionerAdaptivePartitioningEnable,
      availabilityTimeoutMs: c.partitionerAvailabilityTimeoutMs,
      allBatchesFull: (topic, partition) => {
        const last = this.#accumulator.queue(topic, partition).last
        return last === undefined || last.state !== 'queued' || this.#accumulator.isFull(last)
      },
    })
    this.#tm =
      c.enableIdempotence || c.transactionalId !== null
        ? new TransactionManager(
            c,
            this.#pool,
            this.#metadata,
            this.#accumulator,
            () => this.#sender.wakeup(),
            {
              identity: (producerId, epoch, why, bump) => {
                if (bump) this.#metrics.epochBumped(Date.now())
                this.#log.info({ producerId: String(producerId), epoch }, why)
              },
              fatal: (err) => this.#log.error(errorFields(err), 'the producer failed for good: close it'),
            },
          )
        : null
    this.#sender = new Sender(
      this.#accumulator,
      this.#metadata,
      this.#pool,
      c,
      this.#partitioner,
      this.#tm,
      this.#metrics,
      this.#log,
      this.#monitor,
    )
    this.#interceptors = new ProducerInterceptors(c.interceptorClasses, this.#log.warning)
    this.#custom = c.partitionerClass
    this.#keySerializer = resolveSerializer(c.keySerializer)
    this.#valueSerializer = resolveSerializer(c.valueSerializer)
    this.#preparing =
      typeof this.#keySerializer.prepare === 'function' || typeof this.#valueSerializer.prepare === 'function'
    // Last: it takes the spool directory's lock (a SpoolLockedError from here) and opens it.
    this.#spooler =
      c.spool === null
        ? null
        : new Spooler(c.spool, {
            log: this.#log,
            send: (entry, completion) => this.#sendSpooled(entry, completion),
            mayReplay: () => !this.#closed && (this.#breaker === null || this.#breaker.state !== 'open'),
          })
    this.#spoolOrder =
      this.#spooler === null
        ? null
        : new SpoolOrder({
            spooler: this.#spooler,
            accumulator: this.#accumulator,
            bufferMemory: c.bufferMemory,
            settle: this.#settleSpooled,
            warn: this.#log.warning,
          })
    if (this.#spooler !== null) {
      const spooler = this.#spooler
      this.#metrics.spool({
        depth: () => spooler.status().depth,
        bytes: () => spooler.status().bytes,
        spooled: () => spooler.status().spooledTotal,
        replayed: () => spooler.status().replayedRecordsTotal,
        damaged: () => spooler.status().damagedTotal,
      })
    }
  }

  /**
   * Sends one record. Resolves with its partition, offset and timestamp once the broker has it
   * (as `acks` defines), or rejects with a KafkaError.
   *
   * With a callback (the fast path: no promise per record) it returns a boolean like
   * `stream.write()`: false once the records held reach `highWaterMark` (or memory is short),
   * and then the producer emits 'drain' when they are below it again (`needsDrain` tells the
   * same on the promise path). A record sent anyway is taken while `buffer.memory` lasts, then
   * waits its turn for memory up to `max.block.ms` and fails with BufferExhaustedError; nothing
   * grows without bound.
   *
   * `options.signal` (an AbortSignal) can take the record back while it waits for its topic's
   * metadata or for memory: it is removed and fails with an AbortError (at once when the signal
   * has already fired). Once the record is in a batch, the signal no longer affects it: its
   * outcome is the broker's.
   */
  // The callback overload first: with the options one first, an arrow callback's parameters
  // would not be typed from SendCallback (implicit any under strict).
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
      this.#send(record, callbackOrOptions, options?.signal)
      return this.#hasRoom()
    }
    const promise = new Promise<RecordMetadata>(captureDeferred)
    const deferred = captured!
    captured = null
    try {
      this.#send(record, deferred, callbackOrOptions?.signal)
    } catch (err) {
      deferred.reject(err as Error)
    }
    this.#hasRoom()
    return promise
  }

  /** Sends many records, to any topics; resolves with each one's outcome, in order. */
  sendBatch(
    records: readonly RecordFor<KeySerializer, ValueSerializer>[],
  ): Promise<PromiseSettledResult<RecordMetadata>[]> {
    if (!Array.isArray(records)) return Promise.reject(notABatchError(records))
    this.#batchSize = records.length
    try {
      return Promise.allSettled(records.map((r) => this.send(r)))
    } finally {
      this.#batchSize = undefined
    }
  }

  /**
   * A Writable (object mode) whose chunks are records, sent with the callback path and the
   * producer's backpressure; end() finishes once all are acknowledged, the first failure
   * destroys it. With a default `topic`, a chunk may omit its topic or be a bare string or
   * bytes value. Destroying it does not close the producer. See streams/writable.ts.
   */
  writable(
    options: WritableOptions & { topic: string },
  ): ProducerWritable<DefaultTopicChunk<KeySerializer, ValueSerializer>>
  writable(options?: WritableOptions): ProducerWritable<RecordFor<KeySerializer, ValueSerializer>>
  writable(options?: WritableOptions): ProducerWritable<unknown> {
    return new ProducerWritable(this, options)
  }

  /**
   * Sends every record of an iterable or async iterable (an async generator), waiting for
   * 'drain' when the producer asks; resolves with `{ sent, failed }` once every record has
   * settled. The first failure stops it and rejects, unless `onError` is given (then every
   * record is sent and each failure goes there). See streams/send-all.ts.
   */
  sendAll(
    source:
      | AsyncIterable<DefaultTopicChunk<KeySerializer, ValueSerializer>>
      | Iterable<DefaultTopicChunk<KeySerializer, ValueSerializer>>,
    options: SendAllOptions<RecordFor<KeySerializer, ValueSerializer>> & { topic: string },
  ): Promise<SendAllResult>
  sendAll(
    source:
      | AsyncIterable<RecordFor<KeySerializer, ValueSerializer>>
      | Iterable<RecordFor<KeySerializer, ValueSerializer>>,
    options?: SendAllOptions<RecordFor<KeySerializer, ValueSerializer>>,
  ): Promise<SendAllResult>
  sendAll(
    source: AsyncIterable<unknown> | Iterable<unknown>,
    options?: SendAllOptions<RecordFor<KeySerializer, ValueSerializer>>,
  ): Promise<SendAllResult> {
    return sendAll(this, source, options)
  }

  /** The size of the sendBatch() call under way, for the send traces. */
  #batchSize: number | undefined = undefined

  /**
   * Whether a caller of send() may go on: no record waits for memory or metadata, and the records
   * held (queued and in flight) are below the high-water mark.
   */
  #mayGoOn(): boolean {
    return (
      this.#pending.isEmpty &&
      this.#memory.available >= this.config.batchSize &&
      this.#memory.queued < this.highWaterMark
    )
  }

  /** #mayGoOn(); when not, the caller is to wait for 'drain'. */
  #hasRoom(): boolean {
    if (this.#mayGoOn()) return true
    if (!this.#needDrain) {
      // The caller now waits: lingering for more records would only delay it. Send what is
      // queued without waiting for linger.ms.
      this.#needDrain = true
      this.#accumulator.exhausted = true
      this.#sender.wakeup()
    }
    return false
  }

  /**
   * True from a send() that returned false (or would have, on the promise path) until the
   * producer emits 'drain': a caller that does not await each send should then wait for 'drain'.
   */
  get needsDrain(): boolean {
    return this.#needDrain
  }

  #send(record: ProducerRecord, completion: Exclude<Completion, null>, signal?: AbortSignal): void {
    if (this.#interceptors.hasInterceptors) {
      record = this.#interceptors.onSend(record)
      completion = this.#interceptors.wrap(completion, record) as Exclude<Completion, null>
    }
    if (sendChannel.hasSubscribers) {
      this.#tracedSend(record, completion, signal)
      return
    }
    this.#sendOne(record, completion, signal, null)
  }

  /** #sendOne inside a `sluice:producer:send` trace (see diagnostics.ts). */
  #tracedSend(
    record: ProducerRecord,
    completion: Exclude<Completion, null>,
    signal: AbortSignal | undefined,
  ): void {
    const extra: RecordHeader[] = []
    const ctx: SendContext = {
      record,
      clientId: this.config.clientId,
      ...(this.#batchSize === undefined ? {} : { batchSize: this.#batchSize }),
      addHeader: (key, value) => {
        extra.push({ key: javaString(key), value: typeof value === 'string' ? javaUtf8(value) : value })
      },
    }
    // Bound to the caller's async context, so the callback (and asyncStart's subscribers) see
    // what send() saw (an OpenTelemetry span, an AsyncLocalStorage store), as a promise's
    // continuation does. Only when traced: the binding costs an allocation per record.
    const settle = AsyncResource.bind((err: KafkaError | null, md: RecordMetadata | null): void => {
      if (err !== null) {
        ctx.error = err
        sendChannel.error.publish(ctx)
      } else if (md !== null) ctx.result = md
      sendChannel.asyncStart.publish(ctx)
      try {
        if (typeof completion === 'function') completion(err, md)
        else if (err !== null) completion.reject(err)
        else completion.resolve(md!)
      } finally {
        sendChannel.asyncEnd.publish(ctx)
      }
    })
    sendChannel.start.publish(ctx)
    try {
      this.#sendOne(record, settle, signal, extra)
    } finally {
      sendChannel.end.publish(ctx)
    }
  }

  #sendOne(
    record: ProducerRecord,
    completion: Exclude<Completion, null>,
    signal: AbortSignal | undefined,
    extraHeaders: readonly RecordHeader[] | null,
  ): void {
    try {
      if (this.#closed) throw new ProducerClosedError('cannot send: the producer is closed')
      const fatal = this.#sender.fatalError
      if (fatal !== null) throw fatal
      if (record === null || typeof record !== 'object' || Array.isArray(record))
        throw notARecordError(record)
      if (signal?.aborted === true) throw abortError(signal)
      const topic = checkRecord(record)
      // Refused at once while open: nothing is serialized or queued. A probe's completion reports
      // its outcome to the breaker.
      if (this.#breaker !== null) completion = this.#breaker.admit(completion)
      const pending = this.#pending
      const meta = this.#metadata.snapshot.topic(topic)
      const known =
        !pending.waitingForMetadata(topic) &&
        meta !== undefined &&
        meta.partitions.length > 0 &&
        meta.errorCode === 0
      const direct = known && !pending.waitingForMemory
      // A record that would wait while the waiting ones hold buffer.memory is refused before it
      // is serialized: a loop that ignores 'drain' then costs no memory per refused record.
      if (!direct) pending.refuseIfFull()
      if (this.#preparing && !this.#serializersReady(topic)) {
        this.#waitForSerializers(record, topic, completion, signal, extraHeaders)
        return
      }
      const key = serialize(this.#keySerializer, record.key ?? null, topic, 'key')
      const value = serialize(this.#valueSerializer, record.value ?? null, topic, 'value')
      const headers = recordHeaders(record, topic, extraHeaders)
      // One clock read per record serves the default timestamp and the deadline.
      const now = Date.now()
      const timestamp = toTimestamp(record.timestamp, now)
      this.#checkSize(topic, key, value, headers)
      // The common case appends at once, with no record-sized object kept for a wait.
      if (direct && this.#append(record, key, value, headers, timestamp, completion, meta!, now)) return
      const entry: PendingSend = {
        record,
        serialized: true,
        key,
        value,
        headers,
        timestamp,
        completion,
        deadline: now + this.config.maxBlockMs,
        signal,
        onAbort: null,
        waitStart: now,
        bytes: pendingBytes(key, value, headers),
      }
      if (known) pending.enqueueForMemory(entry)
      else pending.enqueueForMetadata(topic, entry)
    } catch (err) {
      if (
        this.#spooler !== null &&
        (err instanceof CircuitOpenError || err instanceof BufferExhaustedError) &&
        this.#spooler.takes(err)
      ) {
        this.#spoolUnsent(record, completion, extraHeaders, err)
        return
      }
      this.#failRecord(completion, err instanceof Error ? err : new Error(String(err)))
    }
  }

  /**
   * A record refused before it was serialized (the breaker is open, the waiting records hold
   * buffer.memory) goes to the spool: serialized now, appended, settled as spooled.
   */
  #spoolUnsent(
    record: ProducerRecord,
    completion: Exclude<Completion, null>,
    extraHeaders: readonly RecordHeader[] | null,
    failure: KafkaError,
  ): void {
    let entry: SpoolRecord
    try {
      const topic = record.topic
      if (this.#preparing && !this.#serializersReady(topic)) throw failure
      const key = serialize(this.#keySerializer, record.key ?? null, topic, 'key')
      const value = serialize(this.#valueSerializer, record.value ?? null, topic, 'value')
      const headers = recordHeaders(record, topic, extraHeaders)
      const timestamp = toTimestamp(record.timestamp, Date.now())
      this.#checkSize(topic, key, value, headers)
      entry = toSpoolRecord(topic, record.partition ?? null, key, value, headers, timestamp)
    } catch (err) {
      this.#failRecord(completion, err instanceof Error ? err : new Error(String(err)))
      return
    }
    this.#spoolOrder!.unsent(entry, completion, failure)
  }

  /** Settles a record the spool took (or could not take). */
  readonly #settleSpooled: Settle = (completion, err, md) => {
    if (completion === null) return
    if (err !== null) settle(completion, err, this.#log.warning)
    else if (typeof completion === 'function') safeCall(completion, null, md, this.#log.warning)
    else completion.resolve(md!)
  }

  /** A batch failed for good with an error `spool.on` names: its records go to the spool. */
  #spoolBatch(batch: ProducerBatch, err: Error): boolean {
    const order = this.#spoolOrder
    if (order === null || !this.#spooler!.takes(err)) return false
    order.failed(batch, toKafkaError(err))
    return true
  }

  /**
   * Sends a record replayed from the spool: already serialized, its partition the one it was
   * spooled with (or the partitioner's), no interceptors (they ran at its first send), no
   * breaker check (the spooler replays only while it is closed).
   */
  #sendSpooled(entry: SpoolEntry, completion: (err: KafkaError | null) => void): void {
    const r = entry.record
    // The spooler knows this completion as a replay's: it is never spooled again.
    let done: SendCallback = completion
    try {
      if (this.#closed) throw new ProducerClosedError('cannot replay the spool: the producer is closed')
      const fatal = this.#sender.fatalError
      if (fatal !== null) throw fatal
      // Half-open: a replayed record can be the probe (the others are refused, and the replay
      // tries again after its backoff).
      if (this.#breaker !== null) done = markReplay(this.#breaker.admit(done) as SendCallback)
      const record = {
        topic: r.topic,
        value: null,
        ...(r.partition === null ? {} : { partition: r.partition }),
      }
      const headers: RecordHeader[] = r.headers.map(([key, value]) => ({ key, value }))
      const now = Date.now()
      const timestamp = r.timestamp ?? now
      const pending = this.#pending
      const meta = this.#metadata.snapshot.topic(r.topic)
      const known =
        !pending.waitingForMetadata(r.topic) &&
        meta !== undefined &&
        meta.partitions.length > 0 &&
        meta.errorCode === 0
      const direct = known && !pending.waitingForMemory
      if (!direct) pending.refuseIfFull()
      if (direct && this.#append(record, r.key, r.value, headers, timestamp, done, meta!, now)) return
      const entryWaiting: PendingSend = {
        record,
        serialized: true,
        key: r.key,
        value: r.value,
        headers,
        timestamp,
        completion: done,
        deadline: now + this.config.maxBlockMs,
        signal: undefined,
        onAbort: null,
        waitStart: now,
        bytes: pendingBytes(r.key, r.value, headers),
      }
      if (known) pending.enqueueForMemory(entryWaiting)
      else pending.enqueueForMetadata(r.topic, entryWaiting)
    } catch (err) {
      this.#failRecord(done, err instanceof Error ? err : new Error(String(err)))
    }
  }

  /**
   * A record for a topic whose serializers are not prepared yet (a schema registry lookup under
   * way): it waits, unserialized, in send order with the topic's other records, and is
   * serialized when the wait ends. Its size is not known yet, so it counts the overhead only.
   */
  #waitForSerializers(
    record: ProducerRecord,
    topic: string,
    completion: Exclude<Completion, null>,
    signal: AbortSignal | undefined,
    extraHeaders: readonly RecordHeader[] | null,
  ): void {
    const headers = recordHeaders(record, topic, extraHeaders)
    const now = Date.now()
    this.#pending.enqueueForMetadata(topic, {
      record,
      serialized: false,
      key: null,
      value: null,
      headers,
      timestamp: toTimestamp(record.timestamp, now),
      completion,
      deadline: now + this.config.maxBlockMs,
      signal,
      onAbort: null,
      waitStart: now,
      bytes: pendingBytes(null, null, headers),
    })
  }

  /** Serializes a record that waited for its topic's serializers; returns its waiting bytes. */
  #serializeWaiting(w: PendingSend): number {
    const topic = w.record.topic
    w.key = serialize(this.#keySerializer, w.record.key ?? null, topic, 'key')
    w.value = serialize(this.#valueSerializer, w.record.value ?? null, topic, 'value')
    this.#checkSize(topic, w.key, w.value, w.headers)
    return pendingBytes(w.key, w.value, w.headers)
  }

  /** Neither serializer needs preparing for `topic` now (checked per record when one can). */
  #serializersReady(topic: string): boolean {
    return !startsPreparing(this.#keySerializer, topic) && !startsPreparing(this.#valueSerializer, topic)
  }

  /** The topic's metadata, once known and once its serializers are prepared. */
  async #waitForTopic(topic: string, deadline: number): Promise<TopicMetadata> {
    if (!this.#preparing) return this.#metadata.waitForTopic(topic, deadline)
    const [meta] = await Promise.all([
      this.#metadata.waitForTopic(topic, deadline),
      this.#prepareSerializers(topic, deadline),
    ])
    return meta
  }

  /** Runs the serializers' prepare(topic), bounded by `deadline` (send() + max.block.ms). */
  async #prepareSerializers(topic: string, deadline: number): Promise<void> {
    const waits: Promise<void>[] = []
    for (const s of [this.#keySerializer, this.#valueSerializer]) {
      const p = s.prepare?.(topic)
      if (p === undefined || p === null) continue
      p.catch(() => {}) // handled even if the other serializer's prepare() throws before the wait
      waits.push(p)
    }
    if (waits.length === 0) return
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutError(
              `the serializers for topic '${topic}' were not ready within max.block.ms=${this.config.maxBlockMs} (a schema registry lookup that did not answer?)`,
            ),
          ),
        timerDelay(deadline - Date.now()),
      )
    })
    try {
      await Promise.race([Promise.all(waits), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  #checkSize(
    topic: string,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
  ): void {
    const size = BATCH_OVERHEAD + RecordBatchBuilder.sizeOfRecord(0, 0, key, value, headers)
    const c = this.config
    if (size > c.maxRequestSize) {
      throw new RecordTooLargeError(
        `a record for topic '${topic}' is ${size} bytes when serialized, larger than max.request.size=${c.maxRequestSize}`,
      )
    }
    if (size > c.bufferMemory) {
      throw new RecordTooLargeError(
        `a record for topic '${topic}' is ${size} bytes when serialized, larger than buffer.memory=${c.bufferMemory}`,
      )
    }
  }

  /** Appends to the partition's batch; false when a new batch is needed and memory is short. */
  #append(
    record: ProducerRecord,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    timestamp: number,
    completion: Completion,
    meta: TopicMetadata,
    now: number,
  ): boolean {
    const topic = meta.name
    const count = meta.partitions.length
    let partition = record.partition
    let available: readonly number[] | null = null
    let sticky = false
    if (partition === undefined || partition === null) {
      if (this.#custom !== null) {
        available = this.#metadata.snapshot.availablePartitions(topic)
        try {
          partition = callCustomPartitioner(this.#custom, {
            topic,
            key: record.key,
            keyBytes: key,
            value: record.value,
            valueBytes: value,
            partitionCount: count,
            availablePartitions: available,
          })
        } catch (err) {
          throw new PartitionerError(
            `the custom partitioner (partitioner.class) threw for a record to topic '${topic}': ${(err as Error)?.message ?? String(err)}`,
            err,
          )
        }
        if (partition !== undefined && partition !== null && !Number.isInteger(partition)) {
          throw new InvalidRecordError(
            `the custom partitioner (partitioner.class) returned ${describeValue(partition)} for topic '${topic}': give an integer in [0...${count}), or undefined for the default`,
            'ERR_INVALID_PARTITION',
          )
        }
      }
      if (partition === undefined || partition === null) {
        if (key === null || this.config.partitionerIgnoreKeys) {
          available ??= this.#metadata.snapshot.availablePartitions(topic)
          sticky = true
        }
        partition = this.#partitioner.partition(topic, key, count, available ?? [])
      }
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
      throw new InvalidRecordError(
        `partition ${partition} of topic '${topic}' is not in the range [0...${count}): the topic has ${count} partition(s)`,
        'ERR_INVALID_PARTITION',
      )
    }
    if (this.#interceptors.hasInterceptors) setInterceptedPartition(completion, partition)
    if (this.#tm?.isTransactional === true) this.#tm.addPartition(this.#accumulator.queue(topic, partition))
    const r = this.#accumulator.append(topic, partition, timestamp, key, value, headers, completion, now)
    if (r === null) return false
    if (sticky) this.#partitioner.onAppend(topic, partition, r.bytes, count, available!)
    this.#sender.wakeup()
    return true
  }

  /**
   * The partitions of `topic` with their leaders, from fresh metadata; waits up to
   * `max.block.ms` for the topic to appear.
   */
  async partitionsFor(topic: string): Promise<readonly PartitionMetadata[]> {
    if (this.#closed) throw new ProducerClosedError()
    const deadline = Date.now() + this.config.maxBlockMs
    await this.#metadata.waitForTopic(topic, deadline)
    await this.#metadata.refresh().catch(() => {})
    return (await this.#metadata.waitForTopic(topic, deadline)).partitions
  }

  /**
   * Transactions: registers `transactional.id` with its coordinator, fencing any earlier producer
   * with the same id and aborting its open transaction. Call once, before the first transaction.
   * Rejects with a TimeoutError after `max.block.ms` (the call may be repeated to wait longer).
   */
  async initTransactions(): Promise<void> {
    const tm = this.#transactions('initTransactions')
    return this.#timed('txn-init-time-ns-total', () => tm.initTransactions())
  }

  /** Opens a transaction; every record sent until commit or abort belongs to it. */
  beginTransaction(): void {
    const start = process.hrtime.bigint()
    this.#transactions('beginTransaction').beginTransaction()
    this.#metrics.transactionCallTook('txn-begin-time-ns-total', Number(process.hrtime.bigint() - start))
  }

  /**
   * Adds a consumer group's offsets to the transaction, so they commit (or not) with its
   * records: the read-process-write pattern. `offset` is the next offset to read.
   */
  async sendOffsetsToTransaction(
    offsets: readonly OffsetToCommit[],
    group: ConsumerGroupMetadata | string,
  ): Promise<void> {
    const tm = this.#transactions('sendOffsetsToTransaction')
    return this.#timed('txn-send-offsets-time-ns-total', () => tm.sendOffsetsToTransaction(offsets, group))
  }

  /**
   * Sends every record of the transaction, waits for them, and commits. If a record failed, it
   * rejects with a TransactionAbortableError: call abortTransaction(). A ProducerFencedError
   * means another producer took over the transactional id: close this one.
   */
  async commitTransaction(): Promise<void> {
    const tm = this.#transactions('commitTransaction')
    return this.#timed('txn-commit-time-ns-total', async () => {
      // Records sent before the call but still waiting for metadata or memory belong to it too.
      await this.#pending.whenEmpty()
      return tm.commitTransaction()
    })
  }

  /** Aborts the open transaction: records not yet sent fail with TransactionAbortedError. */
  abortTransaction(): Promise<void> {
    let tm: TransactionManager
    try {
      tm = this.#transactions('abortTransaction')
    } catch (err) {
      return Promise.reject(err)
    }
    this.#pending.failAll(new TransactionAbortedError())
    return this.#timed('txn-abort-time-ns-total', () => tm.abortTransaction())
  }

  /**
   * Runs `work` in a transaction: begins, awaits it, commits; aborts (and rethrows) when it
   * throws or the commit fails with an abortable error.
   */
  async transaction<T>(work: (producer: this) => Promise<T>): Promise<T> {
    this.beginTransaction()
    let result: T
    try {
      result = await work(this)
    } catch (err) {
      await this.#abortQuietly()
      throw err
    }
    try {
      await this.commitTransaction()
    } catch (err) {
      if (err instanceof TransactionAbortableError) await this.#abortQuietly()
      throw err
    }
    return result
  }

  async #abortQuietly(): Promise<void> {
    const tm = this.#tm
    if (tm === null || !tm.hasOngoingTransaction) return
    try {
      await this.abortTransaction()
    } catch {
      // The original error says more; a fatal one shows on the next call.
    }
  }

  #transactions(operation: string): TransactionManager {
    const tm = this.#tm
    if (tm === null || !tm.isTransactional) {
      throw new TransactionStateError(`${operation}() needs a transactional producer: set transactional.id`)
    }
    return tm
  }

  /**
   * The client's metrics (Java's group producer-metrics) by name, read now: rates and averages
   * over the last `metrics.num.samples` windows of `metrics.sample.window.ms`, totals since the
   * start. An average or maximum with nothing recorded yet is NaN, as in Java.
   */
  metrics(): Readonly<Record<string, number>> {
    return this.#metrics.clientMetrics()
  }

  /**
   * Every metric, read now, with its group and tags as the Java producer has them:
   * producer-metrics (client-id), producer-topic-metrics (client-id, topic),
   * producer-node-metrics (client-id, node-id) and app-info.
   */
  allMetrics(): Metric[] {
    return this.#metrics.snapshot()
  }

  /**
   * Every metric as OpenMetrics text (Prometheus' exposition format), for any HTTP handler:
   * serve it with the content type OPENMETRICS_CONTENT_TYPE. Names are `kafka_producer_*`, with
   * client_id, topic and node_id labels.
   */
  metricsText(): string {
    return toOpenMetrics(this.#metrics.snapshot())
  }

  async #timed<T>(metric: string, work: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint()
    try {
      return await work()
    } finally {
      this.#metrics.transactionCallTook(metric, Number(process.hrtime.bigint() - start))
    }
  }

  /**
   * Resolves when every record sent before the call has completed (successfully or not).
   * `options.signal` stops the wait: flush() rejects with an AbortError, and the records go on
   * being sent (and lingering no longer until the flush they started is over).
   */
  flush(options?: FlushOptions): Promise<void> {
    const signal = options?.signal
    if (signal === undefined) return this.#flush()
    if (signal.aborted) return Promise.reject(abortError(signal, 'flush() stopped waiting'))
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal, 'flush() stopped waiting; the records go on'))
      signal.addEventListener('abort', onAbort, { once: true })
    })
    return Promise.race([this.#flush(), aborted]).finally(() => signal.removeEventListener('abort', onAbort!))
  }

  async #flush(): Promise<void> {
    const start = process.hrtime.bigint()
    this.#accumulator.beginFlush()
    try {
      this.#sender.wakeup()
      await this.#pending.whenEmpty()
      this.#sender.wakeup()
      await this.#accumulator.awaitIncomplete()
    } finally {
      this.#accumulator.endFlush()
      this.#metrics.flushTook(Number(process.hrtime.bigint() - start))
    }
  }

  async #abortWithin(timeoutMs: number, gaveUp: Promise<unknown>): Promise<void> {
    await raceTimeout(
      this.abortTransaction().catch(() => {}),
      timeoutMs,
      gaveUp,
    )
  }

  /**
   * A record failed before reaching a batch. Inside a transaction that makes the transaction
   * abortable, as in the Java producer: committing without the record would lose it silently.
   */
  #failRecord(completion: Completion, err: Error, p?: PendingSend): void {
    // A metadata wait that ran out counts for the breaker; the breaker's own refusals do not.
    if (this.#breaker !== null) this.#monitor.recordFailed(err)
    const spooler = this.#spooler
    if (spooler !== null && p?.serialized === true && !isReplay(completion) && spooler.takes(err)) {
      const r = p.record
      const entry = toSpoolRecord(r.topic, r.partition ?? null, p.key, p.value, p.headers, p.timestamp)
      this.#spoolOrder!.unsent(entry, completion, toKafkaError(err))
      return
    }
    this.#metrics.failedBeforeBatch(Date.now())
    this.#tm?.onRecordFailed(err)
    settle(completion, err, this.#log.warning)
  }

  /**
   * The producer's health, read now: connected brokers, metadata age, buffer use, the last
   * acknowledged batch per topic, partitions in use without a leader, the circuit breaker, and
   * a verdict (ok / degraded / down) with its reasons. See docs/DELIVERY.md; `sluice/health`
   * serves it to liveness and readiness probes.
   */
  health(): ProducerHealth {
    const snapshot = this.#metadata.snapshot
    const leaderless: string[] = []
    for (const [name, t] of snapshot.topics)
      for (const p of t.partitions) if (p.leader < 0) leaderless.push(`${name}-${p.partition}`)
    const fatal = this.#sender.fatalError
    return assess({
      now: Date.now(),
      clientId: this.config.clientId,
      closed: this.#closed,
      fatalError: fatal === null || this.#closed ? null : fatal.message,
      knownBrokers: snapshot.brokers.size,
      connected: this.#pool.openAddresses(),
      ...this.#monitor.inputs(),
      metadataUpdatedAt: snapshot.updatedAt,
      metadataMaxAgeMs: this.config.metadataMaxAgeMs,
      topicsInUse: snapshot.topics.size,
      bufferTotalBytes: this.#memory.capacity,
      bufferAvailableBytes: this.#memory.available,
      waitingForMemory: this.#pending.memoryWaiters,
      partitionsWithoutLeader: leaderless,
      spool: this.#spooler?.status() ?? null,
    })
  }

  /**
   * Sends what is queued and waits for it up to `timeoutMs` (default: no limit), then fails
   * whatever is left with a TimeoutError and releases every socket and timer. Aborting
   * `options.signal` has the effect of the timeout passing at once (the error says it was an
   * abort; its cause is the signal's reason), and close() still resolves once all is released.
   * Later calls return the first call's promise; their signals can end its waits too.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing === null) {
      this.#log.info({ timeoutMs: options.timeoutMs ?? null }, 'closing the producer')
      let giveUp!: (why: CloseAborted) => void
      const gaveUp = new Promise<CloseAborted>((resolve) => {
        giveUp = resolve
      })
      this.#abortClose = (reason) => giveUp({ reason })
      this.#closing = this.#close(options.timeoutMs ?? Number.POSITIVE_INFINITY, gaveUp)
    }
    const signal = options.signal
    const abortClose = this.#abortClose
    if (signal !== undefined && abortClose !== null) {
      if (signal.aborted) abortClose(signal.reason)
      else {
        const onAbort = () => abortClose(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
        this.#closing.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => {})
      }
    }
    return this.#closing
  }

  async #close(timeoutMs: number, gaveUp: Promise<CloseAborted>): Promise<void> {
    this.#closed = true
    this.#monitor.close()
    // Replay rounds under way finish with the flush below; no new one starts.
    this.#spooler?.stopReplay()
    // Records waiting for their topic's metadata get the answer under way (or one more), not
    // max.block.ms of retries: a topic still unknown then fails them with ERR_PRODUCER_CLOSED.
    this.#metadata.closing()
    // As in the Java producer, an open transaction is aborted on close.
    if (this.#tm?.hasOngoingTransaction === true && this.#tm.fatalError === null) {
      const abort = this.#tm.state === 'IN_TRANSACTION' || this.#tm.state === 'ABORTABLE_ERROR'
      if (abort) await this.#abortWithin(timeoutMs, gaveUp)
    }
    let timer: NodeJS.Timeout | undefined
    const flushed = this.#flush().then(() => true)
    const timedOut =
      timeoutMs === Number.POSITIVE_INFINITY
        ? new Promise<boolean>(() => {})
        : new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), timerDelay(timeoutMs))
          })
    const outcome = await Promise.race([flushed, timedOut, gaveUp])
    if (timer !== undefined) clearTimeout(timer)
    this.#abortClose = null
    // Records never sent fail as not written; those sent and not answered (in flight, or sent
    // before and waiting to be retried) as maybe written: the broker may have them.
    let unsent: TimeoutError | undefined
    let unanswered: TimeoutError | undefined
    if (outcome !== true) {
      const why =
        outcome === false
          ? `the producer closed after ${timeoutMs} ms`
          : 'the producer closed early (close() was aborted)'
      const cause = outcome === false ? {} : { cause: outcome.reason }
      unsent = new TimeoutError(
        `${why} before these records were sent: they were not written`,
        'ERR_CLOSE_TIMEOUT',
        {
          retriable: false,
          ...cause,
        },
      )
      unanswered = new TimeoutError(
        `${why} while these records were sent and not answered: they may have been written`,
        'ERR_CLOSE_TIMEOUT',
        { retriable: false, maybeWritten: true, ...cause },
      )
      this.#pending.failAll(unsent)
      this.#sender.abortQueued(unsent, unanswered)
    }
    // After this, batches whose requests fail are not retried: in-flight ones fail with
    // `unanswered` as their connections close.
    this.#sender.close()
    this.#tm?.close()
    this.#metadata.close()
    this.#pool.close(unanswered)
    try {
      await this.#security.sasl?.close?.()
    } catch (e) {
      this.#log.warning(`the SASL mechanism's close() threw: ${(e as Error)?.message ?? e}`, {
        type: 'SluiceCloseWarning',
      })
    }
    await this.#interceptors.close()
    // Records waiting for older ones enter the spool, appends under way finish (their records
    // settle as spooled), the commit point is written and the directory's lock released.
    try {
      await this.#spoolOrder?.drained()
      await this.#spooler?.close()
    } catch (e) {
      this.#log.warning(`the spool could not be closed cleanly: ${(e as Error)?.message ?? e}`, {
        type: 'SluiceCloseWarning',
      })
    }
  }
}

/** close() was aborted through a signal, for `reason`. */
interface CloseAborted {
  reason: unknown
}

/**
 * Whether `s` has to prepare for `topic` first. A preparation this starts is awaited later
 * through #prepareSerializers, which gets the same promise; when the send fails before that,
 * nobody would: it is marked handled here.
 */
function startsPreparing(s: Serializer, topic: string): boolean {
  const p = s.prepare?.(topic)
  if (p === undefined || p === null) return false
  p.catch(() => {})
  return true
}

/** `p`, or nothing once `ms` have passed or `gaveUp` has settled. */
function raceTimeout(p: Promise<unknown>, ms: number, gaveUp: Promise<unknown>): Promise<unknown> {
  if (ms === Number.POSITIVE_INFINITY) return Promise.race([p, gaveUp])
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    gaveUp,
    new Promise((resolve) => (timer = setTimeout(resolve, timerDelay(ms)))),
  ]).finally(() => clearTimeout(timer))
}

/** A serialized record as the spool keeps it. */
function toSpoolRecord(
  topic: string,
  partition: number | null,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[],
  timestamp: number,
): SpoolRecord {
  return { topic, partition, key, value, headers: headers.map((h) => [h.key, h.value] as const), timestamp }
}

export function toTimestamp(t: number | Date | undefined, now: number): number {
  if (t === undefined || t === null) return now
  const ms = t instanceof Date ? t.getTime() : t
  if (typeof ms === 'number' && Number.isSafeInteger(ms) && ms >= 0) return ms
  const why =
    typeof ms !== 'number'
      ? `is ${describeValue(t)}, not a number or a Date`
      : Number.isNaN(ms)
        ? 'is not a number (an invalid Date?)'
        : !Number.isInteger(ms)
          ? `${ms} is not a whole number of milliseconds`
          : ms < 0
            ? `${ms} is before 1970 (Kafka's timestamps are >= 0)`
            : `${ms} is beyond ${Number.MAX_SAFE_INTEGER}, the largest exact integer`
  throw new InvalidRecordError(
    `invalid record timestamp: ${why}; give epoch milliseconds as an integer, or a Date`,
  )
}

/** The record's headers, normalized, then those a `sluice:producer:send` subscriber added. */
function recordHeaders(
  record: ProducerRecord,
  topic: string,
  extraHeaders: readonly RecordHeader[] | null,
): readonly RecordHeader[] {
  const own = normalizeHeaders(record.headers, topic)
  return extraHeaders === null || extraHeaders.length === 0 ? own : [...own, ...extraHeaders]
}

/**
 * The producer's events: 'drain' once a caller that was told to wait may send again; 'circuit'
 * when the circuit breaker (`circuitBreaker`) changes state, with the new and previous state
 * and why.
 */
export interface ProducerEvents {
  drain: []
  circuit: [CircuitEvent]
}

/**
 * The serializers chosen in the object form, so that records are typed by what they take:
 * `keySerializer: 'string'` makes keys strings, a function `(order: Order) => Buffer` makes
 * values Orders. Unset: the default 'buffer' (Buffer, Uint8Array or string).
 */
export interface SerializerChoice<K extends SerializerSetting, V extends SerializerSetting> {
  keySerializer?: K | undefined
  'key.serializer'?: K | undefined
  valueSerializer?: V | undefined
  'value.serializer'?: V | undefined
}

/** A record for a producer whose serializers are `K` and `V`. */
export type RecordFor<K, V> = ProducerRecord<SerializerInput<K>, SerializerInput<V>>

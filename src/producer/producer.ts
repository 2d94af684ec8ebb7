import type { PartitionMetadata, TopicMetadata } from '../cluster/cluster-snapshot.js'
import { MetadataManager } from '../cluster/metadata-manager.js'
import { KafkaError, ProducerClosedError, RecordTooLargeError, TimeoutError } from '../errors.js'
import { ConnectionPool } from '../network/connection-pool.js'
import { RecordBatchBuilder, type RecordHeader } from '../records/record-batch-builder.js'
import { timerDelay } from '../timers.js'
import { RecordAccumulator } from './accumulator.js'
import { type ProducerConfig, type ProducerConfigInput, resolveConfig } from './config.js'
import { normalizeHeaders } from './headers.js'
import { BuiltInPartitioner, type CustomPartitioner, callCustomPartitioner } from './partitioner.js'
import type { Completion } from './producer-batch.js'
import type { ProducerRecord, RecordMetadata, SendCallback } from './record.js'
import { Sender } from './sender.js'
import { resolveSerializer, type Serializer, serialize } from './serializers.js'

/** Size of the RecordBatch header that every batch carries. */
const BATCH_OVERHEAD = 61

interface Waiting {
  record: ProducerRecord
  key: Uint8Array | null
  value: Uint8Array | null
  headers: readonly RecordHeader[]
  timestamp: number
  completion: Completion
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
export class Producer {
  readonly config: ProducerConfig
  readonly #pool: ConnectionPool
  readonly #metadata: MetadataManager
  readonly #accumulator: RecordAccumulator
  readonly #sender: Sender
  readonly #partitioner: BuiltInPartitioner
  readonly #custom: CustomPartitioner | null
  readonly #keySerializer: Serializer
  readonly #valueSerializer: Serializer
  /** Records whose topic metadata is not known yet, in send order, per topic. */
  readonly #waiting = new Map<string, Waiting[]>()
  readonly #waits = new Set<Promise<void>>()
  #closed = false
  #closing: Promise<void> | null = null

  constructor(config: ProducerConfigInput | Record<string, unknown>) {
    this.config = resolveConfig(config)
    const c = this.config
    this.#pool = new ConnectionPool({
      clientId: c.clientId,
      requestTimeoutMs: c.requestTimeoutMs,
      connectTimeoutMs: c.socketConnectionSetupTimeoutMs,
      sendBufferBytes: c.sendBufferBytes,
      receiveBufferBytes: c.receiveBufferBytes,
      reconnectBackoffMs: c.reconnectBackoffMs,
      reconnectBackoffMaxMs: c.reconnectBackoffMaxMs,
    })
    this.#metadata = new MetadataManager(this.#pool, {
      bootstrapServers: c.bootstrapServers,
      metadataMaxAgeMs: c.metadataMaxAgeMs,
      retryBackoffMs: c.retryBackoffMs,
      retryBackoffMaxMs: c.retryBackoffMaxMs,
      allowAutoCreateTopics: c.allowAutoCreateTopics,
    })
    this.#accumulator = new RecordAccumulator({ batchSize: c.batchSize, lingerMs: c.lingerMs })
    this.#sender = new Sender(this.#accumulator, this.#metadata, this.#pool, c)
    this.#partitioner = new BuiltInPartitioner(c.batchSize, c.partitionerIgnoreKeys)
    this.#custom = c.partitionerClass
    this.#keySerializer = resolveSerializer(c.keySerializer)
    this.#valueSerializer = resolveSerializer(c.valueSerializer)
  }

  /**
   * Sends one record. Resolves with its partition, offset and timestamp once the broker has it
   * (as `acks` defines), or rejects with a KafkaError. With a callback, returns nothing and
   * calls it instead.
   */
  send(record: ProducerRecord): Promise<RecordMetadata>
  send(record: ProducerRecord, callback: SendCallback): void
  send(record: ProducerRecord, callback?: SendCallback): Promise<RecordMetadata> | undefined {
    if (callback !== undefined) {
      this.#send(record, callback)
      return undefined
    }
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.#send(record, { resolve, reject })
    })
  }

  #send(record: ProducerRecord, completion: Exclude<Completion, null>): void {
    try {
      if (this.#closed) throw new ProducerClosedError('cannot send: the producer is closed')
      const fatal = this.#sender.fatalError
      if (fatal !== null) throw fatal
      if (record === null || typeof record !== 'object') throw new TypeError('send() needs a record object')
      const topic = record.topic
      if (typeof topic !== 'string' || topic.length === 0) {
        throw new KafkaError('a record needs a non-empty string topic', 'ERR_INVALID_RECORD')
      }
      const key = serialize(this.#keySerializer, record.key ?? null, topic, 'key')
      const value = serialize(this.#valueSerializer, record.value ?? null, topic, 'value')
      const headers = normalizeHeaders(record.headers, topic)
      const timestamp = toTimestamp(record.timestamp)
      this.#checkSize(topic, timestamp, key, value, headers)
      const pending = this.#waiting.get(topic)
      const meta = this.#metadata.snapshot.topic(topic)
      if (pending === undefined && meta !== undefined && meta.partitions.length > 0 && meta.errorCode === 0) {
        this.#append(record, meta, key, value, headers, timestamp, completion)
        return
      }
      const entry: Waiting = { record, key, value, headers, timestamp, completion }
      if (pending !== undefined) pending.push(entry)
      else this.#waitForMetadata(topic, entry)
    } catch (err) {
      settle(completion, err instanceof Error ? err : new Error(String(err)))
    }
  }

  #checkSize(
    topic: string,
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
  ): void {
    const size = BATCH_OVERHEAD + RecordBatchBuilder.sizeOfRecord(0, 0, key, value, headers)
    const c = this.config
    void timestamp
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

  #waitForMetadata(topic: string, first: Waiting): void {
    const list: Waiting[] = [first]
    this.#waiting.set(topic, list)
    const wait = this.#metadata
      .waitForTopic(topic, Date.now() + this.config.maxBlockMs)
      .then(
        (meta) => {
          this.#waiting.delete(topic)
          for (const w of list) {
            try {
              this.#append(w.record, meta, w.key, w.value, w.headers, w.timestamp, w.completion)
            } catch (err) {
              settle(w.completion, err as Error)
            }
          }
        },
        (err: Error) => {
          this.#waiting.delete(topic)
          for (const w of list) settle(w.completion, err)
        },
      )
      .finally(() => this.#waits.delete(wait))
    this.#waits.add(wait)
  }

  #append(
    record: ProducerRecord,
    meta: TopicMetadata,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    timestamp: number,
    completion: Completion,
  ): void {
    const topic = meta.name
    const count = meta.partitions.length
    let partition = record.partition
    let available: readonly number[] | null = null
    if (partition === undefined || partition === null) {
      if (this.#custom !== null) {
        available = this.#metadata.snapshot.availablePartitions(topic)
        partition = callCustomPartitioner(this.#custom, {
          topic,
          key: record.key,
          keyBytes: key,
          value: record.value,
          valueBytes: value,
          partitionCount: count,
          availablePartitions: available,
        })
      }
      if (partition === undefined || partition === null) {
        if (key === null || this.config.partitionerIgnoreKeys)
          available ??= this.#metadata.snapshot.availablePartitions(topic)
        partition = this.#partitioner.partition(topic, key, count, available ?? [])
      }
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
      throw new KafkaError(
        `partition ${partition} of topic '${topic}' is not in the range [0...${count})`,
        'ERR_INVALID_PARTITION',
      )
    }
    const r = this.#accumulator.append(
      topic,
      partition,
      timestamp,
      key,
      value,
      headers,
      completion,
      Date.now(),
    )
    if (available !== null) this.#partitioner.onAppend(topic, partition, r.bytes, count, available)
    this.#sender.wakeup()
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

  /** Counters under the Java producer's metric names. */
  metrics(): Readonly<Record<string, number>> {
    return this.#sender.metrics()
  }

  /** Resolves when every record sent before the call has completed (successfully or not). */
  async flush(): Promise<void> {
    this.#accumulator.beginFlush()
    try {
      this.#sender.wakeup()
      while (this.#waits.size > 0) await Promise.all([...this.#waits])
      this.#sender.wakeup()
      await this.#accumulator.awaitIncomplete()
    } finally {
      this.#accumulator.endFlush()
    }
  }

  /**
   * Sends what is queued and waits for it up to `timeoutMs` (default: no limit), then fails
   * whatever is left with a TimeoutError and releases every socket and timer.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? Number.POSITIVE_INFINITY)
    return this.#closing
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#closed = true
    let timer: NodeJS.Timeout | undefined
    const flushed = this.flush().then(() => true)
    const timedOut =
      timeoutMs === Number.POSITIVE_INFINITY
        ? new Promise<boolean>(() => {})
        : new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), timerDelay(timeoutMs))
          })
    const done = await Promise.race([flushed, timedOut])
    if (timer !== undefined) clearTimeout(timer)
    if (!done) {
      const err = new TimeoutError(
        `the producer closed after ${timeoutMs} ms with records still undelivered`,
        'ERR_CLOSE_TIMEOUT',
        { retriable: false },
      )
      this.#sender.abortQueued(err)
    }
    this.#sender.close()
    this.#metadata.close()
    this.#pool.close()
    // In-flight requests fail with the closed connections; queued ones were aborted above.
    if (!done)
      this.#sender.abortQueued(new ProducerClosedError('the producer was closed before the record was sent'))
  }
}

function toTimestamp(t: number | Date | undefined): number {
  if (t === undefined || t === null) return Date.now()
  const ms = t instanceof Date ? t.getTime() : t
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw new KafkaError(
      `invalid record timestamp ${String(t)}: expected epoch milliseconds >= 0`,
      'ERR_INVALID_RECORD',
    )
  }
  return ms
}

function settle(completion: Completion, err: Error): void {
  if (completion === null) return
  if (typeof completion === 'function') completion(err, null)
  else completion.reject(err)
}

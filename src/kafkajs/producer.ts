/**
 * kafkajs's producer (`kafka.producer()`) over Sluice's Producer.
 *
 * kafkajs picks acks and compression per send(); Sluice per producer. So this keeps one Sluice
 * producer per (acks, compression) combination a send has used, created on first use and closed
 * by disconnect(), plus, with a transactionalId, the one transactional producer that
 * transaction() uses (kafkajs also sends producer.send() outside the transaction then). Every one
 * of them shares this producer's kafkajs partitioner, as kafkajs's send and transactions do.
 */

import type { ProducerConfigInput } from '../producer/config/index.js'
import { type SerializerChoice, Producer as SluiceProducer } from '../producer/producer.js'
import type { RecordMetadata as SluiceRecordMetadata } from '../producer/record.js'
import { compressionName } from './compression.js'
import {
  type KafkaConfig,
  type ProducerConfig,
  resolveBrokers,
  sluiceSettings,
  type Variant,
} from './config.js'
import { asSendFailure, toKafkaJSError } from './error-mapping.js'
import { KafkaJSError, KafkaJSNonRetriableError } from './errors.js'
import { type InstrumentationEvent, PRODUCER_EVENTS, ProducerEvents } from './events.js'
import { type Logger, sluiceLogger } from './logger.js'
import { bridgePartitioner } from './partitioner-bridge.js'
import { DefaultPartitioner, type Message } from './partitioners.js'
import { probe } from './probe.js'
import {
  mergeTopicMessages,
  type RecordMetadata,
  serializeKey,
  serializeValue,
  type TopicMessages,
  toRecord,
  toRecordMetadata,
  validateTopicMessages,
} from './records.js'
import { Transaction } from './transaction.js'

export interface ProducerRecord {
  topic: string
  messages: Message[]
  acks?: number
  timeout?: number
  compression?: number
}

export interface ProducerBatch {
  acks?: number
  timeout?: number
  compression?: number
  topicMessages?: TopicMessages[]
}

type Sluice = SluiceProducer<typeof serializeKey, typeof serializeValue>

type Status = 'disconnected' | 'connected' | 'disconnecting'

export class Producer {
  readonly events = PRODUCER_EVENTS
  readonly #client: KafkaConfig
  readonly #options: ProducerConfig
  readonly #log: Logger
  readonly #events: ProducerEvents
  readonly #partitioner: ReturnType<typeof bridgePartitioner>
  #status: Status = 'disconnected'
  #brokers: string[] | null = null
  readonly #producers = new Map<string, Sluice>()
  #transactional: Sluice | null = null
  #initialized = false
  #transaction: Transaction | null = null

  constructor(client: KafkaConfig, options: ProducerConfig, log: Logger) {
    this.#client = client
    this.#options = options
    this.#log = log.namespace('Producer')
    this.#events = new ProducerEvents(client.clientId ?? 'kafkajs', this.#log)
    this.#partitioner = bridgePartitioner(options.createPartitioner ?? DefaultPartitioner)
    if (options.idempotent === true && options.retry?.retries !== undefined && options.retry.retries < 1) {
      throw new KafkaJSNonRetriableError(
        'Idempotent producer must allow retries to protect against transient errors',
      )
    }
  }

  /** Resolves the brokers (a function is called each time) and checks that one can be reached. */
  async connect(): Promise<void> {
    const brokers = await resolveBrokers(this.#client.brokers)
    await probe(this.#settings(brokers, { acks: -1, compression: 'none', transactional: false }), {
      ...this.#client.retry,
      ...this.#options.retry,
    })
    this.#brokers = brokers
    this.#status = 'connected'
    this.#events.open()
    this.#events.emit(PRODUCER_EVENTS.CONNECT)
  }

  /** Delivers what was sent, then closes every connection. */
  async disconnect(): Promise<void> {
    this.#status = 'disconnecting'
    const all = [...this.#producers.values()]
    if (this.#transactional !== null) all.push(this.#transactional)
    this.#producers.clear()
    this.#transactional = null
    this.#initialized = false
    this.#transaction = null
    await Promise.allSettled(all.map((p) => p.close()))
    this.#status = 'disconnected'
    this.#events.emit(PRODUCER_EVENTS.DISCONNECT)
    this.#events.close()
  }

  isIdempotent(): boolean {
    return this.#options.idempotent === true
  }

  logger(): Logger {
    return this.#log
  }

  on(eventName: string, listener: (event: InstrumentationEvent) => unknown): () => void {
    return this.#events.on(eventName, listener)
  }

  send({ topic, messages, acks, timeout, compression }: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendBatch({
      topicMessages: [{ topic, messages }],
      ...defined({ acks, timeout, compression }),
    })
  }

  async sendBatch({ acks = -1, compression, topicMessages = [] }: ProducerBatch): Promise<RecordMetadata[]> {
    const idempotent = this.#options.idempotent === true
    this.#checkAcks(idempotent, acks)
    validateTopicMessages(topicMessages)
    this.#checkStatus()
    const variant: Variant = {
      acks: acks as Variant['acks'],
      compression: compressionName(compression),
      transactional: false,
    }
    const key = `${variant.acks}/${variant.compression}`
    let producer = this.#producers.get(key)
    if (producer === undefined) {
      producer = this.#create(variant)
      this.#producers.set(key, producer)
    }
    return produce(producer, topicMessages, acks)
  }

  /** Begins a transaction; only what is sent through the returned object belongs to it. */
  async transaction(): Promise<Transaction> {
    const transactionalId = this.#options.transactionalId
    if (!transactionalId) {
      throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer')
    }
    if (this.#transaction?.isActive() === true) {
      throw new KafkaJSNonRetriableError(
        'There is already an ongoing transaction for this producer. Please end the transaction before beginning another.',
      )
    }
    this.#checkStatus()
    if (this.#transactional === null) {
      this.#transactional = this.#create({ acks: -1, compression: 'none', transactional: true })
    }
    const producer = this.#transactional
    try {
      if (!this.#initialized) {
        await producer.initTransactions()
        this.#initialized = true
      }
      producer.beginTransaction()
    } catch (err) {
      throw asSendFailure(err)
    }
    const transaction = new Transaction(producer, (batch) => {
      this.#checkAcks(true, batch.acks ?? -1)
      validateTopicMessages(batch.topicMessages ?? [])
      this.#checkStatus()
      return produce(producer, batch.topicMessages ?? [], -1)
    })
    this.#transaction = transaction
    return transaction
  }

  #checkAcks(idempotent: boolean, acks: number): void {
    if (idempotent && acks !== -1) {
      throw new KafkaJSNonRetriableError(
        "Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees",
      )
    }
  }

  #checkStatus(): void {
    if (this.#status === 'disconnecting') {
      throw new KafkaJSNonRetriableError(
        "The producer is disconnecting; therefore, it can't safely accept messages anymore",
      )
    }
    if (this.#status === 'disconnected' || this.#brokers === null)
      throw new KafkaJSError('The producer is disconnected')
  }

  #settings(brokers: readonly string[], variant: Variant) {
    return sluiceSettings(
      this.#client,
      this.#options,
      brokers,
      variant,
      this.#partitioner,
      sluiceLogger(this.#log),
    )
  }

  #create(variant: Variant): Sluice {
    try {
      return new SluiceProducer<typeof serializeKey, typeof serializeValue>({
        ...this.#settings(this.#brokers ?? [], variant),
        keySerializer: serializeKey,
        valueSerializer: serializeValue,
      } as ProducerConfigInput & SerializerChoice<typeof serializeKey, typeof serializeValue>)
    } catch (err) {
      throw toKafkaJSError(err)
    }
  }
}

/** Sends every message and answers as kafkajs does: one entry per topic-partition, or the first failure. */
async function produce(
  producer: Sluice,
  topicMessages: readonly TopicMessages[],
  acks: number,
): Promise<RecordMetadata[]> {
  const merged = mergeTopicMessages(topicMessages)
  const records = merged.flatMap(({ topic, messages }) => messages.map((m) => toRecord(topic, m)))
  const settled = await producer.sendBatch(records)
  const results: SluiceRecordMetadata[] = []
  for (const r of settled) {
    if (r.status === 'rejected') throw asSendFailure(r.reason)
    results.push(r.value)
  }
  // acks=0: the broker says nothing back, and kafkajs answers with an empty list.
  if (acks === 0) return []
  return toRecordMetadata(
    merged.map((t) => t.topic),
    results,
  )
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

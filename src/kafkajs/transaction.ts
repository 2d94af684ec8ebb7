/**
 * What kafkajs's `producer.transaction()` returns: send and sendBatch inside the transaction,
 * sendOffsets (consume-transform-produce), commit, abort and isActive. Once committed or
 * aborted, every method rejects with KafkaJSNonRetriableError as in kafkajs; a commit that
 * failed leaves the transaction active, so it can still be aborted.
 */
import type { Producer as SluiceProducer } from '../producer/producer.js'
import type { OffsetToCommit } from '../producer/txn/types.js'
import { asSendFailure } from './error-mapping.js'
import { KafkaJSNonRetriableError } from './errors.js'
import type { ProducerBatch, ProducerRecord } from './producer.js'
import type { RecordMetadata } from './records.js'

export interface TopicOffsets {
  topic: string
  partitions: { partition: number; offset: string }[]
}

export interface Offsets {
  topics: TopicOffsets[]
}

type Produce = (batch: ProducerBatch) => Promise<RecordMetadata[]>

/** The transactional calls of Sluice's Producer that a Transaction makes. */
export type TransactionalProducer = Pick<
  SluiceProducer,
  'sendOffsetsToTransaction' | 'commitTransaction' | 'abortTransaction'
>

export class Transaction {
  readonly #producer: TransactionalProducer
  readonly #produce: Produce
  #ended = false

  constructor(producer: TransactionalProducer, produce: Produce) {
    this.#producer = producer
    this.#produce = produce
  }

  isActive(): boolean {
    return !this.#ended
  }

  send({ topic, messages, acks, timeout, compression }: ProducerRecord): Promise<RecordMetadata[]> {
    const batch: ProducerBatch = { topicMessages: [{ topic, messages }] }
    if (acks !== undefined) batch.acks = acks
    if (timeout !== undefined) batch.timeout = timeout
    if (compression !== undefined) batch.compression = compression
    return this.sendBatch(batch)
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.#guard(() => this.#produce(batch))
  }

  sendOffsets({ consumerGroupId, topics }: Offsets & { consumerGroupId: string }): Promise<void> {
    return this.#guard(async () => {
      const offsets: OffsetToCommit[] = topics.flatMap(({ topic, partitions }) =>
        partitions.map(({ partition, offset }) => ({ topic, partition, offset: BigInt(offset) })),
      )
      await this.#producer.sendOffsetsToTransaction(offsets, consumerGroupId).catch((err: unknown) => {
        throw asSendFailure(err)
      })
    })
  }

  commit(): Promise<void> {
    return this.#guard(async () => {
      await this.#producer.commitTransaction().catch((err: unknown) => {
        throw asSendFailure(err)
      })
      this.#ended = true
    })
  }

  abort(): Promise<void> {
    return this.#guard(async () => {
      await this.#producer.abortTransaction().catch((err: unknown) => {
        throw asSendFailure(err)
      })
      this.#ended = true
    })
  }

  async #guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.#ended) throw new KafkaJSNonRetriableError('Cannot continue to use transaction once ended')
    return work()
  }
}

import type { PartitionQueue } from '../partition-queue.js'
import type { ProducerBatch } from '../producer-batch.js'

/**
 * What the sender asks of idempotence and transactions (the TransactionManager implements it):
 * before each loop, before draining a partition, and how each batch ended. Everything else of
 * the transaction manager (the state machine, the coordinator requests, the transactional API)
 * is the producer's business, not the sender's.
 */
export interface Idempotence {
  /** The producer's transactional.id; null for an idempotent-only producer. */
  readonly transactionalId: string | null
  /** The error that ended the producer, if any: nothing more is sent. */
  readonly fatalError: Error | null
  /** Whether queued batches that were never sent must fail now: the transaction is being aborted. */
  readonly abortsUndrained: boolean
  /** The error those batches fail with. */
  readonly abortReason: Error
  /** The highest Produce version to use, when capped (transactions v1). */
  readonly produceVersionCap: number | undefined

  /** Called at the top of each sender loop: resolves sequences in doubt, bumps the epoch when due. */
  maintain(): void
  /** Whether batches may be drained now; may start getting a producer id. */
  prepareDrain(): boolean
  /** Whether the head batch of `q` may be drained now. */
  mayDrain(q: PartitionQueue, head: ProducerBatch): boolean
  /** Stamps producer id, epoch and sequence on a batch the first time it is drained. */
  stamp(q: PartitionQueue, batch: ProducerBatch): void
  /** A batch was split into parts that cover its sequence range: track the parts instead. */
  replaceSplit(batch: ProducerBatch, parts: readonly ProducerBatch[]): void
  /** A batch was written at `baseOffset`. */
  onCompleted(batch: ProducerBatch, baseOffset: bigint): void
  /** A batch failed for good; `adjustSequences`: the broker definitely did not write it. */
  onFailed(batch: ProducerBatch, err: Error, adjustSequences: boolean): void
  /** A sent batch ended without a definite answer: the broker may hold it. */
  onUnknownFate(batch: ProducerBatch, err: Error): void
  /** OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID on a batch: may it be retried? */
  canRetry(batch: ProducerBatch, code: number, logStartOffset: bigint): boolean
}

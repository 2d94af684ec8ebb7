import { ErrorCode, errorForCode } from '../../protocol/error-codes.js'
import type { PartitionQueue } from '../partition-queue.js'
import type { ProducerBatch } from '../producer-batch.js'
import { addSequence, isAfter, lastSequenceOf, PartitionSequences } from './sequences.js'

/** The producer id and epoch sequences are handed out under. */
export interface ProducerIdentity {
  readonly producerId: bigint
  readonly epoch: number
}

/**
 * The idempotence decisions of the Java producer's TransactionManager, per partition: which
 * batch may be drained, its sequence, and what a sequence error or an unknown outcome means
 * (KIP-360). It asks for an epoch bump (`epochBumpRequired`); the transaction manager performs
 * it and calls `rewriteAfterBump`.
 */
export class SequenceBook {
  readonly #queueOf: (batch: ProducerBatch) => PartitionQueue
  readonly #byQueue = new Map<PartitionQueue, PartitionSequences>()
  /** Partitions whose unfinished sequences are rewritten from 0 at the next epoch bump. */
  readonly #toRewrite = new Set<PartitionSequences>()
  /** A sent batch's fate is unknown: no new sequence for the partition until resolved (value: the sequence after it). */
  readonly #unresolved = new Map<PartitionSequences, number>()
  epochBumpRequired = false

  constructor(queueOf: (batch: ProducerBatch) => PartitionQueue) {
    this.#queueOf = queueOf
  }

  /** Whether the head batch of `q` may be drained now (Java's shouldStopDrainBatchesForPartition, inverted). */
  mayDrain(q: PartitionQueue, head: ProducerBatch, id: ProducerIdentity): boolean {
    const seq = this.#seq(q, id)
    if (head.baseSequence < 0) {
      // A new batch waits while the partition still has batches in flight under an older epoch,
      // or while a batch whose fate is unknown leaves its sequence in doubt.
      if (seq.inflight.length > 0 && (seq.producerId !== id.producerId || seq.epoch !== id.epoch))
        return false
      // Until a batch of this producer id has landed here, the broker has no state for it and
      // takes a first batch at any sequence: were batch 0 refused (say NOT_ENOUGH_REPLICAS) and
      // the next one, already in flight, accepted, batch 0 could never be written. So one batch at
      // a time until the first acknowledgement (a round trip per partition; Java pipelines here).
      if (seq.inflight.length > 0 && seq.ackedProducerId !== id.producerId) return false
      return !this.#unresolved.has(seq)
    }
    // A retried batch goes only as the first unfinished one: recovery is one at a time.
    const first = seq.firstInflightSequence
    return first < 0 || head.baseSequence === first
  }

  /** Stamps producer id, epoch and the partition's next sequence on a batch drained for the first time. */
  stamp(q: PartitionQueue, batch: ProducerBatch, id: ProducerIdentity, transactional: boolean): void {
    if (batch.baseSequence >= 0) return
    const seq = this.#seq(q, id)
    if ((seq.producerId !== id.producerId || seq.epoch !== id.epoch) && seq.inflight.length === 0) {
      seq.startAtBeginning(id.producerId, id.epoch)
    }
    batch.setProducerState(id.producerId, id.epoch, seq.nextSequence, transactional)
    seq.nextSequence = addSequence(seq.nextSequence, batch.recordCount)
    seq.add(batch)
  }

  /** A batch was split into parts that cover its sequence range: track the parts instead. */
  replaceSplit(batch: ProducerBatch, parts: readonly ProducerBatch[]): void {
    const seq = this.#existing(batch)
    if (seq === undefined) return
    const i = seq.inflight.indexOf(batch)
    if (i >= 0) seq.inflight.splice(i, 1, ...parts)
  }

  onCompleted(batch: ProducerBatch, baseOffset: bigint): void {
    const seq = this.#existing(batch)
    if (seq === undefined) return
    if (batch.producerId === seq.producerId && batch.producerEpoch === seq.epoch) {
      const last = lastSequenceOf(batch)
      if (seq.lastAckedSequence < 0 || isAfter(last, seq.lastAckedSequence)) seq.lastAckedSequence = last
      if (baseOffset >= 0n) seq.lastAckedOffset = baseOffset + BigInt(batch.recordCount - 1)
      seq.ackedProducerId = batch.producerId
    }
    seq.remove(batch)
  }

  /**
   * The broker refused a batch with OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID: may it
   * be retried? (Java's TransactionManager.canRetry; may ask for an epoch bump.)
   */
  canRetry(
    batch: ProducerBatch,
    code: number,
    logStartOffset: bigint,
    id: ProducerIdentity,
    transactional: boolean,
  ): boolean {
    const seq = this.#seq(this.#queueOf(batch), id)
    if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
      if (logStartOffset === -1n) return true
      if (batch.resequenced) return true
      if (seq.lastAckedOffset < logStartOffset) {
        // The log's head was deleted (retention) and the broker forgot us with it.
        if (transactional) seq.startAtBeginning(id.producerId, id.epoch)
        else this.#requestEpochBump(seq)
        return true
      }
      if (transactional) return false
      this.#requestEpochBump(seq)
      return true
    }
    if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      const unresolved = this.#unresolved.get(seq)
      const isNext = addSequence(seq.lastAckedSequence, 1) === batch.baseSequence
      // Not the next expected batch: an earlier one is being retried, this one follows it.
      if (unresolved === undefined && (batch.resequenced || !isNext)) return true
      if (transactional) return false
      // A real gap: bump the epoch (unless it may still close by itself, behind an unresolved batch).
      if (unresolved === undefined || unresolved === batch.baseSequence) this.#requestEpochBump(seq)
      return true
    }
    return errorForCode(code).retriable
  }

  /**
   * A batch with a sequence failed for good. `adjust`: the broker definitely did not write it, so
   * later sequences may move (transactional) or a new epoch is due (idempotent).
   */
  onFailed(batch: ProducerBatch, code: number, adjust: boolean, transactional: boolean): void {
    const seq = this.#existing(batch)
    if (seq === undefined) return
    if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
      // The broker has no state for us on this partition and accepts sequence 0 again.
      this.#byQueue.delete(this.#queueOf(batch))
      this.#unresolved.delete(seq)
      this.#toRewrite.delete(seq)
      return
    }
    if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && !transactional) this.#requestEpochBump(seq)
    else if (adjust) {
      if (transactional) seq.closeGap(batch)
      else this.#requestEpochBump(seq)
    }
    seq.remove(batch)
  }

  /** Forgets a batch without touching sequences (the producer is failing anyway). */
  forget(batch: ProducerBatch): void {
    this.#existing(batch)?.remove(batch)
  }

  /**
   * A sent batch ended without a definite answer (expired, or its request timed out with no time
   * left): the broker may hold it. No new sequence for the partition until the batches in flight
   * show whether it landed.
   */
  onUnknownFate(batch: ProducerBatch): void {
    const seq = this.#existing(batch)
    if (seq === undefined) return
    const next = addSequence(lastSequenceOf(batch), 1)
    const prev = this.#unresolved.get(seq)
    this.#unresolved.set(seq, prev === undefined || isAfter(next, prev) ? next : prev)
    seq.remove(batch)
  }

  /**
   * Partitions left in doubt whose batches in flight have all finished: resolved if the broker
   * acknowledged up to the sequence before the next one, else an epoch bump is due. Returns how
   * many partitions stayed unresolved (the transactional producer must abort then).
   */
  resolve(transactional: boolean): number {
    let unresolvable = 0
    for (const [seq] of this.#unresolved) {
      if (seq.inflight.length > 0) continue
      this.#unresolved.delete(seq)
      if (seq.lastAckedSequence >= 0 && addSequence(seq.lastAckedSequence, 1) === seq.nextSequence) continue
      if (transactional) {
        this.epochBumpRequired = true
        unresolvable++
      } else this.#requestEpochBump(seq)
    }
    return unresolvable
  }

  /** A new epoch (KIP-360): the partitions that asked for it restart their sequences from 0. */
  rewriteAfterBump(id: ProducerIdentity): void {
    this.epochBumpRequired = false
    for (const seq of this.#toRewrite) {
      seq.startAtBeginning(id.producerId, id.epoch)
      this.#unresolved.delete(seq)
    }
    this.#toRewrite.clear()
  }

  /** A new producer id or epoch for everything: every partition restarts from 0. */
  resetAll(id: ProducerIdentity): void {
    for (const seq of this.#byQueue.values()) seq.startAtBeginning(id.producerId, id.epoch)
    this.#unresolved.clear()
    this.#toRewrite.clear()
    this.epochBumpRequired = false
  }

  clear(): void {
    this.#byQueue.clear()
    this.#unresolved.clear()
    this.#toRewrite.clear()
    this.epochBumpRequired = false
  }

  #existing(batch: ProducerBatch): PartitionSequences | undefined {
    if (batch.baseSequence < 0) return undefined
    return this.#byQueue.get(this.#queueOf(batch))
  }

  #seq(q: PartitionQueue, id: ProducerIdentity): PartitionSequences {
    let s = this.#byQueue.get(q)
    if (s === undefined) {
      s = new PartitionSequences()
      s.producerId = id.producerId
      s.epoch = id.epoch
      this.#byQueue.set(q, s)
    }
    return s
  }

  #requestEpochBump(seq: PartitionSequences): void {
    this.epochBumpRequired = true
    this.#toRewrite.add(seq)
  }
}

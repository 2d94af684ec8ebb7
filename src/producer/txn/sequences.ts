import type { ProducerBatch } from '../producer-batch.js'

/** Sequences wrap to 0 after Int32 max, as the broker expects. */
export const SEQUENCE_WRAP = 2 ** 31

export function addSequence(sequence: number, n: number): number {
  return (sequence + n) % SEQUENCE_WRAP
}

/** Whether sequence `a` comes after `b`, allowing for wrap-around. */
export function isAfter(a: number, b: number): boolean {
  const d = (a - b + SEQUENCE_WRAP) % SEQUENCE_WRAP
  return d > 0 && d < SEQUENCE_WRAP / 2
}

/** The sequence of a batch's last record. */
export function lastSequenceOf(batch: ProducerBatch): number {
  return addSequence(batch.baseSequence, batch.recordCount - 1)
}

/**
 * Idempotence bookkeeping for one partition (the Java producer's TxnPartitionEntry): the
 * producer id and epoch its sequences belong to, the next sequence to hand out, the last one
 * the broker acknowledged, and the batches that carry a sequence and are not finished yet
 * (queued for retry or in flight), ordered by sequence.
 */
export class PartitionSequences {
  producerId = -1n
  epoch = -1
  nextSequence = 0
  lastAckedSequence = -1
  lastAckedOffset = -1n
  /** The producer id of the last batch acknowledged here; -1 while the broker may have no state for us. */
  ackedProducerId = -1n
  /** Batches with a sequence, not yet completed or failed, in sequence order. */
  readonly inflight: ProducerBatch[] = []

  /** Batches are stamped in sequence order, so appending keeps the order (wrap-around too). */
  add(batch: ProducerBatch): void {
    this.inflight.push(batch)
  }

  remove(batch: ProducerBatch): void {
    const i = this.inflight.indexOf(batch)
    if (i >= 0) this.inflight.splice(i, 1)
  }

  /** The lowest sequence not yet finished; -1 when nothing is. */
  get firstInflightSequence(): number {
    return this.inflight[0]?.baseSequence ?? -1
  }

  /**
   * A new producer id or epoch: every unfinished batch gets its sequence rewritten from 0, in
   * order, and the next new batch follows them (KIP-360).
   */
  startAtBeginning(producerId: bigint, epoch: number): void {
    let sequence = 0
    for (const b of this.inflight) {
      b.resetProducerState(producerId, epoch, sequence)
      sequence = addSequence(sequence, b.recordCount)
    }
    this.producerId = producerId
    this.epoch = epoch
    this.nextSequence = sequence
    this.lastAckedSequence = -1
  }

  /**
   * A batch failed for good without being written: later batches move down so the sequence
   * stays gapless (the transactional producer's way; the idempotent one bumps the epoch).
   */
  closeGap(failed: ProducerBatch): void {
    const n = failed.recordCount
    for (const b of this.inflight) {
      if (b !== failed && isAfter(b.baseSequence, failed.baseSequence)) {
        b.resequence((b.baseSequence - n + SEQUENCE_WRAP) % SEQUENCE_WRAP)
      }
    }
    this.nextSequence = (this.nextSequence - n + SEQUENCE_WRAP) % SEQUENCE_WRAP
  }
}

/**
 * Idempotent-producer bookkeeping per (producerId, partition), following Kafka's broker
 * (UnifiedLog.analyzeAndValidateProducerState, ProducerAppendInfo):
 * - a batch whose epoch and sequence range equal one of the last 5 appended is a duplicate: it is
 *   not appended again and the answer carries the original offsets;
 * - an epoch older than the last one seen is INVALID_PRODUCER_EPOCH;
 * - a newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - the same epoch must continue at lastSequence + 1 (wrapping after Int32 max), else
 *   OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - a producer id the partition has no state for is accepted at any sequence;
 * - a transaction marker (recordMarker) ends the producer's open transaction and sets its epoch:
 *   a new epoch (transactions v2, fencing) forgets the cached batches, so the next batch starts
 *   at sequence 0, while the same epoch (transactions v1) keeps the sequences going.
 */
import { FakeError } from './error-codes.js'

export const CACHED_BATCHES = 5
const INT32_MAX = 0x7fffffff

export interface BatchMetadata {
  firstSeq: number
  lastSeq: number
  firstOffset: bigint
  lastOffset: bigint
  /** The append time reported for it (-1 for CreateTime topics). */
  logAppendTime: number
}

export interface ProducerEntry {
  epoch: number
  /** Last appended batches, oldest first, at most CACHED_BATCHES. */
  batches: BatchMetadata[]
  /** Offset of the first batch of the producer's open transaction here; null when none is open. */
  txnFirstOffset: bigint | null
}

export type SequenceVerdict =
  | { kind: 'append' }
  | { kind: 'duplicate'; batch: BatchMetadata }
  | { kind: 'reject'; code: number; message: string }

/** The sequence of the last record of a batch, as Kafka computes it (wrapping past Int32 max). */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  if (baseSequence > INT32_MAX - lastOffsetDelta) return lastOffsetDelta - (INT32_MAX - baseSequence) - 1
  return baseSequence + lastOffsetDelta
}

export function checkSequence(
  entry: ProducerEntry | undefined,
  epoch: number,
  firstSeq: number,
  lastSeq: number,
): SequenceVerdict {
  if (entry === undefined) return { kind: 'append' }
  if (epoch === entry.epoch) {
    const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq)
    if (dup !== undefined) return { kind: 'duplicate', batch: dup }
  }
  if (epoch < entry.epoch) {
    return {
      kind: 'reject',
      code: FakeError.INVALID_PRODUCER_EPOCH,
      message: `epoch ${epoch} is older than the last seen epoch ${entry.epoch}`,
    }
  }
  if (epoch > entry.epoch) {
    if (firstSeq === 0) return { kind: 'append' }
    return {
      kind: 'reject',
      code: FakeError.OUT_OF_ORDER_SEQUENCE_NUMBER,
      message: `invalid sequence number ${firstSeq} for new epoch ${epoch} (current epoch ${entry.epoch})`,
    }
  }
  const last = entry.batches.at(-1)?.lastSeq ?? -1
  const inSequence = firstSeq === last + 1 || (firstSeq === 0 && last === INT32_MAX)
  if (inSequence) return { kind: 'append' }
  return {
    kind: 'reject',
    code: FakeError.OUT_OF_ORDER_SEQUENCE_NUMBER,
    message: `out of order sequence number: ${firstSeq} (incoming seq. number), ${last} (current end sequence number)`,
  }
}

/** The producer's entry, created empty (no epoch yet) when the partition has none. */
function entryOf(producers: Map<bigint, ProducerEntry>, producerId: bigint): ProducerEntry {
  let entry = producers.get(producerId)
  if (entry === undefined) {
    entry = { epoch: -1, batches: [], txnFirstOffset: null }
    producers.set(producerId, entry)
  }
  return entry
}

function updateEpoch(entry: ProducerEntry, epoch: number): void {
  if (entry.epoch === epoch) return
  entry.epoch = epoch
  entry.batches = []
}

/**
 * Records an appended batch in the producer's entry (a new epoch forgets the cached batches); a
 * transactional batch opens the producer's transaction here if none is open.
 */
export function recordAppend(
  producers: Map<bigint, ProducerEntry>,
  producerId: bigint,
  epoch: number,
  batch: BatchMetadata,
  transactional = false,
): void {
  const entry = entryOf(producers, producerId)
  updateEpoch(entry, epoch)
  entry.batches.push(batch)
  if (entry.batches.length > CACHED_BATCHES) entry.batches.shift()
  if (transactional && entry.txnFirstOffset === null) entry.txnFirstOffset = batch.firstOffset
}

/** A transaction marker written with `epoch`: the producer's transaction here is over. */
export function recordMarker(producers: Map<bigint, ProducerEntry>, producerId: bigint, epoch: number): void {
  const entry = entryOf(producers, producerId)
  updateEpoch(entry, epoch)
  entry.txnFirstOffset = null
}

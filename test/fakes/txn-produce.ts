/**
 * What a partition leader checks before appending a transactional batch, as Kafka 4.x does
 * (ReplicaManager, AddPartitionsToTxnManager, UnifiedLog.maybeStartTransactionVerification):
 * - an epoch older than the partition's is INVALID_PRODUCER_EPOCH at once;
 * - a producer whose transaction is already open here at this epoch is not checked again;
 * - otherwise the leader asks the transaction coordinator: Produce v12+ (transactions v2) adds
 *   the partition to the transaction, older versions only verify it was added (when partition
 *   verification is on, Kafka's default);
 * - the coordinator's answer is turned into a produce error: PRODUCER_FENCED becomes
 *   INVALID_PRODUCER_EPOCH, a partition not in the transaction INVALID_TXN_STATE (v10 and
 *   older) or TRANSACTION_ABORTABLE (v11), and coordinator trouble (CONCURRENT_TRANSACTIONS,
 *   NOT_COORDINATOR, COORDINATOR_*) NOT_ENOUGH_REPLICAS, which every client retries. Kafka
 *   retries CONCURRENT_TRANSACTIONS for a short while first; the fake answers at once.
 */
import type { DecodedBatch } from '../../src/records/record-batch-decoder.js'
import type { FakePartition, FakeTopic } from './cluster-model.js'
import { FakeError } from './error-codes.js'
import type { HandlerContext } from './handlers.js'

const ATTRIBUTES_AT = 21
const TRANSACTIONAL = 0x10

/** Whether a partition's records start with a transactional batch (read from the header only). */
export function hasTransactionalBatch(records: Uint8Array | null): boolean {
  if (records === null || records.length < ATTRIBUTES_AT + 2) return false
  return (records[ATTRIBUTES_AT + 1]! & TRANSACTIONAL) !== 0
}

const RETRIABLE_COORDINATOR_ERRORS: ReadonlySet<number> = new Set([
  FakeError.CONCURRENT_TRANSACTIONS,
  FakeError.NETWORK_EXCEPTION,
  FakeError.COORDINATOR_LOAD_IN_PROGRESS,
  FakeError.COORDINATOR_NOT_AVAILABLE,
  FakeError.NOT_COORDINATOR,
])

const NAMES = new Map<number, string>(Object.entries(FakeError).map(([name, code]) => [code, name]))

export function transactionalProduceError(
  ctx: HandlerContext,
  version: number,
  transactionalId: string | null,
  topic: FakeTopic,
  p: FakePartition,
  batch: DecodedBatch,
): { code: number; message: string | null } | null {
  if (!batch.transactional || transactionalId === null) return null
  if (batch.producerId < 0n) {
    return { code: FakeError.INVALID_RECORD, message: 'transactional batch without a producer id' }
  }
  const entry = p.producers.get(batch.producerId)
  if (entry !== undefined && batch.producerEpoch < entry.epoch) {
    return {
      code: FakeError.INVALID_PRODUCER_EPOCH,
      message: `Epoch of producer ${batch.producerId} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}`,
    }
  }
  if (entry !== undefined && entry.txnFirstOffset !== null && entry.epoch === batch.producerEpoch) return null
  const addsPartition = version >= 12
  if (!addsPartition && !ctx.partitionVerification) return null
  const tp = { topic: topic.name, partition: p.index }
  const code =
    ctx.coordinatorOf('txn', transactionalId) < 0
      ? FakeError.COORDINATOR_NOT_AVAILABLE
      : addsPartition
        ? ctx.model.txns.addPartitions(transactionalId, batch.producerId, batch.producerEpoch, [tp], 2)
        : ctx.model.txns.verify(transactionalId, batch.producerId, batch.producerEpoch, [tp])[0]!
  if (code === FakeError.NONE) return null
  if (code === FakeError.PRODUCER_FENCED) return { code: FakeError.INVALID_PRODUCER_EPOCH, message: null }
  if (code === FakeError.TRANSACTION_ABORTABLE && version !== 11) {
    return { code: FakeError.INVALID_TXN_STATE, message: 'Partition was not added to the transaction' }
  }
  if (RETRIABLE_COORDINATOR_ERRORS.has(code)) {
    return {
      code: FakeError.NOT_ENOUGH_REPLICAS,
      message: `Unable to verify the partition has been added to the transaction. Underlying error: ${NAMES.get(code)}`,
    }
  }
  return { code, message: null }
}

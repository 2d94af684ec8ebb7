/**
 * The fake group coordinator's answer to TxnOffsetCommit, following Kafka 4.x (KafkaApis and the
 * group coordinator service):
 * - unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID by id, v6);
 * - a broker that is not the group's coordinator answers NOT_COORDINATOR;
 * - v5+ (transactions v2) adds the group's `__consumer_offsets` partition to the transaction
 *   itself; older versions only check it was added (AddOffsetsToTxn) when partition
 *   verification is on, with TRANSACTION_ABORTABLE (v4) or INVALID_TXN_STATE (older) when not,
 *   and INVALID_PRODUCER_EPOCH for a fenced producer. Unlike Kafka, the check is made for every
 *   request, not only the first of the transaction;
 * - the offsets wait in the group until the transaction ends (group-coordinator.ts).
 * Members and generations are not checked.
 */
import type {
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
} from '../../src/protocol/messages/txn-offset-commit.js'
import { FakeError } from './error-codes.js'
import { type FaultAction, faultsOf, takeFault } from './faults.js'
import { type FakeCommittedOffset, OFFSETS_TOPIC, offsetsPartitionFor } from './group-coordinator.js'
import type { HandlerContext } from './handlers.js'

const ZERO_UUID = Buffer.alloc(16)

export function txnOffsetCommitResponse(
  ctx: HandlerContext,
  version: number,
  req: TxnOffsetCommitRequest,
  action: FaultAction,
): TxnOffsetCommitResponse {
  const byId = version >= 6
  const faults = faultsOf(action)
  const codes = new Map<string, number>()
  const staged: FakeCommittedOffset[] = []
  const keyOf = (t: number, p: number) => `${t}\u0000${p}`
  req.topics.forEach((t, ti) => {
    const topic = byId ? ctx.model.topicById(t.topicId ?? ZERO_UUID) : ctx.model.topic(t.name ?? '')
    for (const p of t.partitions) {
      let code = action.errorCode ?? 0
      if (code === 0 && topic === undefined)
        code = byId ? FakeError.UNKNOWN_TOPIC_ID : FakeError.UNKNOWN_TOPIC_OR_PARTITION
      if (code === 0 && topic!.partitions[p.partitionIndex] === undefined)
        code = FakeError.UNKNOWN_TOPIC_OR_PARTITION
      if (code === 0) code = takeFault(faults, 'txnOffsetCommit', topic!.name, p.partitionIndex)?.code ?? 0
      codes.set(keyOf(ti, p.partitionIndex), code)
      if (code === 0) {
        staged.push({
          topic: topic!.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch ?? -1,
          metadata: p.committedMetadata,
        })
      }
    }
  })
  if (staged.length > 0) {
    const code = commitCode(ctx, version, req)
    if (code !== 0) {
      for (const [k, c] of codes) if (c === 0) codes.set(k, code)
    } else {
      ctx.model.groupOffsets.stage(req.groupId, req.producerId, staged)
    }
  }
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t, ti) => ({
      name: byId ? '' : (t.name ?? ''),
      topicId: Buffer.from(t.topicId ?? ZERO_UUID),
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: codes.get(keyOf(ti, p.partitionIndex)) ?? 0,
      })),
    })),
  }
}

/** The coordinator-side verdict on the offsets of a valid request: 0 lets them wait for the end. */
function commitCode(ctx: HandlerContext, version: number, req: TxnOffsetCommitRequest): number {
  if (ctx.coordinatorOf('group', req.groupId) !== ctx.nodeId) return FakeError.NOT_COORDINATOR
  const addsPartition = version >= 5
  if (!addsPartition && !ctx.partitionVerification) return 0
  if (ctx.coordinatorOf('txn', req.transactionalId) < 0) return FakeError.COORDINATOR_NOT_AVAILABLE
  const offsets = { topic: OFFSETS_TOPIC, partition: offsetsPartitionFor(req.groupId) }
  const txns = ctx.model.txns
  const code = addsPartition
    ? txns.addPartitions(req.transactionalId, req.producerId, req.producerEpoch, [offsets], 2)
    : txns.verify(req.transactionalId, req.producerId, req.producerEpoch, [offsets])[0]!
  if (code === FakeError.PRODUCER_FENCED) return FakeError.INVALID_PRODUCER_EPOCH
  if (code === FakeError.TRANSACTION_ABORTABLE && version < 4) return FakeError.INVALID_TXN_STATE
  return code
}

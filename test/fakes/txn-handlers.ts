/**
 * The fake broker's answers to the transaction APIs (FindCoordinator, InitProducerId,
 * AddPartitionsToTxn, AddOffsetsToTxn, EndTxn), one function per API as in handlers.ts. A
 * broker that is not the key's coordinator answers NOT_COORDINATOR; the state machine is in
 * transaction-coordinator.ts. Requests older than v2 (v4 for InitProducerId) get
 * INVALID_PRODUCER_EPOCH where newer ones get PRODUCER_FENCED, as Kafka's KafkaApis answers.
 */
import type {
  AddOffsetsToTxnRequest,
  AddOffsetsToTxnResponse,
} from '../../src/protocol/messages/add-offsets-to-txn.js'
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  AddPartitionsToTxnTopicResult,
} from '../../src/protocol/messages/add-partitions-to-txn.js'
import type { EndTxnRequest, EndTxnResponse } from '../../src/protocol/messages/end-txn.js'
import type {
  Coordinator,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
} from '../../src/protocol/messages/find-coordinator.js'
import type {
  InitProducerIdRequest,
  InitProducerIdResponse,
} from '../../src/protocol/messages/init-producer-id.js'
import type { CoordinatorKind } from './coordinator-placement.js'
import { FakeError } from './error-codes.js'
import { type FaultAction, faultsOf, takeFault } from './faults.js'
import { OFFSETS_TOPIC, offsetsPartitionFor } from './group-coordinator.js'
import type { HandlerContext } from './handlers.js'

const injected = (action: FaultAction): number | undefined =>
  action.errorCode !== undefined && action.errorCode !== 0 ? action.errorCode : undefined

/** Kafka sends INVALID_PRODUCER_EPOCH to clients too old to know PRODUCER_FENCED. */
const fencedFor = (code: number, version: number, firstVersionWithFenced: number): number =>
  code === FakeError.PRODUCER_FENCED && version < firstVersionWithFenced
    ? FakeError.INVALID_PRODUCER_EPOCH
    : code

const isCoordinator = (ctx: HandlerContext, kind: CoordinatorKind, key: string): boolean =>
  ctx.coordinatorOf(kind, key) === ctx.nodeId

// Kafka's Errors.message() for the codes FindCoordinator answers with.
const MESSAGES = new Map<number, string>([
  [FakeError.NONE, 'NONE'],
  [FakeError.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.'],
  [
    FakeError.INVALID_REQUEST,
    'This most likely occurs because of a request being malformed by the client library.',
  ],
])

export function findCoordinatorResponse(
  ctx: HandlerContext,
  version: number,
  req: FindCoordinatorRequest,
  action: FaultAction,
): FindCoordinatorResponse {
  const keyType = req.keyType ?? 0
  const keys = version >= 4 ? (req.coordinatorKeys ?? []) : [req.key ?? '']
  const coordinators = keys.map((key): Coordinator => {
    const noNode = (errorCode: number): Coordinator => ({
      key,
      nodeId: -1,
      host: '',
      port: -1,
      errorCode,
      errorMessage: MESSAGES.get(errorCode) ?? null,
    })
    const error = injected(action)
    if (error !== undefined) return noNode(error)
    // Share groups (key type 2) have no coordinator in the fake; other types are unknown.
    if (keyType !== 0 && keyType !== 1) return noNode(FakeError.INVALID_REQUEST)
    const nodeId = ctx.coordinatorOf(keyType === 0 ? 'group' : 'txn', key)
    const endpoint = ctx.endpoints().find((e) => e.nodeId === nodeId)
    if (endpoint === undefined) return noNode(FakeError.COORDINATOR_NOT_AVAILABLE)
    return { key, nodeId, host: endpoint.host, port: endpoint.port, errorCode: 0, errorMessage: null }
  })
  if (version >= 4)
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: -1,
      host: '',
      port: -1,
      coordinators,
    }
  const c = coordinators[0]!
  return {
    throttleTimeMs: 0,
    errorCode: c.errorCode,
    errorMessage: MESSAGES.get(c.errorCode) ?? null,
    nodeId: c.nodeId,
    host: c.host,
    port: c.port,
    coordinators: [],
  }
}

export function initProducerIdResponse(
  ctx: HandlerContext,
  version: number,
  req: InitProducerIdRequest,
  action: FaultAction,
): InitProducerIdResponse {
  const base = { throttleTimeMs: 0, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 }
  const fail = (errorCode: number): InitProducerIdResponse => ({
    ...base,
    errorCode,
    producerId: -1n,
    producerEpoch: -1,
  })
  const error = injected(action)
  if (error !== undefined) return fail(error)
  const producerId = req.producerId ?? -1n
  const producerEpoch = req.producerEpoch ?? -1
  if ((producerId === -1n) !== (producerEpoch === -1)) return fail(FakeError.INVALID_REQUEST)
  const id = req.transactionalId
  if (id === null)
    return { ...base, errorCode: 0, producerId: ctx.model.allocateProducerId(), producerEpoch: 0 }
  const timeoutOk = req.transactionTimeoutMs > 0 && req.transactionTimeoutMs <= ctx.model.txns.maxTimeoutMs
  if (id !== '' && timeoutOk && !isCoordinator(ctx, 'txn', id)) return fail(FakeError.NOT_COORDINATOR)
  const expected = producerId === -1n ? null : { producerId, producerEpoch }
  const res = ctx.model.txns.initProducerId(id, req.transactionTimeoutMs, expected)
  return { ...base, ...res, errorCode: fencedFor(res.errorCode, version, 4) }
}

export function addPartitionsToTxnResponse(
  ctx: HandlerContext,
  version: number,
  req: AddPartitionsToTxnRequest,
  action: FaultAction,
): AddPartitionsToTxnResponse {
  const id = req.v3AndBelowTransactionalId ?? ''
  const topics = req.v3AndBelowTopics ?? []
  const respond = (codeOf: (topic: string, partition: number) => number): AddPartitionsToTxnResponse => ({
    throttleTimeMs: 0,
    errorCode: 0,
    resultsByTransaction: [],
    resultsByTopicV3AndBelow: topics.map(
      (t): AddPartitionsToTxnTopicResult => ({
        name: t.name,
        resultsByPartition: t.partitions.map((p) => ({
          partitionIndex: p,
          partitionErrorCode: codeOf(t.name, p),
        })),
      }),
    ),
  })
  const error = injected(action)
  if (error !== undefined) return respond(() => error)
  // One failing partition fails them all: the rest get OPERATION_NOT_ATTEMPTED, nothing is added.
  const failed = new Map<string, number>()
  const faults = faultsOf(action)
  for (const t of topics) {
    for (const p of t.partitions) {
      const f = takeFault(faults, 'addPartitionsToTxn', t.name, p)
      const known = ctx.model.topic(t.name)?.partitions[p] !== undefined
      const code = f !== undefined && f.code !== 0 ? f.code : known ? 0 : FakeError.UNKNOWN_TOPIC_OR_PARTITION
      if (code !== 0) failed.set(`${t.name}\u0000${p}`, code)
    }
  }
  if (failed.size > 0)
    return respond((t, p) => failed.get(`${t}\u0000${p}`) ?? FakeError.OPERATION_NOT_ATTEMPTED)
  if (id !== '' && !isCoordinator(ctx, 'txn', id)) return respond(() => FakeError.NOT_COORDINATOR)
  const partitions = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })))
  const code = ctx.model.txns.addPartitions(
    id,
    req.v3AndBelowProducerId ?? -1n,
    req.v3AndBelowProducerEpoch ?? -1,
    partitions,
    0,
  )
  return respond(() => fencedFor(code, version, 2))
}

export function addOffsetsToTxnResponse(
  ctx: HandlerContext,
  version: number,
  req: AddOffsetsToTxnRequest,
  action: FaultAction,
): AddOffsetsToTxnResponse {
  const respond = (errorCode: number) => ({ throttleTimeMs: 0, errorCode })
  const error = injected(action)
  if (error !== undefined) return respond(error)
  const id = req.transactionalId
  if (id !== '' && !isCoordinator(ctx, 'txn', id)) return respond(FakeError.NOT_COORDINATOR)
  const offsets = { topic: OFFSETS_TOPIC, partition: offsetsPartitionFor(req.groupId) }
  const code = ctx.model.txns.addPartitions(id, req.producerId, req.producerEpoch, [offsets], 0)
  return respond(fencedFor(code, version, 2))
}

export function endTxnResponse(
  ctx: HandlerContext,
  version: number,
  req: EndTxnRequest,
  action: FaultAction,
): EndTxnResponse {
  const fail = (errorCode: number): EndTxnResponse => ({
    throttleTimeMs: 0,
    errorCode,
    producerId: -1n,
    producerEpoch: -1,
  })
  const error = injected(action)
  if (error !== undefined) return fail(error)
  const id = req.transactionalId
  if (id !== '' && !isCoordinator(ctx, 'txn', id)) return fail(FakeError.NOT_COORDINATOR)
  // EndTxn v5 is a transactions-v2 client, whatever the cluster finalized (Kafka's
  // TransactionVersion.transactionVersionForEndTxn).
  const res = ctx.model.txns.endTxn(
    id,
    req.producerId,
    req.producerEpoch,
    req.committed,
    version >= 5 ? 2 : 0,
  )
  return { throttleTimeMs: 0, ...res, errorCode: fencedFor(res.errorCode, version, 2) }
}

/**
 * The fake broker's answers, one function per API: decoded request in, response body out (null
 * when none is sent). Faults that change an answer (errorFor, errorCode) are applied here;
 * those about the connection (delay, drop, garbage) are the broker's.
 */

import type { ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js'
import type {
  CreatableTopicResult,
  CreateTopicsRequest,
  CreateTopicsResponse,
} from '../../src/protocol/messages/create-topics.js'
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponsePartition,
  MetadataResponseTopic,
} from '../../src/protocol/messages/metadata.js'
import type {
  ProducePartitionResponse,
  ProduceRequest,
  ProduceResponse,
} from '../../src/protocol/messages/produce.js'
import { type DecodedBatch, decodeRecordBatches } from '../../src/records/record-batch-decoder.js'
import type { ClusterModel, FakeTopic } from './cluster-model.js'
import type { CoordinatorKind } from './coordinator-placement.js'
import { FakeError } from './error-codes.js'
import { type FaultAction, faultsOf, type LeaderHint, type PartitionFault, takeFault } from './faults.js'
import type { FakeSaslListener } from './sasl-listener.js'
import { hasTransactionalBatch, transactionalProduceError } from './txn-produce.js'

export interface Endpoint {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

export interface HandlerContext {
  model: ClusterModel
  /** The broker's SASL listener, when it has one. */
  sasl?: FakeSaslListener
  nodeId: number
  /** Brokers that are up, for Metadata and NodeEndpoints. */
  endpoints: () => Endpoint[]
  leaderHints: boolean
  /** Partitions for a topic Metadata creates on the fly; 0 disables auto-creation. */
  autoCreatePartitions: number
  /** The versions this broker advertises, by API key. */
  advertised: Map<number, { min: number; max: number }>
  /** The node id of the coordinator of a transactional id or group; -1 when none is up. */
  coordinatorOf: (kind: CoordinatorKind, key: string) => number
  /**
   * transaction.partition.verification.enable: a transactions-v1 Produce (v11 and older) or
   * TxnOffsetCommit (v4 and older) is checked against the coordinator.
   */
  partitionVerification: boolean
}

const ZERO_UUID = Buffer.alloc(16)

/** Feature ranges of a Kafka 4.0 broker (metadata.version 7 is 3.3-IV3, 25 is 4.0-IV3). */
const SUPPORTED_FEATURES = [
  { name: 'group.version', minVersion: 0, maxVersion: 1 },
  { name: 'metadata.version', minVersion: 7, maxVersion: 25 },
  { name: 'transaction.version', minVersion: 0, maxVersion: 2 },
]

export function apiVersionsResponse(
  ctx: HandlerContext,
  version: number,
  action: FaultAction,
): ApiVersionsResponse {
  const finalized = [
    { name: 'group.version', level: 1 },
    { name: 'metadata.version', level: 25 },
    { name: 'transaction.version', level: ctx.model.transactionVersion },
  ]
  return {
    errorCode: action.errorCode ?? 0,
    apiKeys: [...ctx.advertised].map(([apiKey, r]) => ({ apiKey, minVersion: r.min, maxVersion: r.max })),
    throttleTimeMs: 0,
    // Below v4 Kafka leaves out features whose minimum is 0 (older clients choke on them,
    // KAFKA-17492); a finalized level of 0 is never listed.
    supportedFeatures: SUPPORTED_FEATURES.filter((f) => version >= 4 || f.minVersion > 0).map((f) => ({
      ...f,
    })),
    finalizedFeaturesEpoch: ctx.model.featuresEpoch,
    finalizedFeatures: finalized
      .filter((f) => f.level > 0)
      .map((f) => ({ name: f.name, maxVersionLevel: f.level, minVersionLevel: f.level })),
    zkMigrationReady: false,
  }
}

export function metadataResponse(
  ctx: HandlerContext,
  version: number,
  req: MetadataRequest,
  action: FaultAction,
): MetadataResponse {
  const { model } = ctx
  const faults = faultsOf(action)
  const all = req.topics === null || (version === 0 && req.topics.length === 0)
  const topics: MetadataResponseTopic[] = []
  const wanted = all ? [...model.topics.values()].map((t) => ({ name: t.name, topicId: null })) : req.topics!
  for (const w of wanted) {
    const byId = w.name === null && w.topicId !== undefined && w.topicId !== null
    let topic = byId ? model.topicById(w.topicId!) : model.topic(w.name ?? '')
    if (
      topic === undefined &&
      !byId &&
      w.name !== null &&
      ctx.autoCreatePartitions > 0 &&
      (req.allowAutoTopicCreation ?? true)
    ) {
      topic = model.createTopic({ name: w.name, partitions: ctx.autoCreatePartitions })
    }
    if (topic === undefined) {
      topics.push({
        errorCode: byId ? FakeError.UNKNOWN_TOPIC_ID : FakeError.UNKNOWN_TOPIC_OR_PARTITION,
        name: w.name,
        topicId: byId ? Buffer.from(w.topicId!) : ZERO_UUID,
        isInternal: false,
        partitions: [],
        topicAuthorizedOperations: -2147483648,
      })
      continue
    }
    const topicFault = takeFault(faults, 'metadata', topic.name, -1)
    topics.push({
      errorCode: action.errorCode ?? topicFault?.code ?? 0,
      name: topic.name,
      topicId: topic.topicId,
      isInternal: false,
      partitions: topic.partitions.map((p): MetadataResponsePartition => {
        const injected = takeFault(faults, 'metadata', topic.name, p.index)?.code ?? 0
        return {
          errorCode: injected !== 0 ? injected : p.leader < 0 ? FakeError.LEADER_NOT_AVAILABLE : 0,
          partitionIndex: p.index,
          leaderId: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: [...p.replicas],
          isrNodes: [...p.replicas],
          offlineReplicas: [],
        }
      }),
      topicAuthorizedOperations: -2147483648,
    })
  }
  return {
    throttleTimeMs: 0,
    brokers: ctx.endpoints(),
    clusterId: model.clusterId,
    controllerId: model.nodeIds[0] ?? -1,
    topics,
    clusterAuthorizedOperations: -2147483648,
    errorCode: 0,
  }
}

export function createTopicsResponse(
  ctx: HandlerContext,
  req: CreateTopicsRequest,
  action: FaultAction,
): CreateTopicsResponse {
  const { model } = ctx
  const brokers = model.nodeIds.length
  const topics = req.topics.map((t): CreatableTopicResult => {
    const result = (
      errorCode: number,
      errorMessage: string | null,
      topic?: FakeTopic,
    ): CreatableTopicResult => ({
      name: t.name,
      topicId: topic?.topicId ?? ZERO_UUID,
      errorCode,
      errorMessage,
      topicConfigErrorCode: 0,
      numPartitions: topic === undefined ? -1 : topic.partitions.length,
      replicationFactor: topic === undefined ? -1 : (topic.partitions[0]?.replicas.length ?? -1),
      configs: topic === undefined ? null : [],
    })
    if (action.errorCode !== undefined && action.errorCode !== 0) return result(action.errorCode, null)
    if (model.topic(t.name) !== undefined) {
      return result(FakeError.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`)
    }
    const rf = t.replicationFactor === -1 ? Math.min(3, brokers) : t.replicationFactor
    if (rf <= 0 || rf > brokers) {
      return result(
        FakeError.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers} broker(s) are registered.`,
      )
    }
    const count =
      t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? 1 : t.numPartitions
    if (count <= 0) return result(FakeError.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.')
    const spec = {
      name: t.name,
      partitions: count,
      replicationFactor: rf,
      ...(t.assignments.length > 0
        ? { leaders: t.assignments.map((a) => a.brokerIds[0] ?? model.nodeIds[0]!) }
        : {}),
      ...(t.configs.some((c) => c.name === 'message.timestamp.type' && c.value === 'LogAppendTime')
        ? { timestampType: 'LogAppendTime' as const }
        : {}),
    }
    if (req.validateOnly === true) return { ...result(0, null), numPartitions: count, replicationFactor: rf }
    return result(0, null, model.createTopic(spec))
  })
  return { throttleTimeMs: 0, topics }
}

export function produceResponse(
  ctx: HandlerContext,
  version: number,
  req: ProduceRequest,
  action: FaultAction,
): ProduceResponse | null {
  const faults = faultsOf(action)
  const hinted = new Set<number>()
  // Transactional batches need the request's transactional id (Kafka's authorization check).
  const refused =
    req.transactionalId === null &&
    req.topicData.some((td) => td.partitionData.some((pd) => hasTransactionalBatch(pd.records)))
  const refusal: FaultAction = { errorCode: FakeError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED }
  const responses = req.topicData.map((td) => {
    const topic =
      version >= 13 ? ctx.model.topicById(td.topicId ?? ZERO_UUID) : ctx.model.topic(td.name ?? '')
    const partitionResponses = td.partitionData.map((pd) => {
      const res = producePartition(
        ctx,
        version,
        req,
        topic,
        pd.index,
        pd.records,
        refused ? refusal : action,
        faults,
      )
      if (res.currentLeader.leaderId >= 0) hinted.add(res.currentLeader.leaderId)
      return res
    })
    return { name: td.name ?? '', topicId: Buffer.from(td.topicId ?? ZERO_UUID), partitionResponses }
  })
  if (req.acks === 0) return null
  const nodeEndpoints = action.nodeEndpoints ?? ctx.endpoints().filter((e) => hinted.has(e.nodeId))
  return { responses, throttleTimeMs: action.throttleTimeMs ?? 0, nodeEndpoints }
}

function producePartition(
  ctx: HandlerContext,
  version: number,
  req: ProduceRequest,
  topic: FakeTopic | undefined,
  index: number,
  records: Uint8Array | null,
  action: FaultAction,
  faults: PartitionFault[],
): ProducePartitionResponse {
  const res: ProducePartitionResponse = {
    index,
    errorCode: 0,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage: null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  }
  const fail = (code: number, message: string | null = null, hint: LeaderHint | undefined = undefined) => {
    res.errorCode = code
    res.errorMessage = message
    const p = topic?.partitions[index]
    const h =
      hint ??
      (ctx.leaderHints &&
      (code === FakeError.NOT_LEADER_OR_FOLLOWER || code === FakeError.FENCED_LEADER_EPOCH)
        ? 'actual'
        : 'none')
    if (h === 'actual' && p !== undefined && p.leader >= 0) {
      res.currentLeader = { leaderId: p.leader, leaderEpoch: p.leaderEpoch }
    } else if (typeof h === 'object') res.currentLeader = { ...h }
    return res
  }
  if (topic === undefined) {
    return fail(version >= 13 ? FakeError.UNKNOWN_TOPIC_ID : FakeError.UNKNOWN_TOPIC_OR_PARTITION)
  }
  if (action.errorCode !== undefined && action.errorCode !== 0) return fail(action.errorCode)
  const injected = takeFault(faults, 'produce', topic.name, index)
  if (injected !== undefined && injected.code !== 0) {
    return fail(injected.code, injected.fault.errorMessage ?? null, injected.fault.currentLeader)
  }
  const p = topic.partitions[index]
  if (p === undefined) return fail(FakeError.UNKNOWN_TOPIC_OR_PARTITION)
  if (p.leader !== ctx.nodeId) {
    return fail(
      FakeError.NOT_LEADER_OR_FOLLOWER,
      `broker ${ctx.nodeId} is not the leader of ${topic.name}-${index}`,
    )
  }
  if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) return fail(FakeError.INVALID_REQUIRED_ACKS)
  if (records === null) return fail(FakeError.INVALID_RECORD, 'records are null')
  let batches: DecodedBatch[]
  try {
    // A copy: the decoded keys and values are views, and the log keeps them.
    batches = decodeRecordBatches(Buffer.from(records))
  } catch (err) {
    // Kafka answers a batch that fails validation (CRC, lengths, magic) with CORRUPT_MESSAGE.
    return fail(FakeError.CORRUPT_MESSAGE, (err as Error).message)
  }
  if (batches.length !== 1) {
    return fail(FakeError.INVALID_RECORD, `produce v3+ needs exactly one record batch, got ${batches.length}`)
  }
  const txnError = transactionalProduceError(ctx, version, req.transactionalId, topic, p, batches[0]!)
  if (txnError !== null) return fail(txnError.code, txnError.message)
  const result = ctx.model.append(topic, p, batches[0]!)
  if (!('baseOffset' in result)) return fail(result.errorCode, result.message)
  res.baseOffset = result.baseOffset
  res.logAppendTimeMs = BigInt(result.logAppendTime)
  res.logStartOffset = 0n
  return res
}

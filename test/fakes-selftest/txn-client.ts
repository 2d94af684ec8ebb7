/**
 * Helpers for driving the fake's transaction APIs with the project's BrokerConnection, each at
 * the negotiated version unless the test names one.
 */
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import type { ApiDescriptor } from '../../src/protocol/codec.js'
import {
  AddOffsetsToTxn,
  type AddOffsetsToTxnResponse,
} from '../../src/protocol/messages/add-offsets-to-txn.js'
import {
  AddPartitionsToTxn,
  type AddPartitionsToTxnResponse,
} from '../../src/protocol/messages/add-partitions-to-txn.js'
import { EndTxn, type EndTxnResponse } from '../../src/protocol/messages/end-txn.js'
import {
  FindCoordinator,
  type FindCoordinatorResponse,
} from '../../src/protocol/messages/find-coordinator.js'
import { InitProducerId, type InitProducerIdResponse } from '../../src/protocol/messages/init-producer-id.js'
import {
  TxnOffsetCommit,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from '../../src/protocol/messages/txn-offset-commit.js'

export interface ProducerIdentity {
  producerId: bigint
  producerEpoch: number
}

function sendAt<Req, Res>(
  c: BrokerConnection,
  api: ApiDescriptor<Req, Res>,
  version: number | undefined,
  body: Req,
) {
  return c.connection.send(api, version ?? c.versionOf(api as ApiDescriptor<unknown, unknown>), body)
}

export function findCoordinator(
  c: BrokerConnection,
  keyType: number,
  keys: string[],
  version?: number,
): Promise<FindCoordinatorResponse> {
  const v = version ?? c.versionOf(FindCoordinator)
  const body = v >= 4 ? { keyType, coordinatorKeys: keys } : { key: keys[0] ?? '', keyType }
  return c.connection.send(FindCoordinator, v, body)
}

export function initProducerId(
  c: BrokerConnection,
  transactionalId: string | null,
  options: { current?: ProducerIdentity; timeoutMs?: number; version?: number } = {},
): Promise<InitProducerIdResponse> {
  return sendAt(c, InitProducerId, options.version, {
    transactionalId,
    transactionTimeoutMs: options.timeoutMs ?? 60_000,
    producerId: options.current?.producerId ?? -1n,
    producerEpoch: options.current?.producerEpoch ?? -1,
  })
}

/** InitProducerId that must succeed; its producer id and epoch. */
export async function identity(c: BrokerConnection, transactionalId: string): Promise<ProducerIdentity> {
  const res = await initProducerId(c, transactionalId)
  if (res.errorCode !== 0) throw new Error(`InitProducerId for ${transactionalId} answered ${res.errorCode}`)
  return { producerId: res.producerId, producerEpoch: res.producerEpoch }
}

export function addPartitions(
  c: BrokerConnection,
  transactionalId: string,
  id: ProducerIdentity,
  topics: { name: string; partitions: number[] }[],
  version?: number,
): Promise<AddPartitionsToTxnResponse> {
  return sendAt(c, AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: id.producerId,
    v3AndBelowProducerEpoch: id.producerEpoch,
    v3AndBelowTopics: topics,
  })
}

/** The partition error codes of an AddPartitionsToTxn answer, as `topic-partition: code`. */
export function addResults(res: AddPartitionsToTxnResponse): Record<string, number> {
  const out: Record<string, number> = {}
  for (const t of res.resultsByTopicV3AndBelow) {
    for (const p of t.resultsByPartition) out[`${t.name}-${p.partitionIndex}`] = p.partitionErrorCode
  }
  return out
}

export function addOffsets(
  c: BrokerConnection,
  transactionalId: string,
  id: ProducerIdentity,
  groupId: string,
  version?: number,
): Promise<AddOffsetsToTxnResponse> {
  return sendAt(c, AddOffsetsToTxn, version, { transactionalId, ...id, groupId })
}

export function endTxn(
  c: BrokerConnection,
  transactionalId: string,
  id: ProducerIdentity,
  committed: boolean,
  version?: number,
): Promise<EndTxnResponse> {
  return sendAt(c, EndTxn, version, { transactionalId, ...id, committed })
}

export function commitOffsets(
  c: BrokerConnection,
  transactionalId: string,
  id: ProducerIdentity,
  groupId: string,
  offsets: { topic: string; topicId?: Uint8Array; partition: number; offset: bigint }[],
  version?: number,
): Promise<TxnOffsetCommitResponse> {
  const topics: TxnOffsetCommitRequest['topics'] = []
  for (const o of offsets) {
    let t = topics.find((x) => x.name === o.topic)
    if (t === undefined) {
      t = { name: o.topic, topicId: o.topicId ?? null, partitions: [] }
      topics.push(t)
    }
    t.partitions.push({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: null })
  }
  return sendAt(c, TxnOffsetCommit, version, { transactionalId, groupId, ...id, topics })
}

/** The partition error codes of a TxnOffsetCommit answer, in request order. */
export const offsetCodes = (res: TxnOffsetCommitResponse): number[] =>
  res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))

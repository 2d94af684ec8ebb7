/**
 * The parts of a decoded request that fault rules match on and tests inspect (partitions,
 * topics, transactional id, group, coordinator keys), pulled out once per request.
 */
import {
  AddOffsetsToTxn,
  type AddOffsetsToTxnRequest,
} from '../../src/protocol/messages/add-offsets-to-txn.js'
import {
  AddPartitionsToTxn,
  type AddPartitionsToTxnRequest,
} from '../../src/protocol/messages/add-partitions-to-txn.js'
import { CreateTopics, type CreateTopicsRequest } from '../../src/protocol/messages/create-topics.js'
import { EndTxn, type EndTxnRequest } from '../../src/protocol/messages/end-txn.js'
import { FindCoordinator, type FindCoordinatorRequest } from '../../src/protocol/messages/find-coordinator.js'
import { InitProducerId, type InitProducerIdRequest } from '../../src/protocol/messages/init-producer-id.js'
import { Metadata, type MetadataRequest } from '../../src/protocol/messages/metadata.js'
import { Produce, type ProduceRequest } from '../../src/protocol/messages/produce.js'
import {
  TxnOffsetCommit,
  type TxnOffsetCommitRequest,
} from '../../src/protocol/messages/txn-offset-commit.js'
import type { ClusterModel } from './cluster-model.js'
import type { ReceivedRequest } from './faults.js'

export type RequestSummary = Pick<
  ReceivedRequest,
  'partitions' | 'topics' | 'acks' | 'transactionalId' | 'groupId' | 'keyType' | 'keys'
>

export function summarize(
  model: ClusterModel,
  apiKey: number,
  version: number,
  body: unknown,
): RequestSummary {
  const s: RequestSummary = { partitions: [], topics: [] }
  const nameOf = (name: string | undefined, topicId: Uint8Array | null | undefined, byId: boolean): string =>
    byId ? (model.topicById(topicId ?? Buffer.alloc(16))?.name ?? '') : (name ?? '')
  switch (apiKey) {
    case Produce.apiKey: {
      const b = body as ProduceRequest
      s.acks = b.acks
      s.transactionalId = b.transactionalId
      for (const td of b.topicData) {
        const name = nameOf(td.name, td.topicId, version >= 13)
        s.topics!.push(name)
        for (const pd of td.partitionData) s.partitions.push({ topic: name, partition: pd.index })
      }
      break
    }
    case Metadata.apiKey: {
      const topics = (body as MetadataRequest).topics
      s.topics = topics === null ? null : topics.map((t) => t.name ?? '')
      break
    }
    case CreateTopics.apiKey:
      s.topics = (body as CreateTopicsRequest).topics.map((t) => t.name)
      break
    case InitProducerId.apiKey:
      s.transactionalId = (body as InitProducerIdRequest).transactionalId
      break
    case FindCoordinator.apiKey: {
      const b = body as FindCoordinatorRequest
      s.keyType = b.keyType ?? 0
      s.keys = version >= 4 ? [...(b.coordinatorKeys ?? [])] : [b.key ?? '']
      break
    }
    case AddPartitionsToTxn.apiKey: {
      const b = body as AddPartitionsToTxnRequest
      s.transactionalId = b.v3AndBelowTransactionalId ?? null
      for (const t of b.v3AndBelowTopics ?? []) {
        s.topics!.push(t.name)
        for (const p of t.partitions) s.partitions.push({ topic: t.name, partition: p })
      }
      break
    }
    case AddOffsetsToTxn.apiKey: {
      const b = body as AddOffsetsToTxnRequest
      s.transactionalId = b.transactionalId
      s.groupId = b.groupId
      break
    }
    case EndTxn.apiKey:
      s.transactionalId = (body as EndTxnRequest).transactionalId
      break
    case TxnOffsetCommit.apiKey: {
      const b = body as TxnOffsetCommitRequest
      s.transactionalId = b.transactionalId
      s.groupId = b.groupId
      for (const t of b.topics) {
        const name = nameOf(t.name, t.topicId, version >= 6)
        s.topics!.push(name)
        for (const p of t.partitions) s.partitions.push({ topic: name, partition: p.partitionIndex })
      }
      break
    }
    default:
      break
  }
  return s
}

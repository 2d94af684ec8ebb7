/**
 * TxnOffsetCommit (key 28), v0-v6, flexible from v3. Sent to the group coordinator; v3+ carries
 * the consumer's group metadata (KIP-447) so the coordinator can fence zombies; v6 names topics
 * by id instead of by name. v5+ belongs to transactions version 2 (KIP-890): the coordinator adds
 * the group's offsets partition to the transaction itself, so no AddOffsetsToTxn comes first;
 * without it Java's producer caps TxnOffsetCommit at v4 (TXN_OFFSET_COMMIT_MAX_BEFORE_TRANSACTION_V2).
 *
 * Request
 *   TransactionalId string, GroupId string, ProducerId int64, ProducerEpoch int16
 *   GenerationIdOrMemberEpoch int32 3+ (default -1), MemberId string 3+ (default ''),
 *   GroupInstanceId string? 3+ (default null)
 *   Topics [Name string 0-5, TopicId uuid 6+,
 *           Partitions [PartitionIndex int32, CommittedOffset int64,
 *                       CommittedLeaderEpoch int32 2+ (default -1), CommittedMetadata string?]]
 * Response
 *   ThrottleTimeMs int32
 *   Topics [Name string 0-5, TopicId uuid 6+, Partitions [PartitionIndex int32, ErrorCode int16]]
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

export interface TxnOffsetCommitRequestPartition {
  partitionIndex: number
  committedOffset: bigint
  /** v2+; -1 when unknown. */
  committedLeaderEpoch?: number
  committedMetadata: string | null
}

export interface TxnOffsetCommitRequest {
  transactionalId: string
  groupId: string
  producerId: bigint
  producerEpoch: number
  /** v3+: the consumer's generation (classic groups) or member epoch (KIP-848 groups). */
  generationIdOrMemberEpoch?: number
  memberId?: string
  groupInstanceId?: string | null
  topics: {
    /** Used up to v5. */
    name?: string
    /** Used from v6; null or omitted is the all-zero UUID. */
    topicId?: Uint8Array | null
    partitions: TxnOffsetCommitRequestPartition[]
  }[]
}

export interface TxnOffsetCommitResponse {
  throttleTimeMs: number
  topics: {
    name: string
    topicId: Uint8Array
    partitions: { partitionIndex: number; errorCode: number }[]
  }[]
}

/** The newest version to send without transactions version 2 (Java's LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2). */
export const TXN_OFFSET_COMMIT_MAX_BEFORE_TRANSACTION_V2 = 4

export const TxnOffsetCommitRequestDef = message('request', 28, 'TxnOffsetCommitRequest', '0-6', '3+', [
  field('TransactionalId', 'string', '0+'),
  field('GroupId', 'string', '0+'),
  field('ProducerId', 'int64', '0+'),
  field('ProducerEpoch', 'int16', '0+'),
  field('GenerationIdOrMemberEpoch', 'int32', '3+', { default: '-1' }),
  field('MemberId', 'string', '3+', { default: '' }),
  field('GroupInstanceId', 'string', '3+', { nullable: '3+', default: 'null' }),
  field('Topics', '[]TxnOffsetCommitRequestTopic', '0+', [
    field('Name', 'string', '0-5'),
    field('TopicId', 'uuid', '6+'),
    field('Partitions', '[]TxnOffsetCommitRequestPartition', '0+', [
      field('PartitionIndex', 'int32', '0+'),
      field('CommittedOffset', 'int64', '0+'),
      field('CommittedLeaderEpoch', 'int32', '2+', { default: '-1' }),
      field('CommittedMetadata', 'string', '0+', { nullable: '0+' }),
    ]),
  ]),
])

export const TxnOffsetCommitResponseDef = message('response', 28, 'TxnOffsetCommitResponse', '0-6', '3+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('Topics', '[]TxnOffsetCommitResponseTopic', '0+', [
    field('Name', 'string', '0-5'),
    field('TopicId', 'uuid', '6+'),
    field('Partitions', '[]TxnOffsetCommitResponsePartition', '0+', [
      field('PartitionIndex', 'int32', '0+'),
      field('ErrorCode', 'int16', '0+'),
    ]),
  ]),
])

export const TxnOffsetCommit: ApiDescriptor<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = defineApi(
  TxnOffsetCommitRequestDef,
  TxnOffsetCommitResponseDef,
)

/**
 * AddPartitionsToTxn (key 24), v0-v5, flexible from v3.
 *
 * v0-v3 are the client's form: one transaction, its topics at the top level (the `v3AndBelow*`
 * fields). v4+ is the batched form brokers send to the transaction coordinator (KIP-890): several
 * transactions per request, each answered separately, and a verify-only mode; the coordinator
 * authorizes it as a cluster action. Java's producer never sends more than v3, so the descriptor
 * stops there (ADD_PARTITIONS_TO_TXN_MAX_CLIENT) while the definitions cover every version, so a
 * fake coordinator can read and answer the batched form too.
 *
 * Request
 *   Transactions [TransactionalId string, ProducerId int64, ProducerEpoch int16,
 *                 VerifyOnly bool (default false), Topics [Topic]] 4+
 *   V3AndBelowTransactionalId string 0-3, V3AndBelowProducerId int64 0-3,
 *   V3AndBelowProducerEpoch int16 0-3, V3AndBelowTopics [Topic] 0-3
 *   Topic = Name string, Partitions [int32]
 * Response
 *   ThrottleTimeMs int32, ErrorCode int16 4+
 *   ResultsByTransaction [TransactionalId string, TopicResults [TopicResult]] 4+
 *   ResultsByTopicV3AndBelow [TopicResult] 0-3
 *   TopicResult = Name string, ResultsByPartition [PartitionIndex int32, PartitionErrorCode int16]
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { type FieldDef, field, message } from '../schema.js'

export interface AddPartitionsToTxnTopic {
  name: string
  partitions: number[]
}

export interface AddPartitionsToTxnTransaction {
  transactionalId: string
  producerId: bigint
  producerEpoch: number
  verifyOnly?: boolean
  topics: AddPartitionsToTxnTopic[]
}

export interface AddPartitionsToTxnRequest {
  /** The batched form, v4+. */
  transactions?: AddPartitionsToTxnTransaction[]
  /** The client's form, v0-v3. */
  v3AndBelowTransactionalId?: string
  v3AndBelowProducerId?: bigint
  v3AndBelowProducerEpoch?: number
  v3AndBelowTopics?: AddPartitionsToTxnTopic[]
}

export interface AddPartitionsToTxnTopicResult {
  name: string
  resultsByPartition: { partitionIndex: number; partitionErrorCode: number }[]
}

export interface AddPartitionsToTxnResponse {
  throttleTimeMs: number
  /** v4+: an error for the whole request. */
  errorCode: number
  /** v4+. */
  resultsByTransaction: { transactionalId: string; topicResults: AddPartitionsToTxnTopicResult[] }[]
  /** v0-v3. */
  resultsByTopicV3AndBelow: AddPartitionsToTxnTopicResult[]
}

/** The versions a transactional producer uses (Java's `forClient` range). */
export const ADD_PARTITIONS_TO_TXN_MAX_CLIENT = 3

const topic = (): FieldDef[] => [field('Name', 'string', '0+'), field('Partitions', '[]int32', '0+')]

const topicResult = (): FieldDef[] => [
  field('Name', 'string', '0+'),
  field('ResultsByPartition', '[]AddPartitionsToTxnPartitionResult', '0+', [
    field('PartitionIndex', 'int32', '0+'),
    field('PartitionErrorCode', 'int16', '0+'),
  ]),
]

export const AddPartitionsToTxnRequestDef = message('request', 24, 'AddPartitionsToTxnRequest', '0-5', '3+', [
  field('Transactions', '[]AddPartitionsToTxnTransaction', '4+', [
    field('TransactionalId', 'string', '4+'),
    field('ProducerId', 'int64', '4+'),
    field('ProducerEpoch', 'int16', '4+'),
    field('VerifyOnly', 'bool', '4+', { default: 'false' }),
    field('Topics', '[]AddPartitionsToTxnTopic', '4+', topic()),
  ]),
  field('V3AndBelowTransactionalId', 'string', '0-3'),
  field('V3AndBelowProducerId', 'int64', '0-3'),
  field('V3AndBelowProducerEpoch', 'int16', '0-3'),
  field('V3AndBelowTopics', '[]AddPartitionsToTxnTopic', '0-3', topic()),
])

export const AddPartitionsToTxnResponseDef = message(
  'response',
  24,
  'AddPartitionsToTxnResponse',
  '0-5',
  '3+',
  [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('ErrorCode', 'int16', '4+'),
    field('ResultsByTransaction', '[]AddPartitionsToTxnResult', '4+', [
      field('TransactionalId', 'string', '4+'),
      field('TopicResults', '[]AddPartitionsToTxnTopicResult', '4+', topicResult()),
    ]),
    field('ResultsByTopicV3AndBelow', '[]AddPartitionsToTxnTopicResult', '0-3', topicResult()),
  ],
)

export const AddPartitionsToTxn: ApiDescriptor<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> =
  defineApi(AddPartitionsToTxnRequestDef, AddPartitionsToTxnResponseDef, ADD_PARTITIONS_TO_TXN_MAX_CLIENT)

/**
 * Produce (key 0), v3-v13, flexible from v9. v13 names topics by id instead of by name.
 *
 * Request
 *   TransactionalId string? (default null), Acks int16, TimeoutMs int32
 *   TopicData [Name string 0-12, TopicId uuid 13+,
 *              PartitionData [Index int32, Records records?]]
 * Response
 *   Responses [Name string 0-12, TopicId uuid 13+,
 *              PartitionResponses [Index int32, ErrorCode int16, BaseOffset int64,
 *                                  LogAppendTimeMs int64 2+ (default -1), LogStartOffset int64 5+ (default -1),
 *                                  RecordErrors [BatchIndex int32, BatchIndexErrorMessage string?] 8+,
 *                                  ErrorMessage string? 8+,
 *                                  tag 0 (10+): CurrentLeader {LeaderId int32 = -1, LeaderEpoch int32 = -1}]]
 *   ThrottleTimeMs int32 1+
 *   tag 0 (10+): NodeEndpoints [NodeId int32, Host string, Port int32, Rack string?]
 *
 * `records` is an already-encoded RecordBatch (or null), written as (compact) nullable bytes.
 * Offsets and times decode as bigint: offsets can exceed 2^53.
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

export interface ProduceRequest {
  transactionalId: string | null
  acks: number
  timeoutMs: number
  topicData: {
    /** Used up to v12. */
    name?: string
    /** Used from v13; null or omitted is the all-zero UUID. */
    topicId?: Uint8Array | null
    partitionData: { index: number; records: Uint8Array | null }[]
  }[]
}

export interface ProducePartitionResponse {
  index: number
  errorCode: number
  baseOffset: bigint
  logAppendTimeMs: bigint
  logStartOffset: bigint
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[]
  errorMessage: string | null
  /** The new leader when the error says leadership moved (KIP-951); -1/-1 when not sent. */
  currentLeader: { leaderId: number; leaderEpoch: number }
}

export interface ProduceResponse {
  responses: { name: string; topicId: Uint8Array; partitionResponses: ProducePartitionResponse[] }[]
  throttleTimeMs: number
  /** Endpoints of the leaders named in currentLeader (KIP-951). */
  nodeEndpoints: { nodeId: number; host: string; port: number; rack: string | null }[]
}

export const ProduceRequestDef = message('request', 0, 'ProduceRequest', '3-13', '9+', [
  field('TransactionalId', 'string', '3+', { nullable: '3+', default: 'null' }),
  field('Acks', 'int16', '0+'),
  field('TimeoutMs', 'int32', '0+'),
  field('TopicData', '[]TopicProduceData', '0+', [
    field('Name', 'string', '0-12'),
    field('TopicId', 'uuid', '13+'),
    field('PartitionData', '[]PartitionProduceData', '0+', [
      field('Index', 'int32', '0+'),
      field('Records', 'records', '0+', { nullable: '0+' }),
    ]),
  ]),
])

export const ProduceResponseDef = message('response', 0, 'ProduceResponse', '3-13', '9+', [
  field('Responses', '[]TopicProduceResponse', '0+', [
    field('Name', 'string', '0-12'),
    field('TopicId', 'uuid', '13+'),
    field('PartitionResponses', '[]PartitionProduceResponse', '0+', [
      field('Index', 'int32', '0+'),
      field('ErrorCode', 'int16', '0+'),
      field('BaseOffset', 'int64', '0+'),
      field('LogAppendTimeMs', 'int64', '2+', { default: '-1' }),
      field('LogStartOffset', 'int64', '5+', { default: '-1' }),
      field('RecordErrors', '[]BatchIndexAndErrorMessage', '8+', [
        field('BatchIndex', 'int32', '8+'),
        field('BatchIndexErrorMessage', 'string', '8+', { nullable: '8+', default: 'null' }),
      ]),
      field('ErrorMessage', 'string', '8+', { nullable: '8+', default: 'null' }),
      field('CurrentLeader', 'LeaderIdAndEpoch', '10+', { tag: 0, tagged: '10+' }, [
        field('LeaderId', 'int32', '10+', { default: '-1' }),
        field('LeaderEpoch', 'int32', '10+', { default: '-1' }),
      ]),
    ]),
  ]),
  field('ThrottleTimeMs', 'int32', '1+', { default: '0' }),
  field('NodeEndpoints', '[]NodeEndpoint', '10+', { tag: 0, tagged: '10+' }, [
    field('NodeId', 'int32', '10+'),
    field('Host', 'string', '10+'),
    field('Port', 'int32', '10+'),
    field('Rack', 'string', '10+', { nullable: '10+', default: 'null' }),
  ]),
])

export const Produce: ApiDescriptor<ProduceRequest, ProduceResponse> = defineApi(
  ProduceRequestDef,
  ProduceResponseDef,
)

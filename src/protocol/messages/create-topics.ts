/**
 * CreateTopics (key 19), v2-v7, flexible from v5.
 *
 * Request
 *   Topics [Name string, NumPartitions int32, ReplicationFactor int16,
 *           Assignments [PartitionIndex int32, BrokerIds [int32]],
 *           Configs [Name string, Value string?]]
 *   timeoutMs int32 (default 60000), validateOnly bool 1+
 * Response
 *   ThrottleTimeMs int32 2+
 *   Topics [Name string, TopicId uuid 7+, ErrorCode int16, ErrorMessage string? 1+,
 *           tag 0 (5+): TopicConfigErrorCode int16,
 *           NumPartitions int32 5+ (default -1), ReplicationFactor int16 5+ (default -1),
 *           Configs [Name string, Value string?, ReadOnly bool, ConfigSource int8 (default -1),
 *                    IsSensitive bool] 5+ (nullable)]
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

export interface CreatableTopic {
  name: string
  /** -1 to use the broker's default (or the assignments' count). */
  numPartitions: number
  /** -1 to use the broker's default. */
  replicationFactor: number
  assignments: { partitionIndex: number; brokerIds: number[] }[]
  configs: { name: string; value: string | null }[]
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[]
  timeoutMs: number
  validateOnly?: boolean
}

export interface CreatableTopicResult {
  name: string
  topicId: Uint8Array
  errorCode: number
  errorMessage: string | null
  topicConfigErrorCode: number
  numPartitions: number
  replicationFactor: number
  configs:
    | { name: string; value: string | null; readOnly: boolean; configSource: number; isSensitive: boolean }[]
    | null
}

export interface CreateTopicsResponse {
  throttleTimeMs: number
  topics: CreatableTopicResult[]
}

export const CreateTopicsRequestDef = message('request', 19, 'CreateTopicsRequest', '2-7', '5+', [
  field('Topics', '[]CreatableTopic', '0+', [
    field('Name', 'string', '0+'),
    field('NumPartitions', 'int32', '0+'),
    field('ReplicationFactor', 'int16', '0+'),
    field('Assignments', '[]CreatableReplicaAssignment', '0+', [
      field('PartitionIndex', 'int32', '0+'),
      field('BrokerIds', '[]int32', '0+'),
    ]),
    field('Configs', '[]CreatableTopicConfig', '0+', [
      field('Name', 'string', '0+'),
      field('Value', 'string', '0+', { nullable: '0+' }),
    ]),
  ]),
  field('timeoutMs', 'int32', '0+', { default: '60000' }),
  field('validateOnly', 'bool', '1+', { default: 'false' }),
])

export const CreateTopicsResponseDef = message('response', 19, 'CreateTopicsResponse', '2-7', '5+', [
  field('ThrottleTimeMs', 'int32', '2+'),
  field('Topics', '[]CreatableTopicResult', '0+', [
    field('Name', 'string', '0+'),
    field('TopicId', 'uuid', '7+'),
    field('ErrorCode', 'int16', '0+'),
    field('ErrorMessage', 'string', '1+', { nullable: '0+' }),
    field('TopicConfigErrorCode', 'int16', '5+', { tag: 0, tagged: '5+' }),
    field('NumPartitions', 'int32', '5+', { default: '-1' }),
    field('ReplicationFactor', 'int16', '5+', { default: '-1' }),
    field('Configs', '[]CreatableTopicConfigs', '5+', { nullable: '5+' }, [
      field('Name', 'string', '5+'),
      field('Value', 'string', '5+', { nullable: '5+' }),
      field('ReadOnly', 'bool', '5+'),
      field('ConfigSource', 'int8', '5+', { default: '-1' }),
      field('IsSensitive', 'bool', '5+'),
    ]),
  ]),
])

export const CreateTopics: ApiDescriptor<CreateTopicsRequest, CreateTopicsResponse> = defineApi(
  CreateTopicsRequestDef,
  CreateTopicsResponseDef,
)

/**
 * Metadata (key 3), v0-v13, flexible from v9.
 *
 * Request
 *   Topics [TopicId uuid 10+, Name string (nullable 10+)] (the array nullable 1+: null = all topics)
 *   AllowAutoTopicCreation bool 4+ (default true)
 *   IncludeClusterAuthorizedOperations bool 8-10
 *   IncludeTopicAuthorizedOperations bool 8+
 * Response
 *   ThrottleTimeMs int32 3+
 *   Brokers [NodeId int32, Host string, Port int32, Rack string? 1+]
 *   ClusterId string? 2+, ControllerId int32 1+ (default -1)
 *   Topics [ErrorCode int16, Name string (nullable 12+), TopicId uuid 10+, IsInternal bool 1+,
 *           Partitions [ErrorCode int16, PartitionIndex int32, LeaderId int32, LeaderEpoch int32 7+,
 *                       ReplicaNodes [int32], IsrNodes [int32], OfflineReplicas [int32] 5+],
 *           TopicAuthorizedOperations int32 8+]
 *   ClusterAuthorizedOperations int32 8-10
 *   ErrorCode int16 13+
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

export interface MetadataRequestTopic {
  /** Null or omitted: the all-zero UUID (look up by name). */
  topicId?: Uint8Array | null
  name: string | null
}

export interface MetadataRequest {
  /** Null asks for every topic (v1+). */
  topics: MetadataRequestTopic[] | null
  allowAutoTopicCreation?: boolean
  includeClusterAuthorizedOperations?: boolean
  includeTopicAuthorizedOperations?: boolean
}

export interface MetadataResponseBroker {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

export interface MetadataResponsePartition {
  errorCode: number
  partitionIndex: number
  leaderId: number
  leaderEpoch: number
  replicaNodes: number[]
  isrNodes: number[]
  offlineReplicas: number[]
}

export interface MetadataResponseTopic {
  errorCode: number
  name: string | null
  topicId: Uint8Array
  isInternal: boolean
  partitions: MetadataResponsePartition[]
  topicAuthorizedOperations: number
}

export interface MetadataResponse {
  throttleTimeMs: number
  brokers: MetadataResponseBroker[]
  clusterId: string | null
  controllerId: number
  topics: MetadataResponseTopic[]
  clusterAuthorizedOperations: number
  errorCode: number
}

export const MetadataRequestDef = message('request', 3, 'MetadataRequest', '0-13', '9+', [
  field('Topics', '[]MetadataRequestTopic', '0+', { nullable: '1+' }, [
    field('TopicId', 'uuid', '10+'),
    field('Name', 'string', '0+', { nullable: '10+' }),
  ]),
  field('AllowAutoTopicCreation', 'bool', '4+', { default: 'true' }),
  field('IncludeClusterAuthorizedOperations', 'bool', '8-10'),
  field('IncludeTopicAuthorizedOperations', 'bool', '8+'),
])

export const MetadataResponseDef = message('response', 3, 'MetadataResponse', '0-13', '9+', [
  field('ThrottleTimeMs', 'int32', '3+'),
  field('Brokers', '[]MetadataResponseBroker', '0+', [
    field('NodeId', 'int32', '0+'),
    field('Host', 'string', '0+'),
    field('Port', 'int32', '0+'),
    field('Rack', 'string', '1+', { nullable: '1+', default: 'null' }),
  ]),
  field('ClusterId', 'string', '2+', { nullable: '2+', default: 'null' }),
  field('ControllerId', 'int32', '1+', { default: '-1' }),
  field('Topics', '[]MetadataResponseTopic', '0+', [
    field('ErrorCode', 'int16', '0+'),
    field('Name', 'string', '0+', { nullable: '12+' }),
    field('TopicId', 'uuid', '10+'),
    field('IsInternal', 'bool', '1+', { default: 'false' }),
    field('Partitions', '[]MetadataResponsePartition', '0+', [
      field('ErrorCode', 'int16', '0+'),
      field('PartitionIndex', 'int32', '0+'),
      field('LeaderId', 'int32', '0+'),
      field('LeaderEpoch', 'int32', '7+', { default: '-1' }),
      field('ReplicaNodes', '[]int32', '0+'),
      field('IsrNodes', '[]int32', '0+'),
      field('OfflineReplicas', '[]int32', '5+'),
    ]),
    field('TopicAuthorizedOperations', 'int32', '8+', { default: '-2147483648' }),
  ]),
  field('ClusterAuthorizedOperations', 'int32', '8-10', { default: '-2147483648' }),
  field('ErrorCode', 'int16', '13+'),
])

export const Metadata: ApiDescriptor<MetadataRequest, MetadataResponse> = defineApi(
  MetadataRequestDef,
  MetadataResponseDef,
)

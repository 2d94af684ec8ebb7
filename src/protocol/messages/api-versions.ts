/**
 * ApiVersions (key 18), v0-v5, flexible from v3. Responses always use response header v0.
 *
 * Request
 *   ClientSoftwareName string 3+, ClientSoftwareVersion string 3+
 *   ClusterId string? 5+ (default null), NodeId int32 5+ (default -1)
 * Response
 *   ErrorCode int16
 *   ApiKeys [ApiKey int16, MinVersion int16, MaxVersion int16]
 *   ThrottleTimeMs int32 1+
 *   tag 0 (3+): SupportedFeatures [Name string, MinVersion int16, MaxVersion int16]
 *   tag 1 (3+): FinalizedFeaturesEpoch int64 (default -1)
 *   tag 2 (3+): FinalizedFeatures [Name string, MaxVersionLevel int16, MinVersionLevel int16]
 *   tag 3 (3+): ZkMigrationReady bool
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

export interface ApiVersionsRequest {
  clientSoftwareName?: string
  clientSoftwareVersion?: string
  clusterId?: string | null
  nodeId?: number
}

export interface ApiVersionsResponse {
  errorCode: number
  apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[]
  throttleTimeMs: number
  supportedFeatures: { name: string; minVersion: number; maxVersion: number }[]
  finalizedFeaturesEpoch: bigint
  finalizedFeatures: { name: string; maxVersionLevel: number; minVersionLevel: number }[]
  zkMigrationReady: boolean
}

export const ApiVersionsRequestDef = message('request', 18, 'ApiVersionsRequest', '0-5', '3+', [
  field('ClientSoftwareName', 'string', '3+'),
  field('ClientSoftwareVersion', 'string', '3+'),
  field('ClusterId', 'string', '5+', { nullable: '5+', default: 'null' }),
  field('NodeId', 'int32', '5+', { default: '-1' }),
])

export const ApiVersionsResponseDef = message('response', 18, 'ApiVersionsResponse', '0-5', '3+', [
  field('ErrorCode', 'int16', '0+'),
  field('ApiKeys', '[]ApiVersion', '0+', [
    field('ApiKey', 'int16', '0+'),
    field('MinVersion', 'int16', '0+'),
    field('MaxVersion', 'int16', '0+'),
  ]),
  field('ThrottleTimeMs', 'int32', '1+'),
  field('SupportedFeatures', '[]SupportedFeatureKey', '3+', { tag: 0, tagged: '3+' }, [
    field('Name', 'string', '3+'),
    field('MinVersion', 'int16', '3+'),
    field('MaxVersion', 'int16', '3+'),
  ]),
  field('FinalizedFeaturesEpoch', 'int64', '3+', { tag: 1, tagged: '3+', default: '-1' }),
  field('FinalizedFeatures', '[]FinalizedFeatureKey', '3+', { tag: 2, tagged: '3+' }, [
    field('Name', 'string', '3+'),
    field('MaxVersionLevel', 'int16', '3+'),
    field('MinVersionLevel', 'int16', '3+'),
  ]),
  field('ZkMigrationReady', 'bool', '3+', { tag: 3, tagged: '3+', default: 'false' }),
])

export const ApiVersions: ApiDescriptor<ApiVersionsRequest, ApiVersionsResponse> = defineApi(
  ApiVersionsRequestDef,
  ApiVersionsResponseDef,
)

/**
 * FindCoordinator (key 10), v0-v6, flexible from v3. v4+ looks up several keys in one request
 * (KIP-699) and answers per key; v6 adds the share-group key type (KIP-932).
 *
 * Request
 *   Key string 0-3, KeyType int8 1+ (default 0), CoordinatorKeys [string] 4+
 * Response
 *   ThrottleTimeMs int32 1+
 *   ErrorCode int16 0-3, ErrorMessage string? 1-3, NodeId int32 0-3, Host string 0-3, Port int32 0-3
 *   Coordinators [Key string, NodeId int32, Host string, Port int32, ErrorCode int16,
 *                 ErrorMessage string?] 4+
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

/** Values of `keyType`. Transaction needs v1+, Share v6+. */
export const CoordinatorType = {
  Group: 0,
  Transaction: 1,
  Share: 2,
} as const

export interface FindCoordinatorRequest {
  /** The key up to v3. */
  key?: string
  /** A CoordinatorType; from v1 (v0 always looks up a group). */
  keyType?: number
  /** The keys from v4. */
  coordinatorKeys?: string[]
}

export interface Coordinator {
  key: string
  nodeId: number
  host: string
  port: number
  errorCode: number
  errorMessage: string | null
}

export interface FindCoordinatorResponse {
  throttleTimeMs: number
  /** Up to v3, like nodeId, host and port. */
  errorCode: number
  errorMessage: string | null
  nodeId: number
  host: string
  port: number
  /** From v4, one per key asked for. */
  coordinators: Coordinator[]
}

export const FindCoordinatorRequestDef = message('request', 10, 'FindCoordinatorRequest', '0-6', '3+', [
  field('Key', 'string', '0-3'),
  field('KeyType', 'int8', '1+', { default: '0' }),
  field('CoordinatorKeys', '[]string', '4+'),
])

export const FindCoordinatorResponseDef = message('response', 10, 'FindCoordinatorResponse', '0-6', '3+', [
  field('ThrottleTimeMs', 'int32', '1+'),
  field('ErrorCode', 'int16', '0-3'),
  field('ErrorMessage', 'string', '1-3', { nullable: '1-3' }),
  field('NodeId', 'int32', '0-3'),
  field('Host', 'string', '0-3'),
  field('Port', 'int32', '0-3'),
  field('Coordinators', '[]Coordinator', '4+', [
    field('Key', 'string', '4+'),
    field('NodeId', 'int32', '4+'),
    field('Host', 'string', '4+'),
    field('Port', 'int32', '4+'),
    field('ErrorCode', 'int16', '4+'),
    field('ErrorMessage', 'string', '4+', { nullable: '4+' }),
  ]),
])

export const FindCoordinator: ApiDescriptor<FindCoordinatorRequest, FindCoordinatorResponse> = defineApi(
  FindCoordinatorRequestDef,
  FindCoordinatorResponseDef,
)

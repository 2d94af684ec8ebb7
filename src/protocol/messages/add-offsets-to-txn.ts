/**
 * AddOffsetsToTxn (key 25), v0-v4, flexible from v3. Adds a consumer group's offsets partition
 * to the transaction, before TxnOffsetCommit goes to the group coordinator.
 *
 * Request
 *   TransactionalId string, ProducerId int64, ProducerEpoch int16, GroupId string
 * Response
 *   ThrottleTimeMs int32, ErrorCode int16
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

export interface AddOffsetsToTxnRequest {
  transactionalId: string
  producerId: bigint
  producerEpoch: number
  groupId: string
}

export interface AddOffsetsToTxnResponse {
  throttleTimeMs: number
  errorCode: number
}

export const AddOffsetsToTxnRequestDef = message('request', 25, 'AddOffsetsToTxnRequest', '0-4', '3+', [
  field('TransactionalId', 'string', '0+'),
  field('ProducerId', 'int64', '0+'),
  field('ProducerEpoch', 'int16', '0+'),
  field('GroupId', 'string', '0+'),
])

export const AddOffsetsToTxnResponseDef = message('response', 25, 'AddOffsetsToTxnResponse', '0-4', '3+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
])

export const AddOffsetsToTxn: ApiDescriptor<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = defineApi(
  AddOffsetsToTxnRequestDef,
  AddOffsetsToTxnResponseDef,
)

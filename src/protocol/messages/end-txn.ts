/**
 * EndTxn (key 26), v0-v5, flexible from v3. v5 belongs to transactions version 2 (KIP-890): the
 * coordinator bumps the epoch on every commit or abort and returns the producer id and epoch to
 * use next. Java's producer sends v5 only when the cluster's finalized `transaction.version` is
 * 2 or more and caps EndTxn at v4 otherwise; choosing is the caller's business, the descriptor
 * covers every version.
 *
 * Request
 *   TransactionalId string, ProducerId int64, ProducerEpoch int16, Committed bool
 * Response
 *   ThrottleTimeMs int32, ErrorCode int16
 *   ProducerId int64 5+ (default -1), ProducerEpoch int16 5+ (default -1)
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

export interface EndTxnRequest {
  transactionalId: string
  producerId: bigint
  producerEpoch: number
  /** True to commit, false to abort. */
  committed: boolean
}

export interface EndTxnResponse {
  throttleTimeMs: number
  errorCode: number
  /** v5+; -1 before. */
  producerId: bigint
  /** v5+; -1 before. */
  producerEpoch: number
}

/** The newest EndTxn version to send without transactions version 2 (Java's EndTxnRequest caps at it). */
export const END_TXN_MAX_BEFORE_TRANSACTION_V2 = 4

export const EndTxnRequestDef = message('request', 26, 'EndTxnRequest', '0-5', '3+', [
  field('TransactionalId', 'string', '0+'),
  field('ProducerId', 'int64', '0+'),
  field('ProducerEpoch', 'int16', '0+'),
  field('Committed', 'bool', '0+'),
])

export const EndTxnResponseDef = message('response', 26, 'EndTxnResponse', '0-5', '3+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ProducerId', 'int64', '5+', { default: '-1' }),
  field('ProducerEpoch', 'int16', '5+', { default: '-1' }),
])

export const EndTxn: ApiDescriptor<EndTxnRequest, EndTxnResponse> = defineApi(
  EndTxnRequestDef,
  EndTxnResponseDef,
)

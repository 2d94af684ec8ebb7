/**
 * InitProducerId (key 22), v0-v6, flexible from v2. Kafka marks v6 (two-phase commit, KIP-939)
 * unstable, so brokers don't offer it by default; the descriptor stops at v5 and the definition
 * still covers v6.
 *
 * Request
 *   TransactionalId string?, TransactionTimeoutMs int32
 *   ProducerId int64 3+ (default -1), ProducerEpoch int16 3+ (default -1)
 *   Enable2Pc bool 6+, KeepPreparedTxn bool 6+
 * Response
 *   ThrottleTimeMs int32, ErrorCode int16, ProducerId int64 (default -1), ProducerEpoch int16
 *   OngoingTxnProducerId int64 6+ (default -1), OngoingTxnProducerEpoch int16 6+ (default -1)
 */
import { type ApiDescriptor, defineApi } from '../codec.js'
import { field, message } from '../schema.js'

export interface InitProducerIdRequest {
  transactionalId: string | null
  transactionTimeoutMs: number
  producerId?: bigint
  producerEpoch?: number
  enable2Pc?: boolean
  keepPreparedTxn?: boolean
}

export interface InitProducerIdResponse {
  throttleTimeMs: number
  errorCode: number
  producerId: bigint
  producerEpoch: number
  ongoingTxnProducerId: bigint
  ongoingTxnProducerEpoch: number
}

export const InitProducerIdRequestDef = message('request', 22, 'InitProducerIdRequest', '0-6', '2+', [
  field('TransactionalId', 'string', '0+', { nullable: '0+' }),
  field('TransactionTimeoutMs', 'int32', '0+'),
  field('ProducerId', 'int64', '3+', { default: '-1' }),
  field('ProducerEpoch', 'int16', '3+', { default: '-1' }),
  field('Enable2Pc', 'bool', '6+', { default: 'false' }),
  field('KeepPreparedTxn', 'bool', '6+', { default: 'false' }),
])

export const InitProducerIdResponseDef = message('response', 22, 'InitProducerIdResponse', '0-6', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ProducerId', 'int64', '0+', { default: '-1' }),
  field('ProducerEpoch', 'int16', '0+'),
  field('OngoingTxnProducerId', 'int64', '6+', { default: '-1' }),
  field('OngoingTxnProducerEpoch', 'int16', '6+', { default: '-1' }),
])

/** Highest stable version (see above). */
export const INIT_PRODUCER_ID_MAX_STABLE = 5

export const InitProducerId: ApiDescriptor<InitProducerIdRequest, InitProducerIdResponse> = defineApi(
  InitProducerIdRequestDef,
  InitProducerIdResponseDef,
  INIT_PRODUCER_ID_MAX_STABLE,
)

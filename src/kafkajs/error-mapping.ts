/**
 * Sluice's KafkaError -> the kafkajs error a kafkajs user would get for the same condition.
 * The original error is always the `cause`.
 *
 * - a broker error (and RecordTooLargeError, Kafka's MESSAGE_TOO_LARGE) -> KafkaJSProtocolError
 *   with Kafka's `type` and `code` and Kafka's retriable flag (kafkajs's table has the same flags
 *   and names, except the five older names in KAFKAJS_TYPE_NAMES);
 * - a lost connection -> KafkaJSConnectionError; no response in time -> KafkaJSRequestTimeoutError;
 * - authentication refused -> KafkaJSSASLAuthenticationError; TLS refused -> KafkaJSConnectionError
 *   (not retriable);
 * - a transaction broken by a broker error (abortable, fenced, fatal) -> that error's
 *   KafkaJSProtocolError;
 * - a topic missing from metadata until the wait ended -> KafkaJSProtocolError
 *   UNKNOWN_TOPIC_OR_PARTITION; other client-side timeouts -> KafkaJSTimeout;
 * - anything else (bad config, bad record, transaction state, a closed producer) ->
 *   KafkaJSNonRetriableError, or KafkaJSError when Sluice calls it retriable.
 *
 * `asSendFailure` then does what kafkajs's retrier does with the final error of an operation: a
 * retriable one becomes KafkaJSNumberOfRetriesExceeded (Sluice retried it until its retries or
 * delivery.timeout.ms ran out), a non-retriable protocol error stays as it is.
 */
import { KafkaError } from '../errors.js'
import { errorForCode } from '../protocol/error-codes.js'
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSTimeout,
} from './errors.js'

/** Codes kafkajs 2.2.4 still calls by an older name than Kafka's. */
export const KAFKAJS_TYPE_NAMES: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN',
  6: 'NOT_LEADER_FOR_PARTITION',
  14: 'GROUP_LOAD_IN_PROGRESS',
  15: 'GROUP_COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR_FOR_GROUP',
}

/** The KafkaJSProtocolError kafkajs raises for Kafka's error `code`. */
export function protocolError(code: number, cause?: unknown): KafkaJSProtocolError {
  const info = errorForCode(code)
  const err = new KafkaJSProtocolError({
    message: info.message.charAt(0).toUpperCase() + info.message.slice(1),
    type: KAFKAJS_TYPE_NAMES[code] ?? info.name,
    code,
    retriable: info.retriable,
  })
  if (cause !== undefined) err.cause = cause
  return err
}

const UNKNOWN_TOPIC_OR_PARTITION = 3

/** The kafkajs error for `err` (any thrown value); kafkajs errors pass through. */
export function toKafkaJSError(err: unknown): KafkaJSError {
  if (err instanceof KafkaJSError) return err
  if (!(err instanceof KafkaError)) {
    const message = err instanceof Error ? err.message : String(err)
    return new KafkaJSNonRetriableError(message, { cause: err })
  }
  switch (err.code) {
    case 'RECORD_TOO_LARGE':
      return protocolError(10, err)
    case 'ERR_NETWORK':
      return withCause(new KafkaJSConnectionError(err.message, { code: err.code }), err)
    case 'ERR_REQUEST_TIMEOUT':
      return withCause(new KafkaJSRequestTimeoutError(err.message), err)
    case 'ERR_TLS': {
      const e = withCause(new KafkaJSConnectionError(err.message, { code: err.code }), err)
      e.retriable = false
      return e
    }
    case 'ERR_AUTHENTICATION':
      return new KafkaJSSASLAuthenticationError(err.message, { cause: err })
    case 'ERR_METADATA_TIMEOUT':
      // The topic does not exist and was not created: kafkajs's answer is the broker's error.
      if (/does not exist/.test(err.message)) return protocolError(UNKNOWN_TOPIC_OR_PARTITION, err)
      return withCause(new KafkaJSConnectionError(err.message, { code: err.code }), err)
    case 'ERR_TIMEOUT':
    case 'ERR_DELIVERY_TIMEOUT':
    case 'ERR_CLOSE_TIMEOUT':
      // A delivery timeout caused by a broker error reads as that error, retried until the end.
      if (err.cause instanceof KafkaError) return toKafkaJSError(err.cause)
      return new KafkaJSTimeout(err.message, { cause: err })
  }
  if (
    (err.code === 'ERR_TRANSACTION_ABORTABLE' ||
      err.code === 'ERR_PRODUCER_FENCED' ||
      err.code === 'ERR_PRODUCER_FATAL') &&
    err.cause instanceof KafkaError &&
    err.cause.errorCode > 0
  ) {
    // The broker's refusal that broke the transaction is what kafkajs reports (e.g. a commit
    // after being fenced: INVALID_PRODUCER_EPOCH).
    return protocolError(err.cause.errorCode, err)
  }
  if (err.errorCode > 0) {
    if (err.code === 'SASL_AUTHENTICATION_FAILED' || err.code === 'UNSUPPORTED_SASL_MECHANISM') {
      return new KafkaJSSASLAuthenticationError(err.message, { cause: err })
    }
    return protocolError(err.errorCode, err)
  }
  return err.retriable
    ? new KafkaJSError(err.message, { retriable: true, cause: err })
    : new KafkaJSNonRetriableError(err.message, { cause: err })
}

function withCause<E extends KafkaJSError>(e: E, cause: unknown): E {
  e.cause = cause
  return e
}

/**
 * The error a failed send/sendBatch/transaction call rejects with: retriable errors come out
 * wrapped in KafkaJSNumberOfRetriesExceeded, as from kafkajs's retrier.
 */
export function asSendFailure(err: unknown): KafkaJSError {
  const e = toKafkaJSError(err)
  if (!e.retriable || e instanceof KafkaJSNumberOfRetriesExceeded) return e
  return new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 0, retryTime: 0 })
}

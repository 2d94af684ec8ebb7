/**
 * Every error Sluice raises is a KafkaError: a stable string `code`, a `retriable` flag that is
 * false unless Kafka says otherwise, and for broker errors the broker's numeric code and name.
 * Classes are branded with Symbol.for so `instanceof` works across two copies of the library.
 */
import type { BrokerErrorName } from './protocol/error-codes.js'

const BRAND = Symbol.for('sluice.KafkaError')

/** The codes of errors found on the client (Kafka's names are the others). */
export type ClientErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_PROTOCOL'
  | 'ERR_NETWORK'
  | 'ERR_REQUEST_TIMEOUT'
  | TimeoutErrorCode
  | 'ERR_SERIALIZATION'
  | 'ERR_INVALID_RECORD'
  | 'ERR_INVALID_PARTITION'
  | 'ERR_PARTITIONER'
  | 'ERR_BUFFER_EXHAUSTED'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_SPOOL_FULL'
  | 'ERR_SPOOL_LOCKED'
  | 'ERR_SPOOL_IO'
  | 'ERR_PRODUCER_CLOSED'
  | 'ERR_PRODUCER_FENCED'
  | 'ERR_TRANSACTION_ABORTABLE'
  | 'ERR_TRANSACTION_ABORTED'
  | 'ERR_TRANSACTION_STATE'
  | 'ERR_PRODUCER_FATAL'
  | 'ERR_ABORTED'
  | 'ERR_AUTHENTICATION'
  | 'ERR_TLS'
  | 'ERR_COMPRESSION_UNAVAILABLE'
  | 'ERR_INTERNAL'
  | 'ERR_WORKER_EXITED'
  | 'RECORD_TOO_LARGE'
  | SchemaRegistryErrorCode

/** SchemaRegistryError's codes (sluice/schema-registry): what the registry said, or that it was not reached. */
export type SchemaRegistryErrorCode =
  | 'ERR_SCHEMA_REGISTRY'
  | 'ERR_SCHEMA_REGISTRY_UNREACHABLE'
  | 'ERR_SCHEMA_REGISTRY_TLS'
  | 'ERR_SUBJECT_NOT_FOUND'
  | 'ERR_VERSION_NOT_FOUND'
  | 'ERR_SCHEMA_NOT_FOUND'
  | 'ERR_INCOMPATIBLE_SCHEMA'
  | 'ERR_INVALID_SCHEMA'
  | 'ERR_SCHEMA_REGISTRY_AUTH'

/** TimeoutError's codes: which bound passed. */
export type TimeoutErrorCode =
  | 'ERR_TIMEOUT'
  | 'ERR_METADATA_TIMEOUT'
  | 'ERR_DELIVERY_TIMEOUT'
  | 'ERR_CLOSE_TIMEOUT'

/** Every `code` a KafkaError can have: ours for client-side errors, Kafka's name for broker ones. */
export type KafkaErrorCode = ClientErrorCode | BrokerErrorName

export interface KafkaErrorOptions {
  retriable?: boolean
  cause?: unknown
  /** Kafka's numeric error code, for errors the broker reported. */
  errorCode?: number
  /** The records were sent and no answer came: the broker may have written them. */
  maybeWritten?: boolean
}

export class KafkaError extends Error {
  /** Stable identifier, e.g. `NOT_LEADER_OR_FOLLOWER` or `ERR_CONFIG`. */
  readonly code: KafkaErrorCode
  readonly retriable: boolean
  /**
   * Kafka's numeric error code: the broker's when it reported the error; for an error found on
   * the client, Kafka's code for the same condition where Kafka has one (RecordTooLargeError 10,
   * MESSAGE_TOO_LARGE; UnsupportedVersionError 35), else -1.
   */
  readonly errorCode: number
  /**
   * For a record's failure: true when its request was sent and no answer came (a request or
   * delivery timeout, a lost connection, a close that gave up), so the broker may have written
   * it and resending it may duplicate it; false when it was definitely not written (never sent,
   * or the broker refused it). See docs/DELIVERY.md.
   */
  readonly maybeWritten: boolean

  constructor(message: string, code: KafkaErrorCode, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retriable = options.retriable ?? false
    this.errorCode = options.errorCode ?? -1
    this.maybeWritten = options.maybeWritten ?? false
  }

  override get name(): string {
    return this.constructor.name
  }

  // `this` is the class instanceof was called on: the brand answers for KafkaError itself, the
  // prototype chain for subclasses.
  // biome-ignore-start lint/complexity/noThisInStatic: see above
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false
    if (this === KafkaError) return (value as Record<symbol, unknown>)[BRAND] === true
    return Function.prototype[Symbol.hasInstance].call(this, value)
  }
  // biome-ignore-end lint/complexity/noThisInStatic: see above
}
Object.defineProperty(KafkaError.prototype, BRAND, { value: true })

/** An invalid producer configuration; raised at construction. */
export class ConfigError extends KafkaError {
  readonly option: string
  constructor(option: string, message: string) {
    super(`invalid config '${option}': ${message}`, 'ERR_CONFIG')
    this.option = option
  }
}

/** A malformed or unexpected byte sequence from a broker. The connection that got it is closed. */
export class ProtocolError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_PROTOCOL', options)
  }
}

/**
 * The broker speaks no version of an API that Sluice speaks (within the range the cluster's
 * features allow). Not retriable: the same broker will answer the same way.
 */
export class UnsupportedVersionError extends KafkaError {
  constructor(message: string) {
    super(message, 'UNSUPPORTED_VERSION', { errorCode: 35 })
  }
}

/** The connection failed or closed; requests on it may or may not have reached the broker. */
export class NetworkError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_NETWORK', { retriable: true, ...options })
  }
}

/** No response within `request.timeout.ms`. */
export class RequestTimeoutError extends KafkaError {
  constructor(message: string) {
    super(message, 'ERR_REQUEST_TIMEOUT', { retriable: true })
  }
}

/** A client-side wait exceeded its bound (`max.block.ms`, `delivery.timeout.ms`, a close timeout). */
export class TimeoutError extends KafkaError {
  declare readonly code: TimeoutErrorCode
  constructor(message: string, code: TimeoutErrorCode = 'ERR_TIMEOUT', options: KafkaErrorOptions = {}) {
    super(message, code, { retriable: true, ...options })
  }
}

/** A key, value or header could not be serialized; only that record fails. */
export class SerializationError extends KafkaError {
  constructor(message: string, cause?: unknown) {
    super(message, 'ERR_SERIALIZATION', { cause })
  }
}

/**
 * A record that is not one: not an object, no topic, a partition or timestamp of the wrong kind,
 * a partition the topic does not have (ERR_INVALID_PARTITION). Only that record fails.
 */
export class InvalidRecordError extends KafkaError {
  constructor(message: string, code: 'ERR_INVALID_RECORD' | 'ERR_INVALID_PARTITION' = 'ERR_INVALID_RECORD') {
    super(message, code)
  }
}

/** The custom partitioner (`partitioner.class`) threw; `cause` is what it threw. Only that record fails. */
export class PartitionerError extends KafkaError {
  constructor(message: string, cause: unknown) {
    super(message, 'ERR_PARTITIONER', { cause })
  }
}

/** A single record is larger than `max.request.size` or `buffer.memory`; only that record fails. */
export class RecordTooLargeError extends KafkaError {
  constructor(message: string) {
    super(message, 'RECORD_TOO_LARGE', { errorCode: 10 })
  }
}

/** `buffer.memory` stayed full for `max.block.ms`; only the record that waited fails. */
export class BufferExhaustedError extends KafkaError {
  constructor(message: string) {
    super(message, 'ERR_BUFFER_EXHAUSTED', { retriable: true })
  }
}

/**
 * The producer's circuit breaker (`circuitBreaker`) is open, or half-open with its probes taken:
 * the record was refused at send(), never serialized or queued, so it was not written
 * (`maybeWritten` false). Retriable: send it again once the breaker lets sends through (its
 * 'circuit' event, or `health().circuit`), or send it elsewhere. `state` is the breaker's state
 * when the record was refused; `retryAt` the epoch ms when the cooldown ends ('open'), or when
 * the half-open period began. The records refused in one period share one error object.
 */
export class CircuitOpenError extends KafkaError {
  readonly state: 'open' | 'half-open'
  readonly retryAt: number
  constructor(
    message: string,
    state: 'open' | 'half-open',
    retryAt: number,
    options: KafkaErrorOptions = {},
  ) {
    super(message, 'ERR_CIRCUIT_OPEN', { retriable: true, ...options })
    this.state = state
    this.retryAt = retryAt
  }
}

/**
 * The disk spool (`spool`) has no room for this record within `spool.maxBytes`: the record was
 * neither written to Kafka nor spooled (`maybeWritten` false). Retriable: room comes back as the
 * spool is replayed to the cluster. `bytes` is the spool's size on disk when it refused, `needed`
 * the size of the entry that did not fit.
 */
export class SpoolFullError extends KafkaError {
  readonly bytes: number
  readonly maxBytes: number
  readonly needed: number
  constructor(
    message: string,
    bytes: number,
    maxBytes: number,
    needed: number,
    options: KafkaErrorOptions = {},
  ) {
    super(message, 'ERR_SPOOL_FULL', { retriable: true, ...options })
    this.bytes = bytes
    this.maxBytes = maxBytes
    this.needed = needed
  }
}

/**
 * The spool directory is locked by another producer (a live process, or another producer in
 * this one): one writer per directory. `pid` is the holder's process id.
 */
export class SpoolLockedError extends KafkaError {
  readonly dir: string
  readonly pid: number
  constructor(message: string, dir: string, pid: number) {
    super(message, 'ERR_SPOOL_LOCKED')
    this.dir = dir
    this.pid = pid
  }
}

/**
 * The spool could not read or write its files (disk full, permissions, the directory removed):
 * `cause` is the file system's error. A record that fails with it was not spooled.
 */
export class SpoolIoError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_SPOOL_IO', options)
  }
}

/** The producer was closed before or while the operation ran. */
export class ProducerClosedError extends KafkaError {
  constructor(message = 'the producer is closed') {
    super(message, 'ERR_PRODUCER_CLOSED')
  }
}

/**
 * Worker mode (sluice/workers): the worker thread that held the record ended (it crashed or was
 * terminated) before reporting the record's outcome. The record may have been sent, so
 * `maybeWritten` is true.
 */
export class WorkerExitedError extends KafkaError {
  constructor(message: string, cause?: unknown) {
    super(message, 'ERR_WORKER_EXITED', { maybeWritten: true, ...(cause === undefined ? {} : { cause }) })
  }
}

/** An error the broker reported by code; see protocol/error-codes.ts for the table. */
export class BrokerError extends KafkaError {
  declare readonly code: BrokerErrorName
  constructor(name: BrokerErrorName, errorCode: number, retriable: boolean, message: string) {
    super(message, name, { retriable, errorCode })
  }
}

/**
 * Another producer with the same `transactional.id` has taken over (its InitProducerId bumped
 * the epoch). Fatal: this producer can do nothing more and must be closed.
 */
export class ProducerFencedError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_PRODUCER_FENCED', options)
  }
}

/**
 * The current transaction can't commit: abort it (`abortTransaction()`), then go on with a new
 * one. `cause` is what went wrong (a failed record, a refused partition...).
 */
export class TransactionAbortableError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_TRANSACTION_ABORTABLE', options)
  }
}

/** A record failed because its transaction was aborted before the record was sent. */
export class TransactionAbortedError extends KafkaError {
  constructor(message = 'the transaction was aborted before the record was sent') {
    super(message, 'ERR_TRANSACTION_ABORTED')
  }
}

/**
 * A transactional method called in a state that does not allow it (send outside a transaction,
 * commit before begin, initTransactions twice...), or on a producer without `transactional.id`.
 */
export class TransactionStateError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_TRANSACTION_STATE', options)
  }
}

/**
 * The producer hit an error it can't recover from (e.g. the broker refused the transactional id,
 * or the coordinator answered in a way Kafka defines as fatal). Close it.
 */
export class FatalProducerError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_PRODUCER_FATAL', options)
  }
}

/**
 * The caller's AbortSignal fired. On a send: the record had not reached a batch and was not
 * sent. On flush(): the wait stopped (the records go on). `cause` is the signal's reason.
 */
export class AbortError extends KafkaError {
  constructor(message = 'the operation was aborted', options: KafkaErrorOptions = {}) {
    super(message, 'ERR_ABORTED', options)
  }
}

/**
 * The broker refused this client's credentials, or the SASL exchange could not be completed:
 * a wrong password, a mechanism the listener does not enable, a token the broker rejects, a
 * token endpoint that refuses the client. `code` is Kafka's name when the broker said it
 * (SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE), else
 * ERR_AUTHENTICATION. Not retriable: the same credentials get the same answer. The message names
 * the broker and the cause, never a secret.
 */
export class AuthenticationError extends KafkaError {
  declare readonly code: BrokerErrorName | 'ERR_AUTHENTICATION'
  constructor(
    message: string,
    code: BrokerErrorName | 'ERR_AUTHENTICATION' = 'ERR_AUTHENTICATION',
    options: KafkaErrorOptions = {},
  ) {
    super(message, code, options)
  }
}

/**
 * The TLS connection to a broker could not be made safely: its certificate is expired, untrusted
 * or for another host, the broker refused ours, no protocol version or cipher in common, or the
 * port speaks TLS while the client was set up for plaintext. Not retriable. The message names the
 * broker and what to change.
 */
export class TlsError extends KafkaError {
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, 'ERR_TLS', options)
  }
}

/**
 * `err` when it is a KafkaError, else an ERR_INTERNAL one with `err` as its cause: what a
 * record's callback or promise gets, so its type (KafkaError) holds even for a bug.
 */
export function toKafkaError(err: unknown): KafkaError {
  if (err instanceof KafkaError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new KafkaError(`internal error: ${message}`, 'ERR_INTERNAL', { cause: err })
}

/**
 * A broker refused the connection for good: TLS could not be made safe, or authentication failed.
 * Requests waiting for that broker fail with it at once instead of retrying until their timeout.
 */
export function isConnectionSetupRefusal(err: unknown): err is AuthenticationError | TlsError {
  return err instanceof AuthenticationError || err instanceof TlsError
}

const MAYBE_WRITTEN_NOTE = '; the request was sent and not answered, so the records may have been written'
const maybeWrittenCopies = new WeakMap<Error, KafkaError>()

/**
 * `err` as the failure of records that were sent and not answered: the same error (class, code,
 * fields) with `maybeWritten` true and a message that says so; `err` itself when it already says
 * so. One copy per error, shared by every batch that fails with it. An error that is not a
 * KafkaError becomes the cause of an ERR_NETWORK one.
 */
export function asMaybeWritten(err: Error): KafkaError {
  if (err instanceof KafkaError && err.maybeWritten) return err
  let copy = maybeWrittenCopies.get(err)
  if (copy !== undefined) return copy
  if (err instanceof KafkaError) {
    copy = Object.create(Object.getPrototypeOf(err)) as KafkaError
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(err))
    const message = `${err.message}${MAYBE_WRITTEN_NOTE}`
    Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true })
    Object.defineProperty(copy, 'maybeWritten', { value: true, enumerable: true })
    if (typeof err.stack === 'string')
      Object.defineProperty(copy, 'stack', {
        value: err.stack.replace(err.message, message),
        writable: true,
        configurable: true,
      })
  } else {
    copy = new KafkaError(`${err.message}${MAYBE_WRITTEN_NOTE}`, 'ERR_NETWORK', {
      cause: err,
      retriable: true,
      maybeWritten: true,
    })
  }
  maybeWrittenCopies.set(err, copy)
  return copy
}

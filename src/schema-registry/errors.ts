import { KafkaError, type SchemaRegistryErrorCode } from '../errors.js'

/**
 * An error from a schema registry's REST API (Confluent's error body `{error_code, message}`), or
 * a registry that could not be reached. `registryErrorCode` is the body's `error_code` (40401,
 * 409, 42201, 50001, ...), `status` the HTTP status; both are -1 when no answer came.
 * `retriable` is true for 5xx answers, 429 and unreachable registries: the client already
 * retried those `retries` times before raising this. A refused TLS connection (an untrusted or
 * expired certificate, another host's certificate, a client certificate required or refused) is
 * ERR_SCHEMA_REGISTRY_TLS, not retriable.
 */
export class SchemaRegistryError extends KafkaError {
  readonly status: number
  readonly registryErrorCode: number

  constructor(
    message: string,
    code: SchemaRegistryErrorCode,
    options: { status?: number; registryErrorCode?: number; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, code, { retriable: options.retriable ?? false, cause: options.cause })
    this.status = options.status ?? -1
    this.registryErrorCode = options.registryErrorCode ?? -1
  }
}

/**
 * The code for an answer, from Confluent's error codes (its REST API reference): 40401 subject
 * not found, 40402 version not found, 40403 schema not found, 409 incompatible schema, 42201
 * invalid schema; 401/403 refused credentials.
 */
export function codeFor(status: number, registryErrorCode: number): SchemaRegistryErrorCode {
  switch (registryErrorCode) {
    case 40401:
      return 'ERR_SUBJECT_NOT_FOUND'
    case 40402:
      return 'ERR_VERSION_NOT_FOUND'
    case 40403:
      return 'ERR_SCHEMA_NOT_FOUND'
    case 409:
      return 'ERR_INCOMPATIBLE_SCHEMA'
    case 42201:
      return 'ERR_INVALID_SCHEMA'
  }
  if (status === 401 || status === 403) return 'ERR_SCHEMA_REGISTRY_AUTH'
  if (status === 409) return 'ERR_INCOMPATIBLE_SCHEMA'
  return 'ERR_SCHEMA_REGISTRY'
}

/** Answers worth another try: the registry's own failures and rate limiting. */
export function isRetriableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408
}

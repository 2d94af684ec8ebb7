/**
 * kafkajs's error classes, with kafkajs's names, constructor signatures, fields and `retriable`
 * flags (kafkajs 2.2.4, src/errors.js), so `instanceof`, `e.name`, `e.retriable`, `e.type` and
 * `e.code` checks in kafkajs code keep working with sluice/kafkajs. Like kafkajs, an error is
 * retriable unless its class says otherwise (the opposite of Sluice's own KafkaError).
 */

/** What kafkajs's constructors take: a message, or an object (an error) with one. */
type ErrorInput = string | { message?: string; helpUrl?: string }

function messageOf(e: ErrorInput): string {
  return typeof e === 'string' ? e : (e.message ?? String(e))
}

export class KafkaJSError extends Error {
  retriable: boolean
  helpUrl: string | undefined
  override cause: unknown

  constructor(e: ErrorInput, { retriable = true, cause }: { retriable?: boolean; cause?: unknown } = {}) {
    super(messageOf(e), cause === undefined ? undefined : { cause })
    this.name = 'KafkaJSError'
    this.retriable = retriable
    this.helpUrl = typeof e === 'string' ? undefined : e.helpUrl
    this.cause = cause
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: ErrorInput, { cause }: { cause?: unknown } = {}) {
    super(e, { retriable: false, cause })
    this.name = 'KafkaJSNonRetriableError'
  }
}

/**
 * What KafkaJSProtocolError is made from: an entry of Kafka's error table (kafkajs also takes
 * any error or message, whose type and code are then undefined and which is then retriable).
 */
export interface ProtocolErrorInput {
  message?: string
  /** Kafka's name for the error, e.g. MESSAGE_TOO_LARGE. */
  type?: string
  /** Kafka's numeric code. */
  code?: number
  retriable?: boolean
  helpUrl?: string
}

type ProtocolInput = string | ProtocolErrorInput

export class KafkaJSProtocolError extends KafkaJSError {
  type: string
  code: number

  constructor(e: ProtocolInput, { retriable }: { retriable?: boolean } = {}) {
    const fields = typeof e === 'string' ? {} : e
    super(e, { retriable: retriable ?? fields.retriable ?? true })
    this.type = fields.type as string
    this.code = fields.code as number
    this.name = 'KafkaJSProtocolError'
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  topic: string
  partition: number
  constructor(e: ProtocolInput, { topic, partition }: { topic: string; partition: number }) {
    super(e)
    this.topic = topic
    this.partition = partition
    this.name = 'KafkaJSOffsetOutOfRange'
  }
}

export class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  memberId: string
  constructor(e: ProtocolInput, { memberId }: { memberId: string }) {
    super(e)
    this.memberId = memberId
    this.name = 'KafkaJSMemberIdRequired'
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  retryCount: number
  retryTime: number
  constructor(e: Error, { retryCount, retryTime }: { retryCount: number; retryTime: number }) {
    super(e, { cause: e })
    this.stack = `${this.name}\n  Caused by: ${e.stack}`
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  broker: string | undefined
  code: string | undefined
  constructor(e: ErrorInput, { broker, code }: { broker?: string; code?: string } = {}) {
    super(e)
    this.broker = broker
    this.code = code
    this.name = 'KafkaJSConnectionError'
  }
}

export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  host: string | undefined
  port: number | undefined
  constructor(e: ErrorInput, { host, port }: { host?: string; port?: number } = {}) {
    super(e, { broker: `${host}:${port}` })
    this.host = host
    this.port = port
    this.name = 'KafkaJSConnectionClosedError'
  }
}

export interface RequestTimeoutDetails {
  broker?: string
  /** Taken for kafkajs's type signature; not kept (as in kafkajs). */
  clientId?: string
  correlationId?: number
  createdAt?: number
  sentAt?: number
  pendingDuration?: number
}

export class KafkaJSRequestTimeoutError extends KafkaJSError {
  broker: string | undefined
  correlationId: number | undefined
  createdAt: number | undefined
  sentAt: number | undefined
  pendingDuration: number | undefined
  constructor(e: ErrorInput, details: RequestTimeoutDetails = {}) {
    super(e)
    this.broker = details.broker
    this.correlationId = details.correlationId
    this.createdAt = details.createdAt
    this.sentAt = details.sentAt
    this.pendingDuration = details.pendingDuration
    this.name = 'KafkaJSRequestTimeoutError'
  }
}

export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor(e: ErrorInput, options?: { retriable?: boolean; cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSMetadataNotLoaded'
  }
}

export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  topic: string | undefined
  constructor(e: ErrorInput, { topic }: { topic?: string } = {}) {
    super(e)
    this.topic = topic
    this.name = 'KafkaJSTopicMetadataNotLoaded'
  }
}

export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  topic: string | undefined
  unknownPartitions: unknown
  constructor(
    e: ErrorInput,
    { topic, unknownPartitions }: { topic?: string; unknownPartitions?: unknown } = {},
  ) {
    super(e)
    this.topic = topic
    this.unknownPartitions = unknownPartitions
    this.name = 'KafkaJSStaleTopicMetadataAssignment'
  }
}

export class KafkaJSDeleteGroupsError extends KafkaJSError {
  groups: unknown[]
  constructor(e: ErrorInput, groups: unknown[] = []) {
    super(e)
    this.groups = groups
    this.name = 'KafkaJSDeleteGroupsError'
  }
}

export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  apiKey: number | undefined
  apiName: string | undefined
  constructor(e: ErrorInput, { apiKey, apiName }: { apiKey?: number; apiName?: string } = {}) {
    super(e)
    this.apiKey = apiKey
    this.apiName = apiName
    this.name = 'KafkaJSServerDoesNotSupportApiKey'
  }
}

export class KafkaJSBrokerNotFound extends KafkaJSError {
  constructor(e: ErrorInput, options?: { retriable?: boolean; cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSBrokerNotFound'
  }
}

export class KafkaJSPartialMessageError extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput, options?: { cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSPartialMessageError'
  }
}

export class KafkaJSSASLAuthenticationError extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput, options?: { cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSSASLAuthenticationError'
  }
}

export class KafkaJSGroupCoordinatorNotFound extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput, options?: { cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSGroupCoordinatorNotFound'
  }
}

export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput, options?: { cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSNotImplemented'
  }
}

export class KafkaJSTimeout extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput, options?: { cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSTimeout'
  }
}

export class KafkaJSLockTimeout extends KafkaJSTimeout {
  constructor(e: ErrorInput, options?: { cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSLockTimeout'
  }
}

export class KafkaJSUnsupportedMagicByteInMessageSet extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput, options?: { cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSUnsupportedMagicByteInMessageSet'
  }
}

export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  partitions: { error?: { retriable?: boolean } | null }[]
  constructor({ partitions }: { partitions: { error?: { retriable?: boolean } | null }[] }) {
    // Retriable when every error was.
    const retriable = partitions.filter((p) => p.error != null).every((p) => p.error?.retriable === true)
    super('Error while deleting records', { retriable })
    this.name = 'KafkaJSDeleteTopicRecordsError'
    this.partitions = partitions
  }
}

export class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor(e: ErrorInput) {
    super(`Invariant violated: ${messageOf(e)}. This is likely a bug and should be reported.`)
    this.name = 'KafkaJSInvariantViolation'
  }
}

// kafkajs names these two 'KafkaJSNonRetriableError' (sic); kept as it is.
export class KafkaJSInvalidVarIntError extends KafkaJSNonRetriableError {}
export class KafkaJSInvalidLongError extends KafkaJSNonRetriableError {}

export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  topic: string
  constructor(e: ProtocolInput, topicName: string) {
    super(e)
    this.topic = topicName
    this.name = 'KafkaJSCreateTopicError'
  }
}

export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  topic: string | undefined
  partition: number | undefined
  constructor(e: ProtocolInput, topicName?: string, partition?: number) {
    super(e)
    this.topic = topicName
    this.partition = partition
    this.name = 'KafkaJSAlterPartitionReassignmentsError'
  }
}

export class KafkaJSAggregateError extends Error {
  errors: unknown[]
  constructor(message: string, errors: unknown[]) {
    super(message)
    this.errors = errors
    this.name = 'KafkaJSAggregateError'
  }
}

export class KafkaJSFetcherRebalanceError extends Error {}

export class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor() {
    super('No broker available')
    this.name = 'KafkaJSNoBrokerAvailableError'
  }
}

/**
 * Not in kafkajs: what `kafka.consumer()` and `kafka.admin()` throw, since Sluice is a producer.
 * A KafkaJSNonRetriableError, so code that treats kafkajs errors generically handles it.
 */
export class SluiceUnsupportedError extends KafkaJSNonRetriableError {
  constructor(message: string) {
    super(message)
    this.name = 'SluiceUnsupportedError'
  }
}

export const isRebalancing = (e: { type?: string }): boolean =>
  e.type === 'REBALANCE_IN_PROGRESS' ||
  e.type === 'NOT_COORDINATOR_FOR_GROUP' ||
  e.type === 'ILLEGAL_GENERATION'

export const isKafkaJSError = (e: unknown): e is KafkaJSError => e instanceof KafkaJSError

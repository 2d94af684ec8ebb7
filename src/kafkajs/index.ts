/**
 * sluice/kafkajs: kafkajs's producer API on Sluice. Change the import and keep the code:
 *
 * ```ts
 * // import { Kafka, CompressionTypes, Partitioners } from 'kafkajs'
 * import { Kafka, CompressionTypes, Partitioners } from 'sluice/kafkajs'
 * ```
 *
 * What differs from kafkajs: docs/KAFKAJS.md. This entry point does not import kafkajs.
 */
export { CompressionCodecs, type CompressionType, CompressionTypes } from './compression.js'
export type {
  BrokersFunction,
  KafkaConfig,
  ProducerConfig,
  RetryOptions,
  SASLOptions,
  SSLOptions,
} from './config.js'
export {
  KafkaJSAggregateError,
  KafkaJSAlterPartitionReassignmentsError,
  KafkaJSBrokerNotFound,
  KafkaJSConnectionClosedError,
  KafkaJSConnectionError,
  KafkaJSCreateTopicError,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSError,
  KafkaJSFetcherRebalanceError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSInvalidLongError,
  KafkaJSInvalidVarIntError,
  KafkaJSInvariantViolation,
  KafkaJSLockTimeout,
  KafkaJSMemberIdRequired,
  KafkaJSMetadataNotLoaded,
  KafkaJSNoBrokerAvailableError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSOffsetOutOfRange,
  KafkaJSPartialMessageError,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSTimeout,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSUnsupportedMagicByteInMessageSet,
  SluiceUnsupportedError,
} from './errors.js'
export type { InstrumentationEvent, RequestPayload, RequestTimeoutPayload } from './events.js'
export { Kafka } from './kafka.js'
export { type LogEntry, type Logger, type LogLevel, type logCreator, logLevel } from './logger.js'
export {
  type ICustomPartitioner,
  type IHeaders,
  type Message,
  type PartitionerArgs,
  Partitioners,
  type PartitionMetadata,
} from './partitioners.js'
export type { Producer, ProducerBatch, ProducerRecord } from './producer.js'
export type { RecordMetadata, TopicMessages } from './records.js'
export type { Offsets, TopicOffsets, Transaction } from './transaction.js'

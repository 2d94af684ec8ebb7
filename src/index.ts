export { type CreatedTopic, type CreateTopicsOptions, createTopics, type NewTopic } from './admin.js'
export type { ClusterSnapshot } from './cluster/cluster-snapshot.js'
export {
  type BatchEvent,
  type BatchOutcomeEvent,
  CHANNELS,
  type RequestEvent,
  type ResponseEvent,
  type SendContext,
} from './diagnostics.js'
export {
  AbortError,
  AuthenticationError,
  BrokerError,
  BufferExhaustedError,
  CircuitOpenError,
  type ClientErrorCode,
  ConfigError,
  FatalProducerError,
  InvalidRecordError,
  KafkaError,
  type KafkaErrorCode,
  NetworkError,
  PartitionerError,
  ProducerClosedError,
  ProducerFencedError,
  ProtocolError,
  RecordTooLargeError,
  RequestTimeoutError,
  SerializationError,
  SpoolFullError,
  SpoolIoError,
  SpoolLockedError,
  TimeoutError,
  type TimeoutErrorCode,
  TlsError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionStateError,
  UnsupportedVersionError,
} from './errors.js'
export { OPENMETRICS_CONTENT_TYPE } from './metrics/openmetrics.js'
export type { Metric, MetricName, MetricTags } from './metrics/registry.js'
export type {
  CircuitBreakerSettings,
  CircuitEvent,
  CircuitState,
  CircuitStatus,
} from './producer/circuit-breaker.js'
export {
  type Acks,
  CONFIG_DEFINITIONS,
  type CompressionType,
  type ConfigDefinition,
  type ProducerConfig,
  type ProducerConfigInput,
  type ProducerProperties,
  type ProducerSettings,
  resolveConfig,
} from './producer/config/index.js'
export type {
  CircuitBreakerInput,
  OAuthBearerTokenCallback,
  OAuthBearerTokenInput,
  SaslInput,
  SecurityProtocol,
} from './producer/config/types.js'
export type { HealthVerdict, ProducerHealth } from './producer/health.js'
export type { CustomPartitioner, PartitionArgs, PartitionerFn } from './producer/partitioner.js'
export { Producer, type ProducerEvents, type RecordFor, type SerializerChoice } from './producer/producer.js'
export { loadPropertiesFile, parseProperties } from './producer/properties.js'
export type {
  CloseOptions,
  FlushOptions,
  HeaderValue,
  ProducerRecord,
  RecordHeaders,
  RecordMetadata,
  SendCallback,
  SendOptions,
} from './producer/record.js'
export {
  SERIALIZERS,
  type Serializer,
  type SerializerInput,
  type SerializerInputs,
  type SerializerName,
} from './producer/serializers.js'
export type {
  ChunkWithDefaultTopic,
  DefaultTopicChunk,
  RecordWithDefaultTopic,
} from './producer/streams/chunks.js'
export type { SendAllOptions, SendAllResult } from './producer/streams/send-all.js'
export type { ProducerWritable, WritableOptions } from './producer/streams/writable.js'
export type { ConsumerGroupMetadata, OffsetToCommit } from './producer/txn/types.js'
export type { BrokerErrorName } from './protocol/error-codes.js'
export { murmur2, partitionForKey, toPositive } from './protocol/murmur2.js'
export type { SaslContext, SaslMechanism, SaslStep } from './security/sasl/mechanism.js'
export { VERSION } from './version.js'

import type { CustomPartitioner } from '../partitioner.js'
import type { ProducerRecord, RecordMetadata } from '../record.js'
import type { Serializer, SerializerName } from '../serializers.js'

export type Acks = 0 | 1 | -1
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
export type MetadataRecoveryStrategy = 'none' | 'rebootstrap'

/** `partitioner.class`: a function, or an object with a `partition()` method. */
export type Partitioner = CustomPartitioner

/** `key.serializer` / `value.serializer`: a function, or the name of a built-in serializer. */
export type SerializerSetting = Serializer | SerializerName

/** One entry of `interceptor.classes`; at least one of `onSend` / `onAcknowledgement`. */
export interface ProducerInterceptor {
  /** Sees (and may replace) each record before it is serialized and partitioned. */
  onSend?(record: ProducerRecord): ProducerRecord
  /** Called once per record when it is acknowledged or fails. */
  onAcknowledgement?(metadata: RecordMetadata | null, error: Error | null): void
  close?(): void | Promise<void>
}

export interface BootstrapServer {
  readonly host: string
  readonly port: number
}

/** The resolved configuration: camelCase, every default applied, validated, frozen. */
export interface ProducerConfig {
  readonly bootstrapServers: readonly BootstrapServer[]
  readonly clientId: string
  readonly acks: Acks
  readonly enableIdempotence: boolean
  readonly batchSize: number
  readonly lingerMs: number
  readonly bufferMemory: number
  readonly maxBlockMs: number
  readonly compressionType: CompressionType
  readonly compressionGzipLevel: number
  readonly compressionLz4Level: number
  readonly compressionZstdLevel: number
  readonly maxInFlightRequestsPerConnection: number
  readonly retries: number
  readonly retryBackoffMs: number
  readonly retryBackoffMaxMs: number
  readonly reconnectBackoffMs: number
  readonly reconnectBackoffMaxMs: number
  readonly requestTimeoutMs: number
  readonly deliveryTimeoutMs: number
  readonly maxRequestSize: number
  readonly metadataMaxAgeMs: number
  readonly metadataMaxIdleMs: number
  readonly partitionerAdaptivePartitioningEnable: boolean
  readonly partitionerAvailabilityTimeoutMs: number
  readonly partitionerIgnoreKeys: boolean
  readonly partitionerClass: Partitioner | null
  readonly sendBufferBytes: number
  readonly receiveBufferBytes: number
  readonly connectionsMaxIdleMs: number
  readonly socketConnectionSetupTimeoutMs: number
  readonly socketConnectionSetupTimeoutMaxMs: number
  readonly transactionalId: string | null
  readonly transactionTimeoutMs: number
  readonly keySerializer: SerializerSetting
  readonly valueSerializer: SerializerSetting
  readonly interceptorClasses: readonly ProducerInterceptor[]
  readonly metadataRecoveryStrategy: MetadataRecoveryStrategy
  readonly allowAutoCreateTopics: boolean
}

export type ConfigKey = keyof ProducerConfig

/** The Java (dotted) name of every setting, by camelCase name. */
export const DOTTED_NAMES = {
  bootstrapServers: 'bootstrap.servers',
  clientId: 'client.id',
  acks: 'acks',
  enableIdempotence: 'enable.idempotence',
  batchSize: 'batch.size',
  lingerMs: 'linger.ms',
  bufferMemory: 'buffer.memory',
  maxBlockMs: 'max.block.ms',
  compressionType: 'compression.type',
  compressionGzipLevel: 'compression.gzip.level',
  compressionLz4Level: 'compression.lz4.level',
  compressionZstdLevel: 'compression.zstd.level',
  maxInFlightRequestsPerConnection: 'max.in.flight.requests.per.connection',
  retries: 'retries',
  retryBackoffMs: 'retry.backoff.ms',
  retryBackoffMaxMs: 'retry.backoff.max.ms',
  reconnectBackoffMs: 'reconnect.backoff.ms',
  reconnectBackoffMaxMs: 'reconnect.backoff.max.ms',
  requestTimeoutMs: 'request.timeout.ms',
  deliveryTimeoutMs: 'delivery.timeout.ms',
  maxRequestSize: 'max.request.size',
  metadataMaxAgeMs: 'metadata.max.age.ms',
  metadataMaxIdleMs: 'metadata.max.idle.ms',
  partitionerAdaptivePartitioningEnable: 'partitioner.adaptive.partitioning.enable',
  partitionerAvailabilityTimeoutMs: 'partitioner.availability.timeout.ms',
  partitionerIgnoreKeys: 'partitioner.ignore.keys',
  partitionerClass: 'partitioner.class',
  sendBufferBytes: 'send.buffer.bytes',
  receiveBufferBytes: 'receive.buffer.bytes',
  connectionsMaxIdleMs: 'connections.max.idle.ms',
  socketConnectionSetupTimeoutMs: 'socket.connection.setup.timeout.ms',
  socketConnectionSetupTimeoutMaxMs: 'socket.connection.setup.timeout.max.ms',
  transactionalId: 'transactional.id',
  transactionTimeoutMs: 'transaction.timeout.ms',
  keySerializer: 'key.serializer',
  valueSerializer: 'value.serializer',
  interceptorClasses: 'interceptor.classes',
  metadataRecoveryStrategy: 'metadata.recovery.strategy',
  allowAutoCreateTopics: 'allow.auto.create.topics',
} as const satisfies Record<ConfigKey, string>

type Num = number | bigint | string
type Bool = boolean | 'true' | 'false'

/** What a user may pass for each setting (strings are accepted everywhere a .properties file could supply one). */
export interface ConfigInputValues {
  /** Brokers to bootstrap from: `'host:port,host:port'` or `['host:port', '[::1]:9092']`. Required. */
  bootstrapServers: string | readonly string[]
  /** Name sent with every request; default `sluice-producer-<n>`. */
  clientId: string
  /** Acknowledgements to wait for: 0, 1, or -1/'all' (default). */
  acks: Acks | 'all' | '0' | '1' | '-1'
  /** Exactly-once delivery per partition (default true). */
  enableIdempotence: Bool
  batchSize: Num
  lingerMs: Num
  bufferMemory: Num
  maxBlockMs: Num
  compressionType: CompressionType
  compressionGzipLevel: Num
  compressionLz4Level: Num
  compressionZstdLevel: Num
  maxInFlightRequestsPerConnection: Num
  retries: Num
  retryBackoffMs: Num
  retryBackoffMaxMs: Num
  reconnectBackoffMs: Num
  reconnectBackoffMaxMs: Num
  requestTimeoutMs: Num
  deliveryTimeoutMs: Num
  maxRequestSize: Num
  metadataMaxAgeMs: Num
  metadataMaxIdleMs: Num
  partitionerAdaptivePartitioningEnable: Bool
  partitionerAvailabilityTimeoutMs: Num
  partitionerIgnoreKeys: Bool
  partitionerClass: Partitioner | null
  sendBufferBytes: Num
  receiveBufferBytes: Num
  connectionsMaxIdleMs: Num
  socketConnectionSetupTimeoutMs: Num
  socketConnectionSetupTimeoutMaxMs: Num
  transactionalId: string | null
  transactionTimeoutMs: Num
  keySerializer: SerializerSetting
  valueSerializer: SerializerSetting
  interceptorClasses: readonly ProducerInterceptor[]
  metadataRecoveryStrategy: MetadataRecoveryStrategy | 'NONE' | 'REBOOTSTRAP'
  allowAutoCreateTopics: Bool
}

type CamelInput = { [K in ConfigKey]?: ConfigInputValues[K] | undefined }
type DottedInput = { [K in ConfigKey as (typeof DOTTED_NAMES)[K]]?: ConfigInputValues[K] | undefined }

/**
 * Producer settings under their Java names (`'linger.ms'`) or camelCase (`lingerMs`); one
 * spelling per setting. `undefined` means "not set".
 */
export interface ProducerConfigInput extends CamelInput, DottedInput {}

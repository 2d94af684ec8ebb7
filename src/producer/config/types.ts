import type { Logger } from '../../logging.js'
import type { SaslMechanism } from '../../security/sasl/mechanism.js'
import type { Secret } from '../../security/secret.js'
import type { SpoolInput, SpoolSettings } from '../../spool/settings.js'
import type { CircuitBreakerSettings } from '../circuit-breaker.js'
import type { CustomPartitioner } from '../partitioner.js'
import type { ProducerRecord, RecordMetadata } from '../record.js'
import type { Serializer, SerializerName } from '../serializers.js'

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'

/** ssl.truststore.type / ssl.keystore.type. */
export type StoreType = 'PEM' | 'PKCS12' | 'JKS'

/** PEM text: one string or Buffer, or several (certificates one after another). */
export type PemInput = string | Buffer | readonly (string | Buffer)[]

/** An OAuth bearer token as a token callback returns it (Java's OAuthBearerToken). */
export interface OAuthBearerTokenInput {
  /** The compact-serialized token (usually a JWT). */
  value: string
  /** When the token expires, epoch ms; read from the JWT's `exp` when absent. */
  lifetimeMs?: number
  principalName?: string
  startTimeMs?: number
  /** SASL extensions sent with the token (KIP-342). */
  extensions?: Record<string, string>
}

/** `sasl.login.callback.handler.class`: returns a fresh token each time it is called. */
export type OAuthBearerTokenCallback = () => OAuthBearerTokenInput | Promise<OAuthBearerTokenInput>

/** The `sasl` object, as kafkajs users write it. */
export interface SaslOptions {
  /** 'plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer' (any case), or a mechanism object. */
  readonly mechanism: string | SaslMechanism
  readonly username?: string
  readonly password?: Secret
  readonly oauthBearerProvider?: OAuthBearerTokenCallback
}

/** What the user may pass as `circuitBreaker`; a missing field takes its default. */
export interface CircuitBreakerInput {
  /** Consecutive delivery failures that open the breaker; default 5. */
  failureThreshold?: number | undefined
  /** Milliseconds the breaker stays open before probes go through; default 30000. */
  cooldownMs?: number | undefined
  /** Records let through while half-open; all delivered closes it; default 1. */
  halfOpenProbes?: number | undefined
}

/** What the user may pass as `sasl`. */
export interface SaslInput {
  mechanism: string | SaslMechanism
  username?: string
  password?: string
  oauthBearerProvider?: OAuthBearerTokenCallback
}

export type Acks = 0 | 1 | -1
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
export type MetadataRecoveryStrategy = 'none' | 'rebootstrap'

/** `partitioner.class`: a function, or an object with a `partition()` method. */
export type Partitioner = CustomPartitioner

/** `key.serializer` / `value.serializer`: a function, or the name of a built-in serializer. */
export type SerializerSetting = Serializer<never> | SerializerName

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
  readonly logger: Logger | null
  readonly metricsSampleWindowMs: number
  readonly metricsNumSamples: number
  readonly metricsRecordingLevel: 'INFO' | 'DEBUG' | 'TRACE'
  readonly socketConnectionSetupTimeoutMs: number
  readonly socketConnectionSetupTimeoutMaxMs: number
  readonly transactionalId: string | null
  readonly transactionTimeoutMs: number
  readonly keySerializer: SerializerSetting
  readonly valueSerializer: SerializerSetting
  readonly interceptorClasses: readonly ProducerInterceptor[]
  readonly metadataRecoveryStrategy: MetadataRecoveryStrategy
  readonly allowAutoCreateTopics: boolean
  /** Sluice's own: the circuit breaker's settings; null (default): no breaker. */
  readonly circuitBreaker: CircuitBreakerSettings | null
  /** Sluice's own: the disk spool's settings; null (default): no spool. */
  readonly spool: SpoolSettings | null
  readonly securityProtocol: SecurityProtocol
  readonly sslProtocol: string
  readonly sslEnabledProtocols: readonly string[]
  readonly sslCipherSuites: readonly string[]
  readonly sslEndpointIdentificationAlgorithm: string
  readonly sslTruststoreLocation: string | null
  readonly sslTruststoreType: StoreType | null
  readonly sslTruststorePassword: Secret | null
  readonly sslTruststoreCertificates: PemInput | null
  readonly sslKeystoreLocation: string | null
  readonly sslKeystoreType: StoreType | null
  readonly sslKeystorePassword: Secret | null
  readonly sslKeystoreKey: Secret | null
  readonly sslKeystoreCertificateChain: PemInput | null
  readonly sslKeyPassword: Secret | null
  readonly saslMechanism: string | SaslMechanism
  readonly saslJaasConfig: Secret | null
  readonly sasl: SaslOptions | null
  readonly saslLoginCallbackHandlerClass: OAuthBearerTokenCallback | null
  readonly saslOauthbearerTokenEndpointUrl: string | null
  readonly saslOauthbearerScope: string | null
  readonly saslOauthbearerClientCredentialsClientId: string | null
  readonly saslOauthbearerClientCredentialsClientSecret: Secret | null
  readonly saslOauthbearerHeaderUrlencode: boolean
  readonly saslOauthbearerSubClaimName: string
  readonly saslOauthbearerScopeClaimName: string
  readonly saslLoginConnectTimeoutMs: number | null
  readonly saslLoginReadTimeoutMs: number | null
  readonly saslLoginRetryBackoffMs: number
  readonly saslLoginRetryBackoffMaxMs: number
  readonly saslLoginRefreshWindowFactor: number
  readonly saslLoginRefreshWindowJitter: number
  readonly saslLoginRefreshMinPeriodSeconds: number
  readonly saslLoginRefreshBufferSeconds: number
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
  logger: 'logger',
  metricsSampleWindowMs: 'metrics.sample.window.ms',
  metricsNumSamples: 'metrics.num.samples',
  metricsRecordingLevel: 'metrics.recording.level',
  socketConnectionSetupTimeoutMs: 'socket.connection.setup.timeout.ms',
  socketConnectionSetupTimeoutMaxMs: 'socket.connection.setup.timeout.max.ms',
  transactionalId: 'transactional.id',
  transactionTimeoutMs: 'transaction.timeout.ms',
  keySerializer: 'key.serializer',
  valueSerializer: 'value.serializer',
  interceptorClasses: 'interceptor.classes',
  metadataRecoveryStrategy: 'metadata.recovery.strategy',
  allowAutoCreateTopics: 'allow.auto.create.topics',
  circuitBreaker: 'circuitBreaker',
  spool: 'spool',
  securityProtocol: 'security.protocol',
  sslProtocol: 'ssl.protocol',
  sslEnabledProtocols: 'ssl.enabled.protocols',
  sslCipherSuites: 'ssl.cipher.suites',
  sslEndpointIdentificationAlgorithm: 'ssl.endpoint.identification.algorithm',
  sslTruststoreLocation: 'ssl.truststore.location',
  sslTruststoreType: 'ssl.truststore.type',
  sslTruststorePassword: 'ssl.truststore.password',
  sslTruststoreCertificates: 'ssl.truststore.certificates',
  sslKeystoreLocation: 'ssl.keystore.location',
  sslKeystoreType: 'ssl.keystore.type',
  sslKeystorePassword: 'ssl.keystore.password',
  sslKeystoreKey: 'ssl.keystore.key',
  sslKeystoreCertificateChain: 'ssl.keystore.certificate.chain',
  sslKeyPassword: 'ssl.key.password',
  saslMechanism: 'sasl.mechanism',
  saslJaasConfig: 'sasl.jaas.config',
  sasl: 'sasl',
  saslLoginCallbackHandlerClass: 'sasl.login.callback.handler.class',
  saslOauthbearerTokenEndpointUrl: 'sasl.oauthbearer.token.endpoint.url',
  saslOauthbearerScope: 'sasl.oauthbearer.scope',
  saslOauthbearerClientCredentialsClientId: 'sasl.oauthbearer.client.credentials.client.id',
  saslOauthbearerClientCredentialsClientSecret: 'sasl.oauthbearer.client.credentials.client.secret',
  saslOauthbearerHeaderUrlencode: 'sasl.oauthbearer.header.urlencode',
  saslOauthbearerSubClaimName: 'sasl.oauthbearer.sub.claim.name',
  saslOauthbearerScopeClaimName: 'sasl.oauthbearer.scope.claim.name',
  saslLoginConnectTimeoutMs: 'sasl.login.connect.timeout.ms',
  saslLoginReadTimeoutMs: 'sasl.login.read.timeout.ms',
  saslLoginRetryBackoffMs: 'sasl.login.retry.backoff.ms',
  saslLoginRetryBackoffMaxMs: 'sasl.login.retry.backoff.max.ms',
  saslLoginRefreshWindowFactor: 'sasl.login.refresh.window.factor',
  saslLoginRefreshWindowJitter: 'sasl.login.refresh.window.jitter',
  saslLoginRefreshMinPeriodSeconds: 'sasl.login.refresh.min.period.seconds',
  saslLoginRefreshBufferSeconds: 'sasl.login.refresh.buffer.seconds',
} as const satisfies Record<ConfigKey, string>

type Num = number
type Bool = boolean

/**
 * What a user may pass for each setting in the object form: numbers as numbers, booleans as
 * booleans. (A .properties file's strings come in through `ProducerProperties` instead.)
 */
export interface ConfigInputValues {
  /** Brokers to bootstrap from: `'host:port,host:port'` or `['host:port', '[::1]:9092']`. Required. */
  bootstrapServers: string | readonly string[]
  /** Name sent with every request; default `sluice-producer-<n>`. */
  clientId: string
  /** Acknowledgements to wait for: 0, 1, or -1/'all' (default). */
  acks: Acks | 'all'
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
  logger: Logger | null
  metricsSampleWindowMs: Num
  metricsNumSamples: Num
  metricsRecordingLevel: 'INFO' | 'DEBUG' | 'TRACE'
  socketConnectionSetupTimeoutMs: Num
  socketConnectionSetupTimeoutMaxMs: Num
  transactionalId: string | null
  transactionTimeoutMs: Num
  keySerializer: SerializerSetting
  valueSerializer: SerializerSetting
  interceptorClasses: readonly ProducerInterceptor[]
  metadataRecoveryStrategy: MetadataRecoveryStrategy | 'NONE' | 'REBOOTSTRAP'
  allowAutoCreateTopics: Bool
  /**
   * A circuit breaker: `{ failureThreshold?, cooldownMs?, halfOpenProbes? }` (defaults 5, 30000,
   * 1); null, false or unset: none. See docs/DELIVERY.md.
   */
  circuitBreaker: CircuitBreakerInput | boolean | null
  /**
   * A disk spool for records that cannot be delivered: `{ dir, maxBytes, fsync?, on? }`; null,
   * false or unset: none. See docs/DELIVERY.md.
   */
  spool: SpoolInput | false | null
  /** PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL (any case). */
  securityProtocol: SecurityProtocol | Lowercase<SecurityProtocol>
  sslProtocol: string
  sslEnabledProtocols: string | readonly string[] | null
  sslCipherSuites: string | readonly string[] | null
  /** 'https' (default): check each broker's host name against its certificate; '' turns that off. */
  sslEndpointIdentificationAlgorithm: string
  /** A PEM file of the CA certificates to trust (system CAs when neither this nor certificates is set). */
  sslTruststoreLocation: string | null
  sslTruststoreType: string | null
  sslTruststorePassword: string | Secret | null
  /** PEM text of the CA certificates to trust. */
  sslTruststoreCertificates: PemInput | null
  /** The client's key and certificate chain: a PEM file, or a PKCS#12 file with ssl.keystore.type=PKCS12. */
  sslKeystoreLocation: string | null
  sslKeystoreType: string | null
  sslKeystorePassword: string | Secret | null
  /** The client's private key as PEM text. */
  sslKeystoreKey: string | Buffer | Secret | null
  /** The client's certificate chain as PEM text. */
  sslKeystoreCertificateChain: PemInput | null
  /** Decrypts an encrypted private key. */
  sslKeyPassword: string | Secret | null
  saslMechanism: string | SaslMechanism
  sasl: SaslInput | SaslMechanism | null
  saslJaasConfig: string | Secret | null
  saslLoginCallbackHandlerClass: OAuthBearerTokenCallback | null
  saslOauthbearerTokenEndpointUrl: string | null
  saslOauthbearerScope: string | null
  saslOauthbearerClientCredentialsClientId: string | null
  saslOauthbearerClientCredentialsClientSecret: string | Secret | null
  saslOauthbearerHeaderUrlencode: boolean
  saslOauthbearerSubClaimName: string
  saslOauthbearerScopeClaimName: string
  saslLoginConnectTimeoutMs: Num | null
  saslLoginReadTimeoutMs: Num | null
  saslLoginRetryBackoffMs: Num
  saslLoginRetryBackoffMaxMs: Num
  saslLoginRefreshWindowFactor: Num
  saslLoginRefreshWindowJitter: Num
  saslLoginRefreshMinPeriodSeconds: Num
  saslLoginRefreshBufferSeconds: Num
}

type CamelInput = { [K in ConfigKey]?: ConfigInputValues[K] | undefined }
type DottedInput = { [K in ConfigKey as (typeof DOTTED_NAMES)[K]]?: ConfigInputValues[K] | undefined }

/** Every setting, optional, under its Java name (`'linger.ms'`) or camelCase (`lingerMs`). */
export interface ProducerSettings extends CamelInput, DottedInput {}

/**
 * Producer settings under their Java names (`'linger.ms'`) or camelCase (`lingerMs`); one
 * spelling per setting, `bootstrapServers` required. `undefined` means "not set". Unknown
 * names and wrongly typed values do not compile (and fail at run time with a ConfigError).
 */
export type ProducerConfigInput = ProducerSettings &
  (
    | { bootstrapServers: ConfigInputValues['bootstrapServers'] }
    | { 'bootstrap.servers': ConfigInputValues['bootstrapServers'] }
  )

declare const PROPERTIES: unique symbol

/**
 * Settings read from a Java .properties file (`loadPropertiesFile`, `parseProperties`): names
 * and values as strings, checked and converted by `new Producer()`. Add to them with string
 * values: `new Producer({ ...props, 'linger.ms': '5' })`.
 */
export type ProducerProperties = Readonly<Record<string, string>> & { readonly [PROPERTIES]: true }

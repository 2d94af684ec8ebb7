/**
 * kafkajs's client and producer options -> Sluice's producer settings.
 *
 * | kafkajs | Sluice |
 * | --- | --- |
 * | brokers (array, or a function returning one or a promise of one; called at connect()) | bootstrap.servers |
 * | clientId | client.id |
 * | ssl: true | security.protocol SSL (SASL_SSL with sasl), the system CAs |
 * | ssl: { ca, cert, key, passphrase } | ssl.truststore.certificates, ssl.keystore.certificate.chain, ssl.keystore.key, ssl.key.password |
 * | ssl: { rejectUnauthorized: false } | ssl.endpoint.identification.algorithm '' (the chain is still verified: give `ca`) |
 * | sasl: { mechanism, username, password } / oauthbearer | sasl (the same object) |
 * | connectionTimeout | socket.connection.setup.timeout.ms (TCP, TLS, ApiVersions and SASL together) |
 * | requestTimeout | request.timeout.ms |
 * | retry.retries / initialRetryTime / maxRetryTime | retries / retry.backoff.ms / retry.backoff.max.ms; max.block.ms = kafkajs's total backoff (bounded to 60 s) |
 * | allowAutoTopicCreation | allow.auto.create.topics |
 * | idempotent | enable.idempotence (kafkajs's default false) |
 * | transactionalId, transactionTimeout | transactional.id, transaction.timeout.ms |
 * | maxInFlightRequests | max.in.flight.requests.per.connection |
 * | send({ acks, compression }) | acks, compression.type (one Sluice producer per combination used) |
 *
 * linger.ms is 0: a kafkajs send() is a batch already and resolves when it is written; records
 * of concurrent sends still share requests. `sluice` (not a kafkajs option) passes any Sluice
 * setting through, over these.
 */
import type { ProducerConfigInput, ProducerSettings } from '../producer/config/index.js'
import type { OAuthBearerTokenCallback } from '../producer/config/types.js'
import type { SaslMechanism } from '../security/sasl/mechanism.js'
import { KafkaJSNonRetriableError } from './errors.js'
import type { LogLevel, logCreator } from './logger.js'
import type { ICustomPartitioner } from './partitioners.js'

export interface RetryOptions {
  maxRetryTime?: number
  initialRetryTime?: number
  factor?: number
  multiplier?: number
  retries?: number
  restartOnFailure?: (e: Error) => Promise<boolean>
}

export interface SSLOptions {
  ca?: string | Buffer | (string | Buffer)[]
  cert?: string | Buffer | (string | Buffer)[]
  key?: string | Buffer | (string | Buffer)[]
  passphrase?: string
  rejectUnauthorized?: boolean
  servername?: string
  [option: string]: unknown
}

export interface SASLOptions {
  mechanism: string | SaslMechanism
  username?: string
  password?: string
  oauthBearerProvider?: OAuthBearerTokenCallback
  [option: string]: unknown
}

export type BrokersFunction = () => string[] | Promise<string[]>

export interface KafkaConfig {
  brokers: string[] | BrokersFunction
  clientId?: string
  ssl?: boolean | SSLOptions
  sasl?: SASLOptions
  connectionTimeout?: number
  authenticationTimeout?: number
  reauthenticationThreshold?: number
  requestTimeout?: number
  enforceRequestTimeout?: boolean
  retry?: RetryOptions
  logLevel?: LogLevel
  logCreator?: logCreator
  socketFactory?: unknown
}

export interface ProducerConfig {
  createPartitioner?: ICustomPartitioner
  retry?: RetryOptions
  metadataMaxAge?: number
  allowAutoTopicCreation?: boolean
  idempotent?: boolean
  transactionalId?: string
  transactionTimeout?: number
  maxInFlightRequests?: number
  /** Not kafkajs: Sluice settings (camelCase or Java names) applied over the mapped ones. */
  sluice?: ProducerSettings
}

const DEFAULT_CLIENT_ID = 'kafkajs'
const MAX_BLOCK_CAP_MS = 60_000

/** What one Sluice producer needs on top of the shared settings. */
export interface Variant {
  acks: -1 | 0 | 1
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  transactional: boolean
}

/** The brokers, resolved: kafkajs calls a function each time it (re)connects. */
export async function resolveBrokers(brokers: KafkaConfig['brokers']): Promise<string[]> {
  const list = typeof brokers === 'function' ? await brokers() : brokers
  if (!Array.isArray(list) || list.length === 0) {
    throw new KafkaJSNonRetriableError(`Failed to connect: "config.brokers" returned void or empty array`)
  }
  return list
}

/**
 * kafkajs's total retry wait for `retry`, the time it keeps retrying a missing topic's metadata:
 * Sluice's max.block.ms gets the same, at most 60 s.
 */
export function retryBudgetMs(retry: RetryOptions): number {
  const retries = retry.retries ?? 5
  const initial = retry.initialRetryTime ?? 300
  const max = retry.maxRetryTime ?? 30_000
  const multiplier = retry.multiplier ?? 2
  let total = 0
  let wait = initial
  for (let i = 0; i < retries && total < MAX_BLOCK_CAP_MS; i++) {
    total += wait
    wait = Math.min(wait * multiplier, max)
  }
  return Math.max(1000, Math.min(total, MAX_BLOCK_CAP_MS))
}

function tlsSettings(ssl: KafkaConfig['ssl']): ProducerSettings {
  if (ssl === undefined || ssl === false || ssl === null) return {}
  if (ssl === true) return {}
  const out: Record<string, unknown> = {}
  if (ssl.ca !== undefined) out.sslTruststoreCertificates = ssl.ca
  if (ssl.cert !== undefined) out.sslKeystoreCertificateChain = ssl.cert
  if (ssl.key !== undefined) out.sslKeystoreKey = Array.isArray(ssl.key) ? ssl.key[0] : ssl.key
  if (ssl.passphrase !== undefined) out.sslKeyPassword = ssl.passphrase
  if (ssl.rejectUnauthorized === false) out.sslEndpointIdentificationAlgorithm = ''
  return out as ProducerSettings
}

/** The Sluice settings for one producer of this kafkajs producer. */
export function sluiceSettings(
  client: KafkaConfig,
  producer: ProducerConfig,
  brokers: readonly string[],
  variant: Variant,
  partitioner: ProducerSettings['partitionerClass'],
  logger: ProducerSettings['logger'],
): ProducerConfigInput {
  const retry = { ...client.retry, ...producer.retry }
  const usesTls = client.ssl !== undefined && client.ssl !== false && client.ssl !== null
  const usesSasl = client.sasl !== undefined && client.sasl !== null
  const s: Record<string, unknown> = {
    bootstrapServers: brokers.join(','),
    clientId: client.clientId ?? DEFAULT_CLIENT_ID,
    acks: variant.acks,
    compressionType: variant.compression,
    lingerMs: 0,
    enableIdempotence: variant.transactional || producer.idempotent === true,
    allowAutoCreateTopics: producer.allowAutoTopicCreation ?? true,
    maxBlockMs: retryBudgetMs(retry),
    partitionerClass: partitioner,
    logger,
    securityProtocol: usesTls ? (usesSasl ? 'SASL_SSL' : 'SSL') : usesSasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT',
    ...tlsSettings(client.ssl),
  }
  if (usesSasl) s.sasl = client.sasl
  if (client.connectionTimeout !== undefined) {
    s.socketConnectionSetupTimeoutMs = client.connectionTimeout
    s.socketConnectionSetupTimeoutMaxMs = Math.max(client.connectionTimeout, 30_000)
  }
  if (client.requestTimeout !== undefined) {
    s.requestTimeoutMs = client.requestTimeout
    s.deliveryTimeoutMs = Math.max(120_000, client.requestTimeout)
  }
  if (retry.retries !== undefined) s.retries = Math.min(retry.retries, 2147483647)
  if (retry.initialRetryTime !== undefined) s.retryBackoffMs = retry.initialRetryTime
  if (retry.maxRetryTime !== undefined) s.retryBackoffMaxMs = retry.maxRetryTime
  if (producer.metadataMaxAge !== undefined) s.metadataMaxAgeMs = producer.metadataMaxAge
  if (producer.maxInFlightRequests !== undefined && producer.maxInFlightRequests !== null) {
    s.maxInFlightRequestsPerConnection = producer.maxInFlightRequests
  }
  if (variant.transactional) {
    s.transactionalId = producer.transactionalId
    if (producer.transactionTimeout !== undefined) s.transactionTimeoutMs = producer.transactionTimeout
  }
  return { ...s, ...producer.sluice } as ProducerConfigInput
}

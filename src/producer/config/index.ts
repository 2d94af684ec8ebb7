/**
 * Producer configuration: accepts Kafka's Java setting names or camelCase, coerces strings,
 * applies Kafka 4.x defaults and validates once, at construction, with Java's cross-field rules
 * (ProducerConfig.postProcessAndValidateIdempotenceConfigs, KafkaProducer.configureDeliveryTimeout).
 */
import { ConfigError } from '../../errors.js'
import { SPECS } from './definitions.js'
import { isUnsupportedJavaSetting, suggest } from './suggest.js'
import {
  type ConfigKey,
  DOTTED_NAMES,
  type ProducerConfig,
  type ProducerConfigInput,
  type ProducerProperties,
} from './types.js'

export { CONFIG_DEFINITIONS, type ConfigDefinition, type ConfigType } from './definitions.js'
export { renderConfigTable } from './docs.js'
export type {
  Acks,
  BootstrapServer,
  CompressionType,
  ConfigInputValues,
  MetadataRecoveryStrategy,
  Partitioner,
  ProducerConfig,
  ProducerConfigInput,
  ProducerInterceptor,
  ProducerProperties,
  ProducerSettings,
  SerializerSetting,
} from './types.js'

/** The most in-flight requests the idempotent producer allows (brokers keep 5 batches per producer). */
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5

const KEYS = Object.keys(DOTTED_NAMES) as ConfigKey[]
const BY_NAME = new Map<string, ConfigKey>()
for (const k of KEYS) {
  BY_NAME.set(k, k)
  BY_NAME.set(DOTTED_NAMES[k], k)
}
const NAMES = KEYS.map((k) => ({ camel: k, dotted: DOTTED_NAMES[k] }))

let clientIdSequence = 1

/** kafkajs's option names (of `new Kafka()` and `kafka.producer()`) and Sluice's for the same thing. */
const KAFKAJS_NAMES: Readonly<Record<string, string>> = {
  brokers: 'bootstrapServers',
  idempotent: 'enableIdempotence',
  maxInFlightRequests: 'maxInFlightRequestsPerConnection',
  transactionTimeout: 'transactionTimeoutMs',
  requestTimeout: 'requestTimeoutMs',
  connectionTimeout: 'socketConnectionSetupTimeoutMs',
  allowAutoTopicCreation: 'allowAutoCreateTopics',
  compression: 'compressionType',
  createPartitioner: 'partitionerClass',
  retry: 'retries, retryBackoffMs and retryBackoffMaxMs',
  ssl: "securityProtocol: 'SSL' and the ssl* settings",
  logLevel: 'logger',
  logCreator: 'logger',
}

function unknownKey(key: string): ConfigError {
  if (isUnsupportedJavaSetting(key)) {
    return new ConfigError(key, 'is a Kafka producer setting that Sluice does not support yet; remove it.')
  }
  const ours = Object.hasOwn(KAFKAJS_NAMES, key) ? KAFKAJS_NAMES[key] : undefined
  if (ours !== undefined) {
    return new ConfigError(
      key,
      `is kafkajs's name: ${ours.includes(' ') ? `Sluice's settings for it are ${ours}` : `did you mean '${ours}'?`} ` +
        "(or keep kafkajs's options with import { Kafka } from 'sluice/kafkajs')",
    )
  }
  const hint = suggest(key, NAMES)
  const fix = hint === null ? 'See docs/CONFIGURATION.md for the settings.' : `Did you mean '${hint}'?`
  return new ConfigError(key, `unknown setting. ${fix}`)
}

/**
 * Resolves user settings into a frozen ProducerConfig, or throws a ConfigError naming the
 * offending option, the value received and the fix.
 */
export function resolveConfig(input: ProducerConfigInput | ProducerProperties): ProducerConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(
      'config',
      `expected an object of settings, got ${input === null ? 'null' : typeof input}`,
    )
  }
  // Which key (spelling) the user used for each setting they set; undefined values count as unset.
  const given = new Map<ConfigKey, string>()
  const parsed: Partial<Record<ConfigKey, unknown>> = {}
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue
    const name = BY_NAME.get(key)
    if (name === undefined) throw unknownKey(key)
    const other = given.get(name)
    if (other !== undefined) {
      throw new ConfigError(key, `is set twice, as '${other}' and as '${key}'; keep one of them.`)
    }
    given.set(name, key)
    parsed[name] = SPECS[name].parse(value, key)
  }
  const label = (k: ConfigKey) => given.get(k) ?? DOTTED_NAMES[k]
  const value = <K extends ConfigKey>(k: K): ProducerConfig[K] =>
    (k in parsed ? parsed[k] : SPECS[k].default) as ProducerConfig[K]

  if (!given.has('bootstrapServers')) {
    throw new ConfigError(
      'bootstrap.servers',
      'is required: the brokers to connect to first, e.g. { bootstrapServers: "localhost:9092" }.',
    )
  }

  const acks = value('acks')
  const retries = value('retries')
  const maxInFlight = value('maxInFlightRequestsPerConnection')
  const idempotenceExplicit = given.has('enableIdempotence')
  let enableIdempotence = value('enableIdempotence')
  let disabledBecause: string | null =
    idempotenceExplicit && !enableIdempotence ? `${label('enableIdempotence')}=false` : null
  if (enableIdempotence) {
    const conflicts: string[] = []
    if (retries === 0) conflicts.push(`${label('retries')}=0`)
    if (acks !== -1) conflicts.push(`${label('acks')}=${acks}`)
    if (conflicts.length > 0) {
      if (idempotenceExplicit) {
        const first = retries === 0 ? label('retries') : label('acks')
        throw new ConfigError(
          first,
          `${conflicts.join(' and ')} conflicts with ${label('enableIdempotence')}=true: the idempotent producer needs ` +
            `acks=all (so a retried batch cannot be lost or duplicated) and retries > 0. ` +
            `Set acks to 'all' and retries above 0, or set ${label('enableIdempotence')}=false.`,
        )
      }
      // Java: idempotence is only a default here, so a conflicting explicit setting turns it off.
      enableIdempotence = false
      disabledBecause = conflicts.join(' and ')
    }
    // Java rejects this even when idempotence is only on by default.
    if (maxInFlight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
      const why = idempotenceExplicit ? `${label('enableIdempotence')}=true` : 'idempotence (on by default)'
      throw new ConfigError(
        label('maxInFlightRequestsPerConnection'),
        `is ${maxInFlight}, but ${why} allows at most ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} in-flight requests ` +
          `(brokers remember only the last ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} batches per producer). ` +
          `Set it to ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} or less, or set enable.idempotence=false.`,
      )
    }
  }

  const transactionalId = value('transactionalId')
  if (transactionalId !== null && !enableIdempotence) {
    throw new ConfigError(
      label('transactionalId'),
      `needs idempotence, but idempotence is off because of ${disabledBecause ?? 'enable.idempotence=false'}. ` +
        `Remove that setting (acks must be 'all' and retries > 0), or remove ${label('transactionalId')}.`,
    )
  }

  if (transactionalId !== null && value('spool') !== null) {
    throw new ConfigError(
      label('spool'),
      `can't be used with ${label('transactionalId')}: a spooled record would be replayed later, outside its transaction. ` +
        `Remove ${label('spool')}, or use a producer without ${label('transactionalId')} for the records you want spooled.`,
    )
  }

  // Java: with only reconnect.backoff.ms set, the backoff stays constant at that value.
  const reconnectBackoffMaxMs =
    given.has('reconnectBackoffMs') && !given.has('reconnectBackoffMaxMs')
      ? value('reconnectBackoffMs')
      : value('reconnectBackoffMaxMs')

  const lingerMs = value('lingerMs')
  const requestTimeoutMs = value('requestTimeoutMs')
  const floor = lingerMs + requestTimeoutMs
  let deliveryTimeoutMs = value('deliveryTimeoutMs')
  if (deliveryTimeoutMs < floor) {
    if (given.has('deliveryTimeoutMs')) {
      throw new ConfigError(
        label('deliveryTimeoutMs'),
        `is ${deliveryTimeoutMs}, less than ${label('lingerMs')} + ${label('requestTimeoutMs')} = ` +
          `${lingerMs} + ${requestTimeoutMs} = ${floor}: a record could expire before its first request even timed out. ` +
          `Set it to at least ${floor}, or lower linger.ms / request.timeout.ms.`,
      )
    }
    // Java: the default gives way to larger linger.ms + request.timeout.ms.
    deliveryTimeoutMs = floor
  }

  checkMemoryPairs(value('batchSize'), value('bufferMemory'), value('maxRequestSize'), given, label)

  const clientId = given.has('clientId')
    ? value('clientId')
    : `sluice-producer-${transactionalId ?? clientIdSequence++}`

  const config: { -readonly [K in ConfigKey]: ProducerConfig[K] } = {} as never
  for (const k of KEYS) (config as Record<ConfigKey, unknown>)[k] = value(k)
  config.clientId = clientId
  config.enableIdempotence = enableIdempotence
  config.reconnectBackoffMaxMs = reconnectBackoffMaxMs
  config.deliveryTimeoutMs = deliveryTimeoutMs
  config.bootstrapServers = Object.freeze([...config.bootstrapServers])
  config.interceptorClasses = Object.freeze([...config.interceptorClasses])
  return Object.freeze(config)
}

/**
 * Pairs of sizes that cannot work together, refused naming both (the one the user set first):
 * a batch larger than all of buffer.memory could never be allocated (every send would wait
 * max.block.ms and fail); a max.request.size set above buffer.memory promises records that could
 * never be buffered. (With max.request.size left at its default, a record larger than
 * buffer.memory fails alone with RecordTooLargeError, as in Java.)
 */
function checkMemoryPairs(
  batchSize: number,
  bufferMemory: number,
  maxRequestSize: number,
  given: ReadonlyMap<ConfigKey, string>,
  label: (k: ConfigKey) => string,
): void {
  if (batchSize > bufferMemory) {
    const fix = `Set ${label('batchSize')} to at most ${bufferMemory}, or ${label('bufferMemory')} to at least ${batchSize}.`
    const why = 'no batch could ever be allocated, so every send would wait max.block.ms and fail.'
    if (given.has('batchSize') || !given.has('bufferMemory'))
      throw new ConfigError(
        label('batchSize'),
        `is ${batchSize}, larger than ${label('bufferMemory')}=${bufferMemory}: ${why} ${fix}`,
      )
    throw new ConfigError(
      label('bufferMemory'),
      `is ${bufferMemory}, smaller than ${label('batchSize')}=${batchSize}: ${why} ${fix}`,
    )
  }
  if (given.has('maxRequestSize') && maxRequestSize > bufferMemory) {
    throw new ConfigError(
      label('maxRequestSize'),
      `is ${maxRequestSize}, larger than ${label('bufferMemory')}=${bufferMemory}: a record between the two could never be buffered. ` +
        `Set ${label('maxRequestSize')} to at most ${bufferMemory}, or ${label('bufferMemory')} to at least ${maxRequestSize}.`,
    )
  }
}

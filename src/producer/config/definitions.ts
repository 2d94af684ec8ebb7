/**
 * Every producer setting: Java name, type, Kafka 4.x default, one-line meaning, valid values
 * and parser. Ranges follow Kafka's ProducerConfig unless noted.
 */
import * as p from './coerce.js'
import { SECURITY_SPECS } from './security-definitions.js'
import { type ConfigKey, DOTTED_NAMES, type ProducerConfig } from './types.js'

export type ConfigType =
  | 'list'
  | 'string'
  | 'int'
  | 'long'
  | 'boolean'
  | 'acks'
  | 'enum'
  | 'serializer'
  | 'partitioner'
  | 'interceptors'
  | 'password'
  | 'pem'
  | 'mechanism'
  | 'object'
  | 'function'
  | 'double'

export interface ConfigDefinition {
  /** Java (dotted) name, e.g. `linger.ms`. */
  readonly name: string
  /** camelCase name, e.g. `lingerMs`; the key in the resolved ProducerConfig. */
  readonly camel: string
  readonly type: ConfigType
  /** The default in resolved form; undefined when required, or when computed (see defaultText). */
  readonly default: unknown
  /** The default as the docs show it. */
  readonly defaultText: string
  /** One line: what the setting does. */
  readonly doc: string
  /** The values accepted, as the docs show them. */
  readonly valid: string
}

export interface Spec<T> {
  type: ConfigType
  default: T | undefined
  defaultText?: string
  doc: string
  valid: string
  parse: p.Parser<T>
}

const SAFE = Number.MAX_SAFE_INTEGER
const ms = (min: number, max = SAFE) => p.integer({ min, max, unit: 'ms' })
const bytes = (min: number, max = p.INT_MAX) => p.integer({ min, max, unit: 'bytes' })

function long(def: number, doc: string, min = 0): Spec<number> {
  return { type: 'long', default: def, doc, valid: `>= ${min}`, parse: ms(min) }
}

function int(def: number, doc: string, min: number, max = p.INT_MAX, unit = ''): Spec<number> {
  const valid = max === p.INT_MAX ? `>= ${min}` : `${min}..${max}`
  return { type: 'int', default: def, doc, valid, parse: p.integer({ min, max, unit }) }
}

function bool(def: boolean, doc: string): Spec<boolean> {
  return { type: 'boolean', default: def, doc, valid: 'true, false', parse: p.boolean }
}

export const SPECS: { readonly [K in ConfigKey]: Spec<ProducerConfig[K]> } = {
  bootstrapServers: {
    type: 'list',
    default: undefined,
    defaultText: '(required)',
    doc: 'Brokers to contact first to discover the cluster; one reachable broker is enough.',
    valid: "'host:port,...' or ['host:port', '[ipv6]:port']",
    parse: p.bootstrapServers,
  },
  clientId: {
    type: 'string',
    default: undefined,
    defaultText: 'sluice-producer-<n> (sluice-producer-<transactional.id> when transactional)',
    doc: 'Name sent with every request, for broker logs and quotas.',
    valid: 'any string',
    parse: p.string({ nonEmpty: false }),
  },
  acks: {
    type: 'acks',
    default: -1,
    defaultText: 'all',
    doc: 'Acknowledgements the leader must gather before a send succeeds: none, itself, or all in-sync replicas.',
    valid: "0, 1, -1 or 'all' (resolved to -1)",
    parse: p.acks,
  },
  enableIdempotence: bool(
    true,
    'Exactly one copy of each record per partition despite retries; needs acks=all, retries > 0, max.in.flight <= 5.',
  ),
  batchSize: {
    ...int(16384, 'Target size of one partition batch; 0 disables batching.', 0),
    valid: '>= 0 bytes',
    parse: bytes(0),
  },
  lingerMs: long(5, 'How long a partial batch waits for more records before it is sent.'),
  bufferMemory: {
    type: 'long',
    default: 33554432,
    doc: 'Total bytes of records waiting to be sent; send() waits up to max.block.ms when it is full. Records waiting for memory or metadata are bounded by as much again; a send beyond fails at once.',
    // Kafka allows 0, which makes every send fail; we require at least one byte.
    valid: '>= 1 bytes',
    parse: p.integer({ min: 1, max: SAFE, unit: 'bytes' }),
  },
  maxBlockMs: long(60000, 'Longest send() waits for metadata or buffer space before failing.'),
  compressionType: {
    type: 'enum',
    default: 'none',
    doc: 'Codec for record batches.',
    valid: 'none, gzip, snappy, lz4, zstd',
    parse: p.oneOf(['none', 'gzip', 'snappy', 'lz4', 'zstd'], { ignoreCase: false }),
  },
  compressionGzipLevel: {
    type: 'int',
    default: -1,
    doc: 'gzip level when compression.type=gzip; -1 is the codec default.',
    valid: '-1 or 1..9',
    parse: p.integer({ min: 1, max: 9, also: [-1] }),
  },
  compressionLz4Level: int(9, 'lz4 level when compression.type=lz4.', 1, 17),
  compressionZstdLevel: int(3, 'zstd level when compression.type=zstd.', -131072, 22),
  maxInFlightRequestsPerConnection: int(
    5,
    'Unacknowledged produce requests per broker connection; at most 5 with idempotence.',
    1,
  ),
  retries: int(2147483647, 'Resends of a failed batch; delivery.timeout.ms usually ends retrying first.', 0),
  retryBackoffMs: long(
    100,
    'First wait before retrying a failed request; doubles up to retry.backoff.max.ms.',
  ),
  retryBackoffMaxMs: long(1000, 'Upper bound of the retry backoff.'),
  reconnectBackoffMs: long(
    50,
    'First wait before reconnecting to a broker; grows up to reconnect.backoff.max.ms.',
  ),
  reconnectBackoffMaxMs: {
    ...long(1000, 'Upper bound of the reconnect backoff.'),
    defaultText: '1000 (reconnect.backoff.ms when only that is set)',
  },
  requestTimeoutMs: {
    type: 'int',
    default: 30000,
    doc: 'How long to wait for a broker response before failing or retrying the request.',
    valid: '>= 0',
    parse: p.integer({ min: 0, max: p.INT_MAX, unit: 'ms' }),
  },
  deliveryTimeoutMs: {
    type: 'int',
    default: 120000,
    doc: 'Upper bound from send() to success or failure, retries included; must be >= linger.ms + request.timeout.ms.',
    valid: '>= linger.ms + request.timeout.ms',
    parse: p.integer({ min: 0, max: p.INT_MAX, unit: 'ms' }),
  },
  maxRequestSize: {
    type: 'int',
    default: 1048576,
    doc: 'Largest produce request, and so the largest record, the producer will send.',
    // Kafka allows 0, which rejects every record; we require at least one byte.
    valid: '>= 1 bytes',
    parse: bytes(1),
  },
  metadataMaxAgeMs: long(300000, 'Refresh cluster metadata at least this often, even without errors.'),
  metadataMaxIdleMs: long(
    300000,
    'Forget metadata of a topic not produced to for this long; the next send to it fetches it again.',
    5000,
  ),
  partitionerAdaptivePartitioningEnable: bool(
    true,
    'Without a key, send more to partitions on faster brokers; ignored with a custom partitioner.',
  ),
  partitionerAvailabilityTimeoutMs: long(
    0,
    'Treat a partition as unavailable after its broker is this slow to accept; 0 turns it off.',
  ),
  partitionerIgnoreKeys: bool(
    false,
    'Ignore record keys when choosing a partition (sticky for all records).',
  ),
  partitionerClass: {
    type: 'partitioner',
    default: null,
    doc: 'Custom partitioner; returning undefined falls back to the built-in choice.',
    valid: '(args) => number | undefined, or { partition(args) }',
    parse: p.partitioner,
  },
  sendBufferBytes: {
    ...int(
      131072,
      'Socket send buffer (SO_SNDBUF). Accepted, not applied: Node cannot set it on a client socket.',
      -1,
    ),
    valid: '>= -1 bytes',
    parse: bytes(-1),
  },
  receiveBufferBytes: {
    ...int(
      32768,
      'Socket receive buffer (SO_RCVBUF). Accepted, not applied: Node cannot set it on a client socket.',
      -1,
    ),
    valid: '>= -1 bytes',
    parse: bytes(-1),
  },
  connectionsMaxIdleMs: long(540000, 'Close broker connections idle this long; -1 never closes them.', -1),
  socketConnectionSetupTimeoutMs: long(
    10000,
    'Timeout for establishing a connection; it doubles after each failed attempt, up to the max.',
  ),
  socketConnectionSetupTimeoutMaxMs: long(30000, 'Upper bound of the connection setup timeout.'),
  transactionalId: {
    type: 'string',
    default: null,
    doc: 'Enables transactions under this stable id (initTransactions, beginTransaction, commitTransaction); implies idempotence. A second producer with the same id fences the first.',
    valid: 'non-empty string or null',
    parse: p.nullable(p.string({ nonEmpty: true })),
  },
  transactionTimeoutMs: {
    ...int(60000, 'Longest a transaction may stay open before the coordinator aborts it.', 0),
    parse: p.integer({ min: 0, max: p.INT_MAX, unit: 'ms' }),
  },
  keySerializer: {
    type: 'serializer',
    default: 'buffer',
    doc: 'Turns record keys into bytes.',
    valid: "function, or 'buffer', 'string', 'json', 'int', 'long'",
    parse: p.serializer,
  },
  valueSerializer: {
    type: 'serializer',
    default: 'buffer',
    doc: 'Turns record values into bytes.',
    valid: "function, or 'buffer', 'string', 'json', 'int', 'long'",
    parse: p.serializer,
  },
  interceptorClasses: {
    type: 'interceptors',
    default: [],
    defaultText: '[]',
    doc: 'Objects that see each record before it is sent and each acknowledgement.',
    valid: 'array of { onSend?, onAcknowledgement?, close? }',
    parse: p.interceptors,
  },
  metadataRecoveryStrategy: {
    type: 'enum',
    default: 'rebootstrap',
    doc: 'What to do when no known broker is reachable: go back to bootstrap.servers, or keep trying.',
    valid: 'none, rebootstrap (any case)',
    parse: p.oneOf(['none', 'rebootstrap'], { ignoreCase: true }),
  },
  allowAutoCreateTopics: bool(true, 'Let the broker create a missing topic when the producer asks for it.'),
  circuitBreaker: {
    type: 'object',
    default: null,
    defaultText: 'null (no breaker)',
    doc: "Sluice's own: after failureThreshold consecutive delivery failures (retriable errors, lost requests, failed connections) send() fails fast with CircuitOpenError for cooldownMs, then halfOpenProbes records probe the cluster; see docs/DELIVERY.md.",
    valid:
      '{ failureThreshold?: >= 1 (5), cooldownMs?: >= 1 (30000), halfOpenProbes?: 1..10000 (1) }, true, or null',
    parse: p.circuitBreaker,
  },
  spool: {
    type: 'object',
    default: null,
    defaultText: 'null (no spool)',
    doc: "Sluice's own: a disk spool. A record that fails for one of the causes in `on` is appended to a log in `dir` instead (its send resolves with `spooled: true`, offset -1) and replayed in order when the cluster answers again; see docs/DELIVERY.md.",
    valid:
      "{ dir: path, maxBytes: >= 1048576, fsync?: 'always' | 'interval' | 'never' ('interval'), fsyncIntervalMs?: >= 1 (1000), segmentBytes?: 4096..maxBytes, on?: ['delivery-timeout', 'unreachable', 'buffer-full', 'circuit-open'] (all) }, or null",
    parse: p.spool,
  },
  logger: {
    type: 'object',
    default: null,
    defaultText: 'null',
    doc: 'A pino-compatible logger (trace/debug/info/warn/error taking fields, then a message) for connection, metadata, retry, producer id and epoch events; null logs nothing.',
    valid: 'logger object or null',
    parse: p.logger,
  },
  metricsSampleWindowMs: {
    type: 'long',
    default: 30000,
    doc: 'The window of one metrics sample: rates, averages and maxima cover metrics.num.samples of them.',
    valid: '>= 1',
    parse: ms(1),
  },
  metricsNumSamples: int(2, 'The number of samples that rates, averages and maxima are computed over.', 1),
  metricsRecordingLevel: {
    type: 'enum',
    default: 'INFO',
    doc: 'The highest recording level of metrics. Every producer metric is INFO, so all levels record the same set.',
    valid: 'INFO, DEBUG, TRACE',
    parse: p.oneOf(['INFO', 'DEBUG', 'TRACE'], { ignoreCase: false }),
  },
  ...SECURITY_SPECS,
}

function defaultText(def: unknown): string {
  if (def === null) return 'null'
  if (typeof def === 'string') return def
  return String(def)
}

export const CONFIG_DEFINITIONS: readonly ConfigDefinition[] = Object.freeze(
  (Object.keys(SPECS) as ConfigKey[]).map((camel) => {
    const s = SPECS[camel] as Spec<unknown>
    return Object.freeze({
      name: DOTTED_NAMES[camel],
      camel,
      type: s.type,
      default: s.default,
      defaultText: s.defaultText ?? defaultText(s.default),
      doc: s.doc,
      valid: s.valid,
    })
  }),
)

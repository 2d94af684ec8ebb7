/**
 * `sluice perf` command line, with the flags and rules of Kafka's kafka-producer-perf-test
 * (org.apache.kafka.tools.ProducerPerformance, Kafka 4.x). Differences, all additive: --topic,
 * --num-records, --throughput and the payload have defaults (sluice-perf, 1000000, -1, 100-byte
 * records); no producer settings at all is fine (a local Kafka is started); --partitions and
 * --json are ours; a k=v value may itself contain '='. --random-seed seeds Sluice's own generator:
 * one seed always gives the same run, but not the numbers of Java's SplittableRandom.
 */
import { suggest } from '../../producer/config/suggest.js'
import { parseProp } from '../common/settings.js'
import { UsageError } from '../common/usage.js'

export { parseProp, UsageError }

export type Payload =
  | { readonly kind: 'random'; readonly recordSize: number }
  | { readonly kind: 'file'; readonly path: string; readonly delimiter: string }
  | { readonly kind: 'monotonic' }

/** --key-distribution: null keys, keys 0..KEY-RANGE-1 in turn, or drawn at random from them. */
export type KeyDistribution = 'none' | 'range' | 'random'
export const KEY_DISTRIBUTIONS: readonly KeyDistribution[] = ['none', 'range', 'random']

export interface PerfArgs {
  readonly help: boolean
  readonly topic: string
  readonly numRecords: number
  readonly warmupRecords: number
  readonly payload: Payload
  readonly keyDistribution: KeyDistribution
  /** --record-key-range: keys are the integers [0, recordKeyRange); null with no keys. */
  readonly recordKeyRange: number | null
  /** --random-seed (a Java long): seeds the random payloads and random keys. */
  readonly randomSeed: bigint
  /** Records/s; negative: unthrottled. */
  readonly throughput: number
  /** --producer-props / --command-property words, in order. */
  readonly producerProps: readonly string[]
  /** --producer.config / --command-config file. */
  readonly producerConfigFile: string | null
  readonly bootstrapServer: string | null
  readonly transactionalId: string | null
  readonly transactionDurationMs: number | null
  readonly printMetrics: boolean
  /** --metrics-port: serve the metrics (OpenMetrics) on this port while running; null: not. */
  readonly metricsPort: number | null
  readonly reportingIntervalMs: number
  /** Partitions of the topic when the tool creates it. */
  readonly partitions: number
  readonly json: boolean
}

export const DEFAULTS = {
  topic: 'sluice-perf',
  numRecords: 1_000_000,
  recordSize: 100,
  throughput: -1,
  reportingIntervalMs: 5000,
  partitions: 8,
} as const

type Kind = 'value' | 'list' | 'switch'

/** Every flag, with the Java tool's name where it has one. */
const FLAGS: Record<string, Kind> = {
  '--topic': 'value',
  '--num-records': 'value',
  '--warmup-records': 'value',
  '--record-size': 'value',
  '--payload-file': 'value',
  '--payload-delimiter': 'value',
  '--payload-monotonic': 'switch',
  '--throughput': 'value',
  '--producer-props': 'list',
  '--command-property': 'list',
  '--producer.config': 'value',
  '--command-config': 'value',
  '--bootstrap-server': 'value',
  '--transactional-id': 'value',
  '--transaction-duration-ms': 'value',
  '--print-metrics': 'switch',
  '--metrics-port': 'value',
  '--reporting-interval': 'value',
  '--record-key-range': 'value',
  '--key-distribution': 'value',
  '--random-seed': 'value',
  '--partitions': 'value',
  '--json': 'switch',
  '--help': 'switch',
}

const FLAG_NAMES = Object.keys(FLAGS).map((f) => ({ dotted: f, camel: f }))

/** Splits argv into flag -> values (last occurrence wins for single values; lists accumulate). */
function tokenize(argv: readonly string[]): Map<string, string[]> {
  const seen = new Map<string, string[]>()
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (word === '-h') {
      seen.set('--help', [])
      continue
    }
    if (!word.startsWith('--')) {
      throw new UsageError(`unexpected argument '${word}' (every value follows its flag, e.g. --topic NAME)`)
    }
    const eq = word.indexOf('=')
    const flag = eq < 0 ? word : word.slice(0, eq)
    const inline = eq < 0 ? undefined : word.slice(eq + 1)
    const kind = FLAGS[flag]
    if (kind === undefined) {
      const hint = suggest(flag, FLAG_NAMES)
      throw new UsageError(`unknown option '${flag}'${hint === null ? '' : `; did you mean '${hint}'?`}`)
    }
    if (kind === 'switch') {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`)
      seen.set(flag, [])
    } else if (kind === 'value') {
      let value = inline
      if (value === undefined) {
        const next = argv[i + 1]
        if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`)
        value = next
        i++
      }
      seen.set(flag, [value])
    } else {
      // Like argparse's nargs='+': every following word up to the next flag.
      const values = seen.get(flag) ?? []
      if (inline !== undefined) values.push(inline)
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!)
      if (values.length === 0) throw new UsageError(`${flag} needs at least one PROP-NAME=PROP-VALUE`)
      seen.set(flag, values)
    }
  }
  return seen
}

function integer(flag: string, text: string, min: number): number {
  const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} must be an integer, got '${text}'`)
  if (n < min) {
    throw new UsageError(
      min === 1
        ? `${flag} should be greater than zero, got ${n}`
        : `${flag} must be at least ${min}, got ${n}`,
    )
  }
  return n
}

const INT_MAX = 2 ** 31 - 1
const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n

/** A Java long: any 64-bit signed integer. */
function long(flag: string, text: string): bigint {
  const t = text.trim()
  const n = /^[+-]?\d+$/.test(t) ? BigInt(t) : null
  if (n === null || n < LONG_MIN || n > LONG_MAX) {
    throw new UsageError(`${flag} must be an integer from ${LONG_MIN} to ${LONG_MAX}, got '${text}'`)
  }
  return n
}

/** Parses and checks the command line; throws UsageError naming the flag at fault. */
export function parsePerfArgs(argv: readonly string[]): PerfArgs {
  const seen = tokenize(argv)
  const one = (flag: string): string | undefined => seen.get(flag)?.[0]
  const has = (flag: string): boolean => seen.has(flag)

  const topic = one('--topic') ?? DEFAULTS.topic
  if (topic.trim() === '') throw new UsageError('--topic must not be empty')
  const numRecords = has('--num-records')
    ? integer('--num-records', one('--num-records')!, 1)
    : DEFAULTS.numRecords
  const warmupRecords = has('--warmup-records') ? integer('--warmup-records', one('--warmup-records')!, 0) : 0
  if (warmupRecords >= numRecords) {
    throw new UsageError(
      `--warmup-records (${warmupRecords}) must be strictly fewer than the number of records in the test, --num-records (${numRecords})`,
    )
  }

  const payloadFlags = ['--record-size', '--payload-file', '--payload-monotonic'].filter(has)
  if (payloadFlags.length > 1) {
    throw new UsageError(
      `${payloadFlags.join(' and ')} cannot be used together: give exactly one of --record-size, --payload-file or --payload-monotonic`,
    )
  }
  let payload: Payload
  if (has('--payload-file')) {
    const path = one('--payload-file')!
    if (path === '') throw new UsageError('--payload-file must not be empty')
    // Java's default is the two characters backslash-n, turned into a newline; as a Java regex
    // both mean the same, and so they do here.
    const delimiter = one('--payload-delimiter') ?? '\n'
    if (delimiter === '') throw new UsageError('--payload-delimiter must not be empty')
    payload = { kind: 'file', path, delimiter }
  } else if (has('--payload-monotonic')) {
    payload = { kind: 'monotonic' }
  } else {
    const recordSize = has('--record-size')
      ? integer('--record-size', one('--record-size')!, 1)
      : DEFAULTS.recordSize
    payload = { kind: 'random', recordSize }
  }

  let throughput: number = DEFAULTS.throughput
  if (has('--throughput')) {
    const text = one('--throughput')!
    throughput = text.trim() === '' ? Number.NaN : Number(text)
    if (!Number.isFinite(throughput)) {
      throw new UsageError(`--throughput must be a number of records/sec (-1 for no limit), got '${text}'`)
    }
    if (throughput === 0)
      throw new UsageError('--throughput 0 would never send; use a rate above 0, or -1 for no limit')
  }

  if (has('--producer-props') && has('--command-property')) {
    throw new UsageError('--command-property and --producer-props cannot be specified together')
  }
  if (has('--producer.config') && has('--command-config')) {
    throw new UsageError('--command-config and --producer.config cannot be specified together')
  }
  const producerProps = seen.get('--producer-props') ?? seen.get('--command-property') ?? []
  for (const prop of producerProps) parseProp(prop)
  const producerConfigFile = one('--producer.config') ?? one('--command-config') ?? null

  const bootstrapServer = one('--bootstrap-server') ?? null
  if (bootstrapServer !== null && bootstrapServer.trim() === '') {
    throw new UsageError('--bootstrap-server must not be empty')
  }
  const transactionalId = one('--transactional-id') ?? null
  if (transactionalId === '') throw new UsageError('--transactional-id must not be empty')
  const transactionDurationMs = has('--transaction-duration-ms')
    ? integer('--transaction-duration-ms', one('--transaction-duration-ms')!, 1)
    : null
  const metricsPort = has('--metrics-port') ? integer('--metrics-port', one('--metrics-port')!, 0) : null
  if (metricsPort !== null && metricsPort > 65535)
    throw new UsageError(`--metrics-port must be a port (0-65535), got ${metricsPort}`)
  const reportingIntervalMs = has('--reporting-interval')
    ? integer('--reporting-interval', one('--reporting-interval')!, 1)
    : DEFAULTS.reportingIntervalMs

  // Checked as Java's ConfigPostProcessor checks them (KIP-1299).
  let recordKeyRange: number | null = null
  if (has('--record-key-range')) {
    recordKeyRange = integer('--record-key-range', one('--record-key-range')!, 1)
    if (recordKeyRange > INT_MAX) {
      throw new UsageError(
        `--record-key-range must be at most ${INT_MAX} (a Java int), got ${recordKeyRange}`,
      )
    }
  }
  const keyDistribution = (one('--key-distribution') ?? 'none') as KeyDistribution
  if (!KEY_DISTRIBUTIONS.includes(keyDistribution)) {
    throw new UsageError(
      `--key-distribution must be one of ${KEY_DISTRIBUTIONS.join(', ')}, got '${keyDistribution}'`,
    )
  }
  if (keyDistribution !== 'none' && recordKeyRange === null) {
    throw new UsageError(`--record-key-range is required when --key-distribution is 'range' or 'random'`)
  }
  if (keyDistribution === 'none' && recordKeyRange !== null) {
    throw new UsageError(
      `--key-distribution must be 'range' or 'random' when --record-key-range is specified`,
    )
  }
  const randomSeed = has('--random-seed') ? long('--random-seed', one('--random-seed')!) : 0n

  const partitions = has('--partitions')
    ? integer('--partitions', one('--partitions')!, 1)
    : DEFAULTS.partitions

  return {
    help: has('--help'),
    topic,
    numRecords,
    warmupRecords,
    payload,
    keyDistribution,
    recordKeyRange,
    randomSeed,
    throughput,
    producerProps,
    producerConfigFile,
    bootstrapServer,
    transactionalId,
    transactionDurationMs,
    printMetrics: has('--print-metrics'),
    metricsPort,
    reportingIntervalMs,
    partitions,
    json: has('--json'),
  }
}

export const HELP = `Usage: sluice perf [options]

Produces records as fast as the producer allows (or at --throughput records/s) and prints
throughput and send-to-acknowledgement latency in the form of Kafka's kafka-producer-perf-test,
whose flags it takes. With no --bootstrap-server (nor bootstrap.servers in the producer
settings), a local Apache Kafka is started for the run and stopped afterwards.

Records:
  --topic TOPIC                   topic to produce to; created when missing (default: ${DEFAULTS.topic})
  --num-records N                 records to send (default: ${DEFAULTS.numRecords})
  --warmup-records N              the first N records are left out of a second, "steady state"
                                  summary line (default: 0)
  --record-size BYTES             random A-Z payloads of this size (default: ${DEFAULTS.recordSize})
  --payload-file FILE             payloads: the UTF-8 file split at --payload-delimiter, picked at random
  --payload-delimiter REGEX       payload separator, a regular expression as in Java (default: \\n)
  --payload-monotonic             payload: the record's index as text (0, 1, 2, ...)
  --key-distribution KIND         record keys: none (null keys), range (0, 1, ..., KEY-RANGE-1, in
                                  turn) or random (drawn from [0, KEY-RANGE)); decimal text,
                                  partitioned by murmur2 like the Java client's (default: none)
  --record-key-range KEY-RANGE    the number of distinct keys; required with range and random
  --random-seed SEED              seed (a Java long) of the random payloads and random keys; the same
                                  seed gives the same sequence (default: 0)
  --throughput N                  records/s cap, about; -1 for no limit (default: -1)
  --partitions N                  partitions when the tool creates the topic (default: ${DEFAULTS.partitions})

Producer:
  --bootstrap-server LIST         brokers, host:port,...; overrides bootstrap.servers
  --producer-props K=V [K=V ...]  producer settings in Java form, e.g. acks=1 linger.ms=5
                                  (also --command-property); they override --producer.config
  --producer.config FILE          producer settings from a Java .properties file (also --command-config)
  --transactional-id ID           produce in transactions under this id
  --transaction-duration-ms MS    commit every MS ms (default with a transactional id: 3000; alone,
                                  the id is performance-producer-<uuid>)

Output:
  --reporting-interval MS         a progress line every MS ms (default: ${DEFAULTS.reportingIntervalMs})
  --print-metrics                 print the producer's metrics at the end (every group, Java's layout)
  --metrics-port N                serve the producer's metrics as OpenMetrics (Prometheus) text at
                                  http://<host>:N/metrics while running (0: any free port, printed)
  --json                          print one JSON object with the results, and nothing else, on stdout
  -h, --help                      show this help

Lines (as Kafka's tool prints them):
  N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency.
  N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.

Examples:
  sluice perf --num-records 1000000 --record-size 100                  # starts a local Kafka
  sluice perf --topic t --num-records 5000000 --record-size 100 --throughput -1 \\
      --bootstrap-server localhost:9092 --producer-props acks=1 linger.ms=5 --warmup-records 500000
  sluice perf --bootstrap-server localhost:9092 --num-records 100000 --key-distribution random \\
      --record-key-range 1000 --json
`

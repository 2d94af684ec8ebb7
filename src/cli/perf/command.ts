/**
 * `sluice perf`: Kafka's kafka-producer-perf-test for Sluice. Parses the flags, sets up the
 * payloads, the producer and (without brokers given) a local Kafka, runs the send loop and
 * prints the lines Kafka's tool prints, or one JSON object with --json.
 */

import { createTopics, parseBrokerList } from '../../cluster/admin.js'
import { ConfigError, KafkaError } from '../../errors.js'
import { metricKey } from '../../metrics/registry.js'
import { resolveConfig } from '../../producer/config/index.js'
import { Producer } from '../../producer/producer.js'
import { type ResolvedSecurity, resolveSecurity } from '../../security/settings.js'
import { ProgressBar, type ProgressCounts } from '../common/progress.js'
import { HELP, type PerfArgs, parsePerfArgs, UsageError } from './args.js'
import { keySource } from './keys.js'
import { type MetricsServer, serveMetrics } from './metrics-server.js'
import { FilePayloads, payloadSource, seededRandom } from './payloads.js'
import { formatMetrics, jsonReport } from './report.js'
import { PerfRun } from './run.js'
import { type PerfSettings, perfSettings } from './settings.js'

/** Failed records printed one by one before the rest are only counted. */
const MAX_PRINTED_FAILURES = 5

/** Where lines go: stdout (stderr with --json), around the progress bar when there is one. */
class Terminal {
  readonly #json: boolean
  #bar: ProgressBar | null = null

  constructor(json: boolean) {
    this.#json = json
  }

  /** A result line: stdout, or stderr when stdout is reserved for the JSON object. */
  line(text: string): void {
    if (this.#json) process.stderr.write(`${text}\n`)
    else if (this.#bar !== null) this.#bar.line(text)
    else process.stdout.write(`${text}\n`)
  }

  error(text: string): void {
    if (this.#bar !== null) this.#bar.around(() => process.stderr.write(`${text}\n`))
    else process.stderr.write(`${text}\n`)
  }

  startProgress(counts: () => ProgressCounts): void {
    if (this.#json || !process.stdout.isTTY) return
    this.#bar = new ProgressBar(process.stdout, counts)
  }

  stopProgress(): void {
    this.#bar?.stop()
    this.#bar = null
  }
}

export async function runPerf(argv: string[]): Promise<number> {
  try {
    const args = parsePerfArgs(argv)
    if (args.help) {
      process.stdout.write(HELP)
      return 0
    }
    return await perf(args)
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`sluice perf: ${err.message}\nRun 'sluice perf --help' for the options.\n`)
      return 2
    }
    throw err
  }
}

async function startLocalKafka(): Promise<{ bootstrap: string; stop: () => Promise<void> }> {
  process.stderr.write('No --bootstrap-server given: starting a local Apache Kafka...\n')
  const { startKafka } = await import('../../local-kafka/cluster.js')
  const cluster = await startKafka({ name: `sluice-perf-${process.pid}` })
  process.stderr.write(`Local Kafka is up at ${cluster.bootstrapServers}\n`)
  return { bootstrap: cluster.bootstrapServers, stop: () => cluster.stop() }
}

async function createTopic(
  bootstrap: string,
  args: PerfArgs,
  local: boolean,
  term: Terminal,
  security: ResolvedSecurity,
): Promise<void> {
  let brokers: ReturnType<typeof parseBrokerList>
  try {
    brokers = parseBrokerList(bootstrap)
  } catch (err) {
    throw new UsageError(`bootstrap servers '${bootstrap}': ${(err as Error).message}`)
  }
  try {
    await createTopics(brokers, [{ name: args.topic, partitions: args.partitions }], 30_000, security)
  } catch (err) {
    if (local) throw err
    // Someone else's cluster may forbid it; the producer reports a topic that really is missing.
    term.error(
      `sluice perf: could not create topic '${args.topic}' (${(err as Error).message}); producing anyway`,
    )
  } finally {
    await security.sasl?.close?.()
  }
}

async function perf(args: PerfArgs): Promise<number> {
  const term = new Terminal(args.json)
  const settings: PerfSettings = await perfSettings(args)
  // Bad settings are reported before anything is started.
  const checked = resolveConfig({
    ...settings.producer,
    'bootstrap.servers': settings.bootstrapServers ?? '127.0.0.1:9092',
  })
  // The topic is created over the same listener, so with the same TLS and SASL settings.
  const security = resolveSecurity(checked)
  // One generator for the random payloads and random keys, as Java's one SplittableRandom.
  const random = seededRandom(args.randomSeed)
  const payloads = await payloadSource(args.payload, (line) => term.line(line), random)
  const keys = keySource(args.keyDistribution, args.recordKeyRange, args.numRecords, random)

  let bootstrap = settings.bootstrapServers
  let stopLocal: (() => Promise<void>) | null = null
  let producer: Producer | null = null
  let metricsServer: MetricsServer | null = null
  try {
    if (bootstrap === null) {
      const local = await startLocalKafka()
      bootstrap = local.bootstrap
      stopLocal = local.stop
    }
    await createTopic(bootstrap, args, stopLocal !== null, term, security)
    producer = new Producer({ ...settings.producer, 'bootstrap.servers': bootstrap })
    if (args.metricsPort !== null) {
      const p = producer
      metricsServer = await serveMetrics(args.metricsPort, () => p.metricsText())
      term.error(`sluice perf: metrics at http://localhost:${metricsServer.port}/metrics`)
    }
    if (settings.transactions !== null) await producer.initTransactions()

    if (args.warmupRecords > 0) {
      term.line(
        `Warmup first ${args.warmupRecords} records. Steady state results will print after the complete test summary.`,
      )
    }
    let printed = 0
    const run = new PerfRun(
      {
        topic: args.topic,
        numRecords: args.numRecords,
        warmupRecords: args.warmupRecords,
        throughput: args.throughput,
        reportingIntervalMs: args.reportingIntervalMs,
        transactionDurationMs: settings.transactions?.durationMs ?? null,
      },
      {
        line: (text) => term.line(text),
        failure: (err) => {
          if (printed < MAX_PRINTED_FAILURES) term.error(`sluice perf: a record failed: ${describe(err)}`)
          else if (printed === MAX_PRINTED_FAILURES)
            term.error('sluice perf: (further failures are only counted)')
          printed++
        },
      },
    )
    term.startProgress(() => ({
      done: run.done,
      total: args.numRecords,
      elapsedMs: performance.now() - run.startMs,
    }))
    try {
      await run.run(producer, payloads, keys)
    } finally {
      term.stopProgress()
    }
    const end = performance.now()
    const total = run.stats.summary(end)
    const steady = run.steadyStats?.summary(end) ?? null
    const metrics = args.printMetrics ? producer.allMetrics() : null
    await producer.close()

    if (args.json) {
      const report = jsonReport({
        total,
        steadyState: steady,
        failed: run.failed,
        topic: args.topic,
        numRecords: args.numRecords,
        warmupRecords: args.warmupRecords,
        payload: args.payload,
        payloadCount: payloads instanceof FilePayloads ? payloads.count : null,
        keyDistribution: args.keyDistribution,
        recordKeyRange: args.recordKeyRange,
        randomSeed: args.randomSeed,
        throughput: args.throughput,
        localKafka: stopLocal !== null,
        bootstrapServers: bootstrap,
        transactions: settings.transactions,
        config: producer.config,
        metrics: metrics === null ? null : Object.fromEntries(metrics.map((m) => [metricKey(m), m.value])),
      })
      process.stdout.write(`${JSON.stringify(report)}\n`)
    } else {
      term.line(run.stats.totalLine(end))
      if (run.steadyStats !== null) term.line(run.steadyStats.totalLine(end))
      if (metrics !== null) for (const l of formatMetrics(metrics)) term.line(l)
    }
    if (run.failed > 0) {
      term.error(`sluice perf: ${run.failed} of ${args.numRecords} records failed`)
      return 1
    }
    return 0
  } finally {
    await metricsServer?.close()
    await producer?.close()
    await stopLocal?.()
  }
}

function describe(err: Error): string {
  return err instanceof KafkaError ? `${err.code}: ${err.message}` : err.message
}

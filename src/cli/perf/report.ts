/** The end of a `sluice perf` run: the metrics table (--print-metrics) and the --json object. */
import { type Metric, metricKey } from '../../metrics/registry.js'
import type { ProducerConfig } from '../../producer/config/index.js'
import { VERSION } from '../../version.js'
import type { KeyDistribution, Payload } from './args.js'
import type { StatsSummary } from './stats.js'

/**
 * Kafka's ToolsUtils.printMetrics layout: a blank line, a "Metric Name / Value" header, then
 * `group:name:{tags} : value` sorted, values with 3 decimals (NaN as NaN, as Java prints it).
 */
export function formatMetrics(metrics: readonly Metric[]): string[] {
  const rows = metrics
    .map((m): [string, number] => [metricKey(m), m.value])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (rows.length === 0) return []
  const width = Math.max(...rows.map(([n]) => n.length))
  return [
    '',
    `${'Metric Name'.padEnd(width)}   Value`,
    ...rows.map(([n, v]) => `${n.padEnd(width)} : ${Number.isFinite(v) ? v.toFixed(3) : String(v)}`),
  ]
}

export interface JsonReportInput {
  total: StatsSummary
  steadyState: StatsSummary | null
  failed: number
  topic: string
  numRecords: number
  warmupRecords: number
  payload: Payload
  payloadCount: number | null
  keyDistribution: KeyDistribution
  recordKeyRange: number | null
  randomSeed: bigint
  throughput: number
  localKafka: boolean
  bootstrapServers: string
  transactions: { id: string; durationMs: number } | null
  config: ProducerConfig
  metrics: Readonly<Record<string, number>> | null
}

function results(s: StatsSummary) {
  return {
    records: s.records,
    bytes: s.bytes,
    elapsedMs: s.elapsedMs,
    recordsPerSec: round(s.recordsPerSec, 1),
    mbPerSec: round(s.mbPerSec, 3),
    latencyMs: s.latencyMs,
  }
}

/** The --json object: the results, then what produced them. */
export function jsonReport(r: JsonReportInput): Record<string, unknown> {
  const c = r.config
  const payload =
    r.payload.kind === 'random'
      ? { kind: 'random', recordSize: r.payload.recordSize }
      : r.payload.kind === 'file'
        ? { kind: 'file', path: r.payload.path, payloads: r.payloadCount }
        : { kind: 'monotonic' }
  return {
    ...results(r.total),
    failed: r.failed,
    steadyState: r.steadyState === null ? null : results(r.steadyState),
    config: {
      topic: r.topic,
      numRecords: r.numRecords,
      warmupRecords: r.warmupRecords,
      payload,
      keys: { distribution: r.keyDistribution, range: r.recordKeyRange },
      // A Java long: text, as JSON numbers lose precision above 2^53.
      randomSeed: String(r.randomSeed),
      throughput: r.throughput,
      bootstrapServers: r.bootstrapServers,
      localKafka: r.localKafka,
      transactionalId: r.transactions?.id ?? null,
      transactionDurationMs: r.transactions?.durationMs ?? null,
      producer: {
        clientId: c.clientId,
        acks: c.acks,
        enableIdempotence: c.enableIdempotence,
        batchSize: c.batchSize,
        lingerMs: c.lingerMs,
        bufferMemory: c.bufferMemory,
        compressionType: c.compressionType,
        maxInFlightRequestsPerConnection: c.maxInFlightRequestsPerConnection,
      },
      sluiceVersion: VERSION,
    },
    ...(r.metrics === null ? {} : { metrics: r.metrics }),
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Number.isFinite(v) ? Math.round(v * f) / f : v
}

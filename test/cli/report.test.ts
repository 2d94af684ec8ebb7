import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { formatMetrics, jsonReport } from '../../src/cli/perf/report.js'
import type { StatsSummary } from '../../src/cli/perf/stats.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import { VERSION } from '../../src/version.js'

describe('perf report', () => {
  test('metrics in the layout of Kafka ToolsUtils.printMetrics, sorted by name', () => {
    const metric = (group: string, name: string, tags: Record<string, string>, value: number) => ({
      group,
      name,
      tags,
      description: '',
      value,
    })
    const lines = formatMetrics([
      metric('producer-metrics', 'request-total', { 'client-id': 'perf' }, 3),
      metric('producer-topic-metrics', 'byte-total', { topic: 't', 'client-id': 'perf' }, 12),
      metric('producer-metrics', 'records-per-request-avg', { 'client-id': 'perf' }, 2.5),
      metric('producer-metrics', 'request-latency-avg', { 'client-id': 'perf' }, Number.NaN),
    ])
    assert.deepEqual(lines, [
      '',
      'Metric Name                                                   Value',
      'producer-metrics:records-per-request-avg:{client-id=perf}   : 2.500',
      'producer-metrics:request-latency-avg:{client-id=perf}       : NaN',
      'producer-metrics:request-total:{client-id=perf}             : 3.000',
      'producer-topic-metrics:byte-total:{client-id=perf, topic=t} : 12.000',
    ])
    assert.deepEqual(formatMetrics([]), [])
  })

  test('the --json object: results, steady state, and what produced them (no secrets)', () => {
    const summary: StatsSummary = {
      records: 10,
      bytes: 1000,
      elapsedMs: 20,
      recordsPerSec: 500.04,
      mbPerSec: 0.047683716,
      latencyMs: { avg: 1.5, max: 3, p50: 1.2, p95: 2.9, p99: 3, p999: 3 },
    }
    const config = resolveConfig({ bootstrapServers: 'h:1', acks: 1, lingerMs: 3 })
    const report = jsonReport({
      total: summary,
      steadyState: null,
      failed: 2,
      topic: 't',
      numRecords: 12,
      warmupRecords: 0,
      payload: { kind: 'random', recordSize: 100 },
      payloadCount: null,
      keyDistribution: 'random',
      recordKeyRange: 50,
      randomSeed: -9223372036854775808n,
      throughput: -1,
      localKafka: false,
      bootstrapServers: 'h:1',
      transactions: null,
      config,
      metrics: null,
    })
    const parsed = JSON.parse(JSON.stringify(report))
    assert.deepEqual(parsed, {
      records: 10,
      bytes: 1000,
      elapsedMs: 20,
      recordsPerSec: 500,
      mbPerSec: 0.048,
      latencyMs: { avg: 1.5, max: 3, p50: 1.2, p95: 2.9, p99: 3, p999: 3 },
      failed: 2,
      steadyState: null,
      config: {
        topic: 't',
        numRecords: 12,
        warmupRecords: 0,
        payload: { kind: 'random', recordSize: 100 },
        keys: { distribution: 'random', range: 50 },
        randomSeed: '-9223372036854775808',
        throughput: -1,
        bootstrapServers: 'h:1',
        localKafka: false,
        transactionalId: null,
        transactionDurationMs: null,
        producer: {
          clientId: config.clientId,
          acks: 1,
          enableIdempotence: false,
          batchSize: 16384,
          lingerMs: 3,
          bufferMemory: 33554432,
          compressionType: 'none',
          maxInFlightRequestsPerConnection: 5,
        },
        sluiceVersion: VERSION,
      },
    })
  })
})

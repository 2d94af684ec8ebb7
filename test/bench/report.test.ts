/** The benchmark report: event-loop columns, w6 rows and the SVG's over-time panels, from made-up runs. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { RunnerResult } from '../../bench/contenders/common.js'
import { renderMarkdown, renderSvg, resultsJson, summarize } from '../../bench/report.js'
import type { Contender, RunRecord, Workload } from '../../bench/run.js'

const w6: Workload = {
  id: 'w6-web-service',
  title: 'web service',
  metric: 'throughput',
  numRecords: 1000,
  recordSize: 100,
  partitions: 8,
  acks: 1,
  idempotence: false,
  compression: 'none',
  throughput: -1,
  tasks: 10,
}
const contenders: Contender[] = [
  { id: 'sluice-callback', label: 'Sluice (callback)', kind: 'sluice' },
  { id: 'kafkajs', label: 'kafkajs', kind: 'node-peer' },
  { id: 'java', label: 'Java KafkaProducer', kind: 'reference' },
]
const env = { mode: 'quick', date: 'd', cores: 2, node: 'v20', kafka: '4.4.0', reps: 1 }

function run(contender: string, result: Partial<RunnerResult>, rssSeries?: [number, number][]): RunRecord {
  return {
    workload: w6.id,
    contender,
    rep: 0,
    topic: `t-${contender}`,
    result: { ok: true, latencyMs: { avg: 1, p50: 1, p99: 2, p999: 3, max: 4 }, ...result },
    peakRssMb: 50,
    ...(rssSeries !== undefined ? { rssSeries } : {}),
    delivered: 1000,
  }
}

const runs: RunRecord[] = [
  run(
    'sluice-callback',
    {
      recordsPerSec: 40_000,
      eventLoopDelayMs: { p50: 1.1, p99: 12.5, max: 40.25 },
      series: [
        [300, 40, 0],
        [550, 45, 12.5],
        [800, 47, 3],
      ],
    },
    [
      [100, 20],
      [200, 40],
      [900, 47],
    ],
  ),
  run('kafkajs', { ok: false, unavailable: 'kafkajs cannot be loaded: missing' }),
  run('java', { recordsPerSec: 20_000 }, [
    [100, 30],
    [5000, 250],
  ]),
]

describe('bench report', () => {
  const cells = summarize([w6], contenders, runs)

  test('the median run carries its event-loop delay and both series', () => {
    const sluice = cells.find((c) => c.contender === 'sluice-callback')!
    assert.deepEqual(sluice.eventLoopDelayMs, { p50: 1.1, p99: 12.5, max: 40.25 })
    assert.equal(sluice.series?.length, 3)
    assert.equal(sluice.rssSeries?.length, 3)
    assert.equal(sluice.vsJava, 2)
  })

  test('markdown: event-loop columns, n/a for Java, an unavailable row with its reason', () => {
    const md = renderMarkdown(env, [w6], contenders, cells)
    assert.match(md, /\| event-loop p99 ms \| event-loop max ms \|/)
    const row = (label: string) => md.split('\n').find((l) => l.startsWith(`| ${label} |`))!
    assert.match(row('Sluice (callback)'), /\| 12\.5 \| 40\.3 \| /)
    assert.match(row('Java KafkaProducer'), /\| n\/a \| n\/a \| /)
    assert.match(row('kafkajs'), /unavailable: kafkajs cannot be loaded: missing/)
    // Every row has as many cells as the header.
    const header = md.split('\n').find((l) => l.startsWith('| contender |'))!
    for (const label of ['Sluice (callback)', 'Java KafkaProducer', 'kafkajs'])
      assert.equal(row(label).split('|').length, header.split('|').length, label)
    assert.match(md, /w6-web-service \(10 tasks/)
  })

  test('svg: an RSS curve for each contender that ran, an event-loop curve for the Node one, a log time axis', () => {
    const svg = renderSvg(env, [w6], contenders, cells)
    const polylines = svg.match(/<polyline /g) ?? []
    assert.equal(polylines.length, 3) // RSS: Sluice and Java; event loop: Sluice
    assert.match(svg, /RSS MiB over time/)
    assert.match(svg, /event-loop delay p99 ms per 250 ms/)
    assert.match(svg, /\(log scale\)/)
    assert.match(svg, /Java KafkaProducer \(RSS only: no event loop\)/)
    assert.doesNotMatch(svg, /NaN|undefined/)
  })

  test('results JSON: series only in the runs, one line per point', () => {
    const json = resultsJson({ summary: cells, runs })
    const parsed = JSON.parse(json) as { summary: Record<string, unknown>[]; runs: RunRecord[] }
    for (const cell of parsed.summary) {
      assert.equal(cell.rssSeries, undefined)
      assert.equal(cell.series, undefined)
    }
    assert.deepEqual(parsed.runs, JSON.parse(JSON.stringify(runs)))
    assert.match(json, /^ +\[550, 45, 12\.5\],?$/m)
  })
})

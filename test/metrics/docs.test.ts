/** docs/METRICS.md holds the current generated tables; the Grafana dashboard uses real metric names only. */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { renderMetricsTable, replaceMetricsTable } from '../../src/metrics/docs.js'
import { prometheusName } from '../../src/metrics/openmetrics.js'
import { ProducerMetrics } from '../../src/metrics/producer-metrics.js'

const DOCS = join(import.meta.dirname, '..', '..', 'docs')

test('docs/METRICS.md contains the current generated tables, one row per metric', async () => {
  const doc = await readFile(join(DOCS, 'METRICS.md'), 'utf8')
  assert.ok(
    doc.includes(renderMetricsTable()),
    'docs/METRICS.md is out of date; regenerate it with\n' +
      `  node --import tsx -e "import('./src/metrics/docs.ts').then(async (m) => { const fs = await import('node:fs'); const p = 'docs/METRICS.md'; fs.writeFileSync(p, m.replaceMetricsTable(fs.readFileSync(p, 'utf8'))) })"`,
  )
  assert.equal(replaceMetricsTable(doc), doc)
  for (const m of ProducerMetrics.catalog())
    assert.ok(doc.includes(`| \`${m.name}\` | \`${prometheusName(m).name}\` |`), m.name)
})

test('every kafka_producer_* name in the Grafana dashboard is a metric Sluice exports', async () => {
  const dashboard = JSON.parse(await readFile(join(DOCS, 'grafana-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[]
    templating: { list: { definition?: string }[] }
  }
  const known = new Set(ProducerMetrics.catalog().map((m) => prometheusName(m).name))
  const exprs = [
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...dashboard.templating.list.flatMap((v) => (v.definition === undefined ? [] : [v.definition])),
  ]
  assert.ok(dashboard.panels.length >= 10)
  let names = 0
  for (const expr of exprs) {
    for (const [name] of expr.matchAll(/kafka_producer_\w+/g)) {
      names++
      assert.ok(known.has(name), `${name} (in '${expr}') is not a metric`)
    }
  }
  assert.ok(names >= dashboard.panels.length)
})

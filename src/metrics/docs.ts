/** The generated metrics tables of docs/METRICS.md, from the producer's own catalog. */
import { prometheusName } from './openmetrics.js'
import { ProducerMetrics } from './producer-metrics.js'

export const METRICS_BEGIN =
  '<!-- BEGIN GENERATED METRICS TABLE: renderMetricsTable() in src/metrics/docs.ts -->'
export const METRICS_END = '<!-- END GENERATED METRICS TABLE -->'

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ')
}

/** One table per group: Java name, tags, Prometheus name and type, meaning. */
export function renderMetricsTable(): string {
  const out: string[] = [METRICS_BEGIN]
  let group = ''
  for (const m of ProducerMetrics.catalog()) {
    if (m.group !== group) {
      group = m.group
      const tags = Object.keys(m.tags).join(', ')
      out.push(
        '',
        `### ${group} (tags: ${tags})`,
        '',
        '| Metric | Prometheus | Type | Meaning |',
        '| --- | --- | --- | --- |',
      )
    }
    const p = prometheusName(m)
    out.push(
      `| \`${m.name}\` | \`${p.name}\` | ${p.counter ? 'counter' : 'gauge'} | ${cell(m.description)} |`,
    )
  }
  out.push('', METRICS_END)
  return out.join('\n')
}

/** `doc` with its generated tables replaced by the current ones. */
export function replaceMetricsTable(doc: string): string {
  const start = doc.indexOf(METRICS_BEGIN)
  const end = doc.indexOf(METRICS_END)
  if (start < 0 || end < start) throw new Error('the document has no generated metrics table markers')
  return doc.slice(0, start) + renderMetricsTable() + doc.slice(end + METRICS_END.length)
}

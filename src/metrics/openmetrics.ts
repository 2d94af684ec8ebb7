/**
 * The metrics as OpenMetrics text (the Prometheus exposition format), with no dependency:
 * `kafka_producer_<name>` for producer-metrics, `kafka_producer_topic_<name>` and
 * `kafka_producer_node_<name>` for the per-topic and per-node groups, `kafka_producer_app_info_<name>`;
 * dashes become underscores, tags become labels (client_id, topic, node_id). A Java `-total`
 * metric is a counter (family without `_total`, sample with it); everything else is a gauge.
 */
import type { Metric } from './registry.js'

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

const PREFIX: Readonly<Record<string, string>> = {
  'producer-metrics': 'kafka_producer_',
  'producer-topic-metrics': 'kafka_producer_topic_',
  'producer-node-metrics': 'kafka_producer_node_',
  'app-info': 'kafka_producer_app_info_',
}

interface Family {
  name: string
  type: 'counter' | 'gauge'
  help: string
  samples: string[]
}

/**
 * The Prometheus name of a metric (with `_total` for a counter) and whether it is a counter.
 * `prefix` replaces `kafka_producer_` at the start.
 */
export function prometheusName(
  m: Pick<Metric, 'group' | 'name'>,
  prefix = 'kafka_producer_',
): { name: string; counter: boolean } {
  const group = PREFIX[m.group] ?? `kafka_producer_${snake(m.group)}_`
  const name = prefix + group.slice('kafka_producer_'.length) + snake(m.name)
  return { name, counter: name.endsWith('_total') }
}

/** A tag's label name: client-id is client_id. */
export function labelName(tag: string): string {
  return snake(tag)
}

/** The OpenMetrics exposition of `metrics`, ending with `# EOF`. */
export function toOpenMetrics(metrics: readonly Metric[]): string {
  const families = new Map<string, Family>()
  for (const m of metrics) {
    const { name: base, counter } = prometheusName(m)
    const name = counter ? base.slice(0, -'_total'.length) : base
    let f = families.get(name)
    if (f === undefined) {
      f = { name, type: counter ? 'counter' : 'gauge', help: m.description, samples: [] }
      families.set(name, f)
    }
    f.samples.push(`${counter ? `${name}_total` : name}${labels(m.tags)} ${number(m.value)}`)
  }
  const out: string[] = []
  for (const f of families.values()) {
    out.push(`# TYPE ${f.name} ${f.type}`, `# HELP ${f.name} ${escapeHelp(f.help)}`, ...f.samples)
  }
  out.push('# EOF')
  return `${out.join('\n')}\n`
}

function snake(s: string): string {
  return s.replace(/[^a-zA-Z0-9_]/g, '_')
}

function labels(tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags).sort()
  if (keys.length === 0) return ''
  return `{${keys.map((k) => `${snake(k)}="${escapeLabel(tags[k]!)}"`).join(',')}}`
}

function number(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Number.POSITIVE_INFINITY) return '+Inf'
  if (v === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(v)
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

/**
 * sluice/prometheus: the producer metrics as prom-client collectors. Nothing is recorded twice:
 * each scrape reads every registered producer's metrics once (allMetrics()) and the collectors
 * set their values from that snapshot. prom-client is an optional peer dependency, needed only
 * by this entry point.
 *
 * ```ts
 * import { register } from 'prom-client'
 * import { registerProducerMetrics } from 'sluice/prometheus'
 * registerProducerMetrics(producer) // into prom-client's default registry
 * ```
 */
import { Counter, register as defaultRegistry, Gauge, type Registry } from 'prom-client'
import { labelName, prometheusName } from '../metrics/openmetrics.js'
import { ProducerMetrics } from '../metrics/producer-metrics.js'
import type { Metric } from '../metrics/registry.js'

/** What the collectors read: a Producer, or anything with its allMetrics(). */
export interface MetricsSource {
  allMetrics(): Metric[]
}

export interface RegisterOptions {
  /** The prom-client registry; default its global `register`. */
  registry?: Registry
  /** Replaces the `kafka_producer_` at the start of every name. */
  prefix?: string
}

interface Family {
  group: string
  name: string
  counter: boolean
  labels: string[]
}

interface Registration {
  sources: Set<MetricsSource>
  prefix: string
  metricNames: string[]
  /** The snapshot of the scrape in progress (taken once, dropped after the scrape's tick). */
  snapshot: Map<MetricsSource, Metric[]> | null
}

const registrations = new WeakMap<Registry, Registration>()

/**
 * Adds `source`'s metrics to `registry`: one gauge or counter per Java metric, labelled
 * client_id, topic, node_id. Several producers may share a registry (their client ids tell them
 * apart). Returns a function that takes `source` out again (and the collectors with the last one).
 */
export function registerProducerMetrics(source: MetricsSource, options: RegisterOptions = {}): () => void {
  const registry = options.registry ?? defaultRegistry
  const prefix = options.prefix ?? 'kafka_producer_'
  let reg = registrations.get(registry)
  if (reg === undefined) {
    reg = { sources: new Set(), prefix, metricNames: [], snapshot: null }
    registrations.set(registry, reg)
    createCollectors(registry, reg)
  } else if (reg.prefix !== prefix) {
    throw new Error(`this registry already has Sluice's metrics under the prefix '${reg.prefix}'`)
  }
  reg.sources.add(source)
  reg.snapshot = null
  const r = reg
  return () => {
    r.sources.delete(source)
    r.snapshot = null
    if (r.sources.size > 0) return
    for (const name of r.metricNames) registry.removeSingleMetric(name)
    registrations.delete(registry)
  }
}

function createCollectors(registry: Registry, reg: Registration): void {
  const families = new Map<string, Family & { help: string }>()
  for (const m of ProducerMetrics.catalog()) {
    const { name, counter } = prometheusName(m, reg.prefix)
    if (families.has(name)) continue
    families.set(name, {
      group: m.group,
      name: m.name,
      counter,
      labels: Object.keys(m.tags).map(labelName),
      help: m.description,
    })
  }
  for (const [promName, f] of families) {
    const collect = (set: (labels: Record<string, string>, value: number) => void) => {
      for (const metrics of snapshotOf(reg).values()) {
        for (const m of metrics) {
          if (m.group !== f.group || m.name !== f.name) continue
          const labels: Record<string, string> = {}
          for (const [k, v] of Object.entries(m.tags)) labels[labelName(k)] = v
          set(labels, m.value)
        }
      }
    }
    if (f.counter) {
      // prom-client uses the name as given: the samples are named ..._total, as in metricsText().
      new Counter({
        name: promName,
        help: f.help,
        labelNames: f.labels,
        registers: [registry],
        collect() {
          this.reset()
          collect((labels, value) => this.inc(labels, value))
        },
      })
    } else {
      new Gauge({
        name: promName,
        help: f.help,
        labelNames: f.labels,
        registers: [registry],
        collect() {
          this.reset()
          collect((labels, value) => this.set(labels, value))
        },
      })
    }
    reg.metricNames.push(promName)
  }
}

/** Every source's metrics, read once per scrape: the first collector takes them, the next tick drops them. */
function snapshotOf(reg: Registration): Map<MetricsSource, Metric[]> {
  if (reg.snapshot === null) {
    const snapshot = new Map<MetricsSource, Metric[]>()
    for (const s of reg.sources) snapshot.set(s, s.allMetrics())
    reg.snapshot = snapshot
    setImmediate(() => {
      reg.snapshot = null
    })
  }
  return reg.snapshot
}

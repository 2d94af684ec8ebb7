/**
 * A registry of metrics in the shape of Kafka's (org.apache.kafka.common.metrics.Metrics): each
 * metric has a name, a group and tags (client-id, topic, node-id), and is read at the moment it
 * is asked for. Sensors record values into their stats; gauges compute a value when read.
 */
import { Cumulative, type Measurable, Rate, type SampleConfig, SampledStat, type Stat } from './stats.js'

export type MetricTags = Readonly<Record<string, string>>

export interface MetricName {
  readonly name: string
  readonly group: string
  readonly tags: MetricTags
  readonly description: string
}

/** One metric's value at the time the snapshot was taken. */
export interface Metric extends MetricName {
  readonly value: number
}

interface Registered extends MetricName {
  readonly measure: (nowMs: number) => number
}

/** Records each value into every stat it holds. */
export class Sensor implements Stat {
  readonly #stats: Stat[] = []
  readonly #registry: MetricsRegistry
  readonly #group: string
  readonly #tags: MetricTags
  readonly #parents: readonly Sensor[]

  /** `parents` record every value too (a node's bytes also count for the client), as in Java. */
  constructor(registry: MetricsRegistry, group: string, tags: MetricTags, parents: readonly Sensor[] = []) {
    this.#registry = registry
    this.#group = group
    this.#tags = tags
    this.#parents = parents
  }

  record(value: number, nowMs: number): void {
    const stats = this.#stats
    for (let i = 0; i < stats.length; i++) stats[i]!.record(value, nowMs)
    for (let i = 0; i < this.#parents.length; i++) this.#parents[i]!.record(value, nowMs)
  }

  /** Adds a stat shown as the metric `name`. */
  add(name: string, description: string, stat: Measurable): this {
    this.#stats.push(stat)
    this.#registry.register({ name, group: this.#group, tags: this.#tags, description }, (now) =>
      stat.measure(now),
    )
    return this
  }

  avg(name: string, description: string): this {
    return this.add(name, description, new SampledStat('avg', this.#registry.config))
  }

  max(name: string, description: string): this {
    return this.add(name, description, new SampledStat('max', this.#registry.config))
  }

  /**
   * Java's Meter: `<base>-rate` (per second over the samples) and `<base>-total` (since the
   * start), of the values recorded, or with `count` of the number of recordings.
   */
  meter(
    base: string,
    rateDescription: string,
    totalDescription: string,
    options: { count?: boolean } = {},
  ): this {
    this.add(`${base}-rate`, rateDescription, new Rate(this.#registry.config, options))
    return this.add(`${base}-total`, totalDescription, new Cumulative(options))
  }
}

export class MetricsRegistry {
  readonly config: SampleConfig
  readonly #metrics = new Map<string, Registered>()
  readonly #now: () => number

  constructor(config: SampleConfig, now: () => number = Date.now) {
    this.config = config
    this.#now = now
  }

  now(): number {
    return this.#now()
  }

  sensor(group: string, tags: MetricTags, parents: readonly Sensor[] = []): Sensor {
    return new Sensor(this, group, tags, parents)
  }

  /** A metric computed when read (a gauge, or a stat's measure). */
  register(name: MetricName, measure: (nowMs: number) => number): void {
    const key = metricKey(name)
    if (this.#metrics.has(key)) throw new Error(`metric ${key} is already registered`)
    this.#metrics.set(key, { ...name, measure })
  }

  /** Every metric now (or those of `group`), in registration order. */
  snapshot(group?: string): Metric[] {
    const now = this.#now()
    const out: Metric[] = []
    for (const m of this.#metrics.values()) {
      if (group !== undefined && m.group !== group) continue
      out.push({
        name: m.name,
        group: m.group,
        tags: m.tags,
        description: m.description,
        value: m.measure(now),
      })
    }
    return out
  }

  /** The value of one metric now, or undefined when there is no such metric. */
  value(group: string, name: string, tags: MetricTags): number | undefined {
    return this.#metrics.get(metricKey({ name, group, tags }))?.measure(this.#now())
  }

  get size(): number {
    return this.#metrics.size
  }
}

/** `group:name:{k=v,...}` with the tags sorted, as Java's tools print a metric. */
export function metricKey(m: Pick<MetricName, 'name' | 'group' | 'tags'>): string {
  const tags = Object.keys(m.tags)
    .sort()
    .map((k) => `${k}=${m.tags[k]}`)
    .join(', ')
  return `${m.group}:${m.name}:{${tags}}`
}

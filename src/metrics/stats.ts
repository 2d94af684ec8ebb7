/**
 * The statistics of Kafka's metrics library (org.apache.kafka.common.metrics.stats), with its
 * arithmetic: a sampled stat keeps `metrics.num.samples` samples of `metrics.sample.window.ms`
 * each, in preallocated arrays (recording allocates nothing); a sample older than all of them
 * together is reset before a measurement; a rate divides the windowed sum by the time the
 * samples cover, counted as at least num.samples - 1 full windows (Java's Rate.windowSize).
 */

export interface SampleConfig {
  /** metrics.sample.window.ms */
  readonly windowMs: number
  /** metrics.num.samples */
  readonly samples: number
}

/** Anything that records values: every stat, and a sensor. */
export interface Stat {
  record(value: number, nowMs: number): void
}

/** A stat with a value to show. */
export interface Measurable extends Stat {
  measure(nowMs: number): number
}

type Kind = 'sum' | 'count' | 'avg' | 'max'

/** Java's SampledStat and its subclasses WindowedSum, WindowedCount, Avg and Max. */
export class SampledStat implements Measurable {
  readonly #kind: Kind
  readonly #config: SampleConfig
  readonly #initial: number
  readonly #values: Float64Array
  readonly #counts: Float64Array
  /** When each sample's window began (Java's Sample.lastWindowMs). */
  readonly #starts: Float64Array
  /** Samples created so far (Java adds them lazily, up to num.samples). */
  #size = 0
  #current = 0

  constructor(kind: Kind, config: SampleConfig) {
    this.#kind = kind
    this.#config = config
    this.#initial = kind === 'max' ? Number.NEGATIVE_INFINITY : 0
    const n = Math.max(1, config.samples)
    this.#values = new Float64Array(n)
    this.#counts = new Float64Array(n)
    this.#starts = new Float64Array(n)
  }

  record(value: number, nowMs: number): void {
    if (this.#size === 0) this.#add(nowMs)
    let i = this.#current
    if (nowMs - this.#starts[i]! >= this.#config.windowMs) {
      i = (i + 1) % this.#values.length
      this.#current = i
      if (i >= this.#size) this.#add(nowMs)
      else this.#reset(i, nowMs)
    }
    switch (this.#kind) {
      case 'sum':
      case 'avg':
        this.#values[i]! += value
        break
      case 'count':
        this.#values[i]! += 1
        break
      case 'max':
        if (value > this.#values[i]!) this.#values[i] = value
        break
    }
    this.#counts[i]! += 1
  }

  measure(nowMs: number): number {
    this.#purge(nowMs)
    let value = this.#kind === 'max' ? Number.NEGATIVE_INFINITY : 0
    let count = 0
    for (let i = 0; i < this.#size; i++) {
      const v = this.#values[i]!
      if (this.#kind === 'max') value = Math.max(value, v)
      else value += v
      count += this.#counts[i]!
    }
    if (this.#kind === 'avg') return count === 0 ? Number.NaN : value / count
    if (this.#kind === 'max') return count === 0 ? Number.NaN : value
    return value
  }

  /** The start of the oldest sample's window (creating the first sample if there is none). */
  oldestStart(nowMs: number): number {
    if (this.#size === 0) this.#add(nowMs)
    let oldest = this.#starts[0]!
    for (let i = 1; i < this.#size; i++) oldest = Math.min(oldest, this.#starts[i]!)
    return oldest
  }

  /** Resets every sample that ended more than num.samples windows ago. */
  #purge(nowMs: number): void {
    const expireAge = this.#config.samples * this.#config.windowMs
    for (let i = 0; i < this.#size; i++) if (nowMs - this.#starts[i]! >= expireAge) this.#reset(i, nowMs)
  }

  #add(nowMs: number): void {
    this.#reset(this.#size, nowMs)
    this.#size++
  }

  #reset(i: number, nowMs: number): void {
    this.#values[i] = this.#initial
    this.#counts[i] = 0
    this.#starts[i] = nowMs
  }
}

/**
 * Java's Rate: a windowed sum (or count) per second, or per `unitMs` (a ratio of times when the
 * values are durations in that unit, as bufferpool-wait-ratio's nanoseconds per nanosecond).
 */
export class Rate implements Measurable {
  readonly #stat: SampledStat
  readonly #config: SampleConfig
  readonly #unitMs: number

  constructor(config: SampleConfig, options: { count?: boolean; unitMs?: number } = {}) {
    this.#config = config
    this.#stat = new SampledStat(options.count === true ? 'count' : 'sum', config)
    this.#unitMs = options.unitMs ?? 1000
  }

  record(value: number, nowMs: number): void {
    this.#stat.record(value, nowMs)
  }

  measure(nowMs: number): number {
    const value = this.#stat.measure(nowMs)
    return value / (this.windowSizeMs(nowMs) / this.#unitMs)
  }

  windowSizeMs(nowMs: number): number {
    const { windowMs, samples } = this.#config
    let elapsed = nowMs - this.#stat.oldestStart(nowMs)
    const fullWindows = Math.floor(elapsed / windowMs)
    const minFullWindows = samples - 1
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * windowMs
    return Math.max(elapsed, 1)
  }
}

/** Java's CumulativeSum (or CumulativeCount): everything recorded since the start. */
export class Cumulative implements Measurable {
  #total = 0
  readonly #count: boolean

  constructor(options: { count?: boolean } = {}) {
    this.#count = options.count === true
  }

  record(value: number): void {
    this.#total += this.#count ? 1 : value
  }

  measure(): number {
    return this.#total
  }
}

/** Java's Value: the last value recorded (NaN before any). */
export class LastValue implements Measurable {
  #value = Number.NaN

  record(value: number): void {
    this.#value = value
  }

  measure(): number {
    return this.#value
  }
}

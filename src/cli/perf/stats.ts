/**
 * Throughput and latency bookkeeping of `sluice perf`, after Kafka's ProducerPerformance.Stats:
 * totals since the start, a window line every reporting interval (printed when an
 * acknowledgement arrives after the interval has passed), and the final summary. Latencies go
 * into an HDR histogram in microseconds; the mean and maximum are exact.
 */
import { Histogram } from './histogram.js'

const MIB = 1024 * 1024

export interface LatencySummary {
  avg: number | null
  max: number | null
  p50: number | null
  p95: number | null
  p99: number | null
  p999: number | null
}

export interface StatsSummary {
  records: number
  bytes: number
  elapsedMs: number
  recordsPerSec: number
  mbPerSec: number
  /** Milliseconds, to the microsecond; null when nothing was acknowledged. */
  latencyMs: LatencySummary
}

export class PerfStats {
  readonly steadyState: boolean
  readonly #startMs: number
  readonly #intervalMs: number
  readonly #print: (line: string) => void
  readonly #histogram = new Histogram()
  #suppressed = false
  #count = 0
  #bytes = 0
  #totalLatencyMs = 0
  #maxLatencyMs = 0
  #windowStartMs: number
  #windowCount = 0
  #windowBytes = 0
  #windowLatencyMs = 0
  #windowMaxMs = 0

  constructor(startMs: number, intervalMs: number, steadyState: boolean, print: (line: string) => void) {
    this.#startMs = startMs
    this.#windowStartMs = startMs
    this.#intervalMs = intervalMs
    this.steadyState = steadyState
    this.#print = print
  }

  get count(): number {
    return this.#count
  }

  /** Once steady-state stats take over the window lines (Java: suppressPrinting). */
  suppressPrinting(): void {
    this.#suppressed = true
  }

  /** One acknowledged record, `latencyMs` after its send(), acknowledged at `nowMs`. */
  record(latencyMs: number, bytes: number, nowMs: number): void {
    this.#count++
    this.#bytes += bytes
    this.#totalLatencyMs += latencyMs
    if (latencyMs > this.#maxLatencyMs) this.#maxLatencyMs = latencyMs
    this.#histogram.record(latencyMs * 1000)
    this.#windowCount++
    this.#windowBytes += bytes
    this.#windowLatencyMs += latencyMs
    if (latencyMs > this.#windowMaxMs) this.#windowMaxMs = latencyMs
    if (nowMs - this.#windowStartMs >= this.#intervalMs) {
      if (this.steadyState && this.#count === this.#windowCount) this.#print('In steady state.')
      if (!this.#suppressed) this.#print(this.windowLine(nowMs))
      this.#newWindow(nowMs)
    }
  }

  windowLine(nowMs: number): string {
    return formatWindowLine(
      this.#windowCount,
      this.#windowBytes,
      nowMs - this.#windowStartMs,
      this.#windowLatencyMs,
      this.#windowMaxMs,
    )
  }

  #newWindow(nowMs: number): void {
    this.#windowStartMs = nowMs
    this.#windowCount = 0
    this.#windowBytes = 0
    this.#windowLatencyMs = 0
    this.#windowMaxMs = 0
  }

  summary(nowMs: number): StatsSummary {
    const elapsedMs = nowMs - this.#startMs
    const h = this.#histogram
    const n = this.#count
    const pct = (p: number) => (n === 0 ? null : micros(h.valueAtPercentile(p)))
    return {
      records: n,
      bytes: this.#bytes,
      elapsedMs: round3(elapsedMs),
      recordsPerSec: (1000 * n) / elapsedMs,
      mbPerSec: (1000 * this.#bytes) / elapsedMs / MIB,
      latencyMs: {
        avg: n === 0 ? null : round3(this.#totalLatencyMs / n),
        max: n === 0 ? null : round3(this.#maxLatencyMs),
        p50: pct(50),
        p95: pct(95),
        p99: pct(99),
        p999: pct(99.9),
      },
    }
  }

  totalLine(nowMs: number): string {
    return formatTotalLine(this.summary(nowMs), this.steadyState)
  }
}

/** Java: `%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.` */
export function formatWindowLine(
  count: number,
  bytes: number,
  elapsedMs: number,
  totalLatencyMs: number,
  maxLatencyMs: number,
): string {
  const recsPerSec = (1000 * count) / elapsedMs
  const mbPerSec = (1000 * bytes) / elapsedMs / MIB
  return (
    `${count} records sent, ${fixed(recsPerSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ` +
    `${fixed(totalLatencyMs / count, 1)} ms avg latency, ${fixed(maxLatencyMs, 1)} ms max latency.`
  )
}

/**
 * Java (4.x): `%d%s records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max
 * latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.` with " steady state" as %s for the
 * steady-state line. Java's percentiles are whole milliseconds; ours are rounded to them. With
 * nothing acknowledged (every record failed) Java prints `NaN ms avg latency`; we print 0.00,
 * as for the maximum and the percentiles, so the line still parses as numbers.
 */
export function formatTotalLine(s: StatsSummary, steadyState: boolean): string {
  const l = s.latencyMs
  const whole = (v: number | null) => String(Math.round(v ?? 0))
  return (
    `${s.records}${steadyState ? ' steady state' : ''} records sent, ${fixed(s.recordsPerSec, 6)} records/sec ` +
    `(${fixed(s.mbPerSec, 2)} MB/sec), ${fixed(l.avg ?? 0, 2)} ms avg latency, ` +
    `${fixed(l.max ?? 0, 2)} ms max latency, ${whole(l.p50)} ms 50th, ${whole(l.p95)} ms 95th, ` +
    `${whole(l.p99)} ms 99th, ${whole(l.p999)} ms 99.9th.`
  )
}

/** Java's %.Nf: NaN and Infinity spelled as Java spells them. */
function fixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity'
  return v.toFixed(digits)
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000
}

function micros(us: number): number {
  return us / 1000
}

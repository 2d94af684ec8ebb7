/**
 * Shared by every contender runner: the job a runner receives, a fixed-size latency histogram
 * (so 10 million records cost no more memory than 1 thousand), pacing for fixed-rate runs, and
 * the one JSON line a runner prints for the harness.
 *
 * A runner is compiled (bench/tsconfig.contenders.json) and started as
 * `node bench/.build/bench/contenders/<name>.js '<job json>'`; it prints
 * exactly one line starting with RESULT_PREFIX, followed by a RunnerResult as JSON.
 */

import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Sampler, startSampler } from './sampler.js'

export const RESULT_PREFIX = 'BENCH_RESULT '

export interface Job {
  bootstrap: string
  topic: string
  numRecords: number
  recordSize: number
  /** 1 or -1 (all). */
  acks: 1 | -1
  idempotence: boolean
  compression: 'none' | 'lz4' | 'zstd'
  lingerMs: number
  batchSize: number
  /** Records per second; -1 for as fast as possible. */
  throughput: number
  /** Records a batch-API client (kafkajs, @platformatic/kafka) puts in one send() call. */
  chunk: number
  /** Records in flight at most (promise window), for runners that bound it themselves. */
  window: number
  /**
   * 0: the runner pipelines as fast as it can (its usual pattern). N > 0 (workload 6, "web
   * service"): N concurrent tasks, each sending one record and awaiting its acknowledgement
   * before the next, as request handlers do.
   */
  tasks: number
}

/** Event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) over the measured part, in ms. */
export interface LoopDelay {
  p50: number
  p99: number
  max: number
}

/**
 * Samples taken every SAMPLE_MS during the measured part: [ms since process start, RSS MiB,
 * event-loop delay p99 of that interval in ms].
 */
export type SeriesPoint = [number, number, number]

export interface RunnerResult {
  ok: boolean
  /** Set when the contender cannot run at all here (missing package, unsupported codec...). */
  unavailable?: string
  error?: string
  records?: number
  seconds?: number
  recordsPerSec?: number
  mbPerSec?: number
  latencyMs?: { avg: number; p50: number; p99: number; p999: number; max: number }
  /** Peak RSS of the runner process, sampled from inside every 50 ms. */
  selfPeakRssMb?: number
  /** Node runners only: how late the event loop ran timers during the measured part. */
  eventLoopDelayMs?: LoopDelay
  /** Node runners only: RSS and event-loop delay over time (see SeriesPoint). */
  series?: SeriesPoint[]
  /**
   * CPU time (user + system, all threads of the runner) per record of the measured part, in µs:
   * the producer's own cost, less sensitive than records/s to what the broker next to it does.
   */
  cpuUsPerRecord?: number
  failed?: number
  /** Records sent before the measured part (metadata/codec warm-up), counted in the topic's offsets. */
  warmupRecords?: number
  settings?: Record<string, unknown>
}

/**
 * The record value every contender sends: `size` random uppercase letters, made once and sent as
 * every record's value, as Java's ProducerPerformance makes its payload (so the codecs of w2 get
 * the same bytes from every client). A fixed seed keeps it the same in every run.
 */
export function payload(size: number): Buffer {
  const out = Buffer.allocUnsafe(size)
  let x = 0x2545f491
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = 65 + ((x >>> 0) % 26)
  }
  return out
}

export function readJob(): Job {
  const arg = process.argv[2]
  if (arg === undefined) throw new Error('usage: runner <job json>')
  return JSON.parse(arg) as Job
}

export function emit(result: RunnerResult): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
}

/** Log-linear histogram of microseconds: 128 sub-buckets per power of two (< 1 % error). */
export class Histogram {
  static readonly SUB = 128
  readonly counts = new Float64Array(64 * Histogram.SUB)
  count = 0
  sum = 0
  max = 0

  recordMs(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000))
    this.count++
    this.sum += ms
    if (ms > this.max) this.max = ms
    this.counts[Histogram.index(us)]!++
  }

  // Called once per record by every Node contender: integer bit operations, no Math.log2 or
  // division (which cost several percent of the fastest contender's CPU). Past 2^31 µs (36 min)
  // the last bucket holds the value.
  static index(us: number): number {
    if (us < Histogram.SUB) return us
    const v = us < 0x7fffffff ? us | 0 : 0x7fffffff
    const exp = 25 - Math.clz32(v) // floor(log2(v)) - 6; us >= 128 -> exp >= 1
    const sub = (v >>> exp) - Histogram.SUB / 2 // 0..63
    return Histogram.SUB + (exp - 1) * (Histogram.SUB / 2) + sub
  }

  static value(index: number): number {
    if (index < Histogram.SUB) return index
    const i = index - Histogram.SUB
    const exp = Math.floor(i / (Histogram.SUB / 2)) + 1
    const sub = (i % (Histogram.SUB / 2)) + Histogram.SUB / 2
    return (sub + 0.5) * 2 ** exp
  }

  percentileMs(p: number): number {
    if (this.count === 0) return 0
    const target = Math.ceil((p / 100) * this.count)
    let seen = 0
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!
      if (seen >= target) return Math.min(this.max, Histogram.value(i) / 1000)
    }
    return this.max
  }

  summary(): NonNullable<RunnerResult['latencyMs']> {
    const r = (n: number) => Number(n.toFixed(2))
    return {
      avg: r(this.count === 0 ? 0 : this.sum / this.count),
      p50: r(this.percentileMs(50)),
      p99: r(this.percentileMs(99)),
      p999: r(this.percentileMs(99.9)),
      max: r(this.max),
    }
  }
}

/** Waits until record i is due at `throughput` records/s (no-op when unthrottled). */
export function pace(start: number, i: number, throughput: number): Promise<void> | null {
  if (throughput <= 0) return null
  const due = start + (i * 1000) / throughput
  const wait = due - performance.now()
  return wait > 1 ? new Promise((r) => setTimeout(r, wait)) : null
}

/**
 * Runs the measured part of a job: `body` sends every record and resolves once all are
 * acknowledged; the wrapper times it, samples RSS and prints the result line.
 */
export async function measure(
  job: Job,
  settings: Record<string, unknown>,
  setup: () => Promise<{
    body: (hist: Histogram, fail: (err: unknown) => void) => Promise<void>
    teardown: () => Promise<void>
    warmupRecords?: number
  }>,
): Promise<void> {
  let result: RunnerResult
  try {
    const { body, teardown, warmupRecords } = await setup()
    const hist = new Histogram()
    let failed = 0
    let firstError: unknown = null
    const fail = (err: unknown) => {
      failed++
      firstError ??= err
    }
    const sampler: Sampler = await startSampler()
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    await body(hist, fail)
    const seconds = (performance.now() - start) / 1000
    const cpu = process.cpuUsage(cpuStart)
    const sampled = sampler.stop()
    await teardown()
    result = {
      ok: failed === 0,
      ...(failed > 0 ? { error: `${failed} records failed; first: ${describe(firstError)}` } : {}),
      records: job.numRecords,
      seconds: Number(seconds.toFixed(3)),
      recordsPerSec: Math.round(job.numRecords / seconds),
      mbPerSec: Number(((job.numRecords * job.recordSize) / seconds / 1048576).toFixed(2)),
      latencyMs: hist.summary(),
      selfPeakRssMb: Number((sampled.peakRss / 1048576).toFixed(1)),
      eventLoopDelayMs: sampled.loopDelay,
      series: sampled.series,
      cpuUsPerRecord: Number(((cpu.user + cpu.system) / job.numRecords).toFixed(4)),
      failed,
      ...(warmupRecords !== undefined ? { warmupRecords } : {}),
      settings,
    }
  } catch (err) {
    result = { ok: false, error: describe(err), settings }
  }
  emit(result)
  // Some clients keep timers or sockets alive after close; the result is out, so leave.
  process.exit(0)
}

/** An error's message, with the first inner errors of an AggregateError (or `.errors`) and its cause. */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const inner = (err as { errors?: unknown[] }).errors
  const parts = [`${err.name}: ${err.message}`]
  if (Array.isArray(inner) && inner.length > 0) parts.push(`[${inner.slice(0, 2).map(describe).join('; ')}]`)
  if (err.cause !== undefined) parts.push(`(cause: ${describe(err.cause)})`)
  return parts.join(' ')
}

/**
 * A package from bench/peers (installed there by bench/setup.sh, not by the project's `npm ci`):
 * its module namespace (a CommonJS package's `module.exports` is its `default`). Runners start
 * with the repository root as their working directory.
 */
export async function importPeer(name: string): Promise<Record<string, unknown>> {
  const require = createRequire(join(process.cwd(), 'bench', 'peers', 'package.json'))
  return (await import(pathToFileURL(require.resolve(name)).href)) as Record<string, unknown>
}

/** Imports a peer package, or prints an "unavailable" result and exits. */
export async function importOrUnavailable<T>(load: () => Promise<T>, what: string): Promise<T> {
  try {
    return await load()
  } catch (err) {
    emit({
      ok: false,
      unavailable: `${what} cannot be loaded: ${String((err as Error)?.message ?? err).split('\n')[0]}`,
    })
    process.exit(0)
  }
}

/**
 * Workload 6 ("web service"): `job.tasks` concurrent tasks, each sending one record with
 * `sendOne` and awaiting its acknowledgement before taking the next, until `job.numRecords`
 * have been sent. A record's latency is its own send-to-ack time.
 */
export async function runTasks(
  job: Job,
  hist: Histogram,
  fail: (err: unknown) => void,
  sendOne: (task: number) => Promise<unknown>,
): Promise<void> {
  let next = 0
  const task = async (id: number) => {
    while (next < job.numRecords) {
      next++
      const sentAt = performance.now()
      try {
        await sendOne(id)
        hist.recordMs(performance.now() - sentAt)
      } catch (err) {
        fail(err)
      }
    }
  }
  const all: Promise<void>[] = []
  for (let t = 0; t < job.tasks; t++) all.push(task(t))
  await Promise.all(all)
}

/**
 * Measures micro-benchmarks the same way every time, so two runs (before and after a change) can
 * be compared: a warmup, then several timed samples, and the median sample's rate.
 */

export interface MicroBench {
  /** `group/case`, e.g. `crc32c/16KiB`; the runner filters on it. */
  name: string
  /** Operations one call of `run` performs (records appended, keys hashed, buffers checksummed). */
  opsPerRun: number
  /** Payload bytes one call of `run` processes, for MB/s; 0 when a rate in bytes means nothing. */
  bytesPerRun: number
  /** Shown beside the result, e.g. a compression ratio. */
  note?: string
  run: () => unknown
}

export interface MicroResult {
  name: string
  opsPerSec: number
  mbPerSec: number | null
  /** (max - min) / median of the samples' rates, in percent: how far to trust the median. */
  spreadPct: number
  samples: number
  note?: string
}

export interface MeasureOptions {
  warmupMs: number
  sampleMs: number
  samples: number
  /**
   * `cpu`: the process's CPU time (user + system), which leaves out the time other processes
   * hold the core, so figures stay comparable on a shared machine (GC threads count too).
   * `wall`: elapsed time.
   */
  clock: 'cpu' | 'wall'
}

export const DEFAULT_MEASURE: MeasureOptions = { warmupMs: 300, sampleMs: 200, samples: 7, clock: 'cpu' }

function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

// Results are stored here so the JIT cannot drop a run whose output is never used.
const blackhole: { value: unknown } = { value: undefined }

export function measure(bench: MicroBench, opts: MeasureOptions = DEFAULT_MEASURE): MicroResult {
  const run = bench.run
  const clock = opts.clock === 'cpu' ? cpuMs : () => performance.now()
  // Warm up, and learn how many runs fill roughly one sample.
  const warmupEnd = performance.now() + opts.warmupMs
  let calls = 0
  const started = performance.now()
  do {
    blackhole.value = run()
    calls++
  } while (performance.now() < warmupEnd)
  const perRunMs = Math.max(1e-6, (performance.now() - started) / calls)
  const runsPerSample = Math.max(1, Math.round(opts.sampleMs / perRunMs))

  const rates: number[] = []
  for (let s = 0; s < opts.samples; s++) {
    const t0 = clock()
    for (let i = 0; i < runsPerSample; i++) blackhole.value = run()
    const seconds = Math.max(1e-6, (clock() - t0) / 1000)
    rates.push(runsPerSample / seconds)
  }
  rates.sort((a, b) => a - b)
  const median = rates[rates.length >> 1]!
  return {
    name: bench.name,
    opsPerSec: median * bench.opsPerRun,
    mbPerSec: bench.bytesPerRun > 0 ? (median * bench.bytesPerRun) / 1e6 : null,
    spreadPct: ((rates[rates.length - 1]! - rates[0]!) / median) * 100,
    samples: rates.length,
    ...(bench.note === undefined ? {} : { note: bench.note }),
  }
}

export function formatRow(r: MicroResult): string {
  const ops =
    r.opsPerSec >= 1e6
      ? `${(r.opsPerSec / 1e6).toFixed(2)} M`
      : r.opsPerSec >= 1e3
        ? `${(r.opsPerSec / 1e3).toFixed(1)} k`
        : `${r.opsPerSec.toFixed(0)}  `
  const mb = r.mbPerSec === null ? '' : r.mbPerSec.toFixed(1)
  return `${r.name.padEnd(38)} ${ops.padStart(10)} ops/s ${mb.padStart(9)} MB/s  ±${r.spreadPct.toFixed(1).padStart(4)}%${r.note === undefined ? '' : `  ${r.note}`}`
}

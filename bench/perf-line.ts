import type { RunnerResult } from './contenders/common.js'

/** `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, ... 99.9th.` */
export function parsePerfLine(out: string): RunnerResult | null {
  const lines = out
    .trim()
    .split('\n')
    .map((l) => l.trim())
    // The total line; with --warmup-records a steady-state summary follows it in another form.
    .filter((l) => l.includes('99.9th') && /^\d+ records sent/.test(l))
  const line = lines[lines.length - 1]
  if (line === undefined) return null
  const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? Number.NaN)
  const records = num(/^(\d+) records sent/)
  const rps = num(/([\d.]+) records\/sec/)
  return {
    ok: true,
    records,
    seconds: Number((records / rps).toFixed(3)),
    recordsPerSec: Math.round(rps),
    mbPerSec: num(/\(([\d.]+) MB\/sec\)/),
    latencyMs: {
      avg: num(/([\d.]+) ms avg latency/),
      p50: num(/([\d.]+) ms 50th/),
      p99: num(/([\d.]+) ms 99th/),
      p999: num(/([\d.]+) ms 99\.9th/),
      max: num(/([\d.]+) ms max latency/),
    },
  }
}

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { formatTotalLine, formatWindowLine, PerfStats } from '../../src/cli/perf/stats.js'
import { JAVA_TOTAL_LINE, JAVA_WINDOW_LINE } from './support.js'

describe('perf output lines', () => {
  test('window line: exact figures in Java format', () => {
    // 5000 records of 100 bytes in 2 s, 3 ms avg, 12.25 ms max.
    const line = formatWindowLine(5000, 500_000, 2000, 15_000, 12.25)
    assert.equal(
      line,
      '5000 records sent, 2500.0 records/sec (0.24 MB/sec), 3.0 ms avg latency, 12.3 ms max latency.',
    )
    assert.match(line, JAVA_WINDOW_LINE)
  })

  test('total line: exact figures in Java format, percentiles in whole ms', () => {
    const line = formatTotalLine(
      {
        records: 1_000_000,
        bytes: 100_000_000,
        elapsedMs: 1250,
        recordsPerSec: 800_000,
        mbPerSec: 76.2939453125,
        latencyMs: { avg: 12.345, max: 99.5, p50: 10.4, p95: 20.5, p99: 30.49, p999: 50.999 },
      },
      false,
    )
    assert.equal(
      line,
      '1000000 records sent, 800000.000000 records/sec (76.29 MB/sec), 12.35 ms avg latency, 99.50 ms max latency, 10 ms 50th, 21 ms 95th, 30 ms 99th, 51 ms 99.9th.',
    )
    assert.match(line, JAVA_TOTAL_LINE)
  })

  test('steady-state total line, and a run where nothing was acknowledged (no NaN, unlike Java)', () => {
    const steady = new PerfStats(0, 5000, true, () => {})
    steady.record(2, 10, 1)
    assert.match(steady.totalLine(1000), /^1 steady state records sent, 1\.000000 records\/sec/)
    assert.match(steady.totalLine(1000), JAVA_TOTAL_LINE)
    const none = new PerfStats(0, 5000, false, () => {})
    assert.equal(
      none.totalLine(1000),
      '0 records sent, 0.000000 records/sec (0.00 MB/sec), 0.00 ms avg latency, 0.00 ms max latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.',
    )
    assert.doesNotMatch(none.totalLine(1000), /NaN/)
    assert.match(none.totalLine(1000), JAVA_TOTAL_LINE)
  })
})

describe('PerfStats', () => {
  test('a window line when an acknowledgement arrives once the interval has passed', () => {
    const lines: string[] = []
    const s = new PerfStats(0, 1000, false, (l) => lines.push(l))
    for (let t = 1; t <= 999; t++) s.record(5, 100, t)
    assert.deepEqual(lines, [])
    s.record(7, 100, 1000)
    assert.deepEqual(lines, [
      '1000 records sent, 1000.0 records/sec (0.10 MB/sec), 5.0 ms avg latency, 7.0 ms max latency.',
    ])
    // The next window starts at the acknowledgement that closed the previous one.
    s.record(1, 100, 1500)
    s.record(3, 100, 2000)
    assert.equal(
      lines[1],
      '2 records sent, 2.0 records/sec (0.00 MB/sec), 2.0 ms avg latency, 3.0 ms max latency.',
    )
    assert.equal(s.count, 1002)
  })

  test('suppressed stats print no window lines; steady-state stats announce themselves once', () => {
    const lines: string[] = []
    const total = new PerfStats(0, 100, false, (l) => lines.push(`total: ${l}`))
    const steady = new PerfStats(50, 100, true, (l) => lines.push(`steady: ${l}`))
    total.suppressPrinting()
    for (let t = 60; t <= 400; t += 10) {
      total.record(1, 1, t)
      steady.record(1, 1, t)
    }
    assert.ok(lines.every((l) => l.startsWith('steady: ')))
    assert.equal(lines.filter((l) => l === 'steady: In steady state.').length, 1)
    assert.equal(lines[0], 'steady: In steady state.')
    assert.equal(lines.filter((l) => l.includes('records sent')).length, 3)
  })

  test('summary: throughput over the elapsed time, latency percentiles from the histogram', () => {
    const s = new PerfStats(1000, 5000, false, () => {})
    for (let i = 1; i <= 1000; i++) s.record(i / 10, 1024, 1000 + i) // 0.1 .. 100 ms
    const sum = s.summary(3000)
    assert.equal(sum.records, 1000)
    assert.equal(sum.bytes, 1024 * 1000)
    assert.equal(sum.elapsedMs, 2000)
    assert.equal(sum.recordsPerSec, 500)
    assert.equal(sum.mbPerSec, (1024 * 1000) / 2 / 1024 / 1024)
    assert.equal(sum.latencyMs.avg, 50.05)
    assert.equal(sum.latencyMs.max, 100)
    // floor(p * n) + 1 -th smallest: 50.1, 95.1, 99.1, 100 ms (microsecond histogram, < 0.1% error).
    const near = (got: number | null, want: number) =>
      assert.ok(got !== null && got >= want && got - want <= want / 1024, `${got} vs ${want}`)
    near(sum.latencyMs.p50, 50.1)
    near(sum.latencyMs.p95, 95.1)
    near(sum.latencyMs.p99, 99.1)
    near(sum.latencyMs.p999, 100)
  })
})

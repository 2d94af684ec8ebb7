import assert from 'node:assert/strict'
import { createHistogram } from 'node:perf_hooks'
import { describe, test } from 'node:test'
import {
  HISTOGRAM_MAX_TRACKABLE,
  Histogram,
  highestInSlot,
  lowestInSlot,
  slotOf,
} from '../../src/cli/perf/histogram.js'

/** The reference: Kafka's perf tool's percentile over a sorted array, index floor(p * n). */
function exactPercentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** The histogram's promise: never below the exact value, above it by less than 1/1024 of it. */
function assertWithinPrecision(got: number, exact: number, what: string): void {
  assert.ok(got >= exact, `${what}: ${got} < exact ${exact}`)
  assert.ok(got - exact <= exact / 1024, `${what}: ${got} is more than 1/1024 above ${exact}`)
}

/** Deterministic uniform [0, 1) (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PERCENTILES = [0, 1, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]

describe('Histogram slots', () => {
  test('values below 2048 have a slot each', () => {
    for (let v = 0; v < 2048; v++) {
      assert.equal(slotOf(v), v)
      assert.equal(lowestInSlot(v), v)
      assert.equal(highestInSlot(v), v)
    }
  })

  test('every value lies in its slot, slots are contiguous and ordered, width < value/1024', () => {
    let previousHighest = -1
    const last = slotOf(HISTOGRAM_MAX_TRACKABLE)
    for (let i = 0; i <= last; i++) {
      const lo = lowestInSlot(i)
      const hi = highestInSlot(i)
      assert.equal(lo, previousHighest + 1, `slot ${i} starts at ${lo}`)
      assert.equal(slotOf(lo), i)
      assert.equal(slotOf(hi), i)
      if (lo >= 2048) assert.ok(hi - lo < lo / 1024, `slot ${i} [${lo}, ${hi}] too wide`)
      previousHighest = hi
    }
    assert.equal(previousHighest, HISTOGRAM_MAX_TRACKABLE)
  })
})

describe('Histogram percentiles', () => {
  test('empty', () => {
    const h = new Histogram()
    assert.equal(h.count, 0)
    assert.equal(h.valueAtPercentile(50), 0)
    assert.equal(h.max, 0)
  })

  test('uniform 1..10000: the k-th smallest value at each percentile', () => {
    const h = new Histogram()
    for (let v = 1; v <= 10_000; v++) h.record(v)
    // floor(p/100 * n) + 1 -th smallest: p50 -> 5001, p99 -> 9901, p99.9 -> 9991, p100 -> 10000.
    const expected: Record<number, number> = { 0: 1, 50: 5001, 95: 9501, 99: 9901, 99.9: 9991, 100: 10_000 }
    for (const [p, v] of Object.entries(expected))
      assertWithinPrecision(h.valueAtPercentile(Number(p)), v, `p${p}`)
    assert.equal(h.max, 10_000)
  })

  test('small values are exact', () => {
    const h = new Histogram()
    for (const v of [5, 1, 4, 2, 3]) h.record(v)
    assert.equal(h.valueAtPercentile(0), 1)
    assert.equal(h.valueAtPercentile(50), 3)
    assert.equal(h.valueAtPercentile(79), 4)
    assert.equal(h.valueAtPercentile(80), 5)
    assert.equal(h.valueAtPercentile(100), 5)
  })

  test('a constant value: every percentile is it (capped at the exact max)', () => {
    const h = new Histogram()
    for (let i = 0; i < 1000; i++) h.record(123_456)
    for (const p of PERCENTILES) assert.equal(h.valueAtPercentile(p), 123_456)
  })

  test('bimodal: 99% at 1 ms, 1% at 1 s (in microseconds)', () => {
    const h = new Histogram()
    for (let i = 0; i < 99_000; i++) h.record(1000)
    for (let i = 0; i < 1000; i++) h.record(1_000_000)
    assert.equal(h.valueAtPercentile(50), 1000)
    assert.equal(h.valueAtPercentile(98.99), 1000)
    assertWithinPrecision(h.valueAtPercentile(99), 1_000_000, 'p99')
    assertWithinPrecision(h.valueAtPercentile(99.9), 1_000_000, 'p99.9')
  })

  for (const [name, draw] of [
    ['uniform over 0..60 s', (r: () => number) => r() * 60_000_000],
    ['exponential, mean 2 ms', (r: () => number) => -Math.log(1 - r()) * 2000],
    ['log-uniform over 1 µs..1 h', (r: () => number) => Math.exp(r() * Math.log(3_600_000_000))],
  ] as const) {
    test(`${name}: within the stated precision of the exact percentiles`, () => {
      const r = random(42)
      const h = new Histogram()
      const values: number[] = []
      for (let i = 0; i < 200_000; i++) {
        const v = Math.round(draw(r))
        values.push(v)
        h.record(v)
      }
      values.sort((a, b) => a - b)
      for (const p of PERCENTILES)
        assertWithinPrecision(h.valueAtPercentile(p), exactPercentile(values, p), `p${p}`)
      assert.equal(h.max, values.at(-1))
    })
  }

  test('values are rounded to integers, negatives count as 0, huge ones in the last slot', () => {
    const h = new Histogram()
    h.record(-5)
    h.record(2.6)
    h.record(2 ** 40)
    assert.equal(h.valueAtPercentile(0), 0)
    assert.equal(h.valueAtPercentile(50), 3)
    assert.equal(h.max, 2 ** 40)
    // The last slot's upper end, not the exact max: 2^40 is beyond the tracked range.
    assert.equal(h.valueAtPercentile(100), HISTOGRAM_MAX_TRACKABLE)
  })
})

/**
 * Why `sluice perf` keeps its own histogram rather than node:perf_hooks' createHistogram (the
 * same HdrHistogram layout at 3 significant figures: 2048 exact values, then 1024 sub-buckets
 * per power of two). On dense latencies both agree within that precision; but createHistogram
 * takes the round(p/100 * n)-th value where Kafka's ProducerPerformance (sorted[floor(p * n)])
 * and ours take the next one, which at a gap between modes is the other mode. It also refuses
 * 0 and non-integers, and its max and mean are bucket values, not exact. Values are microseconds,
 * as `sluice perf` records them.
 */
describe('Histogram vs perf_hooks.createHistogram', () => {
  const sets: [string, (r: () => number) => number][] = [
    ['uniform 0..1 s', (r) => r() * 1_000_000],
    ['exponential, mean 2 ms', (r) => -Math.log(1 - r()) * 2000],
    [
      'log-normal, median 5 ms',
      (r) => 5000 * Math.exp(Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
    ],
    ['bimodal, 90% ~2 ms and 10% ~300 ms', (r) => (r() < 0.9 ? 1500 + r() * 1000 : 250_000 + r() * 100_000)],
  ]
  const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(a, b) / 1024

  for (const [name, draw] of sets) {
    test(`${name}: p50, p95, p99, p99.9, max and mean agree within 3 significant digits`, () => {
      const r = random(7)
      const ours = new Histogram()
      const node = createHistogram()
      const values: number[] = []
      for (let i = 0; i < 200_000; i++) {
        const v = Math.min(1_000_000, Math.round(draw(r)))
        values.push(v)
        ours.record(v)
        node.record(Math.max(1, v))
      }
      values.sort((a, b) => a - b)
      for (const p of [50, 95, 99, 99.9]) {
        const exact = exactPercentile(values, p)
        assertWithinPrecision(ours.valueAtPercentile(p), exact, `ours p${p}`)
        assert.ok(
          close(node.percentile(p), ours.valueAtPercentile(p)),
          `p${p}: ${node.percentile(p)} vs ours`,
        )
      }
      assert.ok(close(node.max, ours.max), `max ${node.max} vs ${ours.max}`)
      // Ours keeps no mean (perf sums latencies itself): the exact one, to 3 significant digits.
      const mean = values.reduce((a, b) => a + b, 0) / values.length
      assert.ok(close(node.mean, mean), `mean ${node.mean} vs exact ${mean}`)
    })
  }

  test("at a gap between modes createHistogram's rank differs from Java's by one: p99 1 ms, not 1 s", () => {
    const ours = new Histogram()
    const node = createHistogram()
    const values = [...new Array<number>(99_000).fill(1000), ...new Array<number>(1000).fill(1_000_000)]
    for (const v of values) {
      ours.record(v)
      node.record(v)
    }
    assert.equal(exactPercentile(values, 99), 1_000_000)
    assert.equal(ours.valueAtPercentile(99), 1_000_000)
    assert.equal(
      node.percentile(99),
      1000,
      'createHistogram now takes the same rank as Java: it could replace src/cli/perf/histogram.ts',
    )
    // Its max is the top of the bucket, ours the value.
    assert.ok(node.max > 1_000_000)
    assert.equal(ours.max, 1_000_000)
  })

  test('createHistogram refuses what perf may record: 0 µs and fractions', () => {
    const node = createHistogram()
    assert.throws(() => node.record(0), { code: 'ERR_OUT_OF_RANGE' })
    assert.throws(() => node.record(1.5), { code: 'ERR_OUT_OF_RANGE' })
    const ours = new Histogram()
    ours.record(0)
    ours.record(1.5)
    assert.equal(ours.valueAtPercentile(0), 0)
    assert.equal(ours.valueAtPercentile(100), 2)
  })
})

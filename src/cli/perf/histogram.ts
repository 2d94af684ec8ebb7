/**
 * A latency histogram in the manner of HdrHistogram: log-linear buckets over non-negative integer
 * values (here microseconds), 3 significant decimal digits.
 *
 * Values below 2048 are counted exactly. Above, bucket b (b >= 1) spans [1024 * 2^b, 2048 * 2^b)
 * in 1024 sub-buckets of width 2^b, so a value shares its slot only with values within 2^b of it:
 * a relative error below 1/1024 (< 0.1%). Values up to 2^32 - 1 (71 minutes in microseconds)
 * are tracked; larger ones are counted in the last slot (the exact maximum is kept aside).
 * Recording is a few integer operations into one preallocated array: no allocation per value.
 *
 * Not node:perf_hooks' createHistogram (the same layout): it answers a percentile with the
 * round(p/100 * n)-th value, not Java's (floor(p/100 * n) + 1)-th (at a gap between modes that
 * is the other mode), refuses 0, and costs over twice as much per record (test/cli/histogram.test.ts).
 */

/** log2 of the sub-bucket count (2048 >= 2 * 10^3 for 3 significant digits). */
const SUB_BUCKET_BITS = 11
const SUB_BUCKET_HALF_BITS = SUB_BUCKET_BITS - 1
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_BITS
const SUB_BUCKET_MASK = (1 << SUB_BUCKET_BITS) - 1
/** The largest value with a slot of its own. */
export const HISTOGRAM_MAX_TRACKABLE = 2 ** 32 - 1
/** Buckets needed for 32-bit values: the top bit of 2^32 - 1 is 31. */
const BUCKETS = 31 - SUB_BUCKET_HALF_BITS + 1
const SLOTS = (BUCKETS + 1) * SUB_BUCKET_HALF

export class Histogram {
  /** Float64 counts: exact up to 2^53 per slot. */
  readonly #counts = new Float64Array(SLOTS)
  #total = 0
  #max = 0

  /** Counts one value (rounded to an integer; negative values count as 0). */
  record(value: number): void {
    const v = value > 0 ? Math.round(value) : 0
    this.#counts[slotOf(Math.min(v, HISTOGRAM_MAX_TRACKABLE))]!++
    this.#total++
    if (v > this.#max) this.#max = v
  }

  get count(): number {
    return this.#total
  }

  /** Exact largest value recorded (0 when empty). */
  get max(): number {
    return this.#max
  }

  /**
   * The value at `percentile` (0..100): like Kafka's perf tool, the (floor(p/100 * n) + 1)-th
   * smallest recorded value, capped at the n-th. The answer is the upper end of that value's
   * slot, capped at the exact maximum: never below the true value, and above it by less than
   * 1/1024 of it. 0 when empty.
   */
  valueAtPercentile(percentile: number): number {
    if (this.#total === 0) return 0
    const p = Math.min(100, Math.max(0, percentile))
    const rank = Math.min(this.#total, Math.floor((p / 100) * this.#total) + 1)
    let seen = 0
    const counts = this.#counts
    for (let i = 0; i < SLOTS; i++) {
      seen += counts[i]!
      if (seen >= rank) return Math.min(highestInSlot(i), this.#max)
    }
    return this.#max
  }
}

/** The slot of an integer value in [0, 2^32). */
export function slotOf(v: number): number {
  // The bucket is how far the value's top bit lies above the sub-bucket range (0 below 2048).
  const bucket = 31 - Math.clz32(v | SUB_BUCKET_MASK) - SUB_BUCKET_HALF_BITS
  // v >>> bucket lies in [1024, 2048) for bucket >= 1 and in [0, 2048) for bucket 0.
  return (bucket << SUB_BUCKET_HALF_BITS) + (v >>> bucket)
}

/** The smallest value counted in slot `i`. */
export function lowestInSlot(i: number): number {
  const bucket = Math.max(0, (i >>> SUB_BUCKET_HALF_BITS) - 1)
  const sub = i - (bucket << SUB_BUCKET_HALF_BITS)
  return sub * 2 ** bucket
}

/** The largest value counted in slot `i`. */
export function highestInSlot(i: number): number {
  const bucket = Math.max(0, (i >>> SUB_BUCKET_HALF_BITS) - 1)
  return lowestInSlot(i) + 2 ** bucket - 1
}

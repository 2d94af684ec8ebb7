/**
 * Record keys of `sluice perf` (--key-distribution, --record-key-range, --random-seed): the keys
 * Java's ProducerPerformance.generateKey makes, their order and spread, and determinism per seed.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  encodeKeyTable,
  KEY_TABLE_MAX,
  keySource,
  NO_KEYS,
  RandomKeys,
  RangeKeys,
} from '../../src/cli/perf/keys.js'
import { RandomPayloads, seededRandom, Xorshift32 } from '../../src/cli/perf/payloads.js'

const text = (k: Buffer | null): string | null => (k === null ? null : k.toString('utf8'))

function take(keys: { next(i: number): Buffer | null }, n: number, from = 0): (string | null)[] {
  return Array.from({ length: n }, (_, i) => text(keys.next(from + i)))
}

/** Occurrences of each key 0..range-1 among `n` keys. */
function histogram(keys: { next(i: number): Buffer | null }, n: number, range: number): number[] {
  const counts = new Array<number>(range).fill(0)
  for (let i = 0; i < n; i++) {
    const k = Number(text(keys.next(i)))
    assert.ok(Number.isInteger(k) && k >= 0 && k < range, `key ${k} outside [0, ${range})`)
    counts[k]!++
  }
  return counts
}

describe('sluice perf record keys', () => {
  test('none: every key is null', () => {
    assert.deepEqual(take(NO_KEYS, 3), [null, null, null])
    assert.equal(keySource('none', null, 10, new Xorshift32(0)), NO_KEYS)
  })

  test("keys are Java's Integer.toString(n) in UTF-8: plain decimal, no sign, no padding", () => {
    const table = encodeKeyTable(1234)
    assert.equal(table.length, 1234)
    for (let n = 0; n < 1234; n++) assert.equal(table[n]!.toString('utf8'), String(n))
    assert.deepEqual([...table[0]!], [0x30])
    assert.deepEqual([...table[1000]!], [0x31, 0x30, 0x30, 0x30])
    // One block for all of them: views, not a Buffer each.
    assert.equal(table[0]!.buffer, table[1233]!.buffer)
    assert.equal(table[1233]!.byteOffset - table[0]!.byteOffset + 4, 10 + 90 * 2 + 900 * 3 + 234 * 4)
  })

  test('range: record i gets i % KEY-RANGE, so every key comes round in turn', () => {
    const keys = new RangeKeys(7)
    assert.deepEqual(take(keys, 16), [
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '0',
      '1',
    ])
    // Depends on the index only (Java: recordIndex % keyRange).
    assert.equal(text(keys.next(7 * 1000 + 3)), '3')
    // Evenly spread: each key 1000/7 times, rounded up for the first 1000 % 7.
    assert.deepEqual(histogram(new RangeKeys(7), 1000, 7), [143, 143, 143, 143, 143, 143, 142])
    // The same key object for the same number: encoded once.
    assert.equal(keys.next(2), keys.next(9))
  })

  test('range beyond the table: encoded per record, same keys', () => {
    const big = KEY_TABLE_MAX * 4
    const keys = new RangeKeys(big, Number.POSITIVE_INFINITY)
    assert.equal(text(keys.next(0)), '0')
    assert.equal(text(keys.next(big - 1)), String(big - 1))
    assert.equal(text(keys.next(big + 5)), '5')
    // Only min(range, numRecords) keys are ever used: a small run still gets the table.
    const small = new RangeKeys(2147483647, 100)
    assert.equal(small.next(99), small.next(99))
    assert.equal(text(small.next(99)), '99')
  })

  test('random: uniform over [0, KEY-RANGE), every key drawn', () => {
    const range = 10
    const n = 100_000
    const counts = histogram(new RandomKeys(range, seededRandom(0n)), n, range)
    // Chi-square with 9 degrees of freedom; 27.9 is its 0.999 quantile. The seed is fixed, so
    // this is a fixed outcome, not a flaky one.
    const expected = n / range
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
    assert.ok(chi2 < 27.9, `chi-square ${chi2.toFixed(1)} for ${counts.join(',')}`)
    // A range that is not a power of two, larger than the table.
    const wide = KEY_TABLE_MAX + 12345
    const keys = new RandomKeys(wide, seededRandom(99n))
    let min = Number.POSITIVE_INFINITY
    let max = -1
    let sum = 0
    for (let i = 0; i < n; i++) {
      const k = Number(text(keys.next(i)))
      assert.ok(Number.isInteger(k) && k >= 0 && k < wide, String(k))
      min = Math.min(min, k)
      max = Math.max(max, k)
      sum += k
    }
    assert.ok(min < wide * 0.001 && max > wide * 0.999, `${min}..${max}`)
    assert.ok(Math.abs(sum / n / ((wide - 1) / 2) - 1) < 0.01, `mean ${sum / n}`)
    // KEY-RANGE 1: always key 0.
    assert.deepEqual(take(new RandomKeys(1, seededRandom(5n)), 4), ['0', '0', '0', '0'])
  })

  test('random: the same --random-seed gives the same keys; another seed, other keys', () => {
    const run = (seed: bigint) => take(new RandomKeys(1000, seededRandom(seed)), 200)
    assert.deepEqual(run(0n), run(0n))
    assert.deepEqual(run(-123456789012345n), run(-123456789012345n))
    assert.notDeepEqual(run(0n), run(1n))
    assert.notDeepEqual(run(1n), run(2n ** 32n + 1n), 'the high half of the seed counts')
    assert.notDeepEqual(run(0n), run(-1n))
  })

  test('random keys share the run generator with the payloads, drawn after them (as in Java)', () => {
    // Two runs with the same seed and payloads: same keys. The keys follow the payload draws, so
    // they differ from keys drawn from a fresh generator of the same seed.
    const keysAfterPayloads = (seed: bigint) => {
      const random = seededRandom(seed)
      new RandomPayloads(1000, random)
      return take(keySource('random', 100, 50, random), 50)
    }
    assert.deepEqual(keysAfterPayloads(7n), keysAfterPayloads(7n))
    assert.notDeepEqual(keysAfterPayloads(7n), take(new RandomKeys(100, seededRandom(7n)), 50))
  })

  test('seed 0 is the generator the payloads always had', () => {
    const a = seededRandom(0n)
    const b = new Xorshift32(0)
    for (let i = 0; i < 100; i++) assert.equal(a.nextInt(1 << 30), b.nextInt(1 << 30))
  })
})

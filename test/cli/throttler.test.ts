import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ThroughputThrottler } from '../../src/cli/perf/throttler.js'

/**
 * Drives the throttler the way the send loop does, on a simulated clock: each send costs
 * `sendCostMs`, and a sleep advances the clock by exactly what was asked.
 */
function simulate(target: number, records: number, sendCostMs: number) {
  const start = 1_000
  const t = new ThroughputThrottler(target, start)
  let now = start
  const sleeps: number[] = []
  for (let i = 0; i < records; i++) {
    now += sendCostMs
    if (t.shouldThrottle(i, now)) {
      const ms = t.throttle()
      if (ms > 0) {
        sleeps.push(ms)
        now += ms
      }
    }
  }
  return { elapsedMs: now - start, sleeps }
}

describe('ThroughputThrottler', () => {
  test('a negative target never throttles', () => {
    const t = new ThroughputThrottler(-1, 0)
    assert.equal(t.shouldThrottle(1_000_000_000, 1), false)
    assert.deepEqual(simulate(-1, 10_000, 0.001).sleeps, [])
  })

  test('0 and NaN are refused (Java would block forever)', () => {
    assert.throws(() => new ThroughputThrottler(0, 0), RangeError)
    assert.throws(() => new ThroughputThrottler(Number.NaN, 0), RangeError)
  })

  test('shouldThrottle compares the average rate since the start with the target', () => {
    const t = new ThroughputThrottler(1000, 10_000)
    assert.equal(t.shouldThrottle(5, 10_000), false, 'no time elapsed yet')
    assert.equal(t.shouldThrottle(999, 11_000), false, '999/s is under 1000/s')
    assert.equal(t.shouldThrottle(1000, 11_000), false, 'exactly the target is not above it')
    assert.equal(t.shouldThrottle(1001, 11_000), true)
    assert.equal(t.shouldThrottle(501, 10_500), true)
  })

  test('sleep deficit: 1/target per throttled record, handed out once it reaches 2 ms', () => {
    const t = new ThroughputThrottler(1000, 0) // 1 ms per record
    assert.equal(t.throttle(), 0)
    assert.equal(t.throttle(), 2)
    assert.equal(t.throttle(), 0, 'the deficit starts again from zero')
    const fast = new ThroughputThrottler(100, 0) // 10 ms per record
    assert.equal(fast.throttle(), 10)
    const slow = new ThroughputThrottler(1_000_000, 0) // 1 µs per record
    let calls = 1
    while (slow.throttle() === 0) calls++
    assert.ok(Math.abs(calls - 2000) <= 1, `${calls} calls`)
  })

  for (const target of [50, 1000, 25_000, 500_000]) {
    test(`a fast sender is held to about ${target} records/s (simulated clock)`, () => {
      const records = Math.max(500, target * 2)
      const { elapsedMs, sleeps } = simulate(target, records, 0.0001)
      const rate = records / (elapsedMs / 1000)
      assert.ok(sleeps.length > 0)
      assert.ok(Math.abs(rate - target) / target < 0.02, `rate ${rate} for target ${target}`)
      // Never a sleep shorter than the 2 ms minimum (no busy loop of tiny timers).
      assert.ok(sleeps.every((ms) => ms >= 2))
    })
  }

  test('a sender slower than the target is never slowed down', () => {
    const { elapsedMs, sleeps } = simulate(1000, 5000, 2) // 500 records/s possible
    assert.deepEqual(sleeps, [])
    assert.equal(elapsedMs, 10_000)
  })

  test('after a stall the sender catches up without sleeping until the average is back', () => {
    const t = new ThroughputThrottler(100, 0)
    // 100 records in the first second (on target), then nothing for 9 s.
    assert.equal(t.shouldThrottle(100, 1000), false)
    // At 10 s, 1000 records would be on target: the next 899 go unthrottled.
    for (let i = 101; i <= 999; i++) assert.equal(t.shouldThrottle(i, 10_000), false)
    assert.equal(t.shouldThrottle(1001, 10_000), true)
  })
})

/**
 * Kafka's ThroughputThrottler (org.apache.kafka.server.util), for an event loop: instead of
 * blocking the thread, `throttle()` says how long to sleep and the caller awaits a timer.
 *
 * After each send, `shouldThrottle(sentSoFar, now)` is true while the average rate since the start
 * is above the target; each throttled send then adds 1/target seconds of "sleep deficit", and once
 * 2 ms have accumulated the caller sleeps them off (on average 1/target per record sent too fast).
 * A negative target never throttles. Times are milliseconds.
 */
const MIN_SLEEP_MS = 2

export class ThroughputThrottler {
  readonly #targetPerSec: number
  readonly #startMs: number
  readonly #sleepPerRecordMs: number
  #deficitMs = 0

  constructor(targetPerSec: number, startMs: number) {
    if (targetPerSec === 0 || Number.isNaN(targetPerSec)) {
      // Java would block forever; a perf run that never sends is a mistake, not a request.
      throw new RangeError('the target throughput must be above 0, or negative for no limit')
    }
    this.#targetPerSec = targetPerSec
    this.#startMs = startMs
    this.#sleepPerRecordMs = targetPerSec > 0 ? 1000 / targetPerSec : 0
  }

  /** Whether `amountSoFar` records by `nowMs` is faster than the target. */
  shouldThrottle(amountSoFar: number, nowMs: number): boolean {
    if (this.#targetPerSec < 0) return false
    const elapsedSec = (nowMs - this.#startMs) / 1000
    return elapsedSec > 0 && amountSoFar / elapsedSec > this.#targetPerSec
  }

  /**
   * Books one throttled record; returns the milliseconds to sleep now (0: keep sending). The
   * deficit is cleared when a sleep is handed out, as Java clears it after sleeping.
   */
  throttle(): number {
    this.#deficitMs += this.#sleepPerRecordMs
    if (this.#deficitMs < MIN_SLEEP_MS) return 0
    const sleep = this.#deficitMs
    this.#deficitMs = 0
    return sleep
  }
}

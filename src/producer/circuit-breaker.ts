/**
 * The producer's circuit breaker (`circuitBreaker: { failureThreshold, cooldownMs, halfOpenProbes }`),
 * off unless configured. See docs/DELIVERY.md, "Circuit breaker and health".
 *
 * ```
 *            failureThreshold consecutive failures
 *   closed ------------------------------------------> open <---------------------+
 *     ^                                                  |                          |
 *     |                                   cooldownMs passed (timer, or the next     |
 *     |                                   send() that finds it over)                |
 *     |                                                  v                          |
 *     +---- halfOpenProbes probes delivered ------- half-open --- a probe, or any ---+
 *                                                               counted failure
 * ```
 *
 * - A failure is a record's delivery failing with a retriable error (a batch expiring at
 *   `delivery.timeout.ms`, a retriable broker error with no retry left, a metadata wait at
 *   `max.block.ms`), a Produce request that fails unanswered (lost connection, request timeout)
 *   and a failed connection attempt to a broker. Record-level errors (MESSAGE_TOO_LARGE,
 *   serialization, invalid records, buffer exhaustion, aborts, close) are not failures: the
 *   cluster answered, or the cause is the caller's. See `countsAsFailure`.
 * - Consecutive: any successful produce (a batch acknowledged, or written with acks=0) sets the
 *   count back to zero. A retriable error the broker answered for a partition (NOT_LEADER...)
 *   is neither: the producer retries it, and only its final failure counts.
 * - Open: send() refuses every record at once with CircuitOpenError (settled before send()
 *   returns); records already in the accumulator are not touched and go on being retried.
 * - Half-open: the next `halfOpenProbes` records go through as probes, the rest are refused.
 *   Once every probe is delivered the breaker closes; a probe that fails with a counted failure,
 *   or any other counted failure meanwhile, opens it again for another cooldown. A probe that
 *   fails for a reason of its own (a record-level error) frees its slot for another record.
 */
import { CircuitOpenError, KafkaError } from '../errors.js'
import type { Completion } from './producer-batch.js'
import type { RecordMetadata } from './record.js'

export type CircuitState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerSettings {
  /** Consecutive failures that open the breaker (>= 1). */
  readonly failureThreshold: number
  /** How long it stays open before letting probes through (ms). */
  readonly cooldownMs: number
  /** How many records go through while half-open; all must be delivered to close it (>= 1). */
  readonly halfOpenProbes: number
}

/** The producer's 'circuit' event. */
export interface CircuitEvent {
  readonly state: CircuitState
  readonly previous: CircuitState
  /** Why, in words: the failures that opened it, the cooldown, the probes. */
  readonly reason: string
  /** When (epoch ms). */
  readonly at: number
}

/** Time for the breaker: the clock and a timer (injected by tests). */
export interface BreakerClock {
  now(): number
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void
}

export const SYSTEM_CLOCK: BreakerClock = {
  now: Date.now,
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(1, Math.min(ms, 2_147_483_647)))
    t.unref()
    return () => clearTimeout(t)
  },
}

/** What the breaker tells its owner (events and metrics). */
export interface BreakerListener {
  changed(event: CircuitEvent): void
  /** A send was refused with CircuitOpenError. */
  rejected(nowMs: number): void
}

/** The breaker's state as health() reports it. */
export interface CircuitStatus {
  readonly state: CircuitState
  readonly consecutiveFailures: number
  readonly failureThreshold: number
  /** When it last changed state (epoch ms); 0 if never. */
  readonly since: number
  /** Open: when probes will be let through (epoch ms); otherwise null. */
  readonly retryAt: number | null
  /** Why it is in this state (the last transition's reason); null while it never left closed. */
  readonly reason: string | null
  /** Half-open: probes let through and not yet settled, and probes delivered. */
  readonly probesInFlight: number
  readonly probesDelivered: number
  /** Times it opened, sends it refused, since the producer started. */
  readonly openedTotal: number
  readonly rejectedTotal: number
}

/**
 * Whether an error counts as a delivery failure for the breaker: retriable (Kafka's flag, or
 * ours for network errors and timeouts), and not one whose cause is on the caller's side
 * (buffer exhaustion) or the breaker's own refusal.
 */
export function countsAsFailure(err: unknown): boolean {
  if (!(err instanceof KafkaError) || !err.retriable) return false
  return err.code !== 'ERR_BUFFER_EXHAUSTED' && err.code !== 'ERR_CIRCUIT_OPEN'
}

/** One line about an error for an event's reason. */
export function describeFailure(err: unknown): string {
  if (err instanceof KafkaError) return `${err.code}: ${err.message}`
  return err instanceof Error ? err.message : String(err)
}

export class CircuitBreaker {
  readonly settings: CircuitBreakerSettings
  readonly #listener: BreakerListener
  readonly #clock: BreakerClock
  #state: CircuitState = 'closed'
  #failures = 0
  #since = 0
  #reason: string | null = null
  #retryAt = 0
  #cancelTimer: (() => void) | null = null
  /** Counts open periods, so a probe from an earlier half-open period is not counted now. */
  #generation = 0
  #probesOut = 0
  #probesOk = 0
  #openedTotal = 0
  #rejectedTotal = 0
  #closed = false
  /** The refusal of this open or half-open period: one error for a run of refused sends. */
  #refusalError: CircuitOpenError | null = null

  constructor(
    settings: CircuitBreakerSettings,
    listener: BreakerListener,
    clock: BreakerClock = SYSTEM_CLOCK,
  ) {
    this.settings = settings
    this.#listener = listener
    this.#clock = clock
  }

  get state(): CircuitState {
    return this.#state
  }

  get openedTotal(): number {
    return this.#openedTotal
  }

  get rejectedTotal(): number {
    return this.#rejectedTotal
  }

  get consecutiveFailures(): number {
    return this.#failures
  }

  status(): CircuitStatus {
    return {
      state: this.#state,
      consecutiveFailures: this.#failures,
      failureThreshold: this.settings.failureThreshold,
      since: this.#since,
      retryAt: this.#state === 'open' ? this.#retryAt : null,
      reason: this.#reason,
      probesInFlight: this.#state === 'half-open' ? this.#probesOut - this.#probesOk : 0,
      probesDelivered: this.#state === 'half-open' ? this.#probesOk : 0,
      openedTotal: this.#openedTotal,
      rejectedTotal: this.#rejectedTotal,
    }
  }

  /**
   * A record is about to be sent. Closed: `completion` itself. Half-open with a probe slot free:
   * a completion that reports the probe's outcome, then settles `completion`. Otherwise throws
   * CircuitOpenError (the caller settles the record with it at once).
   */
  admit(completion: Exclude<Completion, null>): Exclude<Completion, null> {
    if (this.#state === 'closed') return completion
    const now = this.#clock.now()
    if (this.#state === 'open' && now >= this.#retryAt) this.#toHalfOpen(now)
    if (this.#state === 'half-open' && this.#probesOut < this.settings.halfOpenProbes) {
      this.#probesOut++
      return this.#probe(completion, this.#generation)
    }
    this.#rejectedTotal++
    this.#listener.rejected(now)
    this.#refusalError ??= this.#refusal()
    throw this.#refusalError
  }

  /** A counted failure (see countsAsFailure); `what` says what failed. */
  failure(what: string): void {
    if (this.#closed) return
    switch (this.#state) {
      case 'closed':
        this.#failures++
        if (this.#failures >= this.settings.failureThreshold)
          this.#toOpen(`${this.#failures} consecutive delivery failure(s), the last: ${what}`)
        return
      case 'half-open':
        this.#failures++
        this.#toOpen(`a failure while half-open: ${what}`)
        return
      case 'open':
        this.#failures++
        return
    }
  }

  /** A successful produce: consecutive failures start over. */
  success(): void {
    if (this.#state === 'closed') this.#failures = 0
  }

  /** The producer closes: no timer is left behind, no event follows. */
  close(): void {
    this.#closed = true
    this.#cancelTimer?.()
    this.#cancelTimer = null
  }

  #probe(completion: Exclude<Completion, null>, generation: number): Exclude<Completion, null> {
    return (err: KafkaError | null, md: RecordMetadata | null) => {
      this.#probeDone(generation, err)
      // A callback that throws is reported by whoever called this one (safeCall).
      if (typeof completion === 'function') completion(err, md)
      else if (err !== null) completion.reject(err)
      else completion.resolve(md!)
    }
  }

  #probeDone(generation: number, err: KafkaError | null): void {
    if (this.#closed || generation !== this.#generation || this.#state !== 'half-open') return
    if (err === null) {
      this.#probesOk++
      if (this.#probesOk >= this.settings.halfOpenProbes)
        this.#transition('closed', `${this.#probesOk} probe(s) delivered`, this.#clock.now())
      return
    }
    if (countsAsFailure(err)) {
      this.#failures++
      this.#toOpen(`a probe failed: ${describeFailure(err)}`)
      return
    }
    // The record's own problem says nothing about the cluster: another record may probe.
    this.#probesOut--
  }

  #toOpen(reason: string): void {
    const now = this.#clock.now()
    this.#openedTotal++
    this.#retryAt = now + this.settings.cooldownMs
    this.#cancelTimer?.()
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#cancelTimer = null
      if (this.#state === 'open' && !this.#closed) this.#toHalfOpen(this.#clock.now())
    }, this.settings.cooldownMs)
    this.#transition('open', reason, now)
  }

  #toHalfOpen(now: number): void {
    this.#cancelTimer?.()
    this.#cancelTimer = null
    this.#transition('half-open', `the cooldown of ${this.settings.cooldownMs} ms passed`, now)
  }

  #transition(state: CircuitState, reason: string, now: number): void {
    const previous = this.#state
    this.#state = state
    this.#since = now
    this.#reason = reason
    this.#generation++
    this.#probesOut = 0
    this.#probesOk = 0
    this.#refusalError = null
    if (state === 'closed') this.#failures = 0
    this.#listener.changed({ state, previous, reason, at: now })
  }

  /** Made once per period and shared by its refusals: a refused send allocates no error. */
  #refusal(): CircuitOpenError {
    const s = this.#state as 'open' | 'half-open'
    const why =
      s === 'open'
        ? `the circuit breaker is open (${this.#reason}); probes go through from ${new Date(this.#retryAt).toISOString()}`
        : `the circuit breaker is half-open and its ${this.settings.halfOpenProbes} probe(s) are under way`
    return new CircuitOpenError(
      `${why}: the record was not sent (not written); send it again later or elsewhere`,
      s,
      s === 'open' ? this.#retryAt : this.#since,
    )
  }
}

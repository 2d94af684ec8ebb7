/**
 * The producer's view of delivery for health() and the circuit breaker: it hears of every batch
 * acknowledged or failed for good and every Produce request failed unanswered (the sender's
 * DeliveryObserver), every connection attempt (the pool), every record failed before a batch,
 * and feeds the counted failures to the breaker (when there is one). It owns the facts health()
 * reports about them: the last acknowledgement per topic, the last connection attempts.
 */
import { isConnectionSetupRefusal } from '../errors.js'
import type { Log } from '../logging.js'
import type { ProducerMetrics } from '../metrics/producer-metrics.js'
import {
  type BreakerClock,
  CircuitBreaker,
  type CircuitBreakerSettings,
  type CircuitEvent,
  type CircuitState,
  countsAsFailure,
  describeFailure,
  SYSTEM_CLOCK,
} from './circuit-breaker.js'
import type { HealthInputs } from './health.js'
import type { DeliveryObserver } from './sender.js'

/** circuit-state's values. */
const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 }

export interface DeliveryMonitorOptions {
  /** The breaker's settings; null: no breaker. */
  readonly circuitBreaker: CircuitBreakerSettings | null
  readonly metrics: ProducerMetrics
  readonly log: Log
  /** Emits the producer's 'circuit' event; a listener's throw does not come back (emitGuarded). */
  readonly emit: (event: CircuitEvent) => void
  readonly clock?: BreakerClock
  /** A batch was acknowledged (after the breaker heard of it). */
  readonly onDelivered?: () => void
}

export class DeliveryMonitor implements DeliveryObserver {
  /** The circuit breaker; null unless configured. */
  readonly breaker: CircuitBreaker | null
  readonly #log: Log
  readonly #onDelivered: (() => void) | undefined
  /** When a batch of each topic was last acknowledged. */
  readonly #lastProduced = new Map<string, number>()
  #lastConnectedAt = 0
  #lastConnectFailedAt = 0
  #lastConnectError: string | null = null

  constructor(options: DeliveryMonitorOptions) {
    this.#log = options.log
    this.#onDelivered = options.onDelivered
    const settings = options.circuitBreaker
    this.breaker = settings === null ? null : this.#makeBreaker(settings, options)
  }

  #makeBreaker(settings: CircuitBreakerSettings, o: DeliveryMonitorOptions): CircuitBreaker {
    const log = this.#log
    let metrics: ReturnType<ProducerMetrics['circuitBreaker']> | null = null
    const breaker = new CircuitBreaker(
      settings,
      {
        changed: (e) => {
          if (e.state === 'open') metrics?.opened(e.at)
          if (e.state === 'closed') log.info({ previous: e.previous }, `circuit breaker closed: ${e.reason}`)
          else log.warn({ previous: e.previous }, `circuit breaker ${e.state}: ${e.reason}`)
          o.emit(e)
        },
        rejected: (now) => metrics?.rejected(now),
      },
      o.clock ?? SYSTEM_CLOCK,
    )
    metrics = o.metrics.circuitBreaker({
      state: () => CIRCUIT_STATE_VALUE[breaker.state],
      consecutiveFailures: () => breaker.consecutiveFailures,
    })
    return breaker
  }

  /** A batch of `topic` was acknowledged (the sender, per batch). */
  delivered(topic: string): void {
    this.#lastProduced.set(topic, Date.now())
    this.breaker?.success()
    this.#onDelivered?.()
  }

  /** A batch failed for good, or a request failed unanswered (the sender). */
  failed(err: Error, what: string): void {
    const b = this.breaker
    if (b !== null && countsAsFailure(err)) b.failure(`${what}: ${describeFailure(err)}`)
  }

  /** A record failed before reaching a batch: a metadata wait that ran out counts. */
  recordFailed(err: Error): void {
    const b = this.breaker
    if (b !== null && countsAsFailure(err))
      b.failure(`a record failed before a batch: ${describeFailure(err)}`)
  }

  /** A connection attempt ended (the pool): `err` null when it connected. */
  connectAttempt(addr: { host: string; port: number }, err: unknown): void {
    const now = Date.now()
    if (err === null) {
      this.#lastConnectedAt = now
      return
    }
    this.#lastConnectFailedAt = now
    this.#lastConnectError = `${addr.host}:${addr.port}: ${describeFailure(err)}`
    // A refused TLS handshake or credentials fail their records at once; they are not outages.
    const b = this.breaker
    if (b !== null && !isConnectionSetupRefusal(err))
      b.failure(`a connection attempt failed: ${describeFailure(err)}`)
  }

  /** What health() takes from here. */
  inputs(): Pick<
    HealthInputs,
    'lastConnectedAt' | 'lastConnectFailedAt' | 'lastConnectError' | 'lastProduced' | 'circuit'
  > {
    return {
      lastConnectedAt: this.#lastConnectedAt,
      lastConnectFailedAt: this.#lastConnectFailedAt,
      lastConnectError: this.#lastConnectError,
      lastProduced: this.#lastProduced,
      circuit: this.breaker?.status() ?? null,
    }
  }

  /** The producer closes: the breaker's timer goes, no event follows. */
  close(): void {
    this.breaker?.close()
  }
}

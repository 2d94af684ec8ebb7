/**
 * The token the OAUTHBEARER mechanism sends, kept fresh as Java's
 * ExpiringCredentialRefreshingLogin keeps it: the first token is fetched when the first
 * connection authenticates; each token is then refreshed in the background (an unref'd timer)
 * at the time refreshAtMs() picks. A failed refresh keeps the old token, which stays in use until
 * it expires, and is tried again 10 s later (Java's DELAY_SECONDS_BEFORE_NEXT_RETRY_WHEN_RELOGIN_FAILS).
 * A connection that finds no unexpired token fetches one itself and fails with an
 * AuthenticationError when it cannot.
 */

import { AuthenticationError } from '../../errors.js'
import { processWarning, type Warn } from '../../logging.js'
import type { OAuthToken, TokenSource } from './token.js'

export interface RefreshSettings {
  /** sasl.login.refresh.window.factor (0.8). */
  readonly windowFactor: number
  /** sasl.login.refresh.window.jitter (0.05). */
  readonly windowJitter: number
  /** sasl.login.refresh.min.period.seconds (60). */
  readonly minPeriodSeconds: number
  /** sasl.login.refresh.buffer.seconds (300). */
  readonly bufferSeconds: number
}

export interface RefreshTimers {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface RefreshingTokenOptions {
  readonly timers?: RefreshTimers
  /** Uniform in [0, 1); the jitter's draw. */
  readonly random?: () => number
  /** Wait after a failed refresh; default 10000 as in Java. */
  readonly retryDelayMs?: number
  /** Told of each failed background refresh; default: a process warning for the first of a run. */
  readonly onRefreshError?: (err: AuthenticationError) => void
  /** Where the default onRefreshError reports (default: process.emitWarning). */
  readonly warn?: Warn
}

export const RETRY_AFTER_FAILURE_MS = 10_000

const SYSTEM_TIMERS: RefreshTimers = {
  now: Date.now,
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}

/**
 * When to refresh `token`, got at `nowMs` (ExpiringCredentialRefreshingLogin.refreshMs): at
 * windowFactor + jitter of its lifetime, from its start time (iat) or now; but no later than
 * bufferSeconds before it expires and no sooner than minPeriodSeconds from now, and when a
 * lifetime is too short for both, at that fraction of the time left.
 */
export function refreshAtMs(nowMs: number, token: OAuthToken, s: RefreshSettings, random01: number): number {
  const expireMs = token.expiresAtMs
  if (nowMs > expireMs) return nowMs + RETRY_AFTER_FAILURE_MS
  const pct = s.windowFactor + s.windowJitter * random01
  const minPeriodMs = s.minPeriodSeconds * 1000
  const bufferMs = s.bufferSeconds * 1000
  let at: number
  if (nowMs + minPeriodMs + bufferMs > expireMs) {
    at = nowMs + Math.trunc((expireMs - nowMs) * pct)
  } else {
    const startMs = token.startTimeMs ?? nowMs
    const proposed = startMs + Math.trunc((expireMs - startMs) * pct)
    if (proposed > expireMs - bufferMs) at = expireMs - bufferMs
    else if (proposed < nowMs + minPeriodMs) at = nowMs + minPeriodMs
    else at = proposed
  }
  // KAFKA-7945's safety check: a time in the past means a bug; refresh in 10 s.
  return at < nowMs ? nowMs + RETRY_AFTER_FAILURE_MS : at
}

export class RefreshingToken {
  readonly #source: TokenSource
  readonly #settings: RefreshSettings
  readonly #timers: RefreshTimers
  readonly #random: () => number
  readonly #retryDelayMs: number
  readonly #onRefreshError: (err: AuthenticationError) => void
  #token: OAuthToken | null = null
  #fetching: Promise<OAuthToken> | null = null
  #timer: unknown = null
  #nextRefreshAtMs: number | null = null
  #failuresInARow = 0
  #closed = false

  constructor(source: TokenSource, settings: RefreshSettings, options: RefreshingTokenOptions = {}) {
    this.#source = source
    this.#settings = settings
    this.#timers = options.timers ?? SYSTEM_TIMERS
    this.#random = options.random ?? Math.random
    this.#retryDelayMs = options.retryDelayMs ?? RETRY_AFTER_FAILURE_MS
    const warn = options.warn ?? processWarning
    this.#onRefreshError =
      options.onRefreshError ??
      ((err) => {
        if (this.#failuresInARow === 1)
          warn(`${err.message}; the current token stays in use until it expires`, {
            code: 'SLUICE_OAUTH_REFRESH_FAILED',
          })
      })
  }

  /** When the background refresh is due, epoch ms; null when none is scheduled. */
  get nextRefreshAtMs(): number | null {
    return this.#nextRefreshAtMs
  }

  /** A token that has not expired: the one held, or a new one. */
  async current(): Promise<OAuthToken> {
    if (this.#closed)
      throw new AuthenticationError('OAUTHBEARER: the producer is closed; no token is fetched')
    const token = this.#token
    if (token !== null && this.#timers.now() < token.expiresAtMs) return token
    return this.#fetch()
  }

  /** Stops the background refresh. */
  close(): void {
    this.#closed = true
    this.#cancelTimer()
  }

  #fetch(): Promise<OAuthToken> {
    if (this.#fetching !== null) return this.#fetching
    const fetching = this.#fetchOnce().finally(() => {
      this.#fetching = null
    })
    this.#fetching = fetching
    return fetching
  }

  async #fetchOnce(): Promise<OAuthToken> {
    let token: OAuthToken
    try {
      token = await this.#source()
    } catch (err) {
      if (err instanceof AuthenticationError) throw err
      throw new AuthenticationError(
        `OAUTHBEARER: no token: ${(err as Error)?.message ?? String(err)}`,
        undefined,
        { cause: err },
      )
    }
    const nowMs = this.#timers.now()
    if (!(token.expiresAtMs > nowMs)) {
      throw new AuthenticationError(
        `OAUTHBEARER: the new token expired at ${new Date(token.expiresAtMs).toISOString()}, before it could be ` +
          `used (now ${new Date(nowMs).toISOString()}); check the token source, and this host's clock`,
      )
    }
    this.#token = token
    this.#failuresInARow = 0
    if (!this.#closed) this.#schedule(refreshAtMs(nowMs, token, this.#settings, this.#random()))
    return token
  }

  #schedule(atMs: number): void {
    this.#cancelTimer()
    this.#nextRefreshAtMs = atMs
    this.#timer = this.#timers.setTimeout(() => this.#refresh(), Math.max(0, atMs - this.#timers.now()))
  }

  #cancelTimer(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer)
    this.#timer = null
    this.#nextRefreshAtMs = null
  }

  #refresh(): void {
    this.#timer = null
    this.#nextRefreshAtMs = null
    if (this.#closed) return
    this.#fetch().catch((err: AuthenticationError) => {
      if (this.#closed) return
      this.#failuresInARow++
      try {
        this.#onRefreshError(err)
      } catch {
        // A hook that throws changes nothing.
      }
      // The old token, if any, stays; try again later unless a connection's own fetch did better.
      if (this.#timer === null) this.#schedule(this.#timers.now() + this.#retryDelayMs)
    })
  }
}

/**
 * Tokens from the user's function (sasl.login.callback.handler.class, or the `sasl` object's
 * oauthBearerProvider), as Java's OAuthBearerToken: the value, its lifetime (lifetimeMs, else the
 * JWT's `exp`, read without verification), the principal and SASL extensions.
 */
import { AuthenticationError } from '../../errors.js'
import type { OAuthBearerTokenCallback } from '../../producer/config/types.js'
import { Secret } from '../secret.js'
import { claimTimeMs, decodeJwtClaims, stringClaim } from './jwt.js'
import { bearerTokenProblem, checkedExtensions, type OAuthToken, type TokenSource } from './token.js'

export interface CallbackSourceOptions {
  /** The setting the callback came from, for messages. */
  readonly setting: string
  /** sasl.oauthbearer.sub.claim.name: the claim that names the principal. */
  readonly subClaimName: string
}

export function callbackTokenSource(
  callback: OAuthBearerTokenCallback,
  options: CallbackSourceOptions,
): TokenSource {
  const fail = (why: string, cause?: unknown): AuthenticationError =>
    new AuthenticationError(
      `OAUTHBEARER: the token from ${options.setting} ${why}`,
      undefined,
      cause === undefined ? {} : { cause },
    )
  return async (): Promise<OAuthToken> => {
    let input: unknown
    try {
      input = await callback()
    } catch (err) {
      throw fail(
        `could not be had: the function threw: ${err instanceof Error ? err.message : String(err)}`,
        err,
      )
    }
    if (typeof input !== 'object' || input === null) {
      throw fail(`is ${input === null ? 'null' : typeof input}: return { value, lifetimeMs? }`)
    }
    const t = input as Record<string, unknown>
    const problem = bearerTokenProblem(t.value)
    if (problem !== null) throw fail(problem)
    const value = t.value as string
    let claims: Record<string, unknown> | null = null
    let jwtProblem = ''
    try {
      claims = decodeJwtClaims(value)
    } catch (err) {
      jwtProblem = (err as Error).message
    }
    let expiresAtMs: number
    if (t.lifetimeMs !== undefined && t.lifetimeMs !== null) {
      if (typeof t.lifetimeMs !== 'number' || !Number.isFinite(t.lifetimeMs))
        throw fail('has a lifetimeMs that is not a number (it is the expiry time, epoch ms)')
      // Before 2001: a duration taken for the expiry time, surely.
      if (t.lifetimeMs < 1_000_000_000_000)
        throw fail(
          `has lifetimeMs ${t.lifetimeMs}, which reads as a duration; lifetimeMs is when the token expires, in ms since the epoch (e.g. Date.now() + 3600_000)`,
        )
      expiresAtMs = t.lifetimeMs
    } else {
      if (claims === null)
        throw fail(
          `has no lifetimeMs, and its expiry cannot be read from it: ${jwtProblem}. Return lifetimeMs.`,
        )
      let exp: number | null
      try {
        exp = claimTimeMs(claims, 'exp')
      } catch (err) {
        throw fail(`has no lifetimeMs, and ${(err as Error).message}. Return lifetimeMs.`)
      }
      if (exp === null) throw fail('has no lifetimeMs and its JWT has no "exp" claim. Return lifetimeMs.')
      expiresAtMs = exp
    }
    let startTimeMs: number | null = null
    if (typeof t.startTimeMs === 'number' && Number.isFinite(t.startTimeMs)) startTimeMs = t.startTimeMs
    else if (claims !== null) startTimeMs = safe(() => claimTimeMs(claims, 'iat'))
    let principal: string | null = null
    if (typeof t.principalName === 'string' && t.principalName !== '') principal = t.principalName
    else if (claims !== null) principal = safe(() => stringClaim(claims, options.subClaimName))
    const ext = t.extensions
    if (ext !== undefined && ext !== null && (typeof ext !== 'object' || Array.isArray(ext)))
      throw fail('has extensions that are not an object of names to strings')
    const extensions = checkedExtensions(Object.entries((ext ?? {}) as Record<string, unknown>), (p) =>
      fail(`has a bad SASL extension: ${p}`),
    )
    return { value: new Secret(value), expiresAtMs, startTimeMs, principal, extensions }
  }
}

function safe<T>(read: () => T | null): T | null {
  try {
    return read()
  } catch {
    return null
  }
}

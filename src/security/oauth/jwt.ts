/**
 * Reading a JWT's claims without verifying it: the client only needs to know when its own token
 * expires and whom it names; the broker verifies. Errors say what is wrong, never the token.
 */

/** The claims of a compact-serialized JWS (`header.claims.signature`), unverified. */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const parts = token.split('.')
  if (parts.length !== 3) throw new Error(`it is not a JWT (${parts.length} dot-separated parts, not 3)`)
  const header = decodePart(parts[0]!, 'header')
  if (typeof header.alg !== 'string') throw new Error('its JWT header has no "alg"')
  return decodePart(parts[1]!, 'claims')
}

function decodePart(part: string, what: string): Record<string, unknown> {
  if (part.length === 0 || !/^[A-Za-z0-9_-]+={0,2}$/.test(part))
    throw new Error(`its JWT ${what} is not base64url`)
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    throw new Error(`its JWT ${what} is not JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`its JWT ${what} is not a JSON object`)
  return parsed as Record<string, unknown>
}

/** A NumericDate claim (seconds since the epoch) in ms, as Java rounds it; null when absent. */
export function claimTimeMs(claims: Record<string, unknown>, name: string): number | null {
  const v = claims[name]
  if (v === undefined || v === null) return null
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`its "${name}" claim is not a number`)
  return Math.round(v * 1000)
}

/** A string claim, trimmed; null when absent or blank. */
export function stringClaim(claims: Record<string, unknown>, name: string): string | null {
  const v = claims[name]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw new Error(`its "${name}" claim is not a string`)
  const t = v.trim()
  return t === '' ? null : t
}

/** `value` base64url-encoded without padding. */
export function base64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url')
}

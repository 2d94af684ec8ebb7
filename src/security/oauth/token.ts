/**
 * An OAuth bearer token as the OAUTHBEARER mechanism sends it, whichever source gave it (the
 * user's callback, a token endpoint, a token file, or Java's unsecured login), and the rules all
 * sources share: the token's form, and KIP-342's SASL extensions.
 */
import type { Secret } from '../secret.js'

export interface OAuthToken {
  /** The compact-serialized token (usually a JWT); shown nowhere. */
  readonly value: Secret
  /** When the token expires, epoch ms. */
  readonly expiresAtMs: number
  /** When the token became valid (the JWT's iat), epoch ms; null when unknown. */
  readonly startTimeMs: number | null
  /** Who the token names (the JWT's sub claim, or the callback's principalName); null when unknown. */
  readonly principal: string | null
  /** SASL extensions sent with the token (KIP-342), in order. */
  readonly extensions: ReadonlyMap<string, string>
}

/** Gets a new token; rejects with an Error whose message holds no secret. */
export type TokenSource = () => Promise<OAuthToken>

// RFC 6750's b64token, which Kafka's broker checks the token against (OAuthBearerClientInitialResponse).
const B64TOKEN = /^[-_~+/.a-zA-Z0-9]+=*$/

/** Why `value` cannot be sent as a bearer token, or null when it can. Never quotes the value. */
export function bearerTokenProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `is a ${value === null ? 'null' : typeof value}, not a string`
  if (value.length === 0) return 'is empty'
  if (!B64TOKEN.test(value)) {
    return (
      `is not a bearer token (${value.length} characters; RFC 6750 allows letters, digits, ` +
      '"-._~+/" and "=" at the end, so no spaces, quotes or line breaks)'
    )
  }
  return null
}

// KIP-342 (OAuthBearerClientInitialResponse): names are letters; values printable ASCII, space,
// tab, CR and LF; `auth` is the token's own key.
const EXTENSION_NAME = /^[A-Za-z]+$/
const EXTENSION_VALUE = /^[\x21-\x7E \t\r\n]+$/

/** Why an extension cannot be sent, or null. Names the extension, never its value. */
export function extensionProblem(name: string, value: unknown): string | null {
  if (name === 'auth') return "the extension name 'auth' is reserved for the token itself"
  if (!EXTENSION_NAME.test(name)) return `the extension name '${name}' is not letters only (A-Z, a-z)`
  if (typeof value !== 'string' || !EXTENSION_VALUE.test(value))
    return `the value of extension '${name}' is empty or has characters other than printable ASCII, space, tab, CR and LF`
  return null
}

/** The extensions checked, in order; throws an Error from `makeError` on the first bad one. */
export function checkedExtensions(
  extensions: Iterable<[string, unknown]>,
  makeError: (problem: string) => Error,
): ReadonlyMap<string, string> {
  const out = new Map<string, string>()
  for (const [name, value] of extensions) {
    const problem = extensionProblem(name, value)
    if (problem !== null) throw makeError(problem)
    out.set(name, value as string)
  }
  return out
}

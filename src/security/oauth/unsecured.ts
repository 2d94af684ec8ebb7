/**
 * Java's unsecured login (OAuthBearerUnsecuredLoginCallbackHandler): an unsigned JWT
 * (`{"alg":"none"}`, empty signature) built from the OAuthBearerLoginModule's JAAS options, for
 * development against brokers that use the unsecured validator. Options:
 *
 * - unsecuredLoginStringClaim_<name>="value", unsecuredLoginNumberClaim_<name>="1.5",
 *   unsecuredLoginListClaim_<name>=",a,b" (the first character is the separator);
 * - unsecuredLoginPrincipalClaimName (default sub; that claim is required),
 *   unsecuredLoginScopeClaimName (default scope), unsecuredLoginLifetimeSeconds (default 3600);
 * - unsecuredLoginExtension_<name>="value": SASL extensions.
 *
 * iat is now and exp iat + the lifetime, both in seconds with a fraction as Java writes them;
 * iat and exp cannot be set. Other options are ignored, as in Java. Unlike Java, names and
 * values are JSON-escaped correctly.
 */
import { ConfigError } from '../../errors.js'
import { Secret } from '../secret.js'
import { base64url } from './jwt.js'
import { checkedExtensions, type OAuthToken, type TokenSource } from './token.js'

const PREFIX = 'unsecuredLogin'
const STRING_CLAIM = `${PREFIX}StringClaim_`
const NUMBER_CLAIM = `${PREFIX}NumberClaim_`
const LIST_CLAIM = `${PREFIX}ListClaim_`
const EXTENSION = `${PREFIX}Extension_`
const PRINCIPAL_CLAIM_NAME = `${PREFIX}PrincipalClaimName`
const LIFETIME_SECONDS = `${PREFIX}LifetimeSeconds`
const RESERVED = new Set(['iat', 'exp'])

const OPTION = 'sasl.jaas.config'

/** Whether the JAAS options ask for an unsecured token (any unsecuredLogin* option). */
export function hasUnsecuredOptions(options: ReadonlyMap<string, string>): boolean {
  for (const k of options.keys()) if (k.startsWith(PREFIX)) return true
  return false
}

/** The unsecured token the options describe, made at `nowMs`; a ConfigError when they are wrong. */
export function unsecuredToken(options: ReadonlyMap<string, string>, nowMs: number): OAuthToken {
  const keys = [...options.keys()]
  if (keys.length > 0 && keys.every((k) => k.startsWith(EXTENSION)))
    throw new ConfigError(
      OPTION,
      'gives unsecuredLoginExtension_ options but no claims for an unsecured token.',
    )
  const principalClaim = options.get(PRINCIPAL_CLAIM_NAME)?.trim() || 'sub'
  const lifetimeText = options.get(LIFETIME_SECONDS) ?? '3600'
  // Long.parseLong: an optional sign and decimal digits.
  if (!/^[+-]?\d{1,18}$/.test(lifetimeText))
    throw new ConfigError(OPTION, `option ${LIFETIME_SECONDS} is not a whole number of seconds.`)
  const lifetimeSeconds = Number(lifetimeText)
  const iat = nowMs / 1000
  // No prototype: a claim named __proto__ is a claim like any other.
  const claims: Record<string, unknown> = Object.create(null)
  claims.exp = iat + lifetimeSeconds
  claims.iat = iat
  for (const [key, value] of options) {
    let name: string
    let claim: unknown
    if (key.startsWith(STRING_CLAIM) && key.length > STRING_CLAIM.length) {
      name = key.slice(STRING_CLAIM.length)
      claim = value
    } else if (key.startsWith(NUMBER_CLAIM) && key.length > NUMBER_CLAIM.length) {
      name = key.slice(NUMBER_CLAIM.length)
      claim = value.trim() === '' ? Number.NaN : Number(value.trim())
      if (!Number.isFinite(claim)) throw new ConfigError(OPTION, `option ${key} is not a number.`)
    } else if (key.startsWith(LIST_CLAIM) && key.length > LIST_CLAIM.length) {
      name = key.slice(LIST_CLAIM.length)
      // The first character separates the elements: ",a,b" is ["a","b"]; one character or none, [].
      claim = value.length <= 1 ? [] : value.slice(1).split(value[0]!)
    } else {
      continue
    }
    if (RESERVED.has(name)) throw new ConfigError(OPTION, `option ${key}: the '${name}' claim cannot be set.`)
    claims[name] = claim
  }
  const principal = claims[principalClaim]
  if (typeof principal !== 'string' || principal.trim() === '') {
    throw new ConfigError(
      OPTION,
      `has no principal for the unsecured token: set ${STRING_CLAIM}${principalClaim}="<principal>" ` +
        `(the claim named by ${PRINCIPAL_CLAIM_NAME}, default sub).`,
    )
  }
  const extensions = checkedExtensions(
    [...options].filter(([k]) => k.startsWith(EXTENSION)).map(([k, v]) => [k.slice(EXTENSION.length), v]),
    (problem) => new ConfigError(OPTION, `has a bad unsecuredLoginExtension_ option: ${problem}.`),
  )
  const value = `${base64url(JSON.stringify({ alg: 'none' }))}.${base64url(JSON.stringify(claims))}.`
  return {
    value: new Secret(value),
    expiresAtMs: Math.round((iat + lifetimeSeconds) * 1000),
    startTimeMs: Math.round(iat * 1000),
    principal,
    extensions,
  }
}

/** A source of unsecured tokens, each made when asked for. */
export function unsecuredTokenSource(
  options: ReadonlyMap<string, string>,
  now: () => number = Date.now,
): TokenSource {
  return async () => unsecuredToken(options, now())
}

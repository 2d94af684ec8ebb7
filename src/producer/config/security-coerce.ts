/**
 * Parsers for the security settings. A secret's parser never shows the value it got, only its
 * type: ConfigError messages reach logs.
 */
import { ConfigError } from '../../errors.js'
import { isSaslMechanism, type SaslMechanism } from '../../security/sasl/mechanism.js'
import { Secret } from '../../security/secret.js'
import { type Parser, show } from './coerce.js'
import type { OAuthBearerTokenCallback, PemInput, SaslOptions } from './types.js'

function typeOnly(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** A password, key or JAAS text: a string (or Buffer), kept as a Secret. */
export const secret: Parser<Secret | null> = (value, key) => {
  if (value === null) return null
  if (value instanceof Secret) return value
  if (typeof value === 'string' || Buffer.isBuffer(value)) return new Secret(value)
  throw new ConfigError(
    key,
    `expected a string, got ${typeOnly(value)} (the value is not shown: it is a secret). Pass a string.`,
  )
}

/** PEM text: a string or Buffer, or several of them (certificates concatenated). */
export const pem: Parser<PemInput | null> = (value, key) => {
  if (value === null) return null
  const ok = (v: unknown) => typeof v === 'string' || Buffer.isBuffer(v)
  if (ok(value)) return value as string | Buffer
  if (Array.isArray(value) && value.length > 0 && value.every(ok))
    return Object.freeze([...value]) as PemInput
  throw new ConfigError(
    key,
    `expected PEM text (a string or Buffer, or an array of them), got ${show(value)}. Pass the PEM contents.`,
  )
}

/** A comma-separated list or an array of strings; null or '' for none. */
export const stringList: Parser<readonly string[] | null> = (value, key) => {
  if (value === null) return null
  let items: unknown[]
  if (typeof value === 'string') items = value.split(',')
  else if (Array.isArray(value)) items = value
  else
    throw new ConfigError(
      key,
      `expected a comma-separated string or an array of strings, got ${show(value)}.`,
    )
  const out: string[] = []
  for (const item of items) {
    if (typeof item !== 'string')
      throw new ConfigError(key, `expected strings in the list, got ${show(item)}. Pass e.g. "a,b".`)
    const s = item.trim()
    if (s !== '') out.push(s)
  }
  return out.length === 0 ? null : Object.freeze(out)
}

/** A number from min to max (doubles such as `sasl.login.refresh.window.factor`). */
export function decimal(min: number, max: number): Parser<number> {
  return (value, key) => {
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && value.trim() !== ''
          ? Number(value)
          : Number.NaN
    if (!Number.isFinite(n) || n < min || n > max)
      throw new ConfigError(
        key,
        `expected a number from ${min} to ${max}, got ${show(value)}. Pass e.g. ${min}.`,
      )
    return n
  }
}

/** `sasl.mechanism`: a mechanism name (any case), or a SaslMechanism object of the user's. */
export const saslMechanism: Parser<string | SaslMechanism> = (value, key) => {
  if (typeof value === 'string' && value.trim() !== '') return value.trim().toUpperCase()
  if (isSaslMechanism(value)) return value
  throw new ConfigError(
    key,
    `expected a mechanism name such as 'PLAIN', 'SCRAM-SHA-512' or 'OAUTHBEARER', or an object { name, start(context) }, got ${show(value)}.`,
  )
}

/** A function that returns an OAuth bearer token (Java's sasl.login.callback.handler.class). */
export const tokenCallback: Parser<OAuthBearerTokenCallback | null> = (value, key) => {
  if (value === null) return null
  if (typeof value === 'function') return value as OAuthBearerTokenCallback
  const fix =
    typeof value === 'string'
      ? 'Java class names cannot be loaded; pass an async function returning { value, lifetimeMs? } from code.'
      : 'Pass an async function returning { value, lifetimeMs? }.'
  throw new ConfigError(key, `expected a function, got ${show(value)}. ${fix}`)
}

const SASL_KEYS = new Set([
  'mechanism',
  'username',
  'password',
  'oauthBearerProvider',
  'authorizationIdentity',
])

/** The kafkajs-style `sasl` object: `{ mechanism, username, password }` or `{ mechanism: 'oauthbearer', oauthBearerProvider }`. */
export const saslObject: Parser<SaslOptions | null> = (value, key) => {
  if (value === null) return null
  if (isSaslMechanism(value)) return Object.freeze({ mechanism: value })
  if (typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(
      key,
      `expected an object { mechanism, username, password }, got ${typeOnly(value)}.`,
    )
  const o = value as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!SASL_KEYS.has(k))
      throw new ConfigError(`${key}.${k}`, `unknown field. The fields are ${[...SASL_KEYS].join(', ')}.`)
  }
  const mechanism = saslMechanism(o.mechanism, `${key}.mechanism`)
  const username = o.username
  if (username !== undefined && typeof username !== 'string')
    throw new ConfigError(`${key}.username`, `expected a string, got ${show(username)}.`)
  const password = o.password === undefined ? null : secret(o.password, `${key}.password`)
  const provider =
    o.oauthBearerProvider === undefined
      ? null
      : tokenCallback(o.oauthBearerProvider, `${key}.oauthBearerProvider`)
  return Object.freeze({
    mechanism,
    ...(username === undefined ? {} : { username }),
    ...(password === null ? {} : { password }),
    ...(provider === null ? {} : { oauthBearerProvider: provider }),
  })
}

/**
 * Turns one user-supplied value into its resolved form, accepting the natural JS type or the
 * string a .properties file or `k=v` argument would give. Every failure is a ConfigError that
 * names the option, shows the value received and says what to pass instead.
 */

import { ConfigError } from '../../errors.js'
import type { Logger } from '../../logging.js'
import { SPOOL_CAUSES, type SpoolCause, type SpoolSettings } from '../../spool/settings.js'
import type { CircuitBreakerSettings } from '../circuit-breaker.js'
import type { SerializerName } from '../serializers.js'
import type { Acks, BootstrapServer, Partitioner, ProducerInterceptor, SerializerSetting } from './types.js'

export type Parser<T> = (value: unknown, key: string) => T

export const INT_MAX = 2147483647

/** A short, readable rendering of a received value for error messages. */
export function show(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`
  if (typeof value === 'bigint') return `bigint ${value}n`
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no prototype'})`
  return typeof value
}

function fail(key: string, value: unknown, expected: string, fix: string): never {
  throw new ConfigError(key, `expected ${expected}, got ${show(value)}. ${fix}`)
}

function range(min: number, max: number, unit: string): string {
  const u = unit === '' ? '' : ` ${unit}`
  if (max === Number.MAX_SAFE_INTEGER || max === INT_MAX) return `an integer >= ${min}${u}`
  return `an integer from ${min} to ${max}${u}`
}

export interface IntOptions {
  min: number
  max: number
  unit?: string
  /** Values outside min..max that are also allowed (gzip's -1). */
  also?: readonly number[]
}

export function integer(opts: IntOptions): Parser<number> {
  const unit = opts.unit ?? ''
  const also = opts.also ?? []
  const expected =
    also.length > 0
      ? `${also.join(' or ')} or ${range(opts.min, opts.max, unit)}`
      : range(opts.min, opts.max, unit)
  return (value, key) => {
    let n: number
    if (typeof value === 'number') n = value
    else if (typeof value === 'bigint') n = Number(value)
    else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) n = Number(value.trim())
    else return fail(key, value, expected, 'Pass a number such as 100, or a string of digits such as "100".')
    if (!Number.isInteger(n)) return fail(key, value, expected, 'Pass a whole number.')
    if (also.includes(n)) return n
    if (n < opts.min || n > opts.max) return fail(key, value, expected, `Pass a value in that range.`)
    return n
  }
}

export const boolean: Parser<boolean> = (value, key) => {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase()
    if (s === 'true') return true
    if (s === 'false') return false
  }
  return fail(key, value, 'a boolean', 'Pass true or false (or the strings "true" / "false").')
}

export function string(opts: { nonEmpty: boolean }): Parser<string> {
  return (value, key) => {
    if (typeof value !== 'string') return fail(key, value, 'a string', 'Pass a string.')
    const s = value.trim()
    if (opts.nonEmpty && s.length === 0)
      return fail(key, value, 'a non-empty string', 'Pass a non-empty string.')
    return s
  }
}

export function nullable<T>(parse: Parser<T>): Parser<T | null> {
  return (value, key) => (value === null ? null : parse(value, key))
}

export function oneOf<T extends string>(values: readonly T[], opts: { ignoreCase: boolean }): Parser<T> {
  return (value, key) => {
    if (typeof value === 'string') {
      const s = opts.ignoreCase ? value.trim().toLowerCase() : value.trim()
      const hit = values.find((v) => v === s)
      if (hit !== undefined) return hit
    }
    return fail(key, value, `one of ${values.map((v) => `'${v}'`).join(', ')}`, 'Pass one of those strings.')
  }
}

export const acks: Parser<Acks> = (value, key) => {
  const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null
  if (s === 'all' || s === '-1') return -1
  if (s === '0') return 0
  if (s === '1') return 1
  return fail(
    key,
    value,
    "0, 1, -1 or 'all'",
    "Pass 'all' (or -1) to wait for all in-sync replicas, 1 for the leader only, 0 to not wait.",
  )
}

const HOST = /^[0-9A-Za-z_.%-]+$/
const IPV6 = /^[0-9A-Fa-f:.]+(%[0-9A-Za-z_.-]+)?$/

function hostPort(entry: string, key: string, whole: unknown): BootstrapServer {
  const bad = (why: string): never =>
    fail(
      key,
      whole,
      "a list of 'host:port' entries",
      `Entry ${JSON.stringify(entry)} ${why}; write e.g. "broker1:9092,broker2:9092" or "[::1]:9092".`,
    )
  let host: string
  let portText: string
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']')
    if (close < 0 || entry[close + 1] !== ':') return bad("is not '[ipv6]:port'")
    host = entry.slice(1, close)
    portText = entry.slice(close + 2)
    if (!IPV6.test(host) || !host.includes(':')) return bad('has an invalid IPv6 address')
  } else {
    const colon = entry.lastIndexOf(':')
    if (colon < 0) return bad('has no port')
    host = entry.slice(0, colon)
    portText = entry.slice(colon + 1)
    if (host.includes(':')) {
      return bad(IPV6.test(host) ? 'looks like an IPv6 address without [brackets]' : 'has an invalid host')
    }
    if (!HOST.test(host)) return bad('has an invalid host')
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
  if (!(port >= 1 && port <= 65535)) return bad('has no valid port (1-65535)')
  return { host, port }
}

/** `bootstrap.servers`: "h:p,h:p" or an array; whitespace trimmed, duplicates dropped (as Java). */
export const bootstrapServers: Parser<BootstrapServer[]> = (value, key) => {
  let entries: string[]
  if (typeof value === 'string') entries = value.split(',').map((s) => s.trim())
  else if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    entries = value.map((s) => s.trim())
  else
    return fail(
      key,
      value,
      "a string 'host:port,host:port' or an array of 'host:port' strings",
      'Pass one of those.',
    )
  if (entries.length === 0 || (entries.length === 1 && entries[0] === '')) {
    return fail(key, value, "at least one broker 'host:port'", 'Pass e.g. "localhost:9092".')
  }
  if (entries.includes('')) {
    return fail(key, value, "a list of 'host:port' entries without empty ones", 'Remove the stray comma.')
  }
  const out: BootstrapServer[] = []
  const seen = new Set<string>()
  for (const e of entries) {
    const hp = hostPort(e, key, value)
    const id = `${hp.host.toLowerCase()}:${hp.port}`
    if (seen.has(id)) continue
    seen.add(id)
    out.push(Object.freeze(hp))
  }
  return out
}

const SERIALIZER_NAMES: readonly SerializerName[] = ['buffer', 'string', 'json', 'int', 'long']

/** Java serializer classes with a built-in equivalent, so Java .properties files keep working. */
const JAVA_SERIALIZERS: Readonly<Record<string, SerializerName>> = {
  'org.apache.kafka.common.serialization.ByteArraySerializer': 'buffer',
  'org.apache.kafka.common.serialization.ByteBufferSerializer': 'buffer',
  'org.apache.kafka.common.serialization.BytesSerializer': 'buffer',
  'org.apache.kafka.common.serialization.StringSerializer': 'string',
  'org.apache.kafka.common.serialization.IntegerSerializer': 'int',
  'org.apache.kafka.common.serialization.LongSerializer': 'long',
}

export const serializer: Parser<SerializerSetting> = (value, key) => {
  if (typeof value === 'function') return value as SerializerSetting
  if (typeof value === 'string') {
    const s = value.trim()
    const name = SERIALIZER_NAMES.find((n) => n === s) ?? JAVA_SERIALIZERS[s]
    if (name !== undefined) return name
  }
  return fail(
    key,
    value,
    `a function (data, topic) => Uint8Array | null, or one of ${SERIALIZER_NAMES.map((n) => `'${n}'`).join(', ')}`,
    'Pass a serializer function or a built-in name.',
  )
}

export const partitioner: Parser<Partitioner | null> = (value, key) => {
  if (value === null) return null
  if (typeof value === 'function') return value as Partitioner
  if (typeof value === 'object' && typeof (value as { partition?: unknown }).partition === 'function') {
    return value as Partitioner
  }
  const fix =
    typeof value === 'string'
      ? 'Java class names cannot be loaded; pass the partitioner itself from code.'
      : 'Pass a function (args) => partition | undefined, or an object with such a partition() method.'
  return fail(key, value, 'a function or an object with a partition() method', fix)
}

const INTERCEPTOR_METHODS = ['onSend', 'onAcknowledgement', 'close'] as const

export const interceptors: Parser<ProducerInterceptor[]> = (value, key) => {
  // An empty list from a .properties file ("interceptor.classes=") is the default.
  if (typeof value === 'string' && value.trim() === '') return []
  if (!Array.isArray(value)) {
    const fix =
      typeof value === 'string'
        ? 'Java class names cannot be loaded; pass the interceptor objects themselves from code.'
        : 'Pass an array such as [{ onSend: (record) => record }].'
    return fail(key, value, 'an array of interceptor objects', fix)
  }
  const seen = new Set<unknown>()
  return value.map((item: unknown, i) => {
    const where = `${key}[${i}]`
    if (typeof item !== 'object' || item === null) {
      return fail(
        where,
        item,
        'an interceptor object',
        'Pass an object with onSend() and/or onAcknowledgement().',
      )
    }
    const methods = item as Record<string, unknown>
    for (const m of INTERCEPTOR_METHODS) {
      if (methods[m] !== undefined && typeof methods[m] !== 'function') {
        return fail(where, item, `${m} to be a function`, `Make ${m} a method or remove it.`)
      }
    }
    if (typeof methods.onSend !== 'function' && typeof methods.onAcknowledgement !== 'function') {
      return fail(
        where,
        item,
        'an object with onSend() or onAcknowledgement()',
        'Add at least one of those methods.',
      )
    }
    if (seen.has(item))
      return fail(where, item, 'each interceptor once', 'Remove the duplicate; it would run twice.')
    seen.add(item)
    return item as ProducerInterceptor
  })
}

const LOG_METHODS = ['trace', 'debug', 'info', 'warn', 'error'] as const

/** A pino-compatible logger: an object with at least one of trace/debug/info/warn/error as functions. */
export const logger: Parser<Logger | null> = (value, key) => {
  if (value === null || value === undefined) return null
  if (typeof value !== 'object' && typeof value !== 'function') {
    return fail(
      key,
      value,
      'a logger object',
      'Pass a pino logger, or an object with info/warn/error(fields, message) methods.',
    )
  }
  const o = value as Record<string, unknown>
  for (const m of LOG_METHODS) {
    if (o[m] !== undefined && typeof o[m] !== 'function') {
      return fail(
        `${key}.${m}`,
        o[m],
        'a function (fields, message)',
        'Pass a pino logger, or leave the method out.',
      )
    }
  }
  if (!LOG_METHODS.some((m) => typeof o[m] === 'function')) {
    return fail(
      key,
      value,
      'a logger with trace, debug, info, warn or error methods',
      'Pass a pino logger, or an object with info/warn/error(fields, message) methods.',
    )
  }
  return value as Logger
}

const BREAKER_FIELDS = {
  failureThreshold: { default: 5, parse: integer({ min: 1, max: INT_MAX }) },
  cooldownMs: { default: 30_000, parse: integer({ min: 1, max: Number.MAX_SAFE_INTEGER, unit: 'ms' }) },
  halfOpenProbes: { default: 1, parse: integer({ min: 1, max: 10_000 }) },
} as const

/**
 * `circuitBreaker`: `{ failureThreshold?, cooldownMs?, halfOpenProbes? }` (a missing field takes
 * its default; `true` takes them all), or null/false for none. Each field's error names it
 * (`circuitBreaker.cooldownMs`).
 */
export const circuitBreaker: Parser<CircuitBreakerSettings | null> = (value, key) => {
  if (value === null || value === false || value === 'false') return null
  if (value === true || value === 'true') value = {}
  if (typeof value !== 'object' || Array.isArray(value))
    return fail(
      key,
      value,
      'an object { failureThreshold, cooldownMs, halfOpenProbes }, or null for no breaker',
      "Pass e.g. { failureThreshold: 5, cooldownMs: 30000, halfOpenProbes: 1 } from code (it can't be set in a .properties file).",
    )
  const o = value as Record<string, unknown>
  const names = Object.keys(BREAKER_FIELDS)
  for (const k of Object.keys(o)) {
    if (!(k in BREAKER_FIELDS))
      throw new ConfigError(`${key}.${k}`, `unknown field. The fields are ${names.join(', ')}.`)
  }
  const out: Record<string, number> = {}
  for (const [k, f] of Object.entries(BREAKER_FIELDS))
    out[k] = o[k] === undefined ? f.default : f.parse(o[k], `${key}.${k}`)
  return Object.freeze(out as unknown as CircuitBreakerSettings)
}

const SPOOL_FIELDS = ['dir', 'maxBytes', 'fsync', 'fsyncIntervalMs', 'segmentBytes', 'on'] as const
const FSYNC_MODES = ['always', 'interval', 'never'] as const

/**
 * `spool`: `{ dir, maxBytes, fsync?, fsyncIntervalMs?, segmentBytes?, on? }`, or null/false for
 * none. Each field's error names it (`spool.maxBytes`).
 */
export const spool: Parser<SpoolSettings | null> = (value, key) => {
  if (value === null || value === false || value === 'false') return null
  if (typeof value !== 'object' || Array.isArray(value))
    return fail(
      key,
      value,
      'an object { dir, maxBytes, fsync?, on? }, or null for no spool',
      "Pass e.g. { dir: '/var/lib/app/spool', maxBytes: 1073741824 } from code (it can't be set in a .properties file).",
    )
  const o = value as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!(SPOOL_FIELDS as readonly string[]).includes(k))
      throw new ConfigError(`${key}.${k}`, `unknown field. The fields are ${SPOOL_FIELDS.join(', ')}.`)
  }
  if (typeof o.dir !== 'string' || o.dir.trim() === '')
    return fail(
      `${key}.dir`,
      o.dir,
      'a directory path',
      'Give the directory the spool keeps its files in (created if missing).',
    )
  if (o.maxBytes === undefined)
    return fail(
      `${key}.maxBytes`,
      o.maxBytes,
      'a number of bytes',
      'Give the most disk the spool may use, e.g. 1073741824 (1 GiB).',
    )
  const maxBytes = integer({ min: 1024 * 1024, max: Number.MAX_SAFE_INTEGER, unit: 'bytes' })(
    o.maxBytes,
    `${key}.maxBytes`,
  )
  const fsync =
    o.fsync === undefined ? 'interval' : oneOf(FSYNC_MODES, { ignoreCase: false })(o.fsync, `${key}.fsync`)
  const fsyncIntervalMs =
    o.fsyncIntervalMs === undefined
      ? 1000
      : integer({ min: 1, max: INT_MAX, unit: 'ms' })(o.fsyncIntervalMs, `${key}.fsyncIntervalMs`)
  const segmentBytes =
    o.segmentBytes === undefined
      ? null
      : integer({ min: 4096, max: maxBytes, unit: 'bytes' })(o.segmentBytes, `${key}.segmentBytes`)
  let on: readonly SpoolCause[] = SPOOL_CAUSES
  if (o.on !== undefined) {
    if (!Array.isArray(o.on) || o.on.length === 0)
      return fail(
        `${key}.on`,
        o.on,
        `a non-empty array of ${SPOOL_CAUSES.map((c) => `'${c}'`).join(', ')}`,
        'List the failures that send a record to the spool, or leave it out for all of them.',
      )
    for (const c of o.on) {
      if (!(SPOOL_CAUSES as readonly unknown[]).includes(c))
        return fail(
          `${key}.on`,
          c,
          `one of ${SPOOL_CAUSES.map((x) => `'${x}'`).join(', ')}`,
          'Remove it from the list.',
        )
    }
    on = Object.freeze([...new Set(o.on as SpoolCause[])])
  }
  return Object.freeze({ dir: o.dir, maxBytes, fsync, fsyncIntervalMs, segmentBytes, on })
}

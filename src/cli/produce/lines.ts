/**
 * One input line -> one record, as Kafka's kafka-console-producer reads lines
 * (org.apache.kafka.tools.LineMessageReader, Kafka 4.x), or one JSON object per line with
 * --format json. Pure functions: no I/O, every error a LineError the caller reports with the
 * line's source.
 *
 * Text lines, with the reader's properties (defaults as in Java):
 *   parse.headers (false)        a line starts with headers, ended by headers.delimiter (\t)
 *   headers.separator (,)        between header pairs; a regular expression, as Java's split()
 *   headers.key.separator (:)    between a header's key and value
 *   parse.key (false)            then the key, ended by key.separator (\t); the rest is the value
 *   null.marker (none)           a key, value or header value equal to it is null
 *   ignore.error (false)         a missing separator gives a null key (header: a null value)
 *                                instead of an error
 * An empty line is a record with an empty value (Java does not skip it); with parse.key or
 * parse.headers it has no separator and is an error, as in Java.
 */
import { didYouMean } from '../common/usage.js'

/** A line that cannot become a record; the message says why, without the line's source. */
export class LineError extends Error {
  override get name(): string {
    return 'LineError'
  }
}

export type Header = [string, string | null]

export interface LineRecord {
  key: string | null
  value: string | null
  headers: Header[]
  partition?: number
  timestamp?: number
}

export interface LineReaderConfig {
  readonly parseKey: boolean
  readonly keySeparator: string
  readonly parseHeaders: boolean
  readonly headersDelimiter: string
  readonly headersSeparator: string
  readonly headersKeySeparator: string
  readonly nullMarker: string | null
  readonly ignoreError: boolean
}

export const DEFAULT_READER: LineReaderConfig = {
  parseKey: false,
  keySeparator: '\t',
  parseHeaders: false,
  headersDelimiter: '\t',
  headersSeparator: ',',
  headersKeySeparator: ':',
  nullMarker: null,
  ignoreError: false,
}

/** The reader properties kafka-console-producer takes with --property (and --reader-property). */
export const READER_PROPERTIES = [
  'parse.key',
  'key.separator',
  'parse.headers',
  'headers.delimiter',
  'headers.separator',
  'headers.key.separator',
  'null.marker',
  'ignore.error',
] as const

/**
 * The reader's configuration from --property words, checked as Java's configure() checks them
 * (separators that would make lines ambiguous are refused). Throws LineError with the reason.
 */
export function readerConfig(props: ReadonlyMap<string, string>): LineReaderConfig {
  const c = { ...DEFAULT_READER }
  const bool = (v: string) => v.trim().toLowerCase() === 'true'
  for (const [name, value] of props) {
    switch (name) {
      case 'parse.key':
        c.parseKey = bool(value)
        break
      case 'key.separator':
        c.keySeparator = value
        break
      case 'parse.headers':
        c.parseHeaders = bool(value)
        break
      case 'headers.delimiter':
        c.headersDelimiter = value
        break
      case 'headers.separator':
        c.headersSeparator = value
        break
      case 'headers.key.separator':
        c.headersKeySeparator = value
        break
      case 'null.marker':
        c.nullMarker = value
        break
      case 'ignore.error':
        c.ignoreError = bool(value)
        break
      default:
        throw new LineError(`unknown property '${name}'${didYouMean(name, READER_PROPERTIES)}`)
    }
  }
  const separators = [
    ['key.separator', c.keySeparator],
    ['headers.delimiter', c.headersDelimiter],
    ['headers.separator', c.headersSeparator],
    ['headers.key.separator', c.headersKeySeparator],
  ] as const
  for (const [name, v] of separators) {
    if (v === '') throw new LineError(`${name} must not be empty`)
  }
  if (c.headersDelimiter === c.headersSeparator)
    throw new LineError('headers.delimiter and headers.separator may not be equal')
  if (c.headersDelimiter === c.headersKeySeparator)
    throw new LineError('headers.delimiter and headers.key.separator may not be equal')
  if (c.headersSeparator === c.headersKeySeparator)
    throw new LineError('headers.separator and headers.key.separator may not be equal')
  if (c.nullMarker !== null) {
    if (c.nullMarker === '') throw new LineError('null.marker must not be empty')
    for (const [name, v] of separators) {
      if (c.nullMarker === v) throw new LineError(`null.marker and ${name} may not be equal`)
    }
  }
  try {
    new RegExp(c.headersSeparator)
  } catch {
    throw new LineError(`headers.separator '${c.headersSeparator}' is not a valid regular expression`)
  }
  return c
}

/** Java's String.split(regex): trailing empty strings are dropped (all of them, if all are). */
function javaSplit(text: string, regex: RegExp): string[] {
  const parts = text.split(regex)
  if (parts.length === 1) return parts
  while (parts.length > 0 && parts.at(-1) === '') parts.pop()
  return parts
}

/** A line of text (without its line ending) -> a record. */
export class LineParser {
  readonly #c: LineReaderConfig
  readonly #headersSplit: RegExp

  constructor(config: LineReaderConfig) {
    this.#c = config
    this.#headersSplit = new RegExp(config.headersSeparator, 'u')
  }

  parse(line: string): LineRecord {
    const c = this.#c
    let offset = 0
    let headers: Header[] = []
    if (c.parseHeaders) {
      const text = this.#upTo(line, 0, c.headersDelimiter, 'headers delimiter')
      if (text !== null) {
        offset = text.length + c.headersDelimiter.length
        if (text !== c.nullMarker) headers = this.#headers(text)
      }
    }
    let key: string | null = null
    if (c.parseKey) {
      const text = this.#upTo(line, offset, c.keySeparator, 'key separator')
      if (text !== null) {
        offset += text.length + c.keySeparator.length
        key = text === c.nullMarker ? null : text
      }
    }
    const rest = line.slice(offset)
    return { key, value: rest === c.nullMarker ? null : rest, headers }
  }

  /** The text from `start` to `separator`; null (ignore.error) or a LineError when it is missing. */
  #upTo(line: string, start: number, separator: string, what: string): string | null {
    const i = line.indexOf(separator, start)
    if (i < 0) {
      if (this.#c.ignoreError) return null
      throw new LineError(`no ${what} (${JSON.stringify(separator)}) found`)
    }
    return line.slice(start, i)
  }

  #headers(text: string): Header[] {
    const c = this.#c
    return javaSplit(text, this.#headersSplit).map((pair): Header => {
      const i = pair.indexOf(c.headersKeySeparator)
      if (i < 0) {
        if (c.ignoreError) return [pair, null]
        throw new LineError(
          `no header key separator (${JSON.stringify(c.headersKeySeparator)}) found in pair '${pair}'`,
        )
      }
      const key = pair.slice(0, i)
      if (key === c.nullMarker) {
        throw new LineError(
          `header keys should not be equal to the null marker '${c.nullMarker}' as they can't be null`,
        )
      }
      const value = pair.slice(i + c.headersKeySeparator.length)
      return [key, value === c.nullMarker ? null : value]
    })
  }
}

const JSON_FIELDS = ['key', 'value', 'headers', 'partition', 'timestamp'] as const

/** A key or value from JSON: a string as is, null as null, anything else as its JSON text. */
function jsonText(v: unknown): string | null {
  if (v === null || v === undefined) return null
  return typeof v === 'string' ? v : JSON.stringify(v)
}

function describeType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`
}

/**
 * A JSON Lines line: an object with any of key, value (strings, or any JSON value, written as
 * its JSON text; missing or null: null), headers (an object of string or null values, or an
 * array of [key, value] pairs), partition (a whole number) and timestamp (epoch milliseconds or
 * an ISO 8601 date).
 */
export function parseJsonLine(line: string): LineRecord {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch (err) {
    throw new LineError(`not valid JSON: ${(err as Error).message}`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new LineError(
      `expected a JSON object with key, value, headers, partition or timestamp, got ${describeType(v)}`,
    )
  }
  const o = v as Record<string, unknown>
  for (const field of Object.keys(o)) {
    if (!(JSON_FIELDS as readonly string[]).includes(field)) {
      throw new LineError(`unknown field '${field}'${didYouMean(field, JSON_FIELDS)}`)
    }
  }
  const record: LineRecord = {
    key: jsonText(o.key),
    value: jsonText(o.value),
    headers: jsonHeaders(o.headers),
  }
  if (o.partition !== undefined && o.partition !== null) {
    const p = o.partition
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 2 ** 31 - 1) {
      throw new LineError(`partition must be a whole number from 0, got ${JSON.stringify(p)}`)
    }
    record.partition = p
  }
  if (o.timestamp !== undefined && o.timestamp !== null) {
    const t = o.timestamp
    const ms = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : Number.NaN
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new LineError(
        `timestamp must be epoch milliseconds (a whole number from 0) or an ISO 8601 date, got ${JSON.stringify(t)}`,
      )
    }
    record.timestamp = ms
  }
  return record
}

function jsonHeaders(h: unknown): Header[] {
  if (h === undefined || h === null) return []
  const value = (k: string, v: unknown): string | null => {
    if (v === null || typeof v === 'string') return v
    throw new LineError(`header '${k}' must be a string or null, got ${describeType(v)}`)
  }
  if (Array.isArray(h)) {
    return h.map((pair, i): Header => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
        throw new LineError(`headers[${i}] must be a [key, value] pair with a string key`)
      }
      return [pair[0], value(pair[0], pair[1])]
    })
  }
  if (typeof h === 'object') return Object.entries(h).map(([k, v]): Header => [k, value(k, v)])
  throw new LineError(`headers must be an object or an array of [key, value] pairs, got ${describeType(h)}`)
}

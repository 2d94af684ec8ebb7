import { SerializationError } from '../errors.js'
import type { RecordHeader } from '../records/record-batch-builder.js'
import { javaString, javaUtf8 } from './java-utf8.js'
import type { HeaderValue, RecordHeaders } from './record.js'

const EMPTY: readonly RecordHeader[] = []

/** Normalizes user headers into the ordered key/bytes list the batch encoder writes. */
export function normalizeHeaders(headers: RecordHeaders | undefined, topic: string): readonly RecordHeader[] {
  if (headers === undefined || headers === null) return EMPTY
  const out: RecordHeader[] = []
  if (Array.isArray(headers)) {
    for (const pair of headers as readonly (readonly [string, HeaderValue])[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
        throw new SerializationError(
          `headers for topic '${topic}' must be [key, value] pairs with string keys (use null for a header without a value)`,
        )
      }
      out.push({ key: javaString(pair[0]), value: headerBytes(pair[1], pair[0], topic) })
    }
    return out
  }
  if (typeof headers !== 'object') {
    throw new SerializationError(
      `headers for topic '${topic}' must be an object or an array of [key, value] pairs`,
    )
  }
  for (const name of Object.keys(headers)) {
    const v = (headers as Record<string, HeaderValue | readonly HeaderValue[]>)[name]
    const key = javaString(name)
    if (Array.isArray(v)) for (const item of v) out.push({ key, value: headerBytes(item, key, topic) })
    else out.push({ key, value: headerBytes(v as HeaderValue, key, topic) })
  }
  return out
}

function headerBytes(v: HeaderValue | undefined, key: string, topic: string): Uint8Array | null {
  if (v === null) return null
  if (v === undefined)
    throw new SerializationError(
      `header '${key}' for topic '${topic}' is undefined: give a string, a Uint8Array, or null for a header without a value`,
    )
  if (typeof v === 'string') return javaUtf8(v)
  if (v instanceof Uint8Array) return v
  throw new SerializationError(`header '${key}' for topic '${topic}' must be a string, Uint8Array or null`)
}

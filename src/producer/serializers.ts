import { SerializationError } from '../errors.js'
import { javaUtf8 } from './java-utf8.js'

/**
 * Turns a key or value into bytes; null stays null (a null key or a tombstone value). Called
 * synchronously in send().
 */
export type Serializer<T = unknown> = ((data: T, topic: string) => Uint8Array | null) & {
  /**
   * Asynchronous set-up a serializer needs once per topic before it can serialize for it (a
   * schema registry lookup): null when ready, the case checked per record, otherwise a promise
   * settled once ready. The producer holds the topic's records, in send order and unserialized,
   * until it settles (within max.block.ms); a rejection fails the records that waited with its
   * error, and the next send to the topic calls prepare again.
   */
  prepare?: ((topic: string) => Promise<void> | null) | undefined
}

export type SerializerName = 'buffer' | 'string' | 'json' | 'int' | 'long'

/** What each built-in serializer takes. */
export interface SerializerInputs {
  buffer: Uint8Array | string
  string: string
  json: unknown
  int: number
  long: bigint | number
}

/** What a key or value serialized by `S` (a built-in's name or a serializer function) may be. */
export type SerializerInput<S> = S extends SerializerName
  ? SerializerInputs[S]
  : S extends (data: infer T, topic: string) => Uint8Array | null
    ? T
    : unknown

/** Buffer/Uint8Array as is; strings as UTF-8. The default for keys and values. */
const bufferSerializer: Serializer = (data) => {
  if (data === null || data === undefined) return null
  if (data instanceof Uint8Array) return data
  if (typeof data === 'string') return javaUtf8(data)
  throw new TypeError(`expected a Buffer, Uint8Array or string, got ${describe(data)}`)
}

const stringSerializer: Serializer = (data) => {
  if (data === null || data === undefined) return null
  if (typeof data !== 'string') throw new TypeError(`expected a string, got ${describe(data)}`)
  return javaUtf8(data)
}

const jsonSerializer: Serializer = (data) => {
  if (data === null || data === undefined) return null
  const text = JSON.stringify(data)
  if (text === undefined) throw new TypeError(`${describe(data)} has no JSON form`)
  return Buffer.from(text, 'utf8')
}

/** Java's IntegerSerializer: 4 bytes big-endian. */
const intSerializer: Serializer = (data) => {
  if (data === null || data === undefined) return null
  if (typeof data !== 'number' || !Number.isInteger(data) || data < -0x80000000 || data > 0x7fffffff) {
    throw new TypeError(`expected a 32-bit integer, got ${describe(data)}`)
  }
  const b = Buffer.allocUnsafe(4)
  b.writeInt32BE(data, 0)
  return b
}

/** Java's LongSerializer: 8 bytes big-endian; accepts a bigint or a safe integer. */
const longSerializer: Serializer = (data) => {
  if (data === null || data === undefined) return null
  let v: bigint
  if (typeof data === 'bigint') v = data
  else if (typeof data === 'number' && Number.isSafeInteger(data)) v = BigInt(data)
  else throw new TypeError(`expected a bigint or safe integer, got ${describe(data)}`)
  if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new TypeError(`${v} does not fit in 64 bits`)
  const b = Buffer.allocUnsafe(8)
  b.writeBigInt64BE(v, 0)
  return b
}

export const SERIALIZERS: Readonly<Record<SerializerName, Serializer>> = {
  buffer: bufferSerializer,
  string: stringSerializer,
  json: jsonSerializer,
  int: intSerializer,
  long: longSerializer,
}

export function resolveSerializer(s: Serializer<never> | SerializerName): Serializer {
  return typeof s === 'function' ? (s as Serializer) : SERIALIZERS[s]
}

/** Runs a serializer; any failure becomes a SerializationError naming the topic and part. */
export function serialize(
  serializer: Serializer,
  data: unknown,
  topic: string,
  what: 'key' | 'value',
): Uint8Array | null {
  let out: unknown
  try {
    out = serializer(data, topic)
  } catch (err) {
    throw new SerializationError(
      `cannot serialize the ${what} of a record for topic '${topic}': ${(err as Error).message ?? err}`,
      err,
    )
  }
  if (out !== null && !(out instanceof Uint8Array)) {
    throw new SerializationError(
      `the ${what} serializer for topic '${topic}' returned ${describe(out)}; it must return a Uint8Array or null`,
    )
  }
  return out
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`
  return `${typeof v} ${String(v).slice(0, 40)}`
}

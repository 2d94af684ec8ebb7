/**
 * Confluent's wire format for a record value (or key) whose schema is in a schema registry:
 *
 *   byte 0      magic byte, always 0
 *   bytes 1..4  the schema id, a 32-bit big-endian integer
 *   Protobuf    only: the message indexes, which message of the .proto file this is, as a
 *               zig-zag varint count then that many zig-zag varints; the first message ([0]) is
 *               written as the single byte 0, as Confluent's serializer writes it
 *   rest        the serialized payload
 */
import { KafkaError } from '../errors.js'

export const MAGIC_BYTE = 0
/** Magic byte and schema id. */
export const HEADER_SIZE = 5

/** A value that is not in Confluent's framing (wrong magic byte, too short, bad indexes). */
export class SchemaFramingError extends KafkaError {
  constructor(message: string) {
    super(message, 'ERR_SERIALIZATION')
  }
}

function checkId(schemaId: number): void {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) {
    throw new RangeError(`schema id must be an integer from 0 to 2147483647, got ${schemaId}`)
  }
}

/** Magic byte + schema id + payload, in one new Buffer. */
export function frame(schemaId: number, payload: Uint8Array): Buffer {
  checkId(schemaId)
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length)
  out[0] = MAGIC_BYTE
  out.writeInt32BE(schemaId, 1)
  out.set(payload, HEADER_SIZE)
  return out
}

function zigzagSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  let n = 1
  while (v >= 0x80) {
    v >>>= 7
    n++
  }
  return n
}

function writeZigzag(out: Buffer, offset: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  while (v >= 0x80) {
    out[offset++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  out[offset++] = v
  return offset
}

/**
 * The Protobuf message indexes as Confluent writes them: `[0]` (the file's first message) is the
 * single byte 0; otherwise the count then each index, all zig-zag varints.
 */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  for (const i of indexes) {
    if (!Number.isInteger(i) || i < 0 || i > 0x7fffffff) throw new RangeError(`bad message index ${i}`)
  }
  if (indexes.length === 0 || (indexes.length === 1 && indexes[0] === 0)) return Buffer.from([0])
  let size = zigzagSize(indexes.length)
  for (const i of indexes) size += zigzagSize(i)
  const out = Buffer.allocUnsafe(size)
  let offset = writeZigzag(out, 0, indexes.length)
  for (const i of indexes) offset = writeZigzag(out, offset, i)
  return out
}

/** Magic byte + schema id + message indexes + Protobuf payload. */
export function frameProtobuf(schemaId: number, indexes: readonly number[], payload: Uint8Array): Buffer {
  checkId(schemaId)
  const idx = encodeMessageIndexes(indexes)
  const out = Buffer.allocUnsafe(HEADER_SIZE + idx.length + payload.length)
  out[0] = MAGIC_BYTE
  out.writeInt32BE(schemaId, 1)
  out.set(idx, HEADER_SIZE)
  out.set(payload, HEADER_SIZE + idx.length)
  return out
}

export interface Unframed {
  schemaId: number
  /** The bytes after the header (for Protobuf, after the message indexes). */
  payload: Buffer
}

/** Reads the magic byte and schema id. The payload is a view of `data`, not a copy. */
export function unframe(data: Uint8Array): Unframed {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length)
  if (buf.length < HEADER_SIZE) {
    throw new SchemaFramingError(`a framed value has at least ${HEADER_SIZE} bytes, got ${buf.length}`)
  }
  if (buf[0] !== MAGIC_BYTE) throw new SchemaFramingError(`unknown magic byte ${buf[0]}, expected 0`)
  return { schemaId: buf.readInt32BE(1), payload: buf.subarray(HEADER_SIZE) }
}

function readZigzag(buf: Buffer, offset: number): [value: number, next: number] {
  let result = 0
  let shift = 0
  for (;;) {
    if (offset >= buf.length) throw new SchemaFramingError('message indexes end in the middle of a varint')
    const b = buf[offset++] as number
    if (shift === 28 && b > 0x0f) throw new SchemaFramingError('message index varint longer than 32 bits')
    result |= (b & 0x7f) << shift
    if ((b & 0x80) === 0) break
    shift += 7
  }
  const u = result >>> 0
  return [(u >>> 1) ^ -(u & 1), offset]
}

/** Reads the header and the Protobuf message indexes (the single byte 0 reads as `[0]`). */
export function unframeProtobuf(data: Uint8Array): Unframed & { indexes: number[] } {
  const { schemaId, payload } = unframe(data)
  let [count, offset] = readZigzag(payload, 0)
  if (count === 0) return { schemaId, indexes: [0], payload: payload.subarray(offset) }
  if (count < 0 || count > payload.length) throw new SchemaFramingError(`bad message index count ${count}`)
  const indexes: number[] = []
  for (let i = 0; i < count; i++) {
    let index: number
    ;[index, offset] = readZigzag(payload, offset)
    if (index < 0) throw new SchemaFramingError(`negative message index ${index}`)
    indexes.push(index)
  }
  return { schemaId, indexes, payload: payload.subarray(offset) }
}

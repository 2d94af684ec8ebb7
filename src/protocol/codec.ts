/**
 * Encodes and decodes messages from their definitions (schema.ts). A definition is compiled once
 * per version into a flat list of ops per struct level (cached), which a small interpreter walks;
 * nothing is allocated per field at encode time.
 *
 * Value mapping: int64 is always a bigint (offsets and producer ids can exceed 2^53, so Produce's
 * baseOffset, logAppendTimeMs and logStartOffset are exact); uuid, bytes and records are
 * Uint8Arrays on encode and Buffer views into the frame on decode (copy them to keep them past
 * the frame's life). A uuid given as null or omitted is written as the all-zero UUID. Any field
 * omitted from an object to encode takes its default; decoded objects carry every field of the
 * definition, with defaults for those absent from the version.
 */
import { ProtocolError } from '../errors.js'
import { requestHeaderVersion, responseHeaderVersion } from './api-keys.js'
import {
  readRequestHeader,
  readResponseHeaderTags,
  writeRequestHeader,
  writeResponseHeader,
} from './header.js'
import { Reader } from './reader.js'
import {
  BUFFER_DEFAULT,
  EMPTY_ARRAY,
  type FieldDef,
  inRange,
  type MessageDef,
  STRUCT_DEFAULT,
} from './schema.js'
import { sizeOfUvarint, type Writer } from './writer.js'

export interface ApiDescriptor<Req, Res> {
  apiKey: number
  name: string
  minVersion: number
  maxVersion: number
  /** First flexible version; Infinity if none. */
  flexibleFrom: number
  request: MessageDef
  response: MessageDef
  /** Type carrier only; never set. */
  readonly __types?: { req: Req; res: Res }
}

/**
 * An API descriptor from its request and response definitions. `maxVersion` may be set below
 * the definitions' newest version (e.g. to leave out a version Kafka marks unstable).
 */
export function defineApi<Req, Res>(
  request: MessageDef,
  response: MessageDef,
  maxVersion = request.validVersions.max,
): ApiDescriptor<Req, Res> {
  if (
    request.apiKey !== response.apiKey ||
    request.validVersions.min !== response.validVersions.min ||
    request.validVersions.max !== response.validVersions.max ||
    request.flexibleFrom !== response.flexibleFrom
  ) {
    throw new Error(`${request.name} and ${response.name} disagree on key or versions`)
  }
  return {
    apiKey: request.apiKey,
    name: request.name.replace(/Request$/, ''),
    minVersion: request.validVersions.min,
    maxVersion,
    flexibleFrom: request.flexibleFrom,
    request,
    response,
  }
}

/** The highest version both we and the broker support, or null when the ranges don't meet. */
export function pickVersion(
  api: ApiDescriptor<unknown, unknown>,
  brokerMin: number,
  brokerMax: number,
): number | null {
  const max = Math.min(api.maxVersion, brokerMax)
  return max >= Math.max(api.minVersion, brokerMin) ? max : null
}

// ---- compiled programs ----

const I8 = 1
const I16 = 2
const I32 = 3
const I64 = 4
const U16 = 5
const U32 = 6
const F64 = 7
const BOOL = 8
const STR = 9
const BYTES = 10
const RECORDS = 11
const UUID = 12
/** Array of primitives; `elem` holds the element code. */
const ARRAY = 13
/** Array of structs; `sub` holds the element program. */
const STRUCT_ARRAY = 14
const STRUCT = 15
/** Field not in this version: decode sets its default, encode skips it. */
const ABSENT = 16
/** Tagged field in this version: decode presets the default, the tag section may overwrite it. */
const TAGGED = 17

const CODES: Record<string, number> = {
  int8: I8,
  int16: I16,
  int32: I32,
  int64: I64,
  uint16: U16,
  uint32: U32,
  float64: F64,
  bool: BOOL,
  string: STR,
  bytes: BYTES,
  records: RECORDS,
  uuid: UUID,
}

interface Op {
  /** How to handle the field in this version (ABSENT and TAGGED keep the object's shape). */
  code: number
  /** The value's own type code, also for ABSENT and TAGGED fields. */
  valueCode: number
  key: string
  nullable: boolean
  elem: number
  sub: Program | null
  dflt: unknown
  tag: number
}

interface Program {
  name: string
  flexible: boolean
  /** Every field of the definition, in order. */
  ops: Op[]
  /** Tagged fields of this version, by ascending tag. */
  tagged: Op[]
}

const cache = new Map<MessageDef, Program[]>()

function program(def: MessageDef, version: number): Program {
  if (!inRange(def.validVersions, version)) {
    throw new ProtocolError(
      `${def.name} has no version ${version} (valid: ${def.validVersions.min}-${def.validVersions.max})`,
    )
  }
  let perVersion = cache.get(def)
  if (perVersion === undefined) {
    perVersion = []
    cache.set(def, perVersion)
  }
  let p = perVersion[version]
  if (p === undefined) {
    p = compile(def.name, def.fields, version, version >= def.flexibleFrom)
    perVersion[version] = p
  }
  return p
}

function compile(name: string, fields: readonly FieldDef[], version: number, flexible: boolean): Program {
  const ops: Op[] = []
  const tagged: Op[] = []
  for (const f of fields) {
    const isArray = f.type.startsWith('[]')
    const elemType = isArray ? f.type.slice(2) : f.type
    const primitive = CODES[elemType]
    const sub = f.fields === undefined ? null : compile(`${name}.${f.name}`, f.fields, version, flexible)
    const valueCode = isArray ? (primitive === undefined ? STRUCT_ARRAY : ARRAY) : (primitive ?? STRUCT)
    const isTagged = flexible && f.tag !== undefined && inRange(f.taggedVersions, version)
    const op: Op = {
      code: !inRange(f.versions, version) ? ABSENT : isTagged ? TAGGED : valueCode,
      valueCode,
      key: f.name,
      nullable: inRange(f.nullableVersions, version),
      elem: primitive ?? 0,
      sub,
      dflt: f.default,
      tag: f.tag ?? -1,
    }
    ops.push(op)
    if (op.code === TAGGED) tagged.push(op)
  }
  tagged.sort((a, b) => a.tag - b.tag)
  return { name, flexible, ops, tagged }
}

function freshDefault(op: Op): unknown {
  const d = op.dflt
  if (d === EMPTY_ARRAY) return []
  if (d === BUFFER_DEFAULT) return Buffer.alloc(op.valueCode === UUID ? 16 : 0)
  if (d === STRUCT_DEFAULT) return defaultsOf(op.sub!)
  return d
}

function defaultsOf(p: Program): Record<string, unknown> {
  const obj: Record<string, unknown> = {}
  for (const op of p.ops) obj[op.key] = freshDefault(op)
  return obj
}

function isDefault(op: Op, v: unknown): boolean {
  if (v === undefined) return true
  const d = op.dflt
  if (d === EMPTY_ARRAY) return Array.isArray(v) && v.length === 0
  if (d === BUFFER_DEFAULT) {
    if (v === null) return op.valueCode === UUID
    const b = v as Uint8Array
    for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false
    return op.valueCode === UUID || b.length === 0
  }
  if (d === STRUCT_DEFAULT) {
    if (v === null) return false
    const obj = v as Record<string, unknown>
    for (const sub of op.sub!.ops) {
      if (sub.code !== ABSENT && !isDefault(sub, obj[sub.key])) return false
    }
    return true
  }
  return v === d
}

// ---- encoding ----

/** Encodes a message body (request or response) of `version` into `w`. */
export function encodeBody(w: Writer, def: MessageDef, version: number, body: object): void {
  encodeStruct(w, program(def, version), body as Record<string, unknown>)
}

function encodeStruct(w: Writer, p: Program, obj: Record<string, unknown>): void {
  const ops = p.ops
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    if (op.code === ABSENT || op.code === TAGGED) continue
    encodeValue(w, p, op, op.code, obj[op.key])
  }
  if (!p.flexible) return
  const tagged = p.tagged
  let count = 0
  for (let i = 0; i < tagged.length; i++) {
    const op = tagged[i]!
    if (!isDefault(op, obj[op.key])) count++
  }
  w.uvarint(count)
  if (count === 0) return
  for (let i = 0; i < tagged.length; i++) {
    const op = tagged[i]!
    const v = obj[op.key]
    if (isDefault(op, v)) continue
    w.uvarint(op.tag)
    // The size prefix is a varint of the encoded length: write the value, then slide it right
    // by the prefix's size. Tagged fields are small and rare, so the copy is cheap.
    const at = w.pos
    encodeValue(w, p, op, op.valueCode, v)
    const len = w.pos - at
    const n = sizeOfUvarint(len)
    w.ensure(n)
    w.buf.copyWithin(at + n, at, at + len)
    w.pos = at
    w.uvarint(len)
    w.pos = at + n + len
  }
}

function encodeValue(w: Writer, p: Program, op: Op, code: number, given: unknown): void {
  const v = given === undefined ? freshDefault(op) : given
  if (v === null && !op.nullable && code !== UUID) {
    throw new ProtocolError(`${p.name}.${op.key} is not nullable in this version but was null`)
  }
  switch (code) {
    case ARRAY:
    case STRUCT_ARRAY: {
      if (v === null) {
        if (p.flexible) w.uvarint(0)
        else w.int32(-1)
        return
      }
      const arr = v as unknown[]
      if (p.flexible) w.uvarint(arr.length + 1)
      else w.int32(arr.length)
      if (code === ARRAY) {
        for (let i = 0; i < arr.length; i++) {
          const e = arr[i]
          if (e === null || e === undefined) throw new ProtocolError(`${p.name}.${op.key}[${i}] is ${e}`)
          encodePrimitive(w, p, op.elem, e)
        }
      } else {
        const sub = op.sub!
        for (let i = 0; i < arr.length; i++) encodeStruct(w, sub, arr[i] as Record<string, unknown>)
      }
      return
    }
    case STRUCT:
      if (op.nullable) {
        if (v === null) {
          w.int8(-1)
          return
        }
        w.int8(1)
      }
      encodeStruct(w, op.sub!, v as Record<string, unknown>)
      return
    default:
      encodePrimitive(w, p, code, v)
  }
}

function encodePrimitive(w: Writer, p: Program, code: number, v: unknown): void {
  switch (code) {
    case I8:
      w.int8(v as number)
      return
    case I16:
      w.int16(v as number)
      return
    case I32:
      w.int32(v as number)
      return
    case I64:
      w.int64(v as bigint)
      return
    case U16:
      w.uint16(v as number)
      return
    case U32:
      w.uint32(v as number)
      return
    case F64:
      w.float64(v as number)
      return
    case BOOL:
      w.boolean(v as boolean)
      return
    case STR:
      if (p.flexible) w.compactString(v as string | null)
      else w.string(v as string | null)
      return
    case BYTES:
    case RECORDS:
      if (p.flexible) w.compactBytes(v as Uint8Array | null)
      else w.bytes(v as Uint8Array | null)
      return
    case UUID:
      if (v === null || v === undefined) {
        const at = w.reserve(16)
        w.buf.fill(0, at, at + 16)
      } else {
        w.uuid(v as Uint8Array)
      }
      return
    default:
      throw new Error(`unknown op code ${code}`)
  }
}

// ---- decoding ----

/** Decodes a message body of `version` from `r`, leaving `r` after it. */
export function decodeBody<T>(def: MessageDef, version: number, r: Reader): T {
  return decodeStruct(r, program(def, version)) as T
}

function decodeStruct(r: Reader, p: Program): Record<string, unknown> {
  const obj: Record<string, unknown> = {}
  const ops = p.ops
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    obj[op.key] = op.code === ABSENT || op.code === TAGGED ? freshDefault(op) : decodeValue(r, p, op, op.code)
  }
  if (!p.flexible) return obj
  const count = r.uvarint()
  let last = -1
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint()
    if (tag <= last) throw new ProtocolError(`${p.name}: tagged fields out of order (${tag} after ${last})`)
    last = tag
    const size = r.uvarint()
    const start = r.pos
    if (size > r.remaining)
      throw new ProtocolError(`${p.name}: tagged field ${tag} of ${size} bytes is truncated`)
    const op = findTag(p.tagged, tag)
    if (op !== undefined) {
      const sub = new Reader(r.buf, start, start + size)
      obj[op.key] = decodeValue(sub, p, op, op.valueCode)
      if (sub.remaining !== 0)
        throw new ProtocolError(`${p.name}.${op.key}: ${sub.remaining} bytes left in tag`)
    }
    r.pos = start + size
  }
  return obj
}

function findTag(tagged: Op[], tag: number): Op | undefined {
  for (let i = 0; i < tagged.length; i++) if (tagged[i]!.tag === tag) return tagged[i]
  return undefined
}

function decodeValue(r: Reader, p: Program, op: Op, code: number): unknown {
  switch (code) {
    case ARRAY:
    case STRUCT_ARRAY: {
      const n = p.flexible ? r.compactArrayLength() : r.arrayLength()
      if (n < 0) {
        if (!op.nullable) throw new ProtocolError(`${p.name}.${op.key} is not nullable but was null`)
        return null
      }
      const arr = new Array<unknown>(n)
      if (code === ARRAY) {
        for (let i = 0; i < n; i++) {
          const e = decodePrimitive(r, p, op.elem)
          if (e === null) throw new ProtocolError(`${p.name}.${op.key}[${i}] is null`)
          arr[i] = e
        }
      } else {
        const sub = op.sub!
        for (let i = 0; i < n; i++) arr[i] = decodeStruct(r, sub)
      }
      return arr
    }
    case STRUCT:
      if (op.nullable && r.int8() < 0) return null
      return decodeStruct(r, op.sub!)
    default: {
      const v = decodePrimitive(r, p, code)
      if (v === null && !op.nullable) {
        throw new ProtocolError(`${p.name}.${op.key} is not nullable but was null`)
      }
      return v
    }
  }
}

function decodePrimitive(r: Reader, p: Program, code: number): unknown {
  switch (code) {
    case I8:
      return r.int8()
    case I16:
      return r.int16()
    case I32:
      return r.int32()
    case I64:
      return r.int64()
    case U16:
      return r.uint16()
    case U32:
      return r.uint32()
    case F64:
      return r.float64()
    case BOOL:
      return r.boolean()
    case STR:
      return p.flexible ? r.compactString() : r.string()
    case BYTES:
    case RECORDS:
      return p.flexible ? r.compactBytes() : r.bytes()
    case UUID:
      return r.uuid()
    default:
      throw new Error(`unknown op code ${code}`)
  }
}

// ---- frames ----

function isFlexible(api: ApiDescriptor<unknown, unknown>, version: number): boolean {
  return version >= api.flexibleFrom
}

/** Writes size prefix + request header + body into w (from w.pos); returns nothing. */
export function encodeRequest<Req>(
  w: Writer,
  api: ApiDescriptor<Req, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Req,
): void {
  const start = w.pos
  const chunks = w.chunkCount
  try {
    const sizeAt = w.reserve(4)
    const from = w.length
    const headerVersion = requestHeaderVersion(
      api.apiKey,
      isFlexible(api as ApiDescriptor<unknown, unknown>, version),
    )
    writeRequestHeader(w, headerVersion, api.apiKey, version, correlationId, clientId)
    encodeBody(w, api.request, version, body as object)
    w.int32At(sizeAt, w.length - from)
  } catch (err) {
    // The writer may hold other requests queued for the same socket write: drop only ours.
    w.truncate(start, chunks)
    throw err
  }
}

/** Writes size prefix + response header + body into w (from w.pos); for an in-process fake broker. */
export function encodeResponse<Res>(
  w: Writer,
  api: ApiDescriptor<unknown, Res>,
  version: number,
  correlationId: number,
  body: Res,
): void {
  const start = w.pos
  try {
    const sizeAt = w.reserve(4)
    const flexible = isFlexible(api as ApiDescriptor<unknown, unknown>, version)
    writeResponseHeader(w, responseHeaderVersion(api.apiKey, flexible), correlationId)
    encodeBody(w, api.response, version, body as object)
    w.int32At(sizeAt, w.pos - sizeAt - 4)
  } catch (err) {
    w.pos = start
    throw err
  }
}

/** Reads the response header's correlation id from a frame body (after the size prefix). */
export function readCorrelationId(frame: Buffer): number {
  if (frame.length < 4)
    throw new ProtocolError(`response frame of ${frame.length} bytes has no correlation id`)
  return frame.readInt32BE(0)
}

const API_VERSIONS_KEY = 18

/**
 * Decodes a response frame body (after the size prefix; starting at the correlation id),
 * including the header's tagged fields when present.
 */
export function decodeResponse<Res>(api: ApiDescriptor<unknown, Res>, version: number, frame: Buffer): Res {
  try {
    return decodeResponseAt(api, version, frame)
  } catch (err) {
    // A broker that does not support our ApiVersions version answers in v0 (with
    // UNSUPPORTED_VERSION and its own range), whatever version we asked in.
    if (api.apiKey === API_VERSIONS_KEY && version > 0 && err instanceof ProtocolError) {
      try {
        return decodeResponseAt(api, 0, frame)
      } catch {
        // Not a v0 answer either: report the failure at the version we asked for.
      }
    }
    throw err
  }
}

function decodeResponseAt<Res>(api: ApiDescriptor<unknown, Res>, version: number, frame: Buffer): Res {
  const r = new Reader(frame)
  r.int32()
  if (responseHeaderVersion(api.apiKey, isFlexible(api, version)) >= 1) readResponseHeaderTags(r)
  const body = decodeBody<Res>(api.response, version, r)
  if (r.remaining !== 0) {
    throw new ProtocolError(`${api.name} v${version} response has ${r.remaining} unexpected trailing bytes`)
  }
  return body
}

export interface DecodedRequest<Req> {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
  body: Req
}

/** Decodes a request frame body (after the size prefix) of `api`; for an in-process fake broker. */
export function decodeRequest<Req>(api: ApiDescriptor<Req, unknown>, frame: Buffer): DecodedRequest<Req> {
  const r = new Reader(frame)
  const header = readRequestHeader(r, (apiKey, apiVersion) =>
    requestHeaderVersion(apiKey, apiVersion >= api.flexibleFrom),
  )
  if (header.apiKey !== api.apiKey) {
    throw new ProtocolError(`expected a ${api.name} request (key ${api.apiKey}), got key ${header.apiKey}`)
  }
  const body = decodeBody<Req>(api.request, header.apiVersion, r)
  if (r.remaining !== 0) {
    throw new ProtocolError(
      `${api.name} v${header.apiVersion} request has ${r.remaining} unexpected trailing bytes`,
    )
  }
  return { ...header, body }
}

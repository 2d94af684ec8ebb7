/**
 * Protobuf values (or keys) in Confluent's wire format, on `@bufbuild/protobuf` v2 (an optional
 * peer dependency, loaded when the first Protobuf serializer or deserializer is made).
 *
 *   import { OrderSchema } from './gen/order_pb.js'        // protoc-gen-es output
 *   const proto = new ProtobufSerializer({ registry, schema: OrderSchema })
 *   new Producer({ ..., valueSerializer: proto.serializer })
 *
 * The schema registered is the .proto text of the message's file, printed from its descriptor
 * (proto-printer.ts). Each file it imports, other than Google's well-known types
 * (google/protobuf/*), is registered first under its own subject (by default its import path) and
 * named as a reference `{ name: import path, subject, version }`. The bytes are Confluent's
 * framing: magic byte, schema id, the message's indexes in its file, the Protobuf encoding.
 *
 * The producer calls `serializer.prepare(topic)` before the first record of a topic and holds the
 * topic's records until the schema id is known; after that, serializing is synchronous. Without
 * that wiring, `await proto.prepare(topic)` before sending does the same.
 */
import { createRequire } from 'node:module'
import type * as Pb from '@bufbuild/protobuf'
import type { DescField, DescFile, DescMessage, Message } from '@bufbuild/protobuf'
import type * as Wkt from '@bufbuild/protobuf/wkt'
import { ConfigError, SerializationError } from '../errors.js'
import type { Serializer } from '../producer/serializers.js'
import type { SchemaRegistryClient } from './client.js'
import { frameProtobuf, unframeProtobuf } from './framing.js'
import { type PrinterRuntime, printProto } from './proto-printer.js'
import { type SubjectNameStrategy, subjectNamer } from './subject-name.js'
import type { Schema, SchemaReference } from './types.js'

interface Runtime {
  pb: typeof Pb
  printer: PrinterRuntime
}
let loaded: Runtime | undefined

const PEER = '@bufbuild/protobuf'

/**
 * @bufbuild/protobuf, loaded when the first Protobuf serializer or deserializer is made: the rest
 * of sluice/schema-registry works without the optional peer installed.
 */
function loadProtobuf(): Runtime {
  if (loaded !== undefined) return loaded
  let pb: typeof Pb
  let wkt: typeof Wkt
  try {
    const require = createRequire(import.meta.url)
    pb = require(PEER) as typeof Pb
    wkt = require(`${PEER}/wkt`) as typeof Wkt
  } catch {
    throw new ConfigError(
      PEER,
      `Protobuf needs the package '${PEER}' (v2), an optional peer dependency of sluice/schema-registry that is not installed: npm install ${PEER}`,
    )
  }
  loaded = {
    pb,
    printer: {
      isFieldSet: pb.isFieldSet as PrinterRuntime['isFieldSet'],
      fieldDescriptor: wkt.FieldDescriptorProtoSchema,
      options: {
        file: wkt.FileOptionsSchema,
        message: wkt.MessageOptionsSchema,
        field: wkt.FieldOptionsSchema,
        oneof: wkt.OneofOptionsSchema,
        enum: wkt.EnumOptionsSchema,
        enumValue: wkt.EnumValueOptionsSchema,
        service: wkt.ServiceOptionsSchema,
        method: wkt.MethodOptionsSchema,
      },
    },
  }
  return loaded
}

/** Google's well-known types, which registries know without a reference. */
function isWellKnown(file: DescFile): boolean {
  return file.proto.name.startsWith('google/protobuf/')
}

/**
 * The message's indexes in its file as Confluent counts them: its position among the file's
 * top-level messages, then among each enclosing message's nested messages. Map entries are not
 * messages here (Confluent's serializer counts the messages of the .proto text, where maps are
 * fields), and @bufbuild/protobuf leaves them out of `nestedMessages` too.
 */
export function messageIndexes(desc: DescMessage): number[] {
  const out: number[] = []
  let m: DescMessage = desc
  for (;;) {
    const siblings = m.parent === undefined ? m.file.messages : m.parent.nestedMessages
    const i = siblings.indexOf(m)
    if (i < 0)
      throw new ConfigError('schema', `${m.typeName} is not among the messages of ${m.file.proto.name}`)
    out.unshift(i)
    if (m.parent === undefined) return out
    m = m.parent
  }
}

/** The .proto text registered for `file`, printed from its descriptor. */
export function protoSchemaText(file: DescFile): string {
  return printProto(file.proto, loadProtobuf().printer)
}

export interface ProtobufSerializerOptions {
  registry: SchemaRegistryClient
  /** The message: the `XSchema` export of protoc-gen-es output, or any DescMessage. */
  schema: DescMessage
  /** Serializes keys (subject `<topic>-key`) instead of values. Default false. */
  isKey?: boolean
  /** The record name of `record` and `topic-record` is the message's full name. Default `topic`. */
  subjectNameStrategy?: SubjectNameStrategy
  /** Register the schema and its imports (true, the default) or only look them up (false). */
  autoRegister?: boolean
  /**
   * Use the id of the subject's latest version, whatever schema it is, instead of registering or
   * looking up this one. Default false.
   */
  useLatestVersion?: boolean
  /**
   * The subject an imported file is registered under, from its import path. Default the import
   * path itself (Confluent's DefaultReferenceSubjectNameStrategy).
   */
  referenceSubjectNameStrategy?: (importPath: string) => string
}

/** A message made with create(), or a plain object to make one from. */
export type ProtobufValue<Desc extends DescMessage = DescMessage> =
  | Pb.MessageShape<Desc>
  | Pb.MessageInitShape<Desc>

export class ProtobufSerializer<Desc extends DescMessage = DescMessage> {
  readonly #registry: SchemaRegistryClient
  readonly #desc: DescMessage
  readonly #pb: typeof Pb
  readonly #isKey: boolean
  readonly #subjectOf: (topic: string) => string
  readonly #referenceSubject: (importPath: string) => string
  readonly #autoRegister: boolean
  readonly #useLatest: boolean
  readonly #indexes: readonly number[]
  /** The schema id of each prepared subject. */
  readonly #ids = new Map<string, number>()
  /** Registrations (or lookups) under way, by subject. */
  readonly #pending = new Map<string, Promise<void>>()
  /** The file's schema with its references, made on the first prepare. */
  #schema: Promise<Schema> | undefined
  /**
   * Pass as `valueSerializer` (or `keySerializer`). Encodes synchronously once the topic's
   * subject has a schema id; its `prepare(topic)` is null then, else a promise settled when it has.
   */
  readonly serializer: Serializer<ProtobufValue<Desc> | null | undefined>

  constructor(options: ProtobufSerializerOptions & { schema: Desc }) {
    if (typeof options?.registry?.register !== 'function') {
      throw new ConfigError('registry', 'a SchemaRegistryClient is required')
    }
    const desc = options.schema as DescMessage | undefined
    if (desc?.kind !== 'message' || typeof desc.typeName !== 'string') {
      throw new ConfigError(
        'schema',
        'a message descriptor is required: the XSchema export of protoc-gen-es code (a DescMessage)',
      )
    }
    this.#pb = loadProtobuf().pb
    this.#registry = options.registry
    this.#desc = desc
    this.#isKey = options.isKey ?? false
    this.#autoRegister = options.autoRegister ?? true
    this.#useLatest = options.useLatestVersion ?? false
    const refStrategy = options.referenceSubjectNameStrategy ?? ((path: string) => path)
    if (typeof refStrategy !== 'function') {
      throw new ConfigError('referenceSubjectNameStrategy', 'must be a function of the import path')
    }
    this.#referenceSubject = refStrategy
    this.#subjectOf = subjectNamer(options.subjectNameStrategy ?? 'topic', this.#isKey, desc.typeName)
    this.#indexes = messageIndexes(desc)
    const serializer = ((data: ProtobufValue<Desc> | null | undefined, topic: string) =>
      this.#serialize(data, topic)) as Serializer<ProtobufValue<Desc> | null | undefined>
    serializer.prepare = (topic: string) => this.#prepareTopic(topic)
    this.serializer = serializer
  }

  /** The subject this serializer uses for `topic`. */
  subject(topic: string): string {
    return this.#subjectOf(topic)
  }

  /** The schema id for `topic`'s subject, once prepared. */
  schemaId(topic: string): number | undefined {
    return this.#ids.get(this.#subjectOf(topic))
  }

  /** The message's indexes in its file, as framed before each payload. */
  get messageIndexes(): readonly number[] {
    return this.#indexes
  }

  /**
   * Registers (or looks up) the schema for each topic's subject, and before it each imported
   * file under its reference subject. Rejects with the registry's SchemaRegistryError.
   */
  async prepare(...topics: string[]): Promise<void> {
    await Promise.all(topics.map((t) => this.#prepareTopic(t)))
  }

  #prepareTopic(topic: string): Promise<void> | null {
    const subject = this.#subjectOf(topic)
    if (this.#ids.has(subject)) return null
    let p = this.#pending.get(subject)
    if (p === undefined) {
      p = this.#resolveId(subject).then(
        (id) => {
          this.#ids.set(subject, id)
          this.#pending.delete(subject)
        },
        (err: unknown) => {
          this.#pending.delete(subject)
          throw err
        },
      )
      this.#pending.set(subject, p)
    }
    return p
  }

  async #resolveId(subject: string): Promise<number> {
    if (this.#useLatest) {
      const latest = await this.#registry.getLatest(subject)
      if (latest.schemaType !== 'PROTOBUF') {
        throw new SerializationError(
          `the latest version of subject '${subject}' is a ${latest.schemaType} schema, not PROTOBUF`,
        )
      }
      return latest.id
    }
    if (this.#schema === undefined) {
      this.#schema = this.#schemaOf(this.#desc.file)
      this.#schema.catch(() => {
        this.#schema = undefined
      })
    }
    const schema = await this.#schema
    return this.#autoRegister
      ? this.#registry.register(subject, schema)
      : (await this.#registry.lookup(subject, schema)).id
  }

  /** The file's text and references, its imports registered (or looked up) first. */
  async #schemaOf(file: DescFile): Promise<Schema> {
    const references: SchemaReference[] = []
    for (const dep of file.dependencies) {
      if (isWellKnown(dep)) continue
      const subject = this.#referenceSubject(dep.proto.name)
      const schema = await this.#schemaOf(dep)
      if (this.#autoRegister) await this.#registry.register(subject, schema)
      const { version } = await this.#registry.lookup(subject, schema)
      references.push({ name: dep.proto.name, subject, version })
    }
    let text: string
    try {
      text = protoSchemaText(file)
    } catch (err) {
      throw new ConfigError('schema', (err as Error).message)
    }
    return references.length > 0
      ? { schema: text, schemaType: 'PROTOBUF', references }
      : { schema: text, schemaType: 'PROTOBUF' }
  }

  #serialize(data: ProtobufValue<Desc> | null | undefined, topic: string): Uint8Array | null {
    if (data === null || data === undefined) return null
    const subject = this.#subjectOf(topic)
    const id = this.#ids.get(subject)
    if (id === undefined) {
      throw new SerializationError(
        `no schema id for subject '${subject}': await prepare('${topic}') before sending to topic '${topic}'`,
      )
    }
    const what = `${this.#isKey ? 'key' : 'value'} for topic '${topic}'`
    const problem = checkMessage(this.#desc, data, '')
    if (problem !== undefined) {
      throw new SerializationError(`${what} does not match ${this.#desc.typeName}: ${problem}`)
    }
    let payload: Uint8Array
    try {
      const message = this.#pb.isMessage(data) ? data : this.#pb.create(this.#desc, data as never)
      payload = this.#pb.toBinary(this.#desc, message as Message)
    } catch (err) {
      throw new SerializationError(
        `${what} does not encode as ${this.#desc.typeName}: ${(err as Error).message}`,
        err,
      )
    }
    return frameProtobuf(id, this.#indexes, payload)
  }
}

/**
 * Reads a Protobuf value in Confluent's wire format as the message `schema`: checks that the id
 * in the bytes is a PROTOBUF schema in the registry (fetched once per id) and that the message
 * indexes are `schema`'s, then decodes. For tests and tools; Sluice has no consumer.
 */
export class ProtobufDeserializer<Desc extends DescMessage = DescMessage> {
  readonly #registry: SchemaRegistryClient
  readonly #desc: Desc
  readonly #pb: typeof Pb
  readonly #indexes: string
  readonly #checked = new Map<number, Promise<void>>()

  constructor(registry: SchemaRegistryClient, schema: Desc) {
    if (schema?.kind !== 'message') throw new ConfigError('schema', 'a message descriptor is required')
    this.#pb = loadProtobuf().pb
    this.#registry = registry
    this.#desc = schema
    this.#indexes = messageIndexes(schema).join(',')
  }

  async deserialize(data: Uint8Array): Promise<Pb.MessageShape<Desc>> {
    const { schemaId, indexes, payload } = unframeProtobuf(data)
    let check = this.#checked.get(schemaId)
    if (check === undefined) {
      check = this.#registry.getById(schemaId).then((s) => {
        if (s.schemaType !== 'PROTOBUF')
          throw new SerializationError(`schema ${schemaId} is ${s.schemaType}, not PROTOBUF`)
      })
      this.#checked.set(schemaId, check)
      check.catch(() => this.#checked.delete(schemaId))
    }
    await check
    if (indexes.join(',') !== this.#indexes) {
      throw new SerializationError(
        `message indexes [${indexes.join(', ')}] are not those of ${this.#desc.typeName} [${this.#indexes}]`,
      )
    }
    try {
      // A plain Uint8Array view, so that bytes fields come out as Uint8Array, not Buffer.
      return this.#pb.fromBinary(
        this.#desc,
        new Uint8Array(payload.buffer, payload.byteOffset, payload.length),
      )
    } catch (err) {
      throw new SerializationError(
        `bytes do not decode as ${this.#desc.typeName}: ${(err as Error).message}`,
        err,
      )
    }
  }
}

// ---- checking a value against the message descriptor --------------------------------------

const INT32_MIN = -0x80000000
const INT32_MAX = 0x7fffffff
const UINT32_MAX = 0xffffffff
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

// ScalarType numbers (they are FieldDescriptorProto.Type's).
const S_DOUBLE = 1
const S_FLOAT = 2
const S_INT64 = 3
const S_UINT64 = 4
const S_INT32 = 5
const S_FIXED64 = 6
const S_FIXED32 = 7
const S_BOOL = 8
const S_STRING = 9
const S_BYTES = 12
const S_UINT32 = 13
const S_SFIXED32 = 15
const S_SFIXED64 = 16
const S_SINT32 = 17
const S_SINT64 = 18

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (v instanceof Uint8Array) return 'a Uint8Array'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`
  return `${typeof v} ${String(v)}`
}

function int64Problem(v: unknown, unsigned: boolean): string | undefined {
  let b: bigint
  if (typeof v === 'bigint') b = v
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v)
  else if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) b = BigInt(v)
  else
    return `expected a ${unsigned ? 'uint64' : 'int64'} (bigint, safe integer or decimal string), got ${describe(v)}`
  const [lo, hi] = unsigned ? [0n, UINT64_MAX] : [INT64_MIN, INT64_MAX]
  return b < lo || b > hi ? `${b} is out of the ${unsigned ? 'uint64' : 'int64'} range` : undefined
}

function intProblem(v: unknown, lo: number, hi: number, name: string): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v)) return `expected an ${name}, got ${describe(v)}`
  return v < lo || v > hi ? `${v} is out of the ${name} range` : undefined
}

function scalarProblem(scalar: number, v: unknown): string | undefined {
  switch (scalar) {
    case S_DOUBLE:
    case S_FLOAT:
      return typeof v === 'number' ? undefined : `expected a number, got ${describe(v)}`
    case S_INT32:
    case S_SINT32:
    case S_SFIXED32:
      return intProblem(v, INT32_MIN, INT32_MAX, 'int32')
    case S_UINT32:
    case S_FIXED32:
      return intProblem(v, 0, UINT32_MAX, 'uint32')
    case S_INT64:
    case S_SINT64:
    case S_SFIXED64:
      return int64Problem(v, false)
    case S_UINT64:
    case S_FIXED64:
      return int64Problem(v, true)
    case S_BOOL:
      return typeof v === 'boolean' ? undefined : `expected a boolean, got ${describe(v)}`
    case S_STRING:
      return typeof v === 'string' ? undefined : `expected a string, got ${describe(v)}`
    case S_BYTES:
      return v instanceof Uint8Array ? undefined : `expected a Uint8Array, got ${describe(v)}`
  }
  return `unknown scalar type ${scalar}`
}

/** The problem with one value of `field` (a list item, a map value or a singular value). */
function singularProblem(field: DescField, v: unknown, path: string): string | undefined {
  const kind =
    field.fieldKind === 'list' ? field.listKind : field.fieldKind === 'map' ? field.mapKind : field.fieldKind
  if (kind === 'message') return checkMessage(field.message as DescMessage, v, path)
  if (kind === 'enum') {
    const e = field.enum as Pb.DescEnum
    const p = intProblem(v, INT32_MIN, INT32_MAX, 'enum number (int32)')
    if (p !== undefined) return `${path}: ${p}`
    if (!e.open && e.value[v as number] === undefined) {
      return `${path}: ${v} is not a value of the closed enum ${e.typeName}`
    }
    return undefined
  }
  const p = scalarProblem(field.scalar as number, v)
  return p === undefined ? undefined : `${path}: ${p}`
}

function mapKeyProblem(scalar: number, key: string): string | undefined {
  switch (scalar) {
    case S_STRING:
      return undefined
    case S_BOOL:
      return key === 'true' || key === 'false' ? undefined : 'expected a boolean key'
    case S_INT64:
    case S_SINT64:
    case S_SFIXED64:
      return int64Problem(key, false)
    case S_UINT64:
    case S_FIXED64:
      return int64Problem(key, true)
    default:
      return scalarProblem(scalar, /^-?[0-9]+$/.test(key) ? Number(key) : key)
  }
}

function fieldProblem(field: DescField, v: unknown, path: string): string | undefined {
  switch (field.fieldKind) {
    case 'list': {
      if (!Array.isArray(v)) return `${path}: expected an array, got ${describe(v)}`
      for (let i = 0; i < v.length; i++) {
        const p = singularProblem(field, v[i], `${path}[${i}]`)
        if (p !== undefined) return p
      }
      return undefined
    }
    case 'map': {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return `${path}: expected an object (a map), got ${describe(v)}`
      for (const [k, item] of Object.entries(v)) {
        const kp = mapKeyProblem(field.mapKey, k)
        if (kp !== undefined) return `${path}: key ${JSON.stringify(k)}: ${kp}`
        const p = singularProblem(field, item, `${path}[${JSON.stringify(k)}]`)
        if (p !== undefined) return p
      }
      return undefined
    }
    default:
      return singularProblem(field, v, path)
  }
}

const namesOf = new WeakMap<DescMessage, Set<string>>()

/** The keys a message (or its init object) may have: its fields and oneofs, $typeName, $unknown. */
function memberNames(desc: DescMessage): Set<string> {
  let names = namesOf.get(desc)
  if (names === undefined) {
    names = new Set(['$typeName', '$unknown', ...desc.members.map((m) => m.localName)])
    namesOf.set(desc, names)
  }
  return names
}

/**
 * The first problem with `value` as the message `desc` (a message or an init object), naming the
 * field by its path, or undefined. Absent fields (undefined) are fine; unknown keys are not.
 */
export function checkMessage(desc: DescMessage, value: unknown, path: string): string | undefined {
  const at = path === '' ? desc.typeName : path
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return `${at}: expected a ${desc.typeName} message or object, got ${describe(value)}`
  }
  const v = value as Record<string, unknown>
  const typeName = v.$typeName
  if (typeName !== undefined && typeName !== desc.typeName) {
    return `${at}: a ${String(typeName)} message where a ${desc.typeName} is expected`
  }
  const prefix = path === '' ? '' : `${path}.`
  const names = memberNames(desc)
  for (const key of Object.keys(v)) {
    if (!names.has(key)) return `${prefix}${key}: ${desc.typeName} has no field '${key}'`
  }
  for (const member of desc.members) {
    const x = v[member.localName]
    if (x === undefined) continue
    if (member.kind === 'oneof') {
      if (typeof x !== 'object' || x === null)
        return `${prefix}${member.localName}: expected a oneof object { case, value }, got ${describe(x)}`
      const { case: c, value: inner } = x as { case?: unknown; value?: unknown }
      if (c === undefined) continue
      const f = member.fields.find((g) => g.localName === c)
      if (f === undefined) {
        return `${prefix}${member.localName}: '${String(c)}' is not a field of oneof ${member.name}`
      }
      const p = fieldProblem(f, inner, `${prefix}${member.localName}.${f.localName}`)
      if (p !== undefined) return p
      continue
    }
    const p = fieldProblem(member, x, `${prefix}${member.localName}`)
    if (p !== undefined) return p
  }
  return undefined
}

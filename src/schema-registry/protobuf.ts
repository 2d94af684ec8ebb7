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
import type { DescFile, DescMessage, Message } from '@bufbuild/protobuf'
import type * as Wkt from '@bufbuild/protobuf/wkt'
import { ConfigError, SerializationError } from '../errors.js'
import type { Serializer } from '../producer/serializers.js'
import type { SchemaRegistryClient } from './client.js'
import { frameProtobuf, unframeProtobuf } from './framing.js'
import { type PrinterRuntime, printProto } from './proto-printer.js'
import { checkMessage } from './protobuf-check.js'
import { type SubjectNameStrategy, subjectNamer } from './subject-name.js'
import { TopicSchemas } from './topic-schemas.js'
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
  /** The ids by topic, for the per-record path. */
  readonly #topics = new TopicSchemas<number>((topic) => this.#subjectId(this.#subjectOf(topic)))
  /** Registrations (or lookups) under way, by subject. */
  readonly #pending = new Map<string, Promise<number>>()
  /** The .proto text of the message's file and of each file it imports, by file name. */
  readonly #texts = new Map<string, string>()
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
    // Printed now, so that a file the printer refuses (editions) fails here, not at the first send.
    if (!this.#useLatest) this.#print(desc.file)
    const serializer = ((data: ProtobufValue<Desc> | null | undefined, topic: string) =>
      this.#serialize(data, topic)) as Serializer<ProtobufValue<Desc> | null | undefined>
    serializer.prepare = (topic: string) => this.#topics.prepare(topic)
    this.serializer = serializer
  }

  /** The subject this serializer uses for `topic`. */
  subject(topic: string): string {
    return this.#subjectOf(topic)
  }

  /** The schema id for `topic`'s subject, once prepared. */
  schemaId(topic: string): number | undefined {
    return this.#topics.get(topic) ?? this.#ids.get(this.#subjectOf(topic))
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
    await this.#topics.prepareAll(topics)
  }

  #what(topic: string): string {
    return `${this.#isKey ? 'key' : 'value'} for topic '${topic}'`
  }

  /** The id of `subject`, registered or looked up once even when several topics share it. */
  #subjectId(subject: string): Promise<number> {
    const known = this.#ids.get(subject)
    if (known !== undefined) return Promise.resolve(known)
    let p = this.#pending.get(subject)
    if (p === undefined) {
      p = this.#resolveId(subject)
        .then((id) => {
          this.#ids.set(subject, id)
          return id
        })
        .finally(() => this.#pending.delete(subject))
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
    let made = this.#schema
    if (made === undefined) {
      const p = this.#schemaOf(this.#desc.file)
      // A failure is not kept: the next prepare registers the imports again.
      p.catch(() => {
        if (this.#schema === p) this.#schema = undefined
      })
      this.#schema = made = p
    }
    const schema = await made
    return this.#autoRegister
      ? this.#registry.register(subject, schema)
      : (await this.#registry.lookup(subject, schema)).id
  }

  /** Prints `file` and the files it imports (not the well-known types) into #texts. */
  #print(file: DescFile): void {
    if (this.#texts.has(file.proto.name)) return
    try {
      this.#texts.set(file.proto.name, protoSchemaText(file))
    } catch (err) {
      throw new ConfigError('schema', (err as Error).message)
    }
    for (const dep of file.dependencies) if (!isWellKnown(dep)) this.#print(dep)
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
    const text = this.#texts.get(file.proto.name) as string
    return references.length > 0
      ? { schema: text, schemaType: 'PROTOBUF', references }
      : { schema: text, schemaType: 'PROTOBUF' }
  }

  #serialize(data: ProtobufValue<Desc> | null | undefined, topic: string): Uint8Array | null {
    if (data === null || data === undefined) return null
    // Per topic, not subject: no string is built per record.
    const id = this.#topics.get(topic)
    if (id === undefined) throw this.#topics.notReady(topic, this.#subjectOf(topic))
    const problem = checkMessage(this.#desc, data, '')
    if (problem !== undefined) {
      throw new SerializationError(`${this.#what(topic)} does not match ${this.#desc.typeName}: ${problem}`)
    }
    let payload: Uint8Array
    try {
      const message = this.#pb.isMessage(data) ? data : this.#pb.create(this.#desc, data as never)
      payload = this.#pb.toBinary(this.#desc, message as Message)
    } catch (err) {
      throw new SerializationError(
        `${this.#what(topic)} does not encode as ${this.#desc.typeName}: ${(err as Error).message}`,
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

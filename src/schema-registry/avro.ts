/**
 * Avro values (or keys) in Confluent's wire format, on `avsc` (an optional peer dependency,
 * imported only by sluice/schema-registry).
 *
 *   const avro = new AvroSerializer({ registry, schema })
 *   await avro.prepare('orders')             // registers the schema under orders-value, once
 *   new Producer({ ..., valueSerializer: avro.serializer })
 *
 * The producer's serializers are synchronous, so the schema id of each subject is settled before
 * a topic's first record is serialized: the serializer's `prepare(topic)` registers the schema
 * (or, with `autoRegister: false`, looks it up; with `useLatestVersion`, fetches the latest) for
 * the subject the naming strategy gives for that topic. The producer calls it on the topic's
 * first send and holds that topic's records, in order, until it settles; a registry error fails
 * the records that waited with that SchemaRegistryError, and the next send tries again.
 */
import { createRequire } from 'node:module'
import type avsc from 'avsc'
import { ConfigError, SerializationError } from '../errors.js'
import type { Serializer } from '../producer/serializers.js'
import { logicalTypes } from './avro-logical-types.js'
import type { SchemaRegistryClient } from './client.js'
import { frame, unframe } from './framing.js'
import { type SubjectNameStrategy, subjectNamer } from './subject-name.js'
import { TopicSchemas } from './topic-schemas.js'

export type { SubjectNameStrategy } from './subject-name.js'

type Avsc = typeof avsc
let loaded: Avsc | undefined

/**
 * avsc, loaded when the first Avro serializer or deserializer is made: the registry client and
 * the framing of this entry point work without the optional peer installed.
 */
function loadAvsc(): Avsc {
  if (loaded !== undefined) return loaded
  try {
    loaded = createRequire(import.meta.url)('avsc') as Avsc
  } catch {
    throw new ConfigError(
      'avsc',
      "Avro needs the package 'avsc', an optional peer dependency of sluice/schema-registry that is not installed: npm install avsc",
    )
  }
  return loaded
}

let builtInLogical: ReturnType<typeof logicalTypes> | undefined

/** An avsc type for `schema`, with Avro's logical types (avro-logical-types.ts). */
function avroType(schema: unknown): avsc.Type {
  const a = loadAvsc()
  builtInLogical ??= logicalTypes(a)
  return a.Type.forSchema(schema as avsc.Schema, { logicalTypes: builtInLogical })
}

export interface AvroSerializerOptions {
  registry: SchemaRegistryClient
  /** The writer's schema: Avro JSON text or the parsed object. */
  schema: string | object
  /** Serializes keys (subject `<topic>-key`) instead of values. Default false. */
  isKey?: boolean
  subjectNameStrategy?: SubjectNameStrategy
  /** Register the schema (true, the default) or only look up its id (false). */
  autoRegister?: boolean
  /**
   * Write with the subject's latest registered schema, as Confluent's `use.latest.version`,
   * instead of `schema` (which then only has to parse). Needs `autoRegister: false`.
   */
  useLatestVersion?: boolean
}

/** What a topic is written with once prepared: the schema id and the Avro type. */
interface Prepared {
  id: number
  type: avsc.Type
}

export class AvroSerializer<T = unknown> {
  readonly #registry: SchemaRegistryClient
  readonly #type: avsc.Type
  readonly #schemaText: string
  readonly #isKey: boolean
  readonly #subjectOf: (topic: string) => string
  readonly #autoRegister: boolean
  readonly #useLatest: boolean
  /** Per topic (not subject: no string is built per record). */
  readonly #topics = new TopicSchemas<Prepared>((topic) => this.#resolve(topic))
  /**
   * Pass as `valueSerializer` (or `keySerializer`). Its `prepare(topic)` lets the producer
   * register or look up the schema before a topic's first record (the records wait for it, in
   * order); after that, encoding is synchronous.
   */
  readonly serializer: Serializer<T>

  constructor(options: AvroSerializerOptions) {
    this.#registry = options.registry
    if (typeof options.registry?.register !== 'function') {
      throw new ConfigError('registry', 'a SchemaRegistryClient is required')
    }
    let parsed: unknown
    try {
      parsed = typeof options.schema === 'string' ? JSON.parse(options.schema) : options.schema
      this.#type = avroType(parsed)
    } catch (err) {
      if (err instanceof ConfigError) throw err
      throw new ConfigError('schema', `not an Avro schema: ${(err as Error).message}`)
    }
    this.#schemaText = typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema)
    this.#isKey = options.isKey ?? false
    this.#useLatest = options.useLatestVersion ?? false
    if (this.#useLatest && options.autoRegister === true) {
      throw new ConfigError(
        'useLatestVersion',
        'writes with the registered latest schema, so it cannot also register its own: set autoRegister: false',
      )
    }
    this.#autoRegister = this.#useLatest ? false : (options.autoRegister ?? true)
    this.#subjectOf = subjectNamer(options.subjectNameStrategy ?? 'topic', this.#isKey, this.#type.name)
    const serializer: Serializer<T> = (data, topic) => this.#serialize(data, topic)
    serializer.prepare = (topic) => this.#topics.prepare(topic)
    this.serializer = serializer
  }

  /** The subject this serializer uses for `topic`. */
  subject(topic: string): string {
    return this.#subjectOf(topic)
  }

  /** The schema id for `topic`'s subject, once prepared. */
  schemaId(topic: string): number | undefined {
    return this.#topics.get(topic)?.id
  }

  /**
   * Registers (or looks up) the schema for each topic's subject ahead of the first send. The
   * producer does this itself on a topic's first record; calling it first moves the registry's
   * round trip (and its errors) out of the send path.
   */
  async prepare(...topics: string[]): Promise<void> {
    await this.#topics.prepareAll(topics)
  }

  async #resolve(topic: string): Promise<Prepared> {
    const subject = this.#subjectOf(topic)
    if (this.#useLatest) {
      const latest = await this.#registry.getLatest(subject)
      if (latest.schemaType !== 'AVRO') {
        throw new SerializationError(
          `the latest schema of subject '${subject}' is ${latest.schemaType}, not AVRO`,
        )
      }
      let type: avsc.Type
      try {
        type = avroType(JSON.parse(latest.schema))
      } catch (err) {
        throw new SerializationError(
          `the latest schema of subject '${subject}' (id ${latest.id}) does not parse as Avro: ${(err as Error).message}`,
          err,
        )
      }
      return { id: latest.id, type }
    }
    const schema = { schema: this.#schemaText }
    const id = this.#autoRegister
      ? await this.#registry.register(subject, schema)
      : (await this.#registry.lookup(subject, schema)).id
    return { id, type: this.#type }
  }

  #serialize(data: T, topic: string): Uint8Array | null {
    if (data === null || data === undefined) return null
    const prepared = this.#topics.get(topic)
    if (prepared === undefined) throw this.#topics.notReady(topic, this.#subjectOf(topic))
    const id = prepared.id
    let payload: Buffer
    try {
      payload = prepared.type.toBuffer(data)
    } catch (err) {
      throw new SerializationError(
        `${this.#isKey ? 'key' : 'value'} for topic '${topic}' does not match the Avro schema: ${(err as Error).message}`,
        err,
      )
    }
    return frame(id, payload)
  }
}

/**
 * Reads an Avro value in Confluent's wire format: fetches the writer's schema by the id in the
 * bytes (cached by the client) and decodes with it. For tests and tools; Sluice has no consumer.
 */
export class AvroDeserializer {
  readonly #registry: SchemaRegistryClient
  readonly #types = new Map<number, Promise<avsc.Type>>()

  constructor(registry: SchemaRegistryClient) {
    this.#registry = registry
  }

  async deserialize(data: Uint8Array): Promise<unknown> {
    const { schemaId, payload } = unframe(data)
    let type = this.#types.get(schemaId)
    if (type === undefined) {
      type = this.#registry.getById(schemaId).then((s) => {
        if (s.schemaType !== 'AVRO')
          throw new SerializationError(`schema ${schemaId} is ${s.schemaType}, not AVRO`)
        return avroType(JSON.parse(s.schema))
      })
      this.#types.set(schemaId, type)
      type.catch(() => this.#types.delete(schemaId))
    }
    const t = await type
    try {
      return t.fromBuffer(payload)
    } catch (err) {
      throw new SerializationError(
        `bytes do not decode with Avro schema ${schemaId}: ${(err as Error).message}`,
        err,
      )
    }
  }
}

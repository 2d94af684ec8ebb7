/**
 * Avro values (or keys) in Confluent's wire format, on `avsc` (an optional peer dependency,
 * imported only by sluice/schema-registry).
 *
 *   const avro = new AvroSerializer({ registry, schema })
 *   await avro.prepare('orders')             // registers the schema under orders-value, once
 *   new Producer({ ..., valueSerializer: avro.serializer })
 *
 * The producer's serializers are synchronous, so the schema id of each subject is settled before
 * the first send: `prepare(topic)` registers the schema (or, with `autoRegister: false`, looks it
 * up) for the subject the naming strategy gives for that topic. Sending to a topic that was not
 * prepared fails that record with ERR_SERIALIZATION saying so.
 */
import { createRequire } from 'node:module'
import type avsc from 'avsc'
import { ConfigError, SerializationError } from '../errors.js'
import type { Serializer } from '../producer/serializers.js'
import type { SchemaRegistryClient } from './client.js'
import { frame, unframe } from './framing.js'
import { type SubjectNameStrategy, subjectNamer } from './subject-name.js'

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

export interface AvroSerializerOptions {
  registry: SchemaRegistryClient
  /** The writer's schema: Avro JSON text or the parsed object. */
  schema: string | object
  /** Serializes keys (subject `<topic>-key`) instead of values. Default false. */
  isKey?: boolean
  subjectNameStrategy?: SubjectNameStrategy
  /** Register the schema (true, the default) or only look up its id (false). */
  autoRegister?: boolean
}

export class AvroSerializer<T = unknown> {
  readonly #registry: SchemaRegistryClient
  readonly #type: avsc.Type
  readonly #schemaText: string
  readonly #isKey: boolean
  readonly #subjectOf: (topic: string) => string
  readonly #autoRegister: boolean
  readonly #ids = new Map<string, number>()
  /** Pass as `valueSerializer` (or `keySerializer`); encodes synchronously once prepared. */
  readonly serializer: Serializer<T>

  constructor(options: AvroSerializerOptions) {
    this.#registry = options.registry
    if (typeof options.registry?.register !== 'function') {
      throw new ConfigError('registry', 'a SchemaRegistryClient is required')
    }
    let parsed: unknown
    try {
      parsed = typeof options.schema === 'string' ? JSON.parse(options.schema) : options.schema
      this.#type = loadAvsc().Type.forSchema(parsed as avsc.Schema)
    } catch (err) {
      if (err instanceof ConfigError) throw err
      throw new ConfigError('schema', `not an Avro schema: ${(err as Error).message}`)
    }
    this.#schemaText = typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema)
    this.#isKey = options.isKey ?? false
    this.#autoRegister = options.autoRegister ?? true
    this.#subjectOf = subjectNamer(options.subjectNameStrategy ?? 'topic', this.#isKey, this.#type.name)
    this.serializer = (data, topic) => this.#serialize(data, topic)
  }

  /** The subject this serializer uses for `topic`. */
  subject(topic: string): string {
    return this.#subjectOf(topic)
  }

  /** The schema id for `topic`'s subject, once prepared. */
  schemaId(topic: string): number | undefined {
    return this.#ids.get(this.#subjectOf(topic))
  }

  /** Registers (or looks up) the schema for each topic's subject; the registry client caches it. */
  async prepare(...topics: string[]): Promise<void> {
    await Promise.all(
      topics.map(async (topic) => {
        const subject = this.#subjectOf(topic)
        const schema = { schema: this.#schemaText }
        const id = this.#autoRegister
          ? await this.#registry.register(subject, schema)
          : (await this.#registry.lookup(subject, schema)).id
        this.#ids.set(subject, id)
      }),
    )
  }

  #serialize(data: T, topic: string): Uint8Array | null {
    if (data === null || data === undefined) return null
    const subject = this.#subjectOf(topic)
    const id = this.#ids.get(subject)
    if (id === undefined) {
      throw new SerializationError(
        `no schema id for subject '${subject}': await prepare('${topic}') before sending to topic '${topic}'`,
      )
    }
    let payload: Buffer
    try {
      payload = this.#type.toBuffer(data)
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
        return loadAvsc().Type.forSchema(JSON.parse(s.schema) as avsc.Schema)
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

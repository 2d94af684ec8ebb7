/**
 * JSON Schema values (or keys) in Confluent's wire format, validated with `ajv` (an optional peer
 * dependency, with `ajv-formats` for `format`, both loaded only when a serializer is made).
 *
 *   const json = new JsonSchemaSerializer({ registry, schema })
 *   await json.prepare('orders')             // registers the schema under orders-value, once
 *   new Producer({ ..., valueSerializer: json.serializer })
 *
 * The payload is the value's JSON text in UTF-8 (what Confluent's Java serializer writes) after
 * magic byte 0 and the 4-byte schema id. Before a value is framed it is validated against the
 * schema as it will be read: the JSON text parsed again, so a Date is checked as the string it
 * becomes and NaN as the null it becomes. A value that fails is a SerializationError naming the
 * field (`/address/zip must be string`) for that record alone.
 *
 * `serializer.prepare(topic)` is the producer's per-topic set-up hook: null once the topic's
 * schema id is known, otherwise a promise settled when it is (the registry call is shared by
 * concurrent callers; a failed one is not remembered, the next call tries again). After that the
 * serializer is synchronous: a map lookup, JSON.stringify, an ajv check, the framing.
 */
import { createRequire } from 'node:module'
import type { Options as AjvOptions, ErrorObject, ValidateFunction } from 'ajv'
import { ConfigError, SerializationError } from '../errors.js'
import type { Serializer } from '../producer/serializers.js'
import type { SchemaRegistryClient } from './client.js'
import { frame, unframe } from './framing.js'
import { type SubjectNameStrategy, subjectNamer } from './subject-name.js'
import { TopicSchemas } from './topic-schemas.js'
import type { SchemaReference } from './types.js'

const require = createRequire(import.meta.url)

/** The JSON Schema drafts ajv 8 validates; Confluent's default (no `$schema`) is draft-07. */
type Draft = 'draft-06' | 'draft-07' | '2019-09' | '2020-12'

interface AjvInstance {
  addSchema(schema: object, key?: string): unknown
  addMetaSchema(schema: object): unknown
  addFormat(name: string, format: JsonSchemaFormat): unknown
  compile(schema: object): ValidateFunction
}
type AjvClass = new (options: AjvOptions) => AjvInstance
type FormatsPlugin = (ajv: AjvInstance) => unknown

const AJV_MODULE: Record<Draft, string> = {
  'draft-06': 'ajv',
  'draft-07': 'ajv',
  '2019-09': 'ajv/dist/2019',
  '2020-12': 'ajv/dist/2020',
}
const ajvClasses = new Map<string, AjvClass>()
/** ajv-formats' plugin, null when it is not installed, undefined until first looked for. */
let formatsPlugin: FormatsPlugin | null | undefined

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 'MODULE_NOT_FOUND'
}

/** ajv's class for a draft, loaded when the first JSON Schema serializer or deserializer needs it. */
function loadAjv(draft: Draft): AjvClass {
  const path = AJV_MODULE[draft]
  let cls = ajvClasses.get(path)
  if (cls !== undefined) return cls
  try {
    cls = require(path) as AjvClass
  } catch (err) {
    if (!isNotFound(err)) throw err
    throw new ConfigError(
      'ajv',
      "JSON Schema validation needs the package 'ajv' (8.x), an optional peer dependency of sluice/schema-registry that is not installed: npm install ajv (or validate: false)",
    )
  }
  ajvClasses.set(path, cls)
  return cls
}

function loadFormats(): FormatsPlugin | null {
  if (formatsPlugin !== undefined) return formatsPlugin
  try {
    formatsPlugin = require('ajv-formats') as FormatsPlugin
  } catch (err) {
    if (!isNotFound(err)) throw err
    formatsPlugin = null
  }
  return formatsPlugin
}

/** The draft a schema's `$schema` names; draft-07 when it names none. */
function draftOf(schema: Record<string, unknown>, fail: (message: string) => Error): Draft {
  const uri = schema.$schema
  if (uri === undefined) return 'draft-07'
  if (typeof uri !== 'string') throw fail(`$schema must be a string, got ${typeof uri}`)
  if (/json-schema\.org\/draft-07\/schema/.test(uri)) return 'draft-07'
  if (/json-schema\.org\/draft-06\/schema/.test(uri)) return 'draft-06'
  if (/json-schema\.org\/draft\/2019-09\/schema/.test(uri)) return '2019-09'
  if (/json-schema\.org\/draft\/2020-12\/schema/.test(uri)) return '2020-12'
  if (/json-schema\.org\/draft-0[34]\/schema/.test(uri)) {
    throw fail(`$schema ${uri}: ajv 8 does not validate draft-04 or older; use draft-07, 2019-09 or 2020-12`)
  }
  throw fail(`unknown $schema ${uri}; known: draft-06, draft-07, 2019-09, 2020-12`)
}

/** A custom string format for ajv: a pattern or a test. */
export type JsonSchemaFormat = RegExp | ((value: string) => boolean)

/** A schema another one refers to by `$ref`, with the text fetched from the registry. */
interface FetchedReference {
  name: string
  schema: Record<string, unknown>
}

function parseSchema(text: string | object, fail: (message: string) => Error): Record<string, unknown> {
  let parsed: unknown = text
  if (typeof text === 'string') {
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw fail(`not JSON: ${(err as Error).message}`)
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw fail('a JSON Schema here is an object')
  }
  return parsed as Record<string, unknown>
}

/**
 * Compiles `root` with ajv, its references added by the name the root's `$ref`s use (and by
 * their own `$id`). Unknown keywords are allowed (Confluent's schemas carry `javaType` and
 * others); an unknown `format` is not silently ignored.
 */
function compile(
  root: Record<string, unknown>,
  references: readonly FetchedReference[],
  formats: Readonly<Record<string, JsonSchemaFormat>>,
  fail: (message: string, option?: string) => Error,
): ValidateFunction {
  const draft = draftOf(root, fail)
  const Ajv = loadAjv(draft)
  const unknownFormats = new Set<string>()
  const ajv = new Ajv({
    strict: false,
    allErrors: false,
    logger: {
      log() {},
      warn(...args: unknown[]) {
        const m = /^unknown format "([^"]*)"/.exec(String(args[0]))
        if (m !== null) unknownFormats.add(m[1] as string)
      },
      error() {},
    },
  })
  if (draft === 'draft-06') ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object)
  loadFormats()?.(ajv)
  for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format)
  let validate: ValidateFunction
  try {
    for (const ref of references) ajv.addSchema(ref.schema, ref.name)
    validate = ajv.compile(root)
  } catch (err) {
    throw fail(`ajv cannot compile it: ${(err as Error).message}`)
  }
  if (unknownFormats.size > 0) {
    const names = [...unknownFormats].map((f) => `'${f}'`).join(', ')
    if (loadFormats() === null) {
      throw fail(
        `format ${names} needs the package 'ajv-formats' (3.x), an optional peer dependency of sluice/schema-registry that is not installed: npm install ajv-formats`,
        'ajv-formats',
      )
    }
    throw fail(`unknown format ${names}; give it in the 'formats' option`, 'formats')
  }
  return validate
}

/**
 * Fetches the schemas `references` name (and theirs, depth first), each once. Each must be a
 * JSON schema; version -1 means the subject's latest.
 */
async function fetchReferences(
  registry: SchemaRegistryClient,
  references: readonly SchemaReference[],
  out: FetchedReference[] = [],
  seen = new Set<string>(),
): Promise<FetchedReference[]> {
  for (const ref of references) {
    const key = `${ref.subject}\0${ref.version}`
    if (seen.has(key)) continue
    seen.add(key)
    const s = await registry.getVersion(ref.subject, ref.version === -1 ? 'latest' : ref.version)
    if (s.schemaType !== 'JSON') {
      throw new SerializationError(
        `reference '${ref.name}' (${ref.subject} version ${ref.version}) is ${s.schemaType}, not JSON`,
      )
    }
    await fetchReferences(registry, s.references, out, seen)
    const schema = parseSchema(s.schema, (m) => new SerializationError(`reference '${ref.name}': ${m}`))
    out.push({ name: ref.name, schema })
  }
  return out
}

/** `/address/zip must be string`, `/ must have required property 'id'`: each of ajv's errors. */
function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (errors === null || errors === undefined || errors.length === 0) return 'rejected by the schema'
  const shown = errors.slice(0, 5).map((e) => {
    const path = e.instancePath === '' ? '/' : e.instancePath
    let text = `${path} ${e.message ?? `fails '${e.keyword}'`}`
    const p = e.params as Record<string, unknown>
    if (e.keyword === 'additionalProperties') text += ` ('${String(p.additionalProperty)}')`
    else if (e.keyword === 'enum') text += ` (${JSON.stringify(p.allowedValues)})`
    else if (e.keyword === 'const') text += ` (${JSON.stringify(p.allowedValue)})`
    return text
  })
  if (errors.length > shown.length) shown.push(`and ${errors.length - shown.length} more`)
  return shown.join('; ')
}

export interface JsonSchemaSerializerOptions {
  registry: SchemaRegistryClient
  /** The schema: JSON text or the parsed object. No `$schema` means draft-07, as Confluent's. */
  schema: string | object
  /** Serializes keys (subject `<topic>-key`) instead of values. Default false. */
  isKey?: boolean
  /** `record` and `topic-record` use the schema's `title` as the record name, as Confluent does. */
  subjectNameStrategy?: SubjectNameStrategy
  /** Register the schema (true, the default unless useLatestVersion) or only look up its id. */
  autoRegister?: boolean
  /**
   * Use the subject's latest registered version, its id and its schema (for validation),
   * instead of registering or looking up `schema`. Needs autoRegister false (its default then).
   */
  useLatestVersion?: boolean
  /** Validate each value with ajv before it is sent. Default true; false needs no ajv. */
  validate?: boolean
  /**
   * Registered schemas this one refers to by `$ref`: `name` is the `$ref` (e.g. `address.json`),
   * registered with the schema and given to ajv with the text fetched from the registry.
   */
  references?: readonly SchemaReference[]
  /** Formats beyond ajv-formats' (date-time, email, uri, uuid, ...). */
  formats?: Readonly<Record<string, JsonSchemaFormat>>
}

interface Ready {
  subject: string
  id: number
  validate: ValidateFunction | null
}

export class JsonSchemaSerializer<T = unknown> {
  readonly #registry: SchemaRegistryClient
  readonly #root: Record<string, unknown>
  readonly #schemaText: string
  readonly #isKey: boolean
  readonly #subjectOf: (topic: string) => string
  readonly #autoRegister: boolean
  readonly #useLatest: boolean
  readonly #validate: boolean
  readonly #references: readonly SchemaReference[]
  readonly #formats: Readonly<Record<string, JsonSchemaFormat>>
  /** The given schema's validator: compiled at construction, or once its references are fetched. */
  #own: ValidateFunction | Promise<ValidateFunction> | null = null
  readonly #topics = new TopicSchemas<Ready>((topic) => this.#load(topic))
  /**
   * Pass as `valueSerializer` (or `keySerializer`); serializes synchronously once the topic is
   * prepared. Its `prepare(topic)` is null when ready, else a promise settled once ready.
   */
  readonly serializer: Serializer<T> & { prepare: (topic: string) => Promise<void> | null }

  constructor(options: JsonSchemaSerializerOptions) {
    if (typeof options?.registry?.register !== 'function') {
      throw new ConfigError('registry', 'a SchemaRegistryClient is required')
    }
    this.#registry = options.registry
    const schemaFail = (m: string, option = 'schema') => new ConfigError(option, m)
    this.#root = parseSchema(options.schema, schemaFail)
    this.#schemaText = typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema)
    this.#isKey = options.isKey ?? false
    this.#useLatest = options.useLatestVersion ?? false
    this.#autoRegister = options.autoRegister ?? !this.#useLatest
    if (this.#useLatest && this.#autoRegister) {
      throw new ConfigError(
        'useLatestVersion',
        'uses the registered latest version instead of registering: set autoRegister false',
      )
    }
    this.#validate = options.validate ?? true
    this.#references = [...(options.references ?? [])]
    for (const r of this.#references) {
      if (typeof r?.name !== 'string' || typeof r.subject !== 'string' || !Number.isInteger(r.version)) {
        throw new ConfigError('references', 'each is { name: string, subject: string, version: integer }')
      }
    }
    this.#formats = { ...(options.formats ?? {}) }
    for (const [name, f] of Object.entries(this.#formats)) {
      if (!(f instanceof RegExp) && typeof f !== 'function') {
        throw new ConfigError('formats', `format '${name}' must be a RegExp or a function`)
      }
    }
    const strategy = options.subjectNameStrategy ?? 'topic'
    const title = typeof this.#root.title === 'string' ? this.#root.title : undefined
    if ((strategy === 'record' || strategy === 'topic-record') && title === undefined) {
      throw new ConfigError(
        'subjectNameStrategy',
        `'${strategy}' names the subject by the schema's title, and this schema has none`,
      )
    }
    this.#subjectOf = subjectNamer(strategy, this.#isKey, title)
    // Without references the schema compiles now, so a bad one fails here; with them it compiles
    // once they are fetched, but a missing ajv or an unknown $schema still fails here.
    if (this.#validate) {
      if (this.#references.length === 0) this.#own = compile(this.#root, [], this.#formats, schemaFail)
      else loadAjv(draftOf(this.#root, schemaFail))
    }
    const serializer = ((data: T, topic: string) => this.#serialize(data, topic)) as Serializer<T> & {
      prepare: (topic: string) => Promise<void> | null
    }
    serializer.prepare = (topic: string) => this.#topics.prepare(topic)
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
   * Registers (or looks up, or with useLatestVersion fetches) the schema for each topic's
   * subject, and fetches the schemas it refers to. Rejects with the registry's
   * SchemaRegistryError (ERR_INCOMPATIBLE_SCHEMA, ERR_SUBJECT_NOT_FOUND,
   * ERR_SCHEMA_REGISTRY_UNREACHABLE, ...).
   */
  async prepare(...topics: string[]): Promise<void> {
    await this.#topics.prepareAll(topics)
  }

  async #load(topic: string): Promise<Ready> {
    const subject = this.#subjectOf(topic)
    if (this.#useLatest) {
      const latest = await this.#registry.getLatest(subject)
      if (latest.schemaType !== 'JSON') {
        throw new SerializationError(
          `the latest schema of subject '${subject}' is ${latest.schemaType}, not JSON`,
        )
      }
      let validate: ValidateFunction | null = null
      if (this.#validate) {
        const fail = (m: string) => new SerializationError(`the latest schema of subject '${subject}': ${m}`)
        const refs = await fetchReferences(this.#registry, latest.references)
        validate = compile(parseSchema(latest.schema, fail), refs, this.#formats, fail)
      }
      return { subject, id: latest.id, validate }
    }
    const schema = { schema: this.#schemaText, schemaType: 'JSON' as const, references: this.#references }
    const id = this.#autoRegister
      ? await this.#registry.register(subject, schema)
      : (await this.#registry.lookup(subject, schema)).id
    return { subject, id, validate: this.#validate ? await this.#ownValidator() : null }
  }

  /** The given schema's validator; with references, compiled once they are fetched. */
  #ownValidator(): ValidateFunction | Promise<ValidateFunction> {
    if (this.#own === null) {
      const p = fetchReferences(this.#registry, this.#references).then((refs) =>
        compile(this.#root, refs, this.#formats, (m, option = 'schema') => new ConfigError(option, m)),
      )
      this.#own = p
      p.then(
        (v) => {
          this.#own = v
        },
        () => {
          if (this.#own === p) this.#own = null
        },
      )
    }
    return this.#own
  }

  #serialize(data: T, topic: string): Uint8Array | null {
    if (data === null) return null
    const ready = this.#topics.get(topic)
    if (ready === undefined) throw this.#topics.notReady(topic, this.#subjectOf(topic))
    const what = this.#isKey ? 'key' : 'value'
    let text: string | undefined
    try {
      text = JSON.stringify(data)
    } catch (err) {
      throw new SerializationError(
        `${what} for topic '${topic}' has no JSON form: ${(err as Error).message}`,
        err,
      )
    }
    if (text === undefined) {
      throw new SerializationError(`${what} for topic '${topic}' has no JSON form: it is ${typeof data}`)
    }
    const validate = ready.validate
    if (validate !== null && !validate(JSON.parse(text))) {
      const errors = validate.errors ?? []
      throw new SerializationError(
        `${what} for topic '${topic}' does not match the JSON schema of subject '${ready.subject}' (id ${ready.id}): ${describeErrors(errors)}`,
        [...errors],
      )
    }
    return frame(ready.id, Buffer.from(text, 'utf8'))
  }
}

export interface JsonSchemaDeserializerOptions {
  /** Validate each value against the writer's schema. Default true; false needs no ajv. */
  validate?: boolean
  /** Formats beyond ajv-formats'. */
  formats?: Readonly<Record<string, JsonSchemaFormat>>
}

/**
 * Reads a JSON Schema value in Confluent's wire format: fetches the writer's schema by the id in
 * the bytes (cached, with the schemas it refers to), parses the JSON text and validates it. For
 * tests and tools; Sluice has no consumer.
 */
export class JsonSchemaDeserializer {
  readonly #registry: SchemaRegistryClient
  readonly #validate: boolean
  readonly #formats: Readonly<Record<string, JsonSchemaFormat>>
  readonly #validators = new Map<number, Promise<ValidateFunction | null>>()

  constructor(registry: SchemaRegistryClient, options: JsonSchemaDeserializerOptions = {}) {
    this.#registry = registry
    this.#validate = options.validate ?? true
    this.#formats = { ...(options.formats ?? {}) }
  }

  async deserialize(data: Uint8Array): Promise<unknown> {
    const { schemaId, payload } = unframe(data)
    let validator = this.#validators.get(schemaId)
    if (validator === undefined) {
      validator = this.#load(schemaId)
      this.#validators.set(schemaId, validator)
      validator.catch(() => this.#validators.delete(schemaId))
    }
    const validate = await validator
    let value: unknown
    try {
      value = JSON.parse(payload.toString('utf8'))
    } catch (err) {
      throw new SerializationError(
        `bytes after the header of schema ${schemaId} are not JSON: ${(err as Error).message}`,
        err,
      )
    }
    if (validate !== null && !validate(value)) {
      const errors = validate.errors ?? []
      throw new SerializationError(
        `value does not match JSON schema ${schemaId}: ${describeErrors(errors)}`,
        [...errors],
      )
    }
    return value
  }

  async #load(schemaId: number): Promise<ValidateFunction | null> {
    const s = await this.#registry.getById(schemaId)
    if (s.schemaType !== 'JSON')
      throw new SerializationError(`schema ${schemaId} is ${s.schemaType}, not JSON`)
    if (!this.#validate) return null
    const fail = (m: string) => new SerializationError(`JSON schema ${schemaId}: ${m}`)
    const refs = await fetchReferences(this.#registry, s.references)
    return compile(parseSchema(s.schema, fail), refs, this.#formats, fail)
  }
}

/**
 * Message definitions as data, shaped like Kafka's JSON message specs so the two can be compared
 * field by field (test/protocol/messages/spec.test.ts). The codec compiles them per version.
 *
 * Field types use the spec's spelling: a primitive name, `[]<primitive>`, a struct type name
 * (a single nested struct) or `[]<StructName>` (an array of structs, with `fields`).
 */

export type PrimitiveType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid'

export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set<PrimitiveType>([
  'int8',
  'int16',
  'int32',
  'int64',
  'uint16',
  'uint32',
  'float64',
  'bool',
  'string',
  'bytes',
  'records',
  'uuid',
])

/** Inclusive version range; `max` is Infinity for an open range ("3+"). Empty when min > max. */
export interface VersionRange {
  readonly min: number
  readonly max: number
}

export const NO_VERSIONS: VersionRange = { min: 1, max: 0 }

export interface FieldDef {
  /** camelCase of the spec's name; also the property name in request/response objects. */
  readonly name: string
  readonly type: string
  readonly versions: VersionRange
  readonly nullableVersions: VersionRange
  /** Tag number for a tagged field, else undefined. */
  readonly tag: number | undefined
  readonly taggedVersions: VersionRange
  /**
   * The value a field has when it is absent from a version or omitted from an object to encode:
   * the spec's `default` when it has one, else Kafka's implicit one (0, false, '', empty array,
   * all-zero UUID, empty bytes, null records). Structs default to their fields' defaults.
   */
  readonly default: unknown
  /** The spec's explicit default, as written there; for the spec test. */
  readonly specDefault: string | undefined
  /** Nested fields of a struct or an array of structs. */
  readonly fields: readonly FieldDef[] | undefined
}

export interface MessageDef {
  readonly apiKey: number
  /** Spec name, e.g. `ProduceRequest`. */
  readonly name: string
  readonly type: 'request' | 'response'
  readonly validVersions: VersionRange
  /** First flexible version; Infinity when none is. */
  readonly flexibleFrom: number
  readonly fields: readonly FieldDef[]
}

/** Parses a spec version string: `3+`, `0-12`, `5`, `none`. */
export function parseVersions(spec: string): VersionRange {
  if (spec === 'none') return NO_VERSIONS
  const plus = /^(\d+)\+$/.exec(spec)
  if (plus !== null) return { min: Number(plus[1]), max: Number.POSITIVE_INFINITY }
  const range = /^(\d+)-(\d+)$/.exec(spec)
  if (range !== null) return { min: Number(range[1]), max: Number(range[2]) }
  if (/^\d+$/.test(spec)) return { min: Number(spec), max: Number(spec) }
  throw new Error(`bad version range '${spec}'`)
}

export function inRange(r: VersionRange, version: number): boolean {
  return version >= r.min && version <= r.max
}

export interface FieldOptions {
  /** Versions in which the value may be null, e.g. `'1+'`. */
  nullable?: string
  tag?: number
  /** Versions in which the field is tagged; required with `tag`. */
  tagged?: string
  /** The spec's default, spelled as in the spec: `'-1'`, `'null'`, `'false'`, `'60000'`. */
  default?: string
}

/** One field, e.g. `field('TopicId', 'uuid', '13+')`. Structs pass their nested `fields`. */
export function field(
  specName: string,
  type: string,
  versions: string,
  options: FieldOptions | readonly FieldDef[] = {},
  nested?: readonly FieldDef[],
): FieldDef {
  const opts: FieldOptions = Array.isArray(options) ? {} : (options as FieldOptions)
  const fields = Array.isArray(options) ? (options as readonly FieldDef[]) : nested
  const elem = type.startsWith('[]') ? type.slice(2) : type
  const isStruct = !PRIMITIVE_TYPES.has(elem)
  if (isStruct !== (fields !== undefined)) {
    throw new Error(`field ${specName}: nested fields are required for struct types and only for them`)
  }
  if ((opts.tag === undefined) !== (opts.tagged === undefined)) {
    throw new Error(`field ${specName}: tag and tagged go together`)
  }
  return {
    name: camelCase(specName),
    type,
    versions: parseVersions(versions),
    nullableVersions: opts.nullable === undefined ? NO_VERSIONS : parseVersions(opts.nullable),
    tag: opts.tag,
    taggedVersions: opts.tagged === undefined ? NO_VERSIONS : parseVersions(opts.tagged),
    default: defaultValue(type, opts.default, fields),
    specDefault: opts.default,
    fields,
  }
}

export function message(
  type: 'request' | 'response',
  apiKey: number,
  name: string,
  validVersions: string,
  flexibleVersions: string,
  fields: readonly FieldDef[],
): MessageDef {
  const flex = parseVersions(flexibleVersions)
  return {
    apiKey,
    name,
    type,
    validVersions: parseVersions(validVersions),
    flexibleFrom: flex === NO_VERSIONS ? Number.POSITIVE_INFINITY : flex.min,
    fields,
  }
}

export function camelCase(specName: string): string {
  return specName.charAt(0).toLowerCase() + specName.slice(1)
}

function defaultValue(
  type: string,
  spec: string | undefined,
  fields: readonly FieldDef[] | undefined,
): unknown {
  if (spec === 'null') return null
  if (type.startsWith('[]')) return EMPTY_ARRAY
  if (fields !== undefined) return STRUCT_DEFAULT
  switch (type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint16':
    case 'uint32':
    case 'float64':
      return spec === undefined ? 0 : Number(spec)
    case 'int64':
      return spec === undefined ? 0n : BigInt(spec)
    case 'bool':
      return spec === 'true'
    case 'string':
      return spec ?? ''
    case 'records':
      return null
    default:
      // bytes and uuid: the codec makes a fresh zero-filled buffer per use.
      return BUFFER_DEFAULT
  }
}

/** Markers for defaults the codec builds fresh each time (mutable values). */
export const EMPTY_ARRAY: unique symbol = Symbol('empty array')
export const STRUCT_DEFAULT: unique symbol = Symbol('struct defaults')
export const BUFFER_DEFAULT: unique symbol = Symbol('zero bytes')

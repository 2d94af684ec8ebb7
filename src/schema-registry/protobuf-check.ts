/**
 * Checks a value against a Protobuf message descriptor before it is encoded, so that a value that
 * does not fit fails with the path of the field that does not (`lines[1].quantity: -1 is out of
 * the uint32 range`) instead of whatever the encoder would make of it. Takes a message made with
 * create() or a plain init object: fields by their localName, oneofs as `{ case, value }`, maps as
 * objects, 64-bit integers as bigint, safe integers or decimal strings.
 */
import type { DescEnum, DescField, DescMessage } from '@bufbuild/protobuf'

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
    const e = field.enum as DescEnum
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

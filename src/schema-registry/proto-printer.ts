/**
 * Prints a FileDescriptorProto as .proto source text, the schema a registry stores for a Protobuf
 * subject. Confluent's registry also takes a base64 FileDescriptorProto, but Apicurio Registry
 * (2.4) stores that unparsed and fails to check its compatibility (it parses the text as .proto),
 * so the text is what we register.
 *
 * Printed: syntax (proto2, proto3), package, imports (public, weak), the built-in options of the
 * file, messages, fields, enums, values, oneofs, services and methods (repeated ones once per
 * item, message-valued ones as aggregates; custom options, extensions of the options messages,
 * are not kept), messages with their nesting, map fields, proto3 `optional`, labels and defaults
 * of proto2, groups, extension ranges, `extend` blocks, services, reserved numbers and names.
 * Nested messages keep their descriptor order (a map entry or group is written with its field,
 * interleaved with the nested messages), so a message's indexes are the same in the text as in
 * the descriptor. Type names are written fully qualified (`.pkg.Msg`). Comments are not kept.
 * Files in editions syntax are refused. Google's well-known type files, descriptor.proto among
 * them, print and compile back to their own descriptors (test/schema-registry/proto-printer.test.ts).
 *
 * The descriptor's option messages are read with @bufbuild/protobuf's reflection (`isFieldSet`
 * and each options message's descriptor), given by the caller, so that this module imports the
 * optional peer for types only.
 */
import type { DescEnum, DescField, DescMessage } from '@bufbuild/protobuf'
import type {
  DescriptorProto,
  EnumDescriptorProto,
  FieldDescriptorProto,
  FileDescriptorProto,
  ServiceDescriptorProto,
} from '@bufbuild/protobuf/wkt'

/** What the printer needs from @bufbuild/protobuf: field presence and option reflection. */
export interface PrinterRuntime {
  isFieldSet(message: never, field: DescMessage['fields'][number]): boolean
  /** FieldDescriptorProto's descriptor: which of a field's proto2 fields are set. */
  fieldDescriptor: DescMessage
  options: {
    file: DescMessage
    message: DescMessage
    field: DescMessage
    oneof: DescMessage
    enum: DescMessage
    enumValue: DescMessage
    service: DescMessage
    method: DescMessage
  }
}

/** Thrown for a descriptor the printer cannot write (editions). */
export class ProtoPrintError extends Error {
  override readonly name = 'ProtoPrintError'
}

// FieldDescriptorProto.Type and .Label, as numbers (descriptor.proto).
const TYPE_NAMES: Record<number, string> = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  6: 'fixed64',
  7: 'fixed32',
  8: 'bool',
  9: 'string',
  12: 'bytes',
  13: 'uint32',
  15: 'sfixed32',
  16: 'sfixed64',
  17: 'sint32',
  18: 'sint64',
}
const TYPE_STRING = 9
const TYPE_GROUP = 10
const TYPE_MESSAGE = 11
const TYPE_BYTES = 12
const TYPE_ENUM = 14
const LABEL_OPTIONAL = 1
const LABEL_REQUIRED = 2
const LABEL_REPEATED = 3
/** One past the largest field number: `to max` in reserved and extension ranges. */
const FIELD_END = 536870912
const ENUM_MAX = 2147483647

const INDENT = '  '

export function printProto(file: FileDescriptorProto, rt: PrinterRuntime): string {
  const syntax = file.syntax === '' ? 'proto2' : file.syntax
  if (syntax !== 'proto2' && syntax !== 'proto3') {
    throw new ProtoPrintError(
      `${file.name}: syntax '${syntax}' (editions) cannot be printed; only proto2 and proto3`,
    )
  }
  const p = new Printer(rt, syntax === 'proto3')
  p.line(0, `syntax = "${syntax}";`)
  if (file.package !== '') {
    p.blank()
    p.line(0, `package ${file.package};`)
  }
  if (file.dependency.length > 0) {
    p.blank()
    file.dependency.forEach((dep, i) => {
      const kind = file.publicDependency.includes(i)
        ? 'public '
        : file.weakDependency.includes(i)
          ? 'weak '
          : ''
      p.line(0, `import ${kind}${quote(dep)};`)
    })
  }
  const fileOptions = p.options(file.options, rt.options.file)
  if (fileOptions.length > 0) {
    p.blank()
    for (const o of fileOptions) p.line(0, `option ${o};`)
  }
  for (const m of file.messageType) {
    p.blank()
    p.message(0, m)
  }
  for (const e of file.enumType) {
    p.blank()
    p.enum(0, e)
  }
  if (file.extension.length > 0) {
    p.blank()
    p.extensions(0, file.extension)
  }
  for (const s of file.service) {
    p.blank()
    p.service(s)
  }
  return p.text()
}

class Printer {
  readonly #rt: PrinterRuntime
  readonly #proto3: boolean
  readonly #lines: string[] = []

  constructor(rt: PrinterRuntime, proto3: boolean) {
    this.#rt = rt
    this.#proto3 = proto3
  }

  text(): string {
    return `${this.#lines.join('\n')}\n`
  }

  line(depth: number, text: string): void {
    this.#lines.push(INDENT.repeat(depth) + text)
  }

  blank(): void {
    this.#lines.push('')
  }

  /**
   * `name = value` for each built-in option that is set: scalars and enums as literals, a
   * repeated option once per item, a message-valued one (`feature_support`) as an aggregate
   * `{ field: value ... }`. Not `features` (editions only) nor `uninterpreted_option`.
   */
  options(opts: object | undefined, schema: DescMessage): string[] {
    if (opts === undefined) return []
    const out: string[] = []
    for (const f of schema.fields) {
      if (f.name === 'features' || f.name === 'uninterpreted_option') continue
      if (f.fieldKind === 'map' || !this.#rt.isFieldSet(opts as never, f)) continue
      const v = (opts as Record<string, unknown>)[f.localName]
      for (const item of f.fieldKind === 'list' ? (v as unknown[]) : [v]) {
        out.push(`${f.name} = ${this.#value(f, item)}`)
      }
    }
    return out
  }

  /** One option value: a literal, an enum value's name, or a message in text format. */
  #value(f: DescField, v: unknown): string {
    const kind = f.fieldKind === 'list' ? f.listKind : f.fieldKind
    if (kind === 'enum') {
      const e = (f as { enum: DescEnum }).enum
      return e.values.find((x) => x.number === v)?.name ?? String(v)
    }
    if (kind === 'message') {
      const desc = (f as { message: DescMessage }).message
      const parts: string[] = []
      for (const g of desc.fields) {
        if (g.fieldKind === 'map' || !this.#rt.isFieldSet(v as never, g)) continue
        const x = (v as Record<string, unknown>)[g.localName]
        for (const item of g.fieldKind === 'list' ? (x as unknown[]) : [x]) {
          parts.push(`${g.name}: ${this.#value(g, item)}`)
        }
      }
      return `{ ${parts.join(' ')} }`
    }
    return literal(v)
  }

  message(depth: number, m: DescriptorProto, keyword = 'message', header?: string): void {
    this.line(depth, header ?? `${keyword} ${m.name} {`)
    const d = depth + 1
    for (const o of this.options(m.options, this.#rt.options.message)) this.line(d, `option ${o};`)
    this.#reserved(d, m.reservedRange, m.reservedName, FIELD_END)
    for (const e of m.enumType) this.enum(d, e)
    const nested = new Map(m.nestedType.map((n) => [n.name, n]))
    // Map entries and groups are written with their fields, the other nested messages as
    // messages, interleaved so that the nested types keep their descriptor order.
    const owner = new Map<string, number>()
    m.field.forEach((f, i) => {
      if (f.type === TYPE_GROUP || this.#mapEntry(f, m) !== undefined) owner.set(lastName(f.typeName), i)
    })
    let next = 0
    const printedOneofs = new Set<number>()
    const fieldsThrough = (last: number) => {
      for (; next <= last; next++) {
        const f = m.field[next] as FieldDescriptorProto
        const oneof = this.#realOneof(f)
        if (oneof === undefined) {
          this.field(d, f, m, nested)
          continue
        }
        if (printedOneofs.has(oneof)) continue
        printedOneofs.add(oneof)
        const decl = m.oneofDecl[oneof]
        this.line(d, `oneof ${decl?.name} {`)
        for (const o of this.options(decl?.options, this.#rt.options.oneof)) this.line(d + 1, `option ${o};`)
        for (const g of m.field) if (this.#realOneof(g) === oneof) this.field(d + 1, g, m, nested, true)
        this.line(d, '}')
      }
    }
    for (const n of m.nestedType) {
      const i = owner.get(n.name)
      if (i === undefined) this.message(d, n)
      else fieldsThrough(i)
    }
    fieldsThrough(m.field.length - 1)
    for (const r of m.extensionRange) {
      this.line(d, `extensions ${range(r.start ?? 0, (r.end ?? 0) - 1, FIELD_END - 1)};`)
    }
    if (m.extension.length > 0) this.extensions(d, m.extension)
    this.line(depth, '}')
  }

  /** Whether `f` (a FieldDescriptorProto, proto2) has `key` set. */
  #has(f: FieldDescriptorProto, key: 'oneofIndex' | 'defaultValue' | 'jsonName'): boolean {
    const field = this.#rt.fieldDescriptor.fields.find((x) => x.localName === key)
    return field !== undefined && this.#rt.isFieldSet(f as never, field)
  }

  #realOneof(f: FieldDescriptorProto): number | undefined {
    if (!this.#has(f, 'oneofIndex') || f.proto3Optional === true) return undefined
    return f.oneofIndex
  }

  #mapEntry(f: FieldDescriptorProto, m: DescriptorProto): DescriptorProto | undefined {
    if (f.type !== TYPE_MESSAGE || f.label !== LABEL_REPEATED) return undefined
    const n = m.nestedType.find((t) => t.name === lastName(f.typeName))
    return n?.options?.mapEntry === true ? n : undefined
  }

  field(
    depth: number,
    f: FieldDescriptorProto,
    m: DescriptorProto | undefined,
    nested: Map<string, DescriptorProto>,
    inOneof = false,
    extendee = false,
  ): void {
    const opts: string[] = []
    if (this.#has(f, 'defaultValue') && !this.#proto3) opts.push(`default = ${defaultLiteral(f)}`)
    if (this.#has(f, 'jsonName') && f.jsonName !== camelCase(f.name)) {
      opts.push(`json_name = ${quote(f.jsonName)}`)
    }
    opts.push(...this.options(f.options, this.#rt.options.field))
    const suffix = opts.length > 0 ? ` [${opts.join(', ')}]` : ''

    const entry = m === undefined ? undefined : this.#mapEntry(f, m)
    if (entry !== undefined) {
      const key = entry.field.find((x) => x.number === 1)
      const value = entry.field.find((x) => x.number === 2)
      if (key === undefined || value === undefined)
        throw new ProtoPrintError(`map entry ${entry.name} lacks key or value`)
      this.line(depth, `map<${typeOf(key)}, ${typeOf(value)}> ${f.name} = ${f.number}${suffix};`)
      return
    }
    let label = ''
    if (!inOneof) {
      if (f.label === LABEL_REPEATED) label = 'repeated '
      else if (f.label === LABEL_REQUIRED) label = 'required '
      else if (f.label === LABEL_OPTIONAL && (!this.#proto3 || f.proto3Optional === true || extendee))
        label = 'optional '
    }
    if (f.type === TYPE_GROUP) {
      const group = nested.get(lastName(f.typeName))
      if (group === undefined) throw new ProtoPrintError(`group ${f.name} has no nested type ${f.typeName}`)
      this.message(depth, group, 'group', `${label}group ${group.name} = ${f.number}${suffix} {`)
      return
    }
    this.line(depth, `${label}${typeOf(f)} ${f.name} = ${f.number}${suffix};`)
  }

  extensions(depth: number, fields: readonly FieldDescriptorProto[]): void {
    const byExtendee = new Map<string, FieldDescriptorProto[]>()
    for (const f of fields) byExtendee.set(f.extendee, [...(byExtendee.get(f.extendee) ?? []), f])
    for (const [extendee, fs] of byExtendee) {
      this.line(depth, `extend ${extendee} {`)
      for (const f of fs) this.field(depth + 1, f, undefined, new Map(), false, true)
      this.line(depth, '}')
    }
  }

  enum(depth: number, e: EnumDescriptorProto): void {
    this.line(depth, `enum ${e.name} {`)
    const d = depth + 1
    for (const o of this.options(e.options, this.#rt.options.enum)) this.line(d, `option ${o};`)
    this.#reserved(
      d,
      e.reservedRange.map((r) => ({ start: r.start, end: r.end + 1 })),
      e.reservedName,
      ENUM_MAX + 1,
    )
    for (const v of e.value) {
      const opts = this.options(v.options, this.#rt.options.enumValue)
      this.line(d, `${v.name} = ${v.number}${opts.length > 0 ? ` [${opts.join(', ')}]` : ''};`)
    }
    this.line(depth, '}')
  }

  service(s: ServiceDescriptorProto): void {
    this.line(0, `service ${s.name} {`)
    for (const o of this.options(s.options, this.#rt.options.service)) this.line(1, `option ${o};`)
    for (const m of s.method) {
      const opts = this.options(m.options, this.#rt.options.method)
      const head = `rpc ${m.name}(${m.clientStreaming === true ? 'stream ' : ''}${m.inputType}) returns (${m.serverStreaming === true ? 'stream ' : ''}${m.outputType})`
      if (opts.length === 0) {
        this.line(1, `${head};`)
      } else {
        this.line(1, `${head} {`)
        for (const o of opts) this.line(2, `option ${o};`)
        this.line(1, '}')
      }
    }
    this.line(0, '}')
  }

  /** Reserved numbers (ranges with an exclusive end) and names. */
  #reserved(
    depth: number,
    ranges: readonly { start?: number; end?: number }[],
    names: readonly string[],
    end: number,
  ): void {
    if (ranges.length > 0) {
      const parts = ranges.map((r) => range(r.start ?? 0, (r.end ?? 0) - 1, end - 1))
      this.line(depth, `reserved ${parts.join(', ')};`)
    }
    if (names.length > 0) this.line(depth, `reserved ${names.map(quote).join(', ')};`)
  }
}

function range(start: number, last: number, max: number): string {
  if (last === start) return String(start)
  return `${start} to ${last >= max ? 'max' : last}`
}

function typeOf(f: FieldDescriptorProto): string {
  if (f.type === TYPE_MESSAGE || f.type === TYPE_ENUM || f.type === TYPE_GROUP) return f.typeName
  const name = f.type === undefined ? undefined : TYPE_NAMES[f.type]
  if (name === undefined) throw new ProtoPrintError(`field ${f.name} has unknown type ${f.type}`)
  return name
}

function lastName(typeName: string | undefined): string {
  const s = typeName ?? ''
  return s.slice(s.lastIndexOf('.') + 1)
}

function defaultLiteral(f: FieldDescriptorProto): string {
  const v = f.defaultValue ?? ''
  if (f.type === TYPE_STRING) return quote(v)
  // Bytes defaults are stored C-escaped already.
  if (f.type === TYPE_BYTES) return `"${v}"`
  return v
}

function literal(v: unknown): string {
  if (typeof v === 'string') return quote(v)
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan'
    if (v === Number.POSITIVE_INFINITY) return 'inf'
    if (v === Number.NEGATIVE_INFINITY) return '-inf'
  }
  return String(v)
}

/** A .proto string literal: quotes, backslashes and control characters escaped. */
export function quote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0) as number
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return `${out}"`
}

/** protoc's default json_name: underscores dropped, the letter after each upper-cased. */
function camelCase(name: string): string {
  let out = ''
  let upper = false
  for (const ch of name) {
    if (ch === '_') {
      upper = true
      continue
    }
    out += upper ? ch.toUpperCase() : ch
    upper = false
  }
  return out
}

/**
 * Avro's logical types (the Avro specification, "Logical Types") for avsc, which only reads the
 * underlying type unless given an implementation per logical type:
 *
 *   timestamp-millis, local-timestamp-millis   long   <-> Date (a number of ms is accepted too)
 *   timestamp-micros, local-timestamp-micros   long   <-> bigint microseconds (Date accepted)
 *   date                                       int    <-> Date at UTC midnight (days accepted)
 *   time-millis                                int    <-> number of ms after midnight
 *   time-micros                                long   <-> bigint microseconds after midnight
 *   decimal (bytes or fixed)                          <-> string, e.g. "-12.30" at scale 2
 *                                                        (a number or bigint is accepted)
 *   uuid                                       string <-> string, checked
 *
 * Values read back take the right-hand form. A value that does not fit (a decimal with more
 * digits than its scale or precision, an invalid date) is refused, not rounded.
 */
import type avsc from 'avsc'

type Avsc = typeof avsc
type LogicalCtor = new (schema: avsc.Schema, opts?: object) => avsc.types.LogicalType

const MS_PER_DAY = 86_400_000
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  return undefined
}

/** A decimal's unscaled value at `scale`, or undefined when it has more digits than that. */
function unscaled(v: unknown, scale: number): bigint | undefined {
  let text: string
  if (typeof v === 'string') text = v.trim()
  else if (typeof v === 'bigint') text = v.toString()
  else if (typeof v === 'number' && Number.isFinite(v)) text = String(v)
  else return undefined
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return undefined
  let digits = (m[2] ?? '') + (m[3] ?? '')
  let exp = -(m[3] ?? '').length + Number(m[4] ?? 0)
  // digits * 10^exp, to digits' * 10^-scale
  const shift = exp + scale
  if (shift >= 0) digits += '0'.repeat(shift)
  else {
    const cut = digits.slice(digits.length + shift)
    if (/[^0]/.test(cut)) return undefined
    digits = digits.slice(0, digits.length + shift)
    exp = -scale
  }
  const n = BigInt(digits === '' ? '0' : digits)
  return m[1] === '-' ? -n : n
}

function formatDecimal(n: bigint, scale: number): string {
  const neg = n < 0n
  let s = (neg ? -n : n).toString()
  if (scale > 0) {
    s = s.padStart(scale + 1, '0')
    s = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`
  }
  return neg ? `-${s}` : s
}

/** Two's complement, big-endian, in `size` bytes or the fewest that hold it. */
function twosComplement(n: bigint, size?: number): Buffer | undefined {
  let len = 1
  while (n < -(1n << BigInt(8 * len - 1)) || n >= 1n << BigInt(8 * len - 1)) len++
  if (size !== undefined) {
    if (len > size) return undefined
    len = size
  }
  const out = Buffer.alloc(len)
  let v = BigInt.asUintN(8 * len, n)
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

function fromTwosComplement(b: Buffer): bigint {
  if (b.length === 0) return 0n
  let v = 0n
  for (const byte of b) v = (v << 8n) | BigInt(byte)
  return BigInt.asIntN(8 * b.length, v)
}

/** The logical types above, as avsc's `logicalTypes` option. */
export function logicalTypes(a: Avsc): Record<string, LogicalCtor> {
  const Base = a.types.LogicalType as unknown as new (
    schema: avsc.Schema,
    opts?: object,
  ) => {
    underlyingType: avsc.Type
  }
  const underlying = (t: { underlyingType: avsc.Type }) => t.underlyingType.typeName

  class TimestampMillis extends Base {
    _fromValue(v: number): Date {
      return new Date(v)
    }
    _toValue(v: unknown): number | undefined {
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime()
      return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined
    }
  }
  class TimestampMicros extends Base {
    _fromValue(v: number): bigint {
      return BigInt(v)
    }
    _toValue(v: unknown): number | undefined {
      const n =
        v instanceof Date
          ? Number.isNaN(v.getTime())
            ? undefined
            : BigInt(v.getTime()) * 1000n
          : toBigInt(v)
      // avsc's long is a JavaScript number: exact up to 2^53 microseconds (about 285 years).
      return n !== undefined && n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(n)
        : undefined
    }
  }
  class DateDays extends Base {
    _fromValue(v: number): Date {
      return new Date(v * MS_PER_DAY)
    }
    _toValue(v: unknown): number | undefined {
      if (v instanceof Date) {
        const ms = v.getTime()
        return Number.isNaN(ms) ? undefined : Math.floor(ms / MS_PER_DAY)
      }
      return typeof v === 'number' && Number.isInteger(v) ? v : undefined
    }
  }
  class TimeMillis extends Base {
    _fromValue(v: number): number {
      return v
    }
    _toValue(v: unknown): number | undefined {
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < MS_PER_DAY ? v : undefined
    }
  }
  class TimeMicros extends TimestampMicros {}
  class Decimal extends Base {
    readonly #scale: number
    readonly #precision: number
    constructor(schema: avsc.Schema, opts?: object) {
      super(schema, opts)
      const s = schema as { scale?: number; precision?: number }
      this.#scale = s.scale ?? 0
      this.#precision = s.precision ?? Number.POSITIVE_INFINITY
      if (!Number.isInteger(this.#scale) || this.#scale < 0)
        throw new Error(`decimal: invalid scale ${s.scale}`)
      if (!(this.#precision > 0)) throw new Error(`decimal: invalid precision ${s.precision}`)
    }
    _fromValue(v: Buffer): string {
      return formatDecimal(fromTwosComplement(v), this.#scale)
    }
    _toValue(v: unknown): Buffer | undefined {
      const n = unscaled(v, this.#scale)
      if (n === undefined) return undefined
      if ((n < 0n ? -n : n).toString().length > this.#precision) return undefined
      const size =
        underlying(this) === 'fixed' ? (this.underlyingType as unknown as { size: number }).size : undefined
      return twosComplement(n, size)
    }
  }
  class Uuid extends Base {
    _fromValue(v: string): string {
      return v
    }
    _toValue(v: unknown): string | undefined {
      return typeof v === 'string' && UUID.test(v) ? v : undefined
    }
  }
  return {
    'timestamp-millis': TimestampMillis,
    'local-timestamp-millis': TimestampMillis,
    'timestamp-micros': TimestampMicros,
    'local-timestamp-micros': TimestampMicros,
    date: DateDays,
    'time-millis': TimeMillis,
    'time-micros': TimeMicros,
    decimal: Decimal,
    uuid: Uuid,
  } as unknown as Record<string, LogicalCtor>
}

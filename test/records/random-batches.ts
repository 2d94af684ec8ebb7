/**
 * Random batches for the Java parity test: 1..200 records, null and empty keys and values,
 * 0..5 headers (null values among them), timestamps spread out, with or without producer state.
 */
import type { SampleRecord } from './java-batches.js'
import type { BatchInput } from './java-records.js'

type Rng = () => number

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!

function bytes(r: Rng, n: number, compressible: boolean): Buffer {
  const b = Buffer.alloc(n)
  if (compressible) {
    const word = Buffer.from(pick(r, ['order-', 'sensor=12.5;', '{"id":7,"ok":true}', 'ab']))
    for (let i = 0; i < n; i++) b[i] = word[i % word.length]!
  } else {
    for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256)
  }
  return b
}

/** Lengths around the varint boundaries (63/64, 8191/8192) now and then. */
function length(r: Rng, max: number): number {
  const x = r()
  if (x < 0.1)
    return pick(
      r,
      [1, 63, 64, 127, 128, 8191, 8192].filter((n) => n <= max),
    )
  return 1 + Math.floor(r() * r() * max)
}

function nullableBytes(r: Rng, max: number, compressible: boolean): Buffer | null {
  const x = r()
  if (x < 0.12) return null
  if (x < 0.22) return Buffer.alloc(0)
  return bytes(r, length(r, max), compressible)
}

function headerKey(r: Rng): string {
  const n = r() < 0.1 ? 0 : 1 + Math.floor(r() * 12)
  let s = ''
  for (let i = 0; i < n; i++) {
    const x = r()
    s += String.fromCodePoint(
      x < 0.7
        ? 0x61 + Math.floor(r() * 26)
        : x < 0.9
          ? 0x400 + Math.floor(r() * 0x100)
          : 0x1f300 + Math.floor(r() * 0x100),
    )
  }
  return s
}

function record(r: Rng, timestamp: number, compressible: boolean): SampleRecord {
  const headers = Array.from({ length: Math.floor(r() * 6) }, () => ({
    key: headerKey(r),
    value: r() < 0.3 ? null : r() < 0.15 ? Buffer.alloc(0) : bytes(r, 1 + Math.floor(r() * 40), compressible),
  }))
  return {
    timestamp,
    key: nullableBytes(r, 300, compressible),
    value: nullableBytes(r, r() < 0.05 ? 9000 : 600, compressible),
    headers,
  }
}

/** Timestamps from 0 to ~2^42 ms, records moving forward, backward and by large jumps. */
function timestamps(r: Rng, n: number): number[] {
  const out: number[] = []
  let t = r() < 0.1 ? Math.floor(r() * 1000) : Math.floor(r() * 2 ** 42)
  for (let i = 0; i < n; i++) {
    out.push(t)
    const x = r()
    const step =
      x < 0.3
        ? 0
        : x < 0.75
          ? Math.floor(r() * 2000)
          : x < 0.9
            ? -Math.floor(r() * 5000)
            : Math.floor((r() - 0.3) * 2 ** 36)
    t = Math.max(0, t + step)
  }
  return out
}

export function randomBatch(r: Rng): BatchInput {
  const n = r() < 0.3 ? 1 + Math.floor(r() * 5) : 1 + Math.floor(r() * 200)
  const compressible = r() < 0.5
  const records = timestamps(r, n).map((t) => record(r, t, compressible))
  if (r() < 0.3)
    return { producerId: -1n, producerEpoch: -1, baseSequence: -1, transactional: false, records }
  const producerId =
    r() < 0.5
      ? BigInt(Math.floor(r() * 100000))
      : BigInt.asUintN(63, BigInt(Math.floor(r() * 2 ** 53)) << 10n)
  return {
    producerId,
    producerEpoch: Math.floor(r() * 32768),
    baseSequence: r() < 0.1 ? 2 ** 31 - 1 - Math.floor(r() * 200) : Math.floor(r() * 2 ** 31),
    transactional: r() < 0.4,
    records,
  }
}

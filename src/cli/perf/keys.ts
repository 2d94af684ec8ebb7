/**
 * Record keys for `sluice perf`, as Kafka's tool makes them (KIP-1299, ProducerPerformance
 * generateKey): with --key-distribution none a null key; range: record i gets i % KEY-RANGE, so the
 * keys come round in turn; random: random.nextInt(KEY-RANGE), from the run's one generator (the
 * payloads' too), drawn after the record's payload. A key is its number in decimal, UTF-8
 * (Java's Integer.toString(n).getBytes(UTF_8)); the producer's partitioner then hashes it with
 * murmur2 as the Java client does.
 */
import type { KeyDistribution } from './args.js'
import type { Xorshift32 } from './payloads.js'

export interface KeySource {
  /** The key of record `index`; callers must not modify it. */
  next(index: number): Buffer | null
}

/** Up to this many distinct keys are encoded once, up front, as views of one block. */
export const KEY_TABLE_MAX = 1 << 16

/** Bytes of the numbers 0..count-1 written in decimal. */
function decimalBytes(count: number): number {
  let bytes = 0
  for (let lo = 0, hi = 10, digits = 1; lo < count; lo = hi, hi *= 10, digits++) {
    bytes += (Math.min(count, hi) - lo) * digits
  }
  return bytes
}

/** The keys 0..count-1 in decimal, each a view of one shared block. */
export function encodeKeyTable(count: number): Buffer[] {
  const block = Buffer.allocUnsafe(decimalBytes(count))
  const table = new Array<Buffer>(count)
  let at = 0
  for (let n = 0; n < count; n++) {
    const len = block.write(String(n), at, 'latin1')
    table[n] = block.subarray(at, at + len)
    at += len
  }
  return table
}

function encodeKey(n: number): Buffer {
  return Buffer.from(String(n), 'latin1')
}

export const NO_KEYS: KeySource = { next: () => null }

/** Record i: key i % range. */
export class RangeKeys implements KeySource {
  readonly #range: number
  readonly #table: Buffer[] | null

  /** `numRecords` bounds the keys used, hence the table. */
  constructor(range: number, numRecords = Number.POSITIVE_INFINITY) {
    this.#range = range
    const used = Math.min(range, numRecords)
    this.#table = used <= KEY_TABLE_MAX ? encodeKeyTable(used) : null
  }

  next(index: number): Buffer {
    const n = index % this.#range
    return this.#table === null ? encodeKey(n) : this.#table[n]!
  }
}

/** Each record: a key drawn uniformly from [0, range). */
export class RandomKeys implements KeySource {
  readonly #range: number
  readonly #random: Xorshift32
  readonly #table: Buffer[] | null

  constructor(range: number, random: Xorshift32) {
    this.#range = range
    this.#random = random
    this.#table = range <= KEY_TABLE_MAX ? encodeKeyTable(range) : null
  }

  next(_index: number): Buffer {
    const n = this.#random.nextInt(this.#range)
    return this.#table === null ? encodeKey(n) : this.#table[n]!
  }
}

export function keySource(
  distribution: KeyDistribution,
  range: number | null,
  numRecords: number,
  random: Xorshift32,
): KeySource {
  if (distribution === 'none') return NO_KEYS
  if (range === null) throw new RangeError(`--key-distribution ${distribution} needs a key range`)
  return distribution === 'range' ? new RangeKeys(range, numRecords) : new RandomKeys(range, random)
}

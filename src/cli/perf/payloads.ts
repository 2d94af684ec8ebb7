/**
 * Record values for `sluice perf`, as Kafka's perf tool makes them: random letters A-Z of
 * --record-size bytes, lines of a --payload-file picked at random, or the record's index as text.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Payload } from './args.js'
import { UsageError } from './args.js'

export interface PayloadSource {
  /** The value of record `index`; callers must not modify it. */
  next(index: number): Buffer
}

/**
 * Deterministic xorshift32, seeded like Java's tool (--random-seed, default 0) so runs are
 * repeatable. Not Java's SplittableRandom sequence: only the kind of data matters, not the exact
 * bytes.
 */
export class Xorshift32 {
  #state: number
  constructor(seed = 0) {
    this.#state = (seed ^ 0x9e3779b9) >>> 0 || 1
  }
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number {
    let x = this.#state
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.#state = x >>> 0
    return Math.floor((this.#state / 2 ** 32) * bound)
  }
}

/**
 * The generator for a --random-seed (a Java long): its two 32-bit halves folded into one, so
 * seed 0, the default, is Xorshift32(0) as before the flag existed.
 */
export function seededRandom(seed: bigint): Xorshift32 {
  const bits = BigInt.asUintN(64, seed)
  const lo = Number(bits & 0xffffffffn)
  const hi = Number(bits >> 32n)
  return new Xorshift32((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0)
}

/** Distinct random payloads cover this many bytes, so batches compress like Java's fresh ones. */
const RANDOM_POOL_BYTES = 4 * 1024 * 1024

/**
 * Java refills one array with new random letters before every send. Here a record's value may
 * still be queued after send() returns, so it must not change: the values are taken in turn from
 * a pool of distinct random payloads, each a view of one block; a batch of up to 4 MiB holds no
 * repeated value (so compression sees what it would see with Java's data).
 */
export class RandomPayloads implements PayloadSource {
  readonly #views: Buffer[]
  #at = 0

  constructor(recordSize: number, random = new Xorshift32(0)) {
    const count = Math.max(1, Math.floor(RANDOM_POOL_BYTES / recordSize))
    const block = Buffer.allocUnsafe(count * recordSize)
    for (let i = 0; i < block.length; i++) block[i] = 65 + random.nextInt(26)
    this.#views = new Array<Buffer>(count)
    for (let i = 0; i < count; i++) this.#views[i] = block.subarray(i * recordSize, (i + 1) * recordSize)
  }

  next(_index: number): Buffer {
    const v = this.#views[this.#at]!
    if (++this.#at === this.#views.length) this.#at = 0
    return v
  }
}

export class MonotonicPayloads implements PayloadSource {
  next(index: number): Buffer {
    return Buffer.from(String(index), 'latin1')
  }
}

/** The file's payloads, one picked at random for each record. */
export class FilePayloads implements PayloadSource {
  readonly #payloads: readonly Buffer[]
  readonly #random: Xorshift32

  constructor(payloads: readonly Buffer[], random = new Xorshift32(0)) {
    if (payloads.length === 0) throw new RangeError('no payloads')
    this.#payloads = payloads
    this.#random = random
  }

  get count(): number {
    return this.#payloads.length
  }

  next(_index: number): Buffer {
    return this.#payloads[this.#random.nextInt(this.#payloads.length)]!
  }
}

/**
 * Splits text at a delimiter regular expression the way Java's Scanner.useDelimiter does in
 * Kafka's tool: one delimiter at the current position is skipped before each token, so a leading
 * delimiter and a single trailing one yield nothing, while two delimiters in a row yield an empty
 * payload.
 */
export function splitPayloads(text: string, delimiter: string, flag = '--payload-delimiter'): string[] {
  let sticky: RegExp
  let global: RegExp
  try {
    sticky = new RegExp(delimiter, 'y')
    global = new RegExp(delimiter, 'g')
  } catch (err) {
    throw new UsageError(
      `${flag} '${delimiter}' is not a valid regular expression: ${(err as Error).message}`,
    )
  }
  const emptyMatch = () =>
    new UsageError(
      `${flag} '${delimiter}' matches the empty string; escape regular-expression characters, e.g. '\\|' for '|'`,
    )
  if (new RegExp(delimiter).test('')) throw emptyMatch()
  const tokens: string[] = []
  let pos = 0
  for (;;) {
    sticky.lastIndex = pos
    const skip = sticky.exec(text)
    if (skip !== null) {
      if (skip[0].length === 0) throw emptyMatch()
      pos += skip[0].length
    }
    if (pos >= text.length) break
    global.lastIndex = pos
    const m = global.exec(text)
    if (m === null) {
      tokens.push(text.slice(pos))
      break
    }
    if (m[0].length === 0) throw emptyMatch()
    tokens.push(text.slice(pos, m.index))
    pos = m.index
  }
  return tokens
}

/** Reads and splits a payload file; `note` gets Java's two information lines. */
export async function readPayloadFile(
  path: string,
  delimiter: string,
  note: (line: string) => void,
): Promise<Buffer[]> {
  const absolute = resolve(path)
  note(`Reading payloads from: ${absolute}`)
  let bytes: Buffer
  try {
    bytes = await readFile(absolute)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new UsageError(`--payload-file '${path}': the file does not exist`)
    throw new UsageError(`--payload-file '${path}': ${(err as Error).message}`)
  }
  if (bytes.length === 0) throw new UsageError(`--payload-file '${path}': the file is empty`)
  const payloads = splitPayloads(new TextDecoder('utf-8').decode(bytes), delimiter).map((p) =>
    Buffer.from(p, 'utf8'),
  )
  note(`Number of records read: ${payloads.length}`)
  if (payloads.length === 0) {
    throw new UsageError(`--payload-file '${path}': no payloads between the delimiters '${delimiter}'`)
  }
  return payloads
}

/** `random` is the run's one generator (--random-seed), shared with random keys as in Java. */
export async function payloadSource(
  payload: Payload,
  note: (line: string) => void,
  random = new Xorshift32(0),
): Promise<PayloadSource> {
  switch (payload.kind) {
    case 'random':
      return new RandomPayloads(payload.recordSize, random)
    case 'monotonic':
      return new MonotonicPayloads()
    case 'file':
      return new FilePayloads(await readPayloadFile(payload.path, payload.delimiter, note), random)
  }
}

/**
 * Exactly-once bookkeeping for large failover tests: each partition's records carry their
 * per-partition sequence number (0, 1, 2, ... in send order) as their value. The ledger knows what
 * was sent and what the producer acknowledged at which offset, and checks what an independent
 * reader found: every record exactly once, in send order, at the acknowledged offset, nothing
 * else. Problems are described by partition and sequence number.
 */
import type { RecordMetadata } from '../../src/producer/record.js'

const MAX_FAILURES = 20

export interface FailedSend {
  partition: number
  seq: number
  error: Error
}

export class SequenceLedger {
  readonly partitions: number
  readonly #sent: number[]
  /** Per partition, by sequence number: the acknowledged offset, or -1. */
  readonly #offsets: Float64Array[]
  #acked = 0
  #failed = 0
  readonly #firstFailures: FailedSend[] = []

  constructor(partitions: number, maxPerPartition: number) {
    this.partitions = partitions
    this.#sent = new Array<number>(partitions).fill(0)
    this.#offsets = Array.from({ length: partitions }, () => new Float64Array(maxPerPartition).fill(-1))
  }

  /** The next sequence number of `partition`; its value is that number in decimal. */
  next(partition: number): number {
    const seq = this.#sent[partition]!
    if (seq >= this.#offsets[partition]!.length) throw new Error(`partition ${partition} is full`)
    this.#sent[partition] = seq + 1
    return seq
  }

  get sent(): number {
    let n = 0
    for (const s of this.#sent) n += s
    return n
  }

  get acked(): number {
    return this.#acked
  }

  get failed(): number {
    return this.#failed
  }

  get firstFailures(): readonly FailedSend[] {
    return this.#firstFailures
  }

  /** A send's outcome, from its callback. */
  settle(partition: number, seq: number, err: Error | null, md: RecordMetadata | null): void {
    if (err !== null || md === null) {
      this.#failed++
      if (this.#firstFailures.length < MAX_FAILURES) {
        this.#firstFailures.push({ partition, seq, error: err ?? new Error('no metadata') })
      }
      return
    }
    const offsets = this.#offsets[partition]!
    if (offsets[seq] !== -1) throw new Error(`partition ${partition} seq ${seq} was acknowledged twice`)
    offsets[seq] = Number(md.offset)
    this.#acked++
  }

  /** A checker for one pass of an independent reader over the topic. */
  check(): ReadCheck {
    return new ReadCheck(this.#sent, this.#offsets)
  }
}

type ProblemKind = 'missing' | 'repeated' | 'offset' | 'unknown'

const KIND_TITLES: Record<ProblemKind, string> = {
  missing: 'records missing',
  repeated: 'records read again (duplicates or out of send order)',
  offset: 'records read at another offset than acknowledged',
  unknown: 'records never sent',
}

const EXAMPLES_PER_KIND = 5

/** Follows a reader's records (in offset order per partition) against the ledger. */
export class ReadCheck {
  readonly #sent: readonly number[]
  readonly #offsets: readonly Float64Array[]
  readonly #expected: number[]
  readonly #lastOffset: number[]
  readonly #counts = new Map<ProblemKind, number>()
  readonly #examples = new Map<ProblemKind, string[]>()
  #records = 0

  constructor(sent: readonly number[], offsets: readonly Float64Array[]) {
    this.#sent = sent
    this.#offsets = offsets
    this.#expected = new Array<number>(sent.length).fill(0)
    this.#lastOffset = new Array<number>(sent.length).fill(-1)
  }

  get records(): number {
    return this.#records
  }

  /** One record as read; call in the reader's order. */
  readonly visit = (partition: number, offset: number, value: string | null): void => {
    this.#records++
    const expected = this.#expected[partition]
    if (expected === undefined) {
      this.#problem('unknown', 1, `partition ${partition} offset ${offset}: a partition never written to`)
      return
    }
    if (offset <= this.#lastOffset[partition]!) {
      throw new Error(
        `the reader went back in partition ${partition}: offset ${offset} after ${this.#lastOffset[partition]}`,
      )
    }
    this.#lastOffset[partition] = offset
    const seq = value !== null && /^\d+$/.test(value) ? Number(value) : -1
    if (seq < 0 || seq >= this.#sent[partition]!) {
      this.#problem('unknown', 1, `partition ${partition} offset ${offset}: value ${JSON.stringify(value)}`)
      return
    }
    if (seq < expected) {
      this.#problem(
        'repeated',
        1,
        `partition ${partition} offset ${offset}: seq ${seq} after seq ${expected - 1}`,
      )
      return
    }
    if (seq > expected) {
      this.#problem(
        'missing',
        seq - expected,
        `partition ${partition}: seq ${expected}..${seq - 1} (seq ${seq} follows at offset ${offset})`,
      )
    }
    const acked = this.#offsets[partition]![seq]!
    if (acked !== offset) {
      this.#problem(
        'offset',
        1,
        `partition ${partition} seq ${seq}: read at offset ${offset}, acknowledged at ${acked}`,
      )
    }
    this.#expected[partition] = seq + 1
  }

  /** The problems found, one line per kind with its count and first examples; empty when none. */
  finish(): string[] {
    for (let p = 0; p < this.#sent.length; p++) {
      const sent = this.#sent[p]!
      const expected = this.#expected[p]!
      if (expected < sent)
        this.#problem('missing', sent - expected, `partition ${p}: seq ${expected}..${sent - 1} at the end`)
    }
    const out: string[] = []
    for (const kind of Object.keys(KIND_TITLES) as ProblemKind[]) {
      const count = this.#counts.get(kind)
      if (count !== undefined)
        out.push(`${count} ${KIND_TITLES[kind]}, first: ${this.#examples.get(kind)!.join('; ')}`)
    }
    return out
  }

  #problem(kind: ProblemKind, records: number, example: string): void {
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + records)
    const examples = this.#examples.get(kind) ?? []
    if (examples.length < EXAMPLES_PER_KIND) examples.push(example)
    this.#examples.set(kind, examples)
  }
}

import { partitionForKey } from '../protocol/murmur2.js'

export interface PartitionArgs {
  topic: string
  key: unknown
  keyBytes: Uint8Array | null
  value: unknown
  valueBytes: Uint8Array | null
  /** Number of partitions of the topic. */
  partitionCount: number
  /** Partitions that have a leader right now. */
  availablePartitions: readonly number[]
}

/**
 * A custom partitioner (`partitioner.class`): returns the partition, or undefined to let the
 * built-in logic decide (Java's RecordMetadata.UNKNOWN_PARTITION).
 */
export type PartitionerFn = (args: PartitionArgs) => number | undefined
export type CustomPartitioner = PartitionerFn | { partition: PartitionerFn }

/**
 * The built-in strategy for records without an explicit partition: a keyed record goes to
 * toPositive(murmur2(key)) % partitions, exactly as the Java client; a record without a key
 * (or with `partitioner.ignore.keys`) goes to a sticky partition that changes after each
 * `batch.size` bytes (KIP-794 uniform sticky partitioning).
 */
export class BuiltInPartitioner {
  readonly #stickyBytes: number
  readonly #ignoreKeys: boolean
  readonly #sticky = new Map<string, { partition: number; bytes: number }>()

  constructor(batchSize: number, ignoreKeys: boolean) {
    this.#stickyBytes = Math.max(1, batchSize)
    this.#ignoreKeys = ignoreKeys
  }

  partition(
    topic: string,
    keyBytes: Uint8Array | null,
    partitionCount: number,
    available: readonly number[],
  ): number {
    if (keyBytes !== null && !this.#ignoreKeys) return partitionForKey(keyBytes, partitionCount)
    let s = this.#sticky.get(topic)
    if (s === undefined || s.partition >= partitionCount) {
      s = { partition: this.#next(-1, partitionCount, available), bytes: 0 }
      this.#sticky.set(topic, s)
    }
    return s.partition
  }

  /** Counts bytes appended to the topic's sticky partition and moves on after a batch's worth. */
  onAppend(
    topic: string,
    partition: number,
    bytes: number,
    partitionCount: number,
    available: readonly number[],
  ): void {
    const s = this.#sticky.get(topic)
    if (s === undefined || s.partition !== partition) return
    s.bytes += bytes
    if (s.bytes >= this.#stickyBytes) {
      s.partition = this.#next(s.partition, partitionCount, available)
      s.bytes = 0
    }
  }

  #next(previous: number, partitionCount: number, available: readonly number[]): number {
    const pool = available.length > 0 ? available : null
    const n = pool === null ? partitionCount : pool.length
    if (n <= 1) return pool === null ? 0 : pool[0]!
    // A different partition than the last one, uniformly among the rest.
    for (;;) {
      const i = Math.floor(Math.random() * n)
      const p = pool === null ? i : pool[i]!
      if (p !== previous) return p
    }
  }
}

export function callCustomPartitioner(p: CustomPartitioner, args: PartitionArgs): number | undefined {
  return typeof p === 'function' ? p(args) : p.partition(args)
}

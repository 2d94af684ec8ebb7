/**
 * Partitioning: custom partitioners (`partitioner.class`) and the built-in strategy of the Java
 * client (KIP-794 uniform sticky partitioning with adaptive partitioning).
 *
 * How the producer and the sender feed the built-in partitioner (Java: RecordAccumulator and
 * Sender feed BuiltInPartitioner the same things):
 *
 * - producer, per record without an explicit/custom partition:
 *   `partition(topic, keyBytes, partitionCount, available)`; keyed records get murmur2, others
 *   the topic's sticky partition. `available` = partitions that have a leader.
 * - producer, after appending a record that went to the sticky partition:
 *   `onAppend(topic, partition, bytes, partitionCount, available)`. The switch to the next sticky
 *   partition happens once `batch.size` bytes were produced to it and the partition's last batch
 *   is full (or its queue is empty), or unconditionally at 2 x `batch.size` (Java's
 *   `updatePartitionInfo(…, enableSwitch = allBatchesFull(deque))`). Whether the last batch is
 *   full comes from the `allBatchesFull` constructor option; without it every append may switch.
 * - sender, once per drain pass: `updateLoadStats(accumulator.queues, snapshot)` (Java:
 *   `RecordAccumulator.partitionReady` → `updatePartitionLoadStats`): the number of queued
 *   batches of each partition becomes the weight of the next sticky choice (`maxSize + 1 - size`),
 *   partitions without a leader are left out, and with `partitioner.availability.timeout.ms` > 0
 *   so are partitions with queued data whose leader could not be drained for longer than that.
 * - sender, for each leader that has ready batches in a pass:
 *   `updateNodeLatencyStats(nodeId, nowMs, canDrain)` with `canDrain` = a connection is open and
 *   has room for another request (Java: `Sender.sendProducerData` → `client.ready(node)`).
 */
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

export interface BuiltInPartitionerOptions {
  /** `partitioner.adaptive.partitioning.enable` (default true). */
  adaptive?: boolean
  /** `partitioner.availability.timeout.ms` (default 0: off). Only with adaptive partitioning. */
  availabilityTimeoutMs?: number
  /**
   * Whether the last batch queued for the partition is full or closed, or the queue is empty
   * (Java's `RecordAccumulator.allBatchesFull`). Default: always true.
   */
  allBatchesFull?: (topic: string, partition: number) => boolean
  /** A non-negative integer below 2^31 (Java's `Utils.toPositive(random.nextInt())`). */
  random?: () => number
}

/** What `updateLoadStats` reads of an accumulator queue (`PartitionQueue` fits). */
export interface LoadStatsQueue {
  readonly topic: string
  readonly partition: number
  /** Batches waiting to be sent. */
  readonly waitingCount: number
}

/** What `updateLoadStats` reads of the cluster (`ClusterSnapshot` fits). */
export interface LoadStatsCluster {
  topic(name: string): { readonly partitions: readonly { readonly leader: number }[] } | undefined
  readonly brokers: { has(nodeId: number): boolean }
}

/** Per-topic state: the sticky partition and the load statistics (cumulative frequency table). */
class TopicState {
  /** The current sticky partition; -1 before the first record without a key. */
  sticky = -1
  /** Bytes produced to the sticky partition since it was chosen. */
  produced = 0
  /** Cumulative frequency table over `ids`; only the first `length` entries count. */
  cft = new Int32Array(8)
  ids = new Int32Array(8)
  /** 0: no load stats, choose uniformly among available partitions. */
  length = 0
  // Collection during updateLoadStats.
  pass = -1
  queues = 0
  collected = 0

  ensure(n: number): void {
    if (this.cft.length >= n) return
    const size = Math.max(n, this.cft.length * 2)
    this.cft = new Int32Array(size)
    this.ids = new Int32Array(size)
  }
}

/** Last time a leader had ready data, and last time it could also be drained. */
interface NodeLatency {
  readyMs: number
  drainMs: number
}

const defaultRandom = (): number => Math.floor(Math.random() * 0x80000000)
const alwaysFull = (): boolean => true

/**
 * The built-in strategy for records without an explicit partition: a keyed record goes to
 * toPositive(murmur2(key)) % partitions, exactly as the Java client; a record without a key
 * (or with `partitioner.ignore.keys`) goes to the topic's sticky partition, which changes after
 * `batch.size` bytes (KIP-794) to a partition chosen at random, weighted towards partitions with
 * shorter queues (adaptive partitioning).
 */
export class BuiltInPartitioner {
  readonly #stickyBytes: number
  readonly #ignoreKeys: boolean
  readonly #adaptive: boolean
  readonly #availabilityTimeoutMs: number
  readonly #allBatchesFull: (topic: string, partition: number) => boolean
  readonly #random: () => number
  readonly #topics = new Map<string, TopicState>()
  readonly #nodes = new Map<number, NodeLatency>()
  #pass = 0

  constructor(batchSize: number, ignoreKeys: boolean, options: BuiltInPartitionerOptions = {}) {
    this.#stickyBytes = Math.max(1, batchSize)
    this.#ignoreKeys = ignoreKeys
    this.#adaptive = options.adaptive ?? true
    this.#availabilityTimeoutMs = options.availabilityTimeoutMs ?? 0
    this.#allBatchesFull = options.allBatchesFull ?? alwaysFull
    this.#random = options.random ?? defaultRandom
  }

  /**
   * The partition for a record the custom partitioner (if any) left to us. Java:
   * `KafkaProducer.partition` for keys, `BuiltInPartitioner.peekCurrentPartitionInfo` and the
   * deferred switch of `RecordAccumulator.partitionChanged` for the sticky partition.
   */
  partition(
    topic: string,
    keyBytes: Uint8Array | null,
    partitionCount: number,
    available: readonly number[],
  ): number {
    if (keyBytes !== null && !this.#ignoreKeys) return partitionForKey(keyBytes, partitionCount)
    const t = this.#topic(topic)
    if (t.sticky < 0 || t.sticky >= partitionCount) {
      this.#switch(t, partitionCount, available)
    } else if (t.produced >= this.#stickyBytes && this.#allBatchesFull(topic, t.sticky)) {
      // A switch was held back while the partition's last batch was filling; it is full or
      // drained now.
      this.#switch(t, partitionCount, available)
    }
    return t.sticky
  }

  /**
   * Counts bytes appended to the topic's sticky partition and moves on after a batch's worth:
   * at `batch.size` when `enableSwitch` (default: the `allBatchesFull` option), at twice that
   * in any case. Appends to other partitions are ignored.
   */
  onAppend(
    topic: string,
    partition: number,
    bytes: number,
    partitionCount: number,
    available: readonly number[],
    enableSwitch?: boolean,
  ): void {
    const t = this.#topics.get(topic)
    if (t === undefined || t.sticky !== partition) return
    t.produced += bytes
    if (t.produced < this.#stickyBytes) return
    if (t.produced >= 2 * this.#stickyBytes || (enableSwitch ?? this.#allBatchesFull(topic, partition))) {
      this.#switch(t, partitionCount, available)
    }
  }

  /** The topic's current sticky partition, -1 if none yet (for tests and diagnostics). */
  stickyPartition(topic: string): number {
    return this.#topics.get(topic)?.sticky ?? -1
  }

  /**
   * Java's `updatePartitionLoadStats` for one topic: `queueSizes[i]` batches are queued for
   * partition `partitionIds[i]`, for the first `length` entries (partitions with a leader that
   * were not excluded as unavailable); `queueSizes.length` is the number of partitions that have
   * a queue at all. null clears the stats. The arrays are not modified.
   */
  updatePartitionLoadStats(
    topic: string,
    queueSizes: ArrayLike<number> | null,
    partitionIds: ArrayLike<number>,
    length: number = queueSizes?.length ?? 0,
  ): void {
    const t = this.#topic(topic)
    if (queueSizes === null || !this.#adaptive) {
      t.length = 0
      return
    }
    t.ensure(length)
    for (let i = 0; i < length; i++) {
      t.cft[i] = queueSizes[i]!
      t.ids[i] = partitionIds[i]!
    }
    this.#buildTable(t, length, queueSizes.length)
  }

  /**
   * Java's `RecordAccumulator.partitionReady` statistics for every topic at once: call it once
   * per drain pass with all accumulator queues. Topics that do not have a queue for every
   * partition yet get no stats (uniform choice), as in Java. No-op without adaptive partitioning.
   */
  updateLoadStats(queues: readonly LoadStatsQueue[], cluster: LoadStatsCluster): void {
    if (!this.#adaptive || queues.length === 0) return
    const pass = ++this.#pass
    const timeout = this.#availabilityTimeoutMs
    let t: TopicState | undefined
    let meta: ReturnType<LoadStatsCluster['topic']>
    let lastTopic: string | null = null
    for (let i = 0; i < queues.length; i++) {
      const q = queues[i]!
      if (q.topic !== lastTopic) {
        lastTopic = q.topic
        t = this.#topics.get(q.topic)
        meta = t === undefined ? undefined : cluster.topic(q.topic)
      }
      // Topics never partitioned by stickiness have nothing to weigh.
      if (t === undefined) continue
      if (t.pass !== pass) {
        t.pass = pass
        t.queues = 0
        t.collected = 0
      }
      t.queues++
      const leader = meta?.partitions[q.partition]?.leader ?? -1
      if (leader < 0 || !cluster.brokers.has(leader)) continue
      const size = q.waitingCount
      // As in Java, only a partition with queued data is checked against its leader's latency.
      if (size > 0 && timeout > 0 && this.#unavailable(leader, timeout)) continue
      t.ensure(t.collected + 1)
      t.cft[t.collected] = size
      t.ids[t.collected] = q.partition
      t.collected++
    }
    for (const [topic, t] of this.#topics) {
      if (t.pass !== pass) continue
      const count = cluster.topic(topic)?.partitions.length ?? 0
      if (t.queues < count) t.length = 0
      else this.#buildTable(t, t.collected, t.queues)
    }
  }

  /**
   * A leader had ready batches at `nowMs`; `canDrain` when they could be sent to it (connected,
   * room for another request). Java: `RecordAccumulator.updateNodeLatencyStats`.
   */
  updateNodeLatencyStats(nodeId: number, nowMs: number, canDrain: boolean): void {
    if (this.#availabilityTimeoutMs <= 0) return
    let n = this.#nodes.get(nodeId)
    if (n === undefined) {
      n = { readyMs: nowMs, drainMs: nowMs }
      this.#nodes.set(nodeId, n)
    }
    if (canDrain) n.drainMs = nowMs
    n.readyMs = nowMs
  }

  #unavailable(nodeId: number, timeout: number): boolean {
    const n = this.#nodes.get(nodeId)
    return n !== undefined && n.readyMs - n.drainMs > timeout
  }

  #topic(topic: string): TopicState {
    let t = this.#topics.get(topic)
    if (t === undefined) {
      t = new TopicState()
      this.#topics.set(topic, t)
    }
    return t
  }

  /**
   * Turns the queue sizes in `t.cft[0..length)` into a cumulative frequency table: weight
   * `maxSize + 1 - size` per partition, as a running sum. `total` is the number of partitions
   * that have a queue; with fewer than 2, or all sizes equal and none left out, no stats.
   */
  #buildTable(t: TopicState, length: number, total: number): void {
    if (length < 1 || total < 2) {
      t.length = 0
      return
    }
    const cft = t.cft
    let maxSizePlus1 = cft[0]!
    let allEqual = true
    for (let i = 1; i < length; i++) {
      const s = cft[i]!
      if (s !== maxSizePlus1) allEqual = false
      if (s > maxSizePlus1) maxSizePlus1 = s
    }
    maxSizePlus1++
    if (allEqual && length === total) {
      t.length = 0
      return
    }
    cft[0] = maxSizePlus1 - cft[0]!
    for (let i = 1; i < length; i++) cft[i] = maxSizePlus1 - cft[i]! + cft[i - 1]!
    t.length = length
  }

  #switch(t: TopicState, partitionCount: number, available: readonly number[]): void {
    t.sticky = this.#next(t, partitionCount, available)
    t.produced = 0
  }

  /** Java's `BuiltInPartitioner.nextPartition`. */
  #next(t: TopicState, partitionCount: number, available: readonly number[]): number {
    const random = this.#random()
    const length = t.length
    if (length === 0) {
      if (available.length > 0) return available[random % available.length]!
      return random % partitionCount
    }
    const cft = t.cft
    const weighted = random % cft[length - 1]!
    // The first entry strictly greater than `weighted` (the table is non-decreasing).
    let lo = 0
    let hi = length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cft[mid]! > weighted) hi = mid
      else lo = mid + 1
    }
    const p = t.ids[lo]!
    // Stats from before a metadata change could name a partition that no longer exists.
    return p < partitionCount ? p : random % partitionCount
  }
}

export function callCustomPartitioner(p: CustomPartitioner, args: PartitionArgs): number | undefined {
  return typeof p === 'function' ? p(args) : p.partition(args)
}

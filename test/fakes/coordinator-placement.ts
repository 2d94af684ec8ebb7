/**
 * Which fake broker coordinates a transactional id or a consumer group. Kafka maps a key to a
 * partition of an internal topic (`abs(key.hashCode()) % 50` over `__transaction_state` or
 * `__consumer_offsets`) and the leader of that partition is the coordinator. The fake keeps the
 * same hash but spreads the partitions over the brokers that are up, so a stopped broker's
 * keys move to the others; a test can also pin a key to a broker (a pinned broker that is down
 * leaves the key without a coordinator: COORDINATOR_NOT_AVAILABLE, as Kafka answers while no
 * leader is alive).
 */

export type CoordinatorKind = 'txn' | 'group'

/** Kafka's default partition count of `__transaction_state` and `__consumer_offsets`. */
export const COORDINATOR_PARTITIONS = 50

/** Java's String.hashCode (UTF-16 code units), which Kafka hashes coordinator keys with. */
export function javaStringHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h
}

/** The internal-topic partition Kafka assigns a key to (Utils.abs(hash) % partitions). */
export function partitionForKey(key: string, partitions = COORDINATOR_PARTITIONS): number {
  return (javaStringHash(key) & 0x7fffffff) % partitions
}

export class CoordinatorPlacement {
  readonly #running: () => number[]
  readonly #pinned = new Map<string, number>()

  /** `running`: the node ids of the brokers that are up, in a stable order. */
  constructor(running: () => number[]) {
    this.#running = running
  }

  /** The coordinator's node id, or -1 when it is down (pinned) or no broker is up. */
  of(kind: CoordinatorKind, key: string): number {
    const running = this.#running()
    const pinned = this.#pinned.get(pinKey(kind, key))
    if (pinned !== undefined) return running.includes(pinned) ? pinned : -1
    if (running.length === 0) return -1
    return running[partitionForKey(key) % running.length]!
  }

  pin(kind: CoordinatorKind, key: string, nodeId: number): void {
    this.#pinned.set(pinKey(kind, key), nodeId)
  }

  unpin(kind: CoordinatorKind, key: string): void {
    this.#pinned.delete(pinKey(kind, key))
  }
}

const pinKey = (kind: CoordinatorKind, key: string): string => `${kind}\u0000${key}`

/**
 * The offsets side of the fake group coordinator: offsets committed inside transactions
 * (TxnOffsetCommit) wait per group and producer id until the transaction's marker reaches the
 * group's `__consumer_offsets` partition, then are applied (commit) or dropped (abort), as Kafka's
 * group coordinator does. No membership: generation and member ids are not checked (inject
 * ILLEGAL_GENERATION and friends with fault rules).
 */
import { partitionForKey } from './coordinator-placement.js'

export const OFFSETS_TOPIC = '__consumer_offsets'

/** The `__consumer_offsets` partition that holds a group's offsets. */
export function offsetsPartitionFor(groupId: string): number {
  return partitionForKey(groupId)
}

export interface FakeCommittedOffset {
  topic: string
  partition: number
  offset: bigint
  /** -1 when the request did not carry one. */
  leaderEpoch: number
  metadata: string | null
}

export interface FakePendingOffsets {
  producerId: bigint
  offsets: FakeCommittedOffset[]
}

type OffsetMap = Map<string, FakeCommittedOffset>

const key = (o: { topic: string; partition: number }): string => `${o.topic}\u0000${o.partition}`

function getOrAdd<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k)
  if (v === undefined) {
    v = make()
    m.set(k, v)
  }
  return v
}

const sorted = (m: OffsetMap): FakeCommittedOffset[] =>
  [...m.values()]
    .map((o) => ({ ...o }))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))

export class GroupOffsets {
  readonly #committed = new Map<string, OffsetMap>()
  readonly #pending = new Map<string, Map<bigint, OffsetMap>>()

  /** Offsets a transaction commits for the group, applied when it commits. */
  stage(groupId: string, producerId: bigint, offsets: FakeCommittedOffset[]): void {
    const byProducer = getOrAdd(this.#pending, groupId, () => new Map<bigint, OffsetMap>())
    const staged = getOrAdd(byProducer, producerId, (): OffsetMap => new Map())
    for (const o of offsets) staged.set(key(o), { ...o })
  }

  /** A marker of `producerId` on `__consumer_offsets-<partition>`: its groups' staged offsets end. */
  complete(offsetsPartition: number, producerId: bigint, commit: boolean): void {
    for (const [groupId, byProducer] of this.#pending) {
      if (offsetsPartitionFor(groupId) !== offsetsPartition) continue
      const staged = byProducer.get(producerId)
      if (staged === undefined) continue
      byProducer.delete(producerId)
      if (!commit) continue
      const committed = getOrAdd(this.#committed, groupId, (): OffsetMap => new Map())
      for (const [k, o] of staged) committed.set(k, o)
    }
  }

  committed(groupId: string): FakeCommittedOffset[] {
    return sorted(this.#committed.get(groupId) ?? new Map())
  }

  pending(groupId: string): FakePendingOffsets[] {
    return [...(this.#pending.get(groupId) ?? new Map<bigint, OffsetMap>())].map(([producerId, m]) => ({
      producerId,
      offsets: sorted(m),
    }))
  }
}

import type { BrokerAddress } from '../network/connection-pool.js'

export interface BrokerMetadata extends BrokerAddress {
  nodeId: number
  rack: string | null
}

export interface PartitionMetadata {
  partition: number
  /** Leader node id, -1 when the partition has no leader right now. */
  leader: number
  leaderEpoch: number
  replicas: readonly number[]
  isr: readonly number[]
  errorCode: number
}

export interface TopicMetadata {
  name: string
  topicId: Uint8Array | null
  errorCode: number
  /** Indexed by partition number. */
  partitions: readonly PartitionMetadata[]
}

const NONE: readonly number[] = Object.freeze([])

/** An immutable view of the cluster as of one Metadata response (merged with earlier ones). */
export class ClusterSnapshot {
  readonly brokers: ReadonlyMap<number, BrokerMetadata>
  readonly topics: ReadonlyMap<string, TopicMetadata>
  readonly clusterId: string | null
  readonly controllerId: number
  readonly updatedAt: number
  /** availablePartitions() answers, computed once per topic: the producer asks for every record. */
  readonly #available = new Map<string, readonly number[]>()

  constructor(
    brokers: ReadonlyMap<number, BrokerMetadata>,
    topics: ReadonlyMap<string, TopicMetadata>,
    clusterId: string | null,
    controllerId: number,
    updatedAt: number,
  ) {
    this.brokers = brokers
    this.topics = topics
    this.clusterId = clusterId
    this.controllerId = controllerId
    this.updatedAt = updatedAt
  }

  static empty(): ClusterSnapshot {
    return new ClusterSnapshot(new Map(), new Map(), null, -1, 0)
  }

  topic(name: string): TopicMetadata | undefined {
    return this.topics.get(name)
  }

  /** Partitions of `topic` that currently have a leader (a frozen array, shared by callers). */
  availablePartitions(topic: string): readonly number[] {
    let out = this.#available.get(topic)
    if (out !== undefined) return out
    const t = this.topics.get(topic)
    if (t === undefined) return NONE
    const list: number[] = []
    for (const p of t.partitions) if (p.leader >= 0 && this.brokers.has(p.leader)) list.push(p.partition)
    out = Object.freeze(list)
    this.#available.set(topic, out)
    return out
  }
}

/**
 * A kafkajs partitioner as Sluice's `partitioner.class`: Sluice calls it once per record when it
 * partitions the record (metadata known), and it gets what kafkajs gives its partitioners. The
 * partition metadata is rebuilt only when the topic's partitions or leaders change. Sluice does
 * not expose leader ids here: `leader` is -1 for a partition without a leader and 0 for one with
 * (kafkajs's own partitioners only compare it with 0); replicas and isr are empty.
 */
import type { PartitionArgs, PartitionerFn } from '../producer/partitioner.js'
import type { ICustomPartitioner, Message, PartitionMetadata } from './partitioners.js'
import { MessageKey } from './records.js'

interface Cached {
  count: number
  available: readonly number[]
  metadata: PartitionMetadata[]
}

export function bridgePartitioner(create: ICustomPartitioner): PartitionerFn {
  const partition = create()
  const cache = new Map<string, Cached>()
  return (args: PartitionArgs) => {
    let c = cache.get(args.topic)
    if (c === undefined || c.count !== args.partitionCount || c.available !== args.availablePartitions) {
      const available = new Set(args.availablePartitions)
      const metadata: PartitionMetadata[] = []
      for (let p = 0; p < args.partitionCount; p++) {
        metadata.push({
          partitionErrorCode: 0,
          partitionId: p,
          leader: available.has(p) ? 0 : -1,
          replicas: [],
          isr: [],
          offlineReplicas: [],
        })
      }
      c = { count: args.partitionCount, available: args.availablePartitions, metadata }
      cache.set(args.topic, c)
    }
    const message: Message =
      args.key instanceof MessageKey ? args.key.message : { key: args.key as Message['key'], value: null }
    return partition({ topic: args.topic, partitionMetadata: c.metadata, message })
  }
}

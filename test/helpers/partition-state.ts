/**
 * Leaders and in-sync replicas of a topic's partitions on a local cluster, asked fresh from a
 * running broker each time (no cached view that could still show a killed broker), for tests
 * that kill and restart brokers.
 */
import type { KafkaCluster } from '../../src/local-kafka/cluster.js'
import { ConnectionPool } from '../../src/network/connection-pool.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'
import { Metadata } from '../../src/protocol/messages/metadata.js'

export interface PartitionState {
  partition: number
  leader: number
  isr: readonly number[]
}

/** The topic's partitions as the first running broker that answers reports them. */
export async function partitionStates(cluster: KafkaCluster, topic: string): Promise<PartitionState[]> {
  const pool = new ConnectionPool({
    clientId: 'sluice-test-partition-state',
    requestTimeoutMs: 5_000,
    connectTimeoutMs: 5_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 50,
  })
  let lastError: unknown = new Error('no broker is running')
  try {
    for (const broker of cluster.brokers.filter((b) => b.running)) {
      try {
        const conn = await pool.get({ host: broker.host, port: broker.port })
        const res = await conn.send(Metadata, { topics: [{ name: topic }], allowAutoTopicCreation: false })
        const t = res.topics.find((x) => x.name === topic)
        if (t === undefined || t.errorCode !== ErrorCode.NONE) {
          lastError = new Error(`broker ${broker.nodeId} reports topic ${topic} with error ${t?.errorCode}`)
          continue
        }
        return t.partitions
          .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, isr: p.isrNodes }))
          .sort((a, b) => a.partition - b.partition)
      } catch (err) {
        lastError = err
      }
    }
  } finally {
    pool.close()
  }
  throw lastError
}

/** The broker leading the most partitions (the lowest id among equals). */
export function busiestLeader(states: readonly PartitionState[]): number {
  const counts = new Map<number, number>()
  for (const s of states) if (s.leader >= 0) counts.set(s.leader, (counts.get(s.leader) ?? 0) + 1)
  let best = -1
  let bestCount = 0
  for (const [id, n] of [...counts].sort((a, b) => a[0] - b[0])) {
    if (n > bestCount) {
      best = id
      bestCount = n
    }
  }
  if (best < 0) throw new Error('no partition has a leader')
  return best
}

/** Polls until `condition` holds for the topic's partitions; fails naming `what` and the last state. */
export async function waitForPartitions(
  cluster: KafkaCluster,
  topic: string,
  condition: (states: readonly PartitionState[]) => boolean,
  what: string,
  timeoutMs: number,
): Promise<PartitionState[]> {
  const deadline = Date.now() + timeoutMs
  let last: unknown = null
  for (;;) {
    try {
      const states = await partitionStates(cluster, topic)
      if (condition(states)) return states
      last = states
    } catch (err) {
      last = err instanceof Error ? err.message : err
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`,
      )
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}

export function describeStates(states: readonly PartitionState[]): string {
  return states.map((s) => `p${s.partition}:leader ${s.leader} isr [${s.isr.join(',')}]`).join('; ')
}

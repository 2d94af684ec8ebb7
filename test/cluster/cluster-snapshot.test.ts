import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type BrokerMetadata,
  ClusterSnapshot,
  type PartitionMetadata,
  type TopicMetadata,
} from '../../src/cluster/cluster-snapshot.js'

function partition(index: number, leader: number): PartitionMetadata {
  return { partition: index, leader, leaderEpoch: 0, replicas: [], isr: [], errorCode: 0 }
}

function snapshot(leaders: number[]): ClusterSnapshot {
  const brokers = new Map<number, BrokerMetadata>([
    [1, { nodeId: 1, host: 'a', port: 1, rack: null }],
    [2, { nodeId: 2, host: 'b', port: 2, rack: null }],
  ])
  const t: TopicMetadata = {
    name: 't',
    topicId: null,
    errorCode: 0,
    partitions: leaders.map((leader, i) => partition(i, leader)),
  }
  return new ClusterSnapshot(brokers, new Map([['t', t]]), null, -1, 0)
}

test('availablePartitions lists partitions whose leader is a known broker', () => {
  // Partition 1 has no leader; partition 3's leader is not among the brokers.
  const s = snapshot([1, -1, 2, 9, 1])
  assert.deepEqual(s.availablePartitions('t'), [0, 2, 4])
  assert.deepEqual(s.availablePartitions('unknown'), [])
})

test('availablePartitions is computed once per snapshot and shared, frozen', () => {
  const s = snapshot([1, 2])
  const first = s.availablePartitions('t')
  assert.equal(s.availablePartitions('t'), first)
  assert.ok(Object.isFrozen(first))
  assert.throws(() => (first as number[]).push(5), TypeError)
  const next = snapshot([-1, 2])
  assert.deepEqual(next.availablePartitions('t'), [1])
  assert.deepEqual(first, [0, 1])
})

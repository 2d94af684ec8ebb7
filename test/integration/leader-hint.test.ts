/**
 * KIP-951: when a Produce response says NOT_LEADER_OR_FOLLOWER and names the new leader, the
 * retry goes straight there, without a Metadata round trip. (Fake cluster: a real broker can't
 * be made to move one partition's leader on demand between two requests.)
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'

test('a leader hint in the Produce response re-routes the retry without asking for metadata', async () => {
  const cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 'moving', partitions: 1 }] })
  const p = new Producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 0, retryBackoffMs: 5000 })
  try {
    const first = await p.send({ topic: 'moving', value: 'before' })
    const oldLeader = cluster.leaderOf('moving', 0).leaderId
    const newLeader = oldLeader === 1 ? 2 : 1
    cluster.moveLeader('moving', 0, newLeader)
    const metadataBefore = cluster.requests.filter((r) => r.apiKey === ApiKey.Metadata).length
    // retry.backoff.ms is 5 s: a retry that waited for backoff or metadata would be slow, but the
    // assertion is on what was asked, not on time.
    const second = await p.send({ topic: 'moving', value: 'after' })
    const metadataAfter = cluster.requests.filter((r) => r.apiKey === ApiKey.Metadata).length
    assert.equal(first.offset, 0n)
    assert.equal(second.offset, 1n)
    assert.equal(metadataAfter, metadataBefore, 'no Metadata request was needed')
    assert.deepEqual(
      cluster.log('moving', 0).map((r) => r.value?.toString()),
      ['before', 'after'],
    )
    const produceTo = cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).map((r) => r.broker)
    assert.deepEqual(
      produceTo.slice(-2),
      [oldLeader, newLeader],
      'refused by the old leader, then sent to the new one',
    )
    assert.equal(p.metrics()['record-retry-total'], 1)
  } finally {
    await p.close()
    await cluster.close()
  }
})

/**
 * The fake's FindCoordinator and coordinator placement: single-key (v0-v3) and batched (v4+)
 * answers, the default hash over running brokers, pinning and moving a coordinator (the old
 * one answers NOT_COORDINATOR), a coordinator that is down.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { partitionForKey } from '../fakes/coordinator-placement.js'
import { type FakeCluster, FakeError, startFakeCluster } from '../fakes/fake-broker.js'
import { openConnection } from './client.js'
import {
  addPartitions,
  addResults,
  commitOffsets,
  endTxn,
  findCoordinator,
  identity,
  initProducerId,
  offsetCodes,
} from './txn-client.js'

let cluster: FakeCluster | undefined
const conns: BrokerConnection[] = []
afterEach(async () => {
  for (const c of conns.splice(0)) c.close()
  await cluster?.close()
  cluster = undefined
})

async function connect(nodeId = 0): Promise<BrokerConnection> {
  const c = await openConnection(cluster!.broker(nodeId).port)
  conns.push(c)
  return c
}

describe('fake coordinators', () => {
  test('Java String.hashCode placement, as Kafka partitions its internal topics', () => {
    // Java's "...".hashCode(), computed with Java: "tx" 3716, "group-1" 293427299,
    // "Ω-ключ" 1130579038 (UTF-16 code units), "polygenelubricants" Integer.MIN_VALUE (masked to
    // 31 bits as Kafka's Utils.abs does).
    assert.equal(partitionForKey('tx'), 16)
    assert.equal(partitionForKey('group-1'), 49)
    assert.equal(partitionForKey('Ω-ключ'), 38)
    assert.equal(partitionForKey(''), 0)
    assert.equal(partitionForKey('polygenelubricants'), 0)
  })

  test('FindCoordinator answers the key hash over the running brokers, single key and batched', async () => {
    cluster = await startFakeCluster({ brokers: [1, 2, 3] })
    const c = await connect(1)
    const keys = ['tx-a', 'tx-b', 'tx-c', 'tx-d']
    const batched = await findCoordinator(c, 1, keys, 4)
    assert.deepEqual(
      batched.coordinators.map((x) => [x.key, x.errorCode, x.nodeId, x.port]),
      keys.map((k) => {
        const node = [1, 2, 3][partitionForKey(k) % 3]!
        return [k, 0, node, cluster!.broker(node).port]
      }),
    )
    for (const key of keys) {
      const single = await findCoordinator(c, 1, [key], 3)
      const expected = cluster.coordinatorOf('txn', key)
      assert.deepEqual(
        [single.errorCode, single.nodeId, single.host, single.port],
        [0, expected, '127.0.0.1', cluster.broker(expected).port],
      )
      assert.equal(single.errorMessage, 'NONE')
    }
    const v0 = await findCoordinator(c, 0, ['group-1'], 0)
    assert.equal(v0.nodeId, cluster.coordinatorOf('group', 'group-1'))
    // Share groups have no coordinator here.
    const share = await findCoordinator(c, 2, ['s'], 6)
    assert.equal(share.coordinators[0]!.errorCode, FakeError.INVALID_REQUEST)
  })

  test('a moved coordinator: the old one answers NOT_COORDINATOR, the new one has the state', async () => {
    cluster = await startFakeCluster({ brokers: 3, topics: [{ name: 't', partitions: 2 }] })
    cluster.setCoordinator('txn', 'tx', 0)
    cluster.setCoordinator('group', 'g', 0)
    const c0 = await connect(0)
    const id = await identity(c0, 'tx')
    assert.equal(addResults(await addPartitions(c0, 'tx', id, [{ name: 't', partitions: [0] }]))['t-0'], 0)

    assert.equal(cluster.moveCoordinator('txn', 'tx'), 1)
    assert.equal(cluster.moveCoordinator('group', 'g', 2), 2)
    const found = await findCoordinator(c0, 1, ['tx'])
    assert.equal(found.coordinators[0]!.nodeId, 1)
    assert.equal((await initProducerId(c0, 'tx')).errorCode, FakeError.NOT_COORDINATOR)
    assert.equal(
      addResults(await addPartitions(c0, 'tx', id, [{ name: 't', partitions: [1] }]))['t-1'],
      FakeError.NOT_COORDINATOR,
    )
    assert.equal((await endTxn(c0, 'tx', id, true)).errorCode, FakeError.NOT_COORDINATOR)
    const offsets = [{ topic: 't', partition: 0, offset: 5n }]
    assert.deepEqual(offsetCodes(await commitOffsets(c0, 'tx', id, 'g', offsets, 5)), [
      FakeError.NOT_COORDINATOR,
    ])
    assert.equal(cluster.transaction('tx')!.state, 'Ongoing')

    const c1 = await connect(1)
    assert.equal((await endTxn(c1, 'tx', id, true, 4)).errorCode, 0)
    assert.equal(cluster.transaction('tx')!.state, 'CompleteCommit')
    const c2 = await connect(2)
    const next = await identity(c1, 'tx')
    assert.deepEqual(offsetCodes(await commitOffsets(c2, 'tx', next, 'g', offsets, 5)), [0])
  })

  test('a pinned coordinator that is down is COORDINATOR_NOT_AVAILABLE; unpinned keys move on', async () => {
    cluster = await startFakeCluster({ brokers: 2 })
    const key = ['k0', 'k1', 'k2', 'k3'].find((k) => cluster!.coordinatorOf('txn', k) === 1)!
    cluster.setCoordinator('txn', 'pinned', 1)
    await cluster.broker(1).stop()
    const c = await connect(0)
    const res = await findCoordinator(c, 1, ['pinned', key])
    assert.deepEqual(
      res.coordinators.map((x) => [x.errorCode, x.nodeId, x.host, x.port]),
      [
        [FakeError.COORDINATOR_NOT_AVAILABLE, -1, '', -1],
        [0, 0, '127.0.0.1', cluster.broker(0).port],
      ],
    )
    const single = await findCoordinator(c, 1, ['pinned'], 2)
    assert.equal(single.errorCode, FakeError.COORDINATOR_NOT_AVAILABLE)
    assert.equal(single.errorMessage, 'The coordinator is not available.')
    cluster.resetCoordinator('txn', 'pinned')
    assert.equal(cluster.coordinatorOf('txn', 'pinned'), 0)
  })

  test('fault rules apply to FindCoordinator like any API', async () => {
    cluster = await startFakeCluster({ brokers: 1 })
    cluster.addRule({
      apiKey: ApiKey.FindCoordinator,
      times: 1,
      errorCode: FakeError.COORDINATOR_LOAD_IN_PROGRESS,
    })
    const c = await connect()
    const first = await findCoordinator(c, 1, ['a', 'b'])
    assert.deepEqual(
      first.coordinators.map((x) => x.errorCode),
      [FakeError.COORDINATOR_LOAD_IN_PROGRESS, FakeError.COORDINATOR_LOAD_IN_PROGRESS],
    )
    const second = await findCoordinator(c, 1, ['a'])
    assert.equal(second.coordinators[0]!.errorCode, 0)
    const asked = cluster.requests.filter((r) => r.apiKey === ApiKey.FindCoordinator)
    assert.deepEqual(
      asked.map((r) => [r.keyType, r.keys]),
      [
        [1, ['a', 'b']],
        [1, ['a']],
      ],
    )
  })
})

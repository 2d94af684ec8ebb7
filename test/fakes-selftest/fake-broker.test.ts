/**
 * The fake broker answers like Kafka when driven by the project's BrokerConnection: versions,
 * Metadata, CreateTopics, InitProducerId and Produce with idempotence bookkeeping.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { CreateTopics } from '../../src/protocol/messages/create-topics.js'
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js'
import { Metadata } from '../../src/protocol/messages/metadata.js'
import { Produce } from '../../src/protocol/messages/produce.js'
import { type FakeCluster, FakeError, startFakeCluster } from '../fakes/fake-broker.js'
import { metadata, openConnection, partitionResult, produce, values } from './client.js'

let cluster: FakeCluster | undefined
const conns: BrokerConnection[] = []
afterEach(async () => {
  for (const c of conns.splice(0)) c.close()
  await cluster?.close()
  cluster = undefined
})

async function connect(nodeId = 0, timeoutMs = 5000): Promise<BrokerConnection> {
  const c = await openConnection(cluster!.broker(nodeId).port, timeoutMs)
  conns.push(c)
  return c
}

describe('fake broker', () => {
  test('advertises the versions of our descriptors, or the narrower ranges it is given', async () => {
    cluster = await startFakeCluster({ brokers: 1 })
    const c = await connect()
    assert.equal(c.versionOf(Produce), Produce.maxVersion)
    assert.equal(c.versionOf(Metadata), Metadata.maxVersion)
    assert.equal(c.versionOf(InitProducerId), InitProducerId.maxVersion)
    await cluster.close()

    cluster = await startFakeCluster({
      apiVersions: { [ApiKey.Produce]: { min: 3, max: 9 }, [ApiKey.ApiVersions]: { min: 0, max: 2 } },
    })
    const narrow = await connect()
    assert.equal(narrow.versionOf(Produce), 9)
    // ApiVersions v5 is unknown to this broker: it answered in v0 with UNSUPPORTED_VERSION, and
    // the client asked again at v2.
    const asked = cluster.broker(0).requests.filter((r) => r.apiKey === ApiKey.ApiVersions)
    assert.deepEqual(
      asked.map((r) => r.apiVersion),
      [2],
    )
    assert.equal(cluster.broker(0).connectionCount, 1)
    assert.deepEqual(cluster.broker(0).protocolErrors, [])
  })

  test('Metadata lists the brokers, topic ids and leaders, and UNKNOWN_TOPIC_OR_PARTITION for the rest', async () => {
    cluster = await startFakeCluster({ brokers: [1, 2, 3], topics: [{ name: 't', partitions: 4 }] })
    cluster.moveLeader('t', 3, 2)
    const c = await connect(1)
    const md = await metadata(c, ['t', 'missing'])
    assert.deepEqual(
      md.brokers.map((b) => [b.nodeId, b.host, b.port]),
      cluster.brokers.map((b) => [b.nodeId, '127.0.0.1', b.port]),
    )
    assert.equal(md.clusterId, 'fake-cluster')
    const [t, missing] = md.topics
    assert.ok(t && missing)
    assert.equal(t.errorCode, 0)
    assert.deepEqual(Buffer.from(t.topicId), cluster.topic('t')!.topicId)
    assert.deepEqual(
      t.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch]),
      [
        [0, 1, 0],
        [1, 2, 0],
        [2, 3, 0],
        [3, 2, 1],
      ],
    )
    assert.equal(t.partitions[0]!.replicaNodes.length, 3)
    assert.equal(missing.errorCode, FakeError.UNKNOWN_TOPIC_OR_PARTITION)
    assert.equal(missing.name, 'missing')

    const all = await metadata(c, null)
    assert.deepEqual(
      all.topics.map((x) => x.name),
      ['t'],
    )
    // A leaderless partition is reported as LEADER_NOT_AVAILABLE.
    cluster.moveLeader('t', 0, -1)
    const leaderless = await metadata(c, ['t'])
    assert.equal(leaderless.topics[0]!.partitions[0]!.errorCode, FakeError.LEADER_NOT_AVAILABLE)
    assert.equal(leaderless.topics[0]!.partitions[0]!.leaderId, -1)
  })

  test('CreateTopics creates topics and refuses duplicates and impossible replication', async () => {
    cluster = await startFakeCluster({ brokers: 2 })
    const c = await connect()
    const topic = (name: string, numPartitions: number, replicationFactor: number) => ({
      name,
      numPartitions,
      replicationFactor,
      assignments: [],
      configs: [],
    })
    const res = await c.send(CreateTopics, {
      topics: [topic('a', 3, 2), topic('b', 1, 3), topic('c', 0, 1)],
      timeoutMs: 1000,
    })
    assert.deepEqual(
      res.topics.map((t) => [t.name, t.errorCode, t.numPartitions]),
      [
        ['a', 0, 3],
        ['b', FakeError.INVALID_REPLICATION_FACTOR, -1],
        ['c', FakeError.INVALID_PARTITIONS, -1],
      ],
    )
    assert.deepEqual(Buffer.from(res.topics[0]!.topicId), cluster.topic('a')!.topicId)
    const again = await c.send(CreateTopics, { topics: [topic('a', 3, 1)], timeoutMs: 1000 })
    assert.equal(again.topics[0]!.errorCode, FakeError.TOPIC_ALREADY_EXISTS)
    const md = await metadata(c, ['a'])
    assert.equal(md.topics[0]!.partitions.length, 3)
  })

  test('Produce appends to the leader, assigns offsets and keeps keys, values, headers and timestamps', async () => {
    cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 't', partitions: 2 }] })
    const c = await connect(0)
    const first = await produce(c, 't', [
      {
        partition: 0,
        batch: {
          records: [
            { key: 'k1', value: 'v1', headers: [{ key: 'h', value: 'x' }], timestamp: 1000 },
            { key: null, value: null, timestamp: 1005 },
          ],
        },
      },
    ])
    const r1 = partitionResult(first, 0)
    assert.equal(r1.errorCode, 0)
    assert.equal(r1.baseOffset, 0n)
    assert.equal(r1.logAppendTimeMs, -1n)
    const second = await produce(c, 't', [{ partition: 0, batch: { records: [{ value: 'v3' }] } }])
    assert.equal(partitionResult(second, 0).baseOffset, 2n)

    const log = cluster.log('t', 0)
    assert.deepEqual(values(log), ['v1', null, 'v3'])
    assert.deepEqual(
      log.map((r) => r.offset),
      [0n, 1n, 2n],
    )
    assert.equal(log[0]!.key?.toString(), 'k1')
    assert.equal(log[1]!.key, null)
    assert.deepEqual(log[0]!.headers, [{ key: 'h', value: Buffer.from('x') }])
    assert.deepEqual(
      log.slice(0, 2).map((r) => r.timestamp),
      [1000, 1005],
    )
    assert.equal(log[0]!.producerId, -1n)
    assert.equal(log[0]!.sequence, -1)
    const req = cluster.broker(0).requests.find((r) => r.apiKey === ApiKey.Produce)
    assert.deepEqual(req?.partitions, [{ topic: 't', partition: 0 }])
    assert.equal(req?.acks, -1)
  })

  test('a broker that is not the leader answers NOT_LEADER_OR_FOLLOWER with the KIP-951 hint', async () => {
    cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 't', partitions: 2 }] })
    cluster.moveLeader('t', 1, 0) // epoch 1, leader 0
    const c = await connect(1)
    const res = await produce(c, 't', [
      { partition: 0, batch: { records: [{ value: 'a' }] } },
      { partition: 1, batch: { records: [{ value: 'b' }] } },
    ])
    for (const p of [0, 1]) {
      const r = partitionResult(res, p)
      assert.equal(r.errorCode, FakeError.NOT_LEADER_OR_FOLLOWER)
      assert.equal(r.baseOffset, -1n)
    }
    assert.deepEqual(partitionResult(res, 1).currentLeader, { leaderId: 0, leaderEpoch: 1 })
    assert.deepEqual(
      res.nodeEndpoints.map((e) => [e.nodeId, e.port]),
      [[0, cluster.broker(0).port]],
    )
    assert.deepEqual(cluster.log('t', 0), [])
    assert.deepEqual(cluster.log('t', 1), [])
  })

  test('unknown topics and partitions, and corrupt batches, are refused without appending', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }] })
    const c = await connect()
    const unknown = await produce(c, 'nope', [{ partition: 0, batch: { records: [{ value: 'a' }] } }])
    // Produce v13 names topics by id; an unknown one is UNKNOWN_TOPIC_ID.
    assert.equal(partitionResult(unknown, 0).errorCode, FakeError.UNKNOWN_TOPIC_ID)
    const badPartition = await produce(c, 't', [{ partition: 5, batch: { records: [{ value: 'a' }] } }])
    assert.equal(partitionResult(badPartition, 5).errorCode, FakeError.UNKNOWN_TOPIC_OR_PARTITION)
    const corrupt = await produce(c, 't', [
      { partition: 0, batch: { records: [{ value: 'a' }], crc: 12345 } },
    ])
    assert.equal(partitionResult(corrupt, 0).errorCode, FakeError.CORRUPT_MESSAGE)
    assert.match(partitionResult(corrupt, 0).errorMessage ?? '', /CRC/)
    assert.deepEqual(cluster.log('t', 0), [])
  })

  test('acks=0 appends and sends no response', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    const c = await connect()
    await produce(c, 't', [{ partition: 0, batch: { records: [{ value: 'fire' }] } }], 0)
    // A response to the Produce would arrive first and carry an unknown correlation id, which
    // closes the connection; this answer proves none was sent.
    const md = await metadata(c, ['t'])
    assert.equal(md.topics[0]!.errorCode, 0)
    assert.equal(c.isOpen, true)
    assert.deepEqual(values(cluster.log('t', 0)), ['fire'])
  })

  test('InitProducerId allocates ids; duplicates get the original offsets, gaps OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    const c = await connect()
    const a = await c.send(InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000 })
    const b = await c.send(InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000 })
    assert.equal(a.errorCode, 0)
    assert.equal(a.producerEpoch, 0)
    assert.notEqual(a.producerId, b.producerId)
    const pid = a.producerId
    const batch = (baseSequence: number, n: number, producerEpoch = 0) => ({
      producerId: pid,
      producerEpoch,
      baseSequence,
      records: Array.from({ length: n }, (_, i) => ({ value: `s${baseSequence + i}` })),
    })
    const send = async (input: ReturnType<typeof batch>) =>
      partitionResult(await produce(c, 't', [{ partition: 0, batch: input }]), 0)

    assert.equal((await send(batch(0, 2))).baseOffset, 0n)
    assert.equal((await send(batch(2, 3))).baseOffset, 2n)
    const dup = await send(batch(0, 2))
    assert.equal(dup.errorCode, 0)
    assert.equal(dup.baseOffset, 0n)
    const gap = await send(batch(7, 1))
    assert.equal(gap.errorCode, FakeError.OUT_OF_ORDER_SEQUENCE_NUMBER)
    const newEpochNotZero = await send(batch(5, 1, 1))
    assert.equal(newEpochNotZero.errorCode, FakeError.OUT_OF_ORDER_SEQUENCE_NUMBER)
    assert.equal((await send(batch(0, 1, 1))).baseOffset, 5n)
    const oldEpoch = await send(batch(5, 1, 0))
    assert.equal(oldEpoch.errorCode, FakeError.INVALID_PRODUCER_EPOCH)

    const log = cluster.log('t', 0)
    assert.deepEqual(values(log), ['s0', 's1', 's2', 's3', 's4', 's0'])
    assert.deepEqual(
      log.map((r) => [r.producerEpoch, r.sequence]),
      [
        [0, 0],
        [0, 1],
        [0, 2],
        [0, 3],
        [0, 4],
        [1, 0],
      ],
    )
  })

  test('a duplicate older than the last 5 batches is OUT_OF_ORDER; the old answer is available as an option', async () => {
    cluster = await startFakeCluster({
      topics: [{ name: 't' }],
      duplicateResponse: 'duplicate-sequence-error',
    })
    const c = await connect()
    const send = async (baseSequence: number) =>
      partitionResult(
        await produce(c, 't', [
          {
            partition: 0,
            batch: { producerId: 7n, producerEpoch: 0, baseSequence, records: [{ value: 'x' }] },
          },
        ]),
        0,
      )
    for (let s = 0; s < 6; s++) assert.equal((await send(s)).errorCode, 0)
    assert.equal((await send(1)).errorCode, FakeError.DUPLICATE_SEQUENCE_NUMBER)
    assert.equal((await send(0)).errorCode, FakeError.OUT_OF_ORDER_SEQUENCE_NUMBER)
    assert.equal(cluster.log('t', 0).length, 6)
  })

  test('close() leaves no server or socket open', async () => {
    const count = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length
    // Handles of earlier tests go away in the close phase of a later loop turn.
    const settle = async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    }
    await settle()
    const before = count()
    cluster = await startFakeCluster({ brokers: 3, topics: [{ name: 't' }] })
    await connect(0)
    await connect(1)
    assert.ok(count() >= before + 3 + 4)
    await cluster.close()
    cluster = undefined
    for (const c of conns.splice(0)) c.close()
    await settle()
    assert.equal(count(), before)
  })
})

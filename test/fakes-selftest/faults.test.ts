/** The fake broker's fault rules do what they say, seen through the project's BrokerConnection. */
import assert from 'node:assert/strict'
import { connect as connectSocket } from 'node:net'
import { afterEach, describe, test } from 'node:test'
import { NetworkError, RequestTimeoutError } from '../../src/errors.js'
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { encodeRequest } from '../../src/protocol/codec.js'
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js'
import { Metadata } from '../../src/protocol/messages/metadata.js'
import { Writer } from '../../src/protocol/writer.js'
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

const one = (value: string) => ({ records: [{ value }] })

describe('fault rules', () => {
  test('an error for one partition N times, then success; the other partition is unaffected', async () => {
    cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 't', partitions: 2, leaders: [0, 0] }] })
    cluster.failPartition('t', 0, FakeError.NOT_LEADER_OR_FOLLOWER, { times: 2 })
    const c = await connect(0)
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await produce(c, 't', [
        { partition: 0, batch: one(`a${attempt}`) },
        { partition: 1, batch: one(`b${attempt}`) },
      ])
      const p0 = partitionResult(res, 0)
      assert.equal(p0.errorCode, FakeError.NOT_LEADER_OR_FOLLOWER)
      // The hint names the model's actual leader (still broker 0 here).
      assert.deepEqual(p0.currentLeader, { leaderId: 0, leaderEpoch: 0 })
      assert.equal(partitionResult(res, 1).errorCode, 0)
    }
    const third = await produce(c, 't', [{ partition: 0, batch: one('a2') }])
    assert.equal(partitionResult(third, 0).errorCode, 0)
    assert.deepEqual(values(cluster.log('t', 0)), ['a2'])
    assert.deepEqual(values(cluster.log('t', 1)), ['b0', 'b1'])
  })

  test('an error sequence: each request gets the next code, 0 lets one through', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    const c = await connect()
    const codes = [FakeError.REQUEST_TIMED_OUT, 0, FakeError.NOT_ENOUGH_REPLICAS]
    cluster.broker(0).addRule({ errorFor: { topic: 't', partition: 0, code: codes } })
    const got: number[] = []
    for (let i = 0; i < 4; i++)
      got.push(partitionResult(await produce(c, 't', [{ partition: 0, batch: one(`v${i}`) }]), 0).errorCode)
    assert.deepEqual(got, [...codes, 0])
    assert.deepEqual(values(cluster.log('t', 0)), ['v1', 'v3'])
  })

  test('an explicit leader hint, an error message and a top-level error code', async () => {
    cluster = await startFakeCluster({ brokers: 3, topics: [{ name: 't' }] })
    const c = await connect(0)
    cluster.failPartition('t', 0, FakeError.NOT_LEADER_OR_FOLLOWER, {
      currentLeader: { leaderId: 2, leaderEpoch: 9 },
      errorMessage: 'moved',
    })
    const res = await produce(c, 't', [{ partition: 0, batch: one('x') }])
    const p = partitionResult(res, 0)
    assert.deepEqual(p.currentLeader, { leaderId: 2, leaderEpoch: 9 })
    assert.equal(p.errorMessage, 'moved')
    assert.deepEqual(
      res.nodeEndpoints.map((e) => [e.nodeId, e.port]),
      [[2, cluster.broker(2).port]],
    )
    const remove = cluster.addRule({
      apiKey: ApiKey.InitProducerId,
      errorCode: FakeError.CLUSTER_AUTHORIZATION_FAILED,
    })
    const denied = await c.send(InitProducerId, { transactionalId: null, transactionTimeoutMs: 1000 })
    assert.equal(denied.errorCode, FakeError.CLUSTER_AUTHORIZATION_FAILED)
    assert.equal(denied.producerId, -1n)
    remove()
    const granted = await c.send(InitProducerId, { transactionalId: null, transactionTimeoutMs: 1000 })
    assert.equal(granted.errorCode, 0)
  })

  test('Metadata faults: a partition error and a topic error', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 2 }] })
    const c = await connect()
    cluster.broker(0).addRule({
      apiKey: ApiKey.Metadata,
      times: 1,
      errorFor: [
        { api: 'metadata', topic: 't', partition: 1, code: FakeError.LEADER_NOT_AVAILABLE },
        { api: 'metadata', topic: 't', partition: -1, code: FakeError.TOPIC_AUTHORIZATION_FAILED },
      ],
    })
    const md = await metadata(c, ['t'])
    assert.equal(md.topics[0]!.errorCode, FakeError.TOPIC_AUTHORIZATION_FAILED)
    assert.deepEqual(
      md.topics[0]!.partitions.map((p) => p.errorCode),
      [0, FakeError.LEADER_NOT_AVAILABLE],
    )
    const after = await metadata(c, ['t'])
    assert.equal(after.topics[0]!.errorCode, 0)
  })

  test("dropConnection 'before' closes the socket and nothing is appended", async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    const broker = cluster.broker(0)
    broker.addRule({ apiKey: ApiKey.Produce, times: 1, dropConnection: 'before' })
    const c = await connect()
    await assert.rejects(
      produce(c, 't', [{ partition: 0, batch: one('lost') }]),
      (err: unknown) => err instanceof NetworkError && err.retriable,
    )
    assert.equal(c.isOpen, false)
    assert.deepEqual(cluster.log('t', 0), [])
    const again = await connect()
    assert.equal(
      partitionResult(await produce(again, 't', [{ partition: 0, batch: one('ok') }]), 0).errorCode,
      0,
    )
    assert.deepEqual(values(cluster.log('t', 0)), ['ok'])
    assert.equal(broker.connectionCount, 2)
    assert.equal(broker.openConnections, 1)
  })

  test("dropConnection 'after-append': written, response lost", async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    cluster.addRule({ apiKey: ApiKey.Produce, times: 1, dropConnection: 'after-append' })
    const c = await connect()
    await assert.rejects(produce(c, 't', [{ partition: 0, batch: one('written') }]), NetworkError)
    assert.deepEqual(values(cluster.log('t', 0)), ['written'])
  })

  test('a delay holds the answer and the requests queued behind it on the connection', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    const c = await connect()
    const release = cluster
      .broker(0)
      .onRequest((req) => (req.apiKey === ApiKey.Metadata ? { delayMs: 30 } : undefined))
    const order: string[] = []
    const slow = metadata(c, ['t']).then(() => order.push('metadata'))
    const fast = c
      .send(InitProducerId, { transactionalId: null, transactionTimeoutMs: 1000 })
      .then(() => order.push('init'))
    await Promise.all([slow, fast])
    assert.deepEqual(order, ['metadata', 'init'])
    release()

    // With a request timeout shorter than the delay, the client gives up on the connection.
    cluster.broker(0).addRule({ apiKey: ApiKey.Metadata, delayMs: 10_000 })
    const impatient = await connect(0, 1_000)
    await assert.rejects(metadata(impatient, ['t']), RequestTimeoutError)
  })

  test('noResponse keeps the connection open, applies the request and never answers', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    cluster.broker(0).addRule({ apiKey: ApiKey.Produce, times: 1, noResponse: true })
    const c = await connect(0, 1_000)
    await assert.rejects(produce(c, 't', [{ partition: 0, batch: one('silent') }]), RequestTimeoutError)
    assert.deepEqual(values(cluster.log('t', 0)), ['silent'])
  })

  test('respondWith writes exactly the given bytes instead of an answer', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    const garbage = (correlationId: number) => {
      const b = Buffer.alloc(11)
      b.writeInt32BE(7, 0)
      b.writeInt32BE(correlationId, 4)
      b.write('???', 8)
      return b
    }
    cluster.broker(0).addRule({ apiKey: ApiKey.Metadata, respondWith: (req) => garbage(req.correlationId) })
    // A raw socket, not BrokerConnection: this checks the bytes on the wire, not a client's reaction.
    const socket = connectSocket({ host: '127.0.0.1', port: cluster.broker(0).port })
    const received: Buffer[] = []
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk)
      if (Buffer.concat(received).length >= 11) socket.end()
    })
    const w = new Writer(256)
    encodeRequest(w, Metadata, 12, 42, 'raw', { topics: [{ name: 't' }] })
    socket.write(w.toBuffer())
    await closed
    assert.deepEqual(Buffer.concat(received), garbage(42))
  })

  test('moveLeader: the old leader refuses with the new leader and epoch, the new one accepts', async () => {
    cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 't', leaders: [0] }] })
    const old = await connect(0)
    const next = await connect(1)
    cluster.moveLeader('t', 0, 1)
    const refused = partitionResult(await produce(old, 't', [{ partition: 0, batch: one('x') }]), 0)
    assert.equal(refused.errorCode, FakeError.NOT_LEADER_OR_FOLLOWER)
    assert.deepEqual(refused.currentLeader, { leaderId: 1, leaderEpoch: 1 })
    assert.equal(
      partitionResult(await produce(next, 't', [{ partition: 0, batch: one('y') }]), 0).errorCode,
      0,
    )
    assert.deepEqual(
      cluster.log('t', 0).map((r) => [r.value?.toString(), r.leaderEpoch]),
      [['y', 1]],
    )
  })

  test('a stopped broker refuses connections and leaves Metadata; it comes back on its port', async () => {
    cluster = await startFakeCluster({ brokers: 2 })
    const b1 = cluster.broker(1)
    const port = b1.port
    await b1.stop()
    await assert.rejects(openConnection(port), NetworkError)
    const c = await connect(0)
    assert.deepEqual(
      (await metadata(c, [])).brokers.map((b) => b.nodeId),
      [0],
    )
    await b1.start()
    assert.equal(b1.port, port)
    const back = await connect(1)
    assert.deepEqual(
      (await metadata(back, [])).brokers.map((b) => b.nodeId),
      [0, 1],
    )
  })

  test('requests are recorded with their API, version, correlation id and partitions', async () => {
    cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 't', partitions: 2 }] })
    const c = await connect(1)
    await produce(c, 't', [{ partition: 1, batch: one('x') }])
    const seen = cluster.requests.map((r) => [r.broker, r.apiName, r.partitions])
    assert.deepEqual(seen, [
      [1, 'ApiVersions', []],
      [1, 'Metadata', []],
      [1, 'Produce', [{ topic: 't', partition: 1 }]],
    ])
    const ids = cluster.broker(1).requests.map((r) => r.correlationId)
    assert.deepEqual(ids, [0, 1, 2])
    assert.equal(cluster.broker(0).requests.length, 0)
  })
})

/** The fault proxy forwards faithfully, cuts, stalls, drops and rewrites addresses (no Kafka needed). */
import assert from 'node:assert/strict'
import { connect as connectSocket, createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, test } from 'node:test'
import { NetworkError, RequestTimeoutError } from '../../src/errors.js'
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { type FakeCluster, FakeError, startFakeCluster } from '../fakes/fake-broker.js'
import { type FaultProxy, startFaultProxy } from '../fakes/fault-proxy.js'
import { metadata, openConnection, partitionResult, produce, values } from './client.js'

let cluster: FakeCluster | undefined
let proxy: FaultProxy | undefined
let echo: Server | undefined
const conns: BrokerConnection[] = []
afterEach(async () => {
  for (const c of conns.splice(0)) c.close()
  await proxy?.close()
  await cluster?.close()
  await new Promise<void>((resolve) => (echo === undefined ? resolve() : echo.close(() => resolve())))
  proxy = cluster = echo = undefined
})

async function connect(port: number, timeoutMs = 5000): Promise<BrokerConnection> {
  const c = await openConnection(port, timeoutMs)
  conns.push(c)
  return c
}

function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

/** A server that records what it receives and answers each request frame with `reply(frame)`. */
async function startRecordingServer(
  reply: (frameBody: Buffer) => Buffer,
): Promise<{ port: number; got: Buffer[] }> {
  const got: Buffer[] = []
  let pending = Buffer.alloc(0)
  const server = createServer((s: Socket) => {
    s.on('data', (chunk: Buffer) => {
      got.push(chunk)
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const n = pending.readInt32BE(0)
        s.write(reply(pending.subarray(4, 4 + n)))
        pending = pending.subarray(4 + n)
      }
    })
    s.on('error', () => {})
  })
  echo = server
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as { port: number }).port, got }
}

describe('fault proxy', () => {
  test('forwards bytes in both directions unchanged, however they are chunked', async () => {
    // Replies echo the request's first 4 bytes (its "correlation id") plus a marker and the body.
    const server = await startRecordingServer((body) =>
      frame(Buffer.concat([body.subarray(0, 4), Buffer.from('R'), body])),
    )
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: server.port })
    const requests = [
      frame(Buffer.from('\0\0\0\x01first')),
      frame(Buffer.from('\0\0\0\x02second, a bit longer')),
    ]
    const sent = Buffer.concat(requests)
    const expected = Buffer.concat([
      frame(Buffer.from('\0\0\0\x01R\0\0\0\x01first')),
      frame(Buffer.from('\0\0\0\x02R\0\0\0\x02second, a bit longer')),
    ])
    const socket = connectSocket({ host: '127.0.0.1', port: proxy.port })
    const received: Buffer[] = []
    const done = new Promise<void>((resolve) =>
      socket.on('data', (c: Buffer) => {
        received.push(c)
        if (Buffer.concat(received).length >= expected.length) resolve()
      }),
    )
    // Written in pieces that split the size prefix and straddle the frame boundary.
    let at = 0
    for (const end of [1, 2, 3, 7, 20, sent.length]) {
      socket.write(sent.subarray(at, end))
      at = end
    }
    await done
    assert.deepEqual(Buffer.concat(received), expected)
    assert.deepEqual(Buffer.concat(server.got), sent)
    assert.equal(proxy.connections, 1)
    socket.destroy()
  })

  test('cutAll closes every open connection; new ones are accepted', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: cluster.broker(0).port })
    const a = await connect(proxy.port)
    const b = await connect(proxy.port)
    assert.equal(proxy.connections, 2)
    const closed = [a, b].map((c) => new Promise<Error>((resolve) => c.connection.onClose(resolve)))
    proxy.cutAll()
    for (const err of await Promise.all(closed)) assert.ok(err instanceof NetworkError)
    assert.equal(proxy.connections, 0)
    const c = await connect(proxy.port)
    assert.equal((await metadata(c, ['t'])).topics[0]!.errorCode, 0)
    assert.equal(proxy.connectionCount, 3)
    assert.equal(cluster.broker(0).connectionCount, 3)
  })

  test('pause holds requests and responses until resume; dropNextResponse swallows one', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: cluster.broker(0).port })
    const c = await connect(proxy.port)
    const before = cluster.requests.length
    proxy.pause()
    let answered = false
    const pending = produce(c, 't', [{ partition: 0, batch: { records: [{ value: 'held' }] } }]).then((r) => {
      answered = true
      return r
    })
    // Wait until the client has written (the proxy holds it): a few loop turns, no clock.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
    assert.equal(answered, false)
    assert.equal(cluster.requests.length, before)
    proxy.resume()
    assert.equal(partitionResult(await pending, 0).errorCode, 0)
    assert.deepEqual(values(cluster.log('t', 0)), ['held'])

    const impatient = await connect(proxy.port, 1_000)
    proxy.dropNextResponse()
    await assert.rejects(metadata(impatient, ['t']), RequestTimeoutError)
    assert.equal((await metadata(c, ['t'])).topics[0]!.errorCode, 0)
  })

  test('cutMidResponse delivers half of the next response frame, then closes that connection', async () => {
    const server = await startRecordingServer((body) =>
      frame(Buffer.concat([body.subarray(0, 4), Buffer.alloc(96, 7)])),
    )
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: server.port })
    const socket = connectSocket({ host: '127.0.0.1', port: proxy.port })
    const received: Buffer[] = []
    socket.on('data', (c: Buffer) => received.push(c))
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    proxy.cutMidResponse()
    socket.write(frame(Buffer.from('\0\0\0\x01request')))
    await closed
    assert.deepEqual(
      Buffer.concat(received),
      frame(Buffer.concat([Buffer.from('\0\0\0\x01'), Buffer.alloc(96, 7)])).subarray(0, 52),
    )
    assert.equal(proxy.midResponseCuts, 1)
    assert.equal(proxy.connections, 0)
  })

  test('cutMidResponse(Produce) spares other APIs; the produce is written but its answer lost', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: cluster.broker(0).port })
    const c = await connect(proxy.port)
    proxy.cutMidResponse(ApiKey.Produce)
    assert.equal((await metadata(c, ['t'])).topics[0]!.errorCode, 0)
    assert.equal(proxy.midResponseCuts, 0)
    await assert.rejects(
      produce(c, 't', [{ partition: 0, batch: { records: [{ value: 'landed' }] } }]),
      NetworkError,
    )
    assert.equal(proxy.midResponseCuts, 1)
    assert.deepEqual(values(cluster.log('t', 0)), ['landed'])
    assert.equal(proxy.requestsSeen(ApiKey.Produce), 1)
    const d = await connect(proxy.port)
    assert.equal((await metadata(d, ['t'])).topics[0]!.errorCode, 0)
  })

  test('delayResponses holds each response; a request timeout shorter than the delay fires', async () => {
    cluster = await startFakeCluster({ topics: [{ name: 't' }] })
    proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: cluster.broker(0).port })
    const c = await connect(proxy.port, 1_000)
    proxy.delayResponses(10_000)
    await assert.rejects(metadata(c, ['t']), RequestTimeoutError)
    proxy.delayResponses(0)
    const d = await connect(proxy.port, 5000)
    assert.equal((await metadata(d, ['t'])).topics[0]!.errorCode, 0)
  })

  test('with rewriteMetadata every broker address in Metadata and NodeEndpoints is a proxy listener', async () => {
    cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 't', partitions: 2, leaders: [0, 1] }] })
    proxy = await startFaultProxy({
      targetHost: '127.0.0.1',
      targetPort: cluster.broker(0).port,
      rewriteMetadata: true,
    })
    const boot = await connect(proxy.port)
    const md = await metadata(boot, ['t'])
    const ports = new Map(md.brokers.map((b) => [b.nodeId, b.port]))
    assert.deepEqual(
      md.brokers.map((b) => b.host),
      ['127.0.0.1', '127.0.0.1'],
    )
    assert.equal(ports.get(0), proxy.port) // the bootstrap listener is reused for the same broker
    assert.equal(proxy.listeners.get(cluster.broker(1).address), ports.get(1))
    for (const b of cluster.brokers) assert.ok(![...ports.values()].includes(b.port))

    // Broker 1 reached through its proxy listener.
    const viaProxy = await connect(ports.get(1)!)
    const res = await produce(viaProxy, 't', [{ partition: 1, batch: { records: [{ value: 'p1' }] } }])
    assert.equal(partitionResult(res, 1).errorCode, 0)
    assert.deepEqual(values(cluster.log('t', 1)), ['p1'])

    // A KIP-951 hint from broker 1 points at broker 0's proxy listener, not at broker 0.
    const hinted = await produce(viaProxy, 't', [{ partition: 0, batch: { records: [{ value: 'x' }] } }])
    assert.equal(partitionResult(hinted, 0).errorCode, FakeError.NOT_LEADER_OR_FOLLOWER)
    assert.deepEqual(
      hinted.nodeEndpoints.map((e) => [e.nodeId, e.host, e.port]),
      [[0, '127.0.0.1', proxy.port]],
    )
    assert.equal(proxy.connections, 2)
    assert.deepEqual(
      cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).map((r) => r.broker),
      [1, 1],
    )
  })
})

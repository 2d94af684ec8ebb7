/**
 * The fault proxy in front of the real Apache Kafka that scripts/run-tests.ts starts
 * (SLUICE_TEST_BOOTSTRAP): with Metadata rewriting, every connection goes through the proxy, and
 * cutting it fails the client's connections. Fails, never skips, without Kafka.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { NetworkError, RequestTimeoutError } from '../../src/errors.js'
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import { CreateTopics } from '../../src/protocol/messages/create-topics.js'
import { type FaultProxy, startFaultProxy } from '../fakes/fault-proxy.js'
import { metadata, openConnection, partitionResult, produce } from './client.js'

function kafkaAddress(): { host: string; port: number } {
  const b = process.env.SLUICE_TEST_BOOTSTRAP
  if (b === undefined || b === '') {
    throw new Error(
      'SLUICE_TEST_BOOTSTRAP is not set: run with `node --import tsx scripts/run-tests.ts fakes-selftest`',
    )
  }
  const first = b.split(',')[0]!
  const at = first.lastIndexOf(':')
  return { host: first.slice(0, at), port: Number(first.slice(at + 1)) }
}

let proxy: FaultProxy
const conns: BrokerConnection[] = []
before(async () => {
  const { host, port } = kafkaAddress()
  proxy = await startFaultProxy({ targetHost: host, targetPort: port, rewriteMetadata: true })
})
after(async () => {
  for (const c of conns) c.close()
  await proxy?.close()
})

async function connect(port: number, timeoutMs = 10_000): Promise<BrokerConnection> {
  const c = await openConnection(port, timeoutMs)
  conns.push(c)
  return c
}

/** Polls Metadata until the topic's partition 0 has a leader; returns that leader's proxied port. */
async function leaderPort(c: BrokerConnection, topic: string): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const md = await metadata(c, [topic])
    const leader = md.topics[0]?.partitions[0]?.leaderId ?? -1
    const broker = md.brokers.find((b) => b.nodeId === leader)
    if (md.topics[0]?.errorCode === 0 && broker !== undefined) return broker.port
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${topic} has no leader`)
}

test('Metadata through the proxy names only proxy listeners, and produce goes through them', async () => {
  const real = kafkaAddress()
  const boot = await connect(proxy.port)
  const md = await metadata(boot, null)
  assert.ok(md.brokers.length >= 1)
  const listenerPorts = [...proxy.listeners.values()]
  for (const b of md.brokers) {
    assert.equal(b.host, proxy.host)
    assert.ok(listenerPorts.includes(b.port), `broker ${b.nodeId} at ${b.port} is not a proxy listener`)
    assert.notEqual(b.port, real.port)
  }

  const topic = `proxy-${randomBytes(4).toString('hex')}`
  const created = await boot.send(CreateTopics, {
    topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
  })
  assert.equal(created.topics[0]?.errorCode, 0, created.topics[0]?.errorMessage ?? '')
  const port = await leaderPort(boot, topic)
  const leader = await connect(port)
  const accepted = proxy.connectionCount
  const first = await produce(leader, topic, [
    { partition: 0, batch: { records: [{ key: 'k', value: 'v0' }] } },
  ])
  assert.equal(partitionResult(first, 0).errorCode, 0)
  assert.equal(partitionResult(first, 0).baseOffset, 0n)

  // Cutting the proxy fails the client's open connections; a new one through it works again.
  const closed = new Promise<Error>((resolve) => leader.connection.onClose(resolve))
  proxy.cutAll()
  assert.ok((await closed) instanceof NetworkError)
  assert.equal(leader.isOpen, false)
  assert.equal(proxy.connections, 0)
  const again = await connect(port)
  const second = await produce(again, topic, [{ partition: 0, batch: { records: [{ value: 'v1' }] } }])
  assert.equal(partitionResult(second, 0).baseOffset, 1n)
  assert.equal(proxy.connectionCount, accepted + 1)

  // A dropped response: the request times out on the client, the connection is given up.
  const impatient = await connect(port, 300)
  proxy.dropNextResponse()
  await assert.rejects(metadata(impatient, [topic]), RequestTimeoutError)
})

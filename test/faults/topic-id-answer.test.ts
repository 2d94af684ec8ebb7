/**
 * Produce v13 names topics by id. Its answer is matched by the ids the request carried, not by
 * what the metadata says by the time it comes: when a refresh meanwhile gives the topic another
 * id (as after a topic is recreated), the answered batch completes once, with no resend and so
 * no duplicate. The fake broker (Produce v13) sits behind the fault proxy, which holds Produce
 * answers while the id changes.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { afterEach, test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { type FakeCluster, startFakeCluster } from '../fakes/fake-broker.js'
import { type FaultProxy, startFaultProxy } from '../fakes/fault-proxy.js'
import { waitUntil } from '../helpers/wait-until.js'
import { QUICK } from './support.js'

let cluster: FakeCluster | undefined
let proxy: FaultProxy | undefined
afterEach(async () => {
  await proxy?.close()
  await cluster?.close()
  proxy = cluster = undefined
})

test('a Produce v13 answer counts for the ids the request sent, though the topic id changed meanwhile', async () => {
  // The topic's leader is node 1; metadata comes from node 0, on another connection than the
  // held answer (a broker answers a connection's requests in order).
  cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 't', partitions: 1, leaders: [1] }] })
  const [host, port] = cluster.bootstrapServers.split(',')[0]!.split(':') as [string, string]
  proxy = await startFaultProxy({ targetHost: host, targetPort: Number(port), rewriteMetadata: true })
  const producer = new Producer({
    ...QUICK,
    bootstrapServers: proxy.bootstrapServers,
    enableIdempotence: false,
    acks: 1,
    metadataMaxAgeMs: 50,
    // The held answer must not time out: a resend is what the test looks for.
    requestTimeoutMs: 30_000,
    deliveryTimeoutMs: 60_000,
  })
  try {
    await producer.send({ topic: 't', value: 'first' })
    proxy.delayResponses(60_000, ApiKey.Produce)
    const second = producer.send({ topic: 't', value: 'second' })
    const p = cluster.model.partition('t', 0)
    await waitUntil(
      () => p.records.length === 2,
      () => 'the second record in the log',
      10_000,
    )
    // The topic gets a new id; the producer's periodic refresh (metadata.max.age.ms) learns it.
    cluster.model.topic('t')!.topicId.set(randomBytes(16))
    const metadataBefore = proxy.requestsSeen(ApiKey.Metadata)
    await waitUntil(
      () => proxy!.requestsSeen(ApiKey.Metadata) >= metadataBefore + 2,
      () => 'a refresh',
      10_000,
    )
    proxy.delayResponses(0)
    proxy.releaseDelayed()
    const md = await second
    assert.equal(md.offset, 1n)
    assert.deepEqual(
      cluster.log('t', 0).map((r) => r.value?.toString()),
      ['first', 'second'],
      'written once: the answer was not taken for silence and the batch was not sent again',
    )
    assert.deepEqual([...proxy.versionsSeen(ApiKey.Produce)], [13])
  } finally {
    await producer.close({ timeoutMs: 5_000 })
  }
})

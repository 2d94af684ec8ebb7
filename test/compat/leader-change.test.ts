/**
 * A partition leader shut down while an idempotent producer writes to it, on the 3-broker
 * cluster of the Kafka version under test, through a proxy that sees every request: once as the
 * broker offers Produce (with KIP-951 leader hints from Kafka 3.7, Produce v10+), once with
 * Produce capped at v9, where the producer learns the new leader from a Metadata refresh only.
 * Every record lands once, in send order per partition (read by Kafka's consumer).
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'
import { brokerApis, proxyTo, recordCoverage } from './support.js'

let cluster: KafkaCluster
const covered: Record<string, unknown> = {}
before(async () => {
  cluster = await startKafka({ brokers: 3, name: `compat-leader-${process.pid}` })
})
after(async () => {
  recordCoverage('leader-change', covered)
  await cluster?.stop()
})

async function leaderChange(label: string, capProduce: number | undefined) {
  const bootstrap = cluster.bootstrapServers
  const topic = uniqueTopic('compat-leader')
  await createTopic(topic, 2, { bootstrap, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } })
  const proxy = await proxyTo(bootstrap, capProduce === undefined ? {} : { [ApiKey.Produce]: capProduce })
  const producer = new Producer({
    bootstrapServers: proxy.bootstrapServers,
    acks: 'all',
    enableIdempotence: true,
    lingerMs: 2,
    requestTimeoutMs: 10_000,
    deliveryTimeoutMs: 120_000,
  })
  const perPartition = 3000
  const sends: Promise<unknown>[] = []
  let victim = -1
  try {
    victim = (await producer.partitionsFor(topic))[0]!.leader
    let metadataBefore = 0
    for (let i = 0; i < perPartition; i++) {
      for (let p = 0; p < 2; p++) sends.push(producer.send({ topic, partition: p, value: `${p}:${i}` }))
      if (i === perPartition / 3) {
        await producer.flush()
        metadataBefore = proxy.requestsSeen(ApiKey.Metadata)
        await cluster.stopBroker(victim) // a controlled shutdown: leadership moves while we write
      }
      if (i % 300 === 0) await new Promise((r) => setTimeout(r, 5))
    }
    const failures = (await Promise.allSettled(sends)).filter((r) => r.status === 'rejected')
    assert.equal(failures.length, 0, `failed: ${failures.slice(0, 3).map((f) => String(f.reason))}`)
    const leaderAfter = (await producer.partitionsFor(topic))[0]!.leader
    assert.notEqual(leaderAfter, victim, 'the partition has a new leader')
    const produce = [...proxy.versionsSeen(ApiKey.Produce)]
    if (capProduce !== undefined)
      assert.ok(
        produce.every((v) => v <= capProduce),
        `Produce ${produce}`,
      )
    const metadataRefreshes = proxy.requestsSeen(ApiKey.Metadata) - metadataBefore
    covered[label] = { produceVersions: produce, metadataRequestsAfterTheChange: metadataRefreshes }
    if (capProduce !== undefined) assert.ok(metadataRefreshes >= 1, 'without hints, metadata was asked again')
  } finally {
    await producer.close()
    await proxy.close()
    if (victim >= 0) await cluster.startBroker(victim)
  }
  const read = await readTopic(bootstrap, topic)
  for (let p = 0; p < 2; p++) {
    const values = read.filter((r) => r.partition === p).map((r) => r.value?.toString())
    assert.equal(values.length, perPartition, `partition ${p}: every record once`)
    assert.deepEqual(
      values,
      values.map((_, i) => `${p}:${i}`),
      `partition ${p} in send order`,
    )
  }
}

test('a leader change with the Produce version the broker offers (KIP-951 hints from v10)', async () => {
  const broker = await brokerApis(cluster.bootstrapServers)
  covered.brokerProduce = broker.ranges.get(ApiKey.Produce)
  await leaderChange('negotiated', undefined)
})

test('a leader change with Produce at most v9: no KIP-951 hints, the new leader comes from Metadata', async () => {
  await leaderChange('produceV9', 9)
})

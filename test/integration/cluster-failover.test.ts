/**
 * On the 3-broker cluster (RF=3, min.insync.replicas=2): acks=all keeps working when the leader
 * of the partitions being written is killed, and (with idempotence) every record lands exactly
 * once, in send order per partition.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { Producer } from '../../src/producer/producer.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'

let cluster: KafkaCluster
before(async () => {
  cluster = await startKafka({ brokers: 3, name: `failover-${process.pid}` })
})
after(async () => {
  await cluster?.stop()
})

test('acks=all with idempotence survives a SIGKILL of the partition leader with no loss or duplicates', async (t) => {
  const bootstrap = cluster.bootstrapServers
  const topic = uniqueTopic('failover')
  await createTopic(topic, 3, { bootstrap, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } })
  const producer = new Producer({
    bootstrapServers: bootstrap,
    acks: 'all',
    enableIdempotence: true,
    lingerMs: 5,
    requestTimeoutMs: 10_000,
    deliveryTimeoutMs: 120_000,
  })
  const perPartition = 4000
  const sends: Promise<unknown>[] = []
  let victim = -1
  try {
    const partitions = await producer.partitionsFor(topic)
    victim = partitions[0]!.leader
    for (let i = 0; i < perPartition; i++) {
      for (let p = 0; p < 3; p++) sends.push(producer.send({ topic, partition: p, value: `${p}:${i}` }))
      if (i === perPartition / 4) await producer.flush()
      if (i === perPartition / 2) {
        await cluster.stopBroker(victim, 'SIGKILL')
      }
      if (i % 500 === 0) await new Promise((r) => setImmediate(r))
    }
    const results = await Promise.allSettled(sends)
    const failures = results.filter((r) => r.status === 'rejected')
    assert.equal(
      failures.length,
      0,
      `failed sends: ${failures.slice(0, 3).map((f) => (f as PromiseRejectedResult).reason)}`,
    )
    const leaderAfter = (await producer.partitionsFor(topic))[0]!.leader
    assert.notEqual(leaderAfter, victim, 'the partition moved to another leader while we produced')
    t.diagnostic(`leader ${victim} -> ${leaderAfter}; metrics ${JSON.stringify(producer.metrics())}`)
  } finally {
    await producer.close()
    if (victim >= 0) await cluster.startBroker(victim)
  }
  const read = await readTopic(bootstrap, topic)
  assert.equal(read.length, perPartition * 3, 'every record exactly once')
  for (let p = 0; p < 3; p++) {
    const seq = read.filter((r) => r.partition === p).map((r) => Number(r.value!.toString().split(':')[1]))
    assert.deepEqual(
      seq,
      Array.from({ length: perPartition }, (_, i) => i),
      `partition ${p} holds 0..${perPartition - 1} once each, in order`,
    )
  }
})

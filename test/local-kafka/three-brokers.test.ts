import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { probeMetadata } from '../../src/local-kafka/metadata-probe.js'
import { readState } from '../../src/local-kafka/state.js'
import { readTopic } from '../helpers/independent-reader.js'
import { consoleProduce, createTopic, pidAlive, processesMentioning } from './tools.js'

const name = `lk-three-${randomBytes(3).toString('hex')}`
let cluster: KafkaCluster

before(async () => {
  cluster = await startKafka({ name, brokers: 3 })
})
after(async () => {
  await cluster?.stop()
})

async function registeredIds(port: number): Promise<number[]> {
  return (await probeMetadata('127.0.0.1', port)).map((b) => b.nodeId).sort()
}

test('three brokers and a separate controller process', async () => {
  assert.deepEqual(
    cluster.brokers.map((b) => b.nodeId),
    [1, 2, 3],
  )
  assert.equal(cluster.bootstrapServers, cluster.brokers.map((b) => `127.0.0.1:${b.port}`).join(','))
  for (const b of cluster.brokers) assert.deepEqual(await registeredIds(b.port), [1, 2, 3])
  const state = await readState(name)
  assert.equal(state?.nodes.length, 4)
  assert.equal(state?.nodes.filter((n) => n.role === 'controller').length, 1)
  assert.equal(new Set(state?.nodes.map((n) => n.pid)).size, 4)
  assert.equal(processesMentioning(cluster.dir).length, 4)
})

test('a SIGKILLed broker restarts on its data and registers again; data survives', async () => {
  const topic = `lk3-${randomBytes(4).toString('hex')}`
  await createTopic(cluster.bootstrapServers, topic, 3, 3)
  await consoleProduce(cluster.bootstrapServers, topic, ['h:1\ta|1', 'h:2\tb|2', 'h:3\tc|3'])

  const victim = cluster.brokers.find((b) => b.nodeId === 2)!
  const pid = (await readState(name))?.nodes.find((n) => n.nodeId === 2)?.pid
  assert.ok(typeof pid === 'number' && pidAlive(pid))
  await cluster.stopBroker(2, 'SIGKILL')
  assert.equal(pidAlive(pid), false)
  assert.equal(victim.running, false)
  await assert.rejects(probeMetadata('127.0.0.1', victim.port, 1000))
  // The quorum lives in its own process, so the rest of the cluster keeps answering.
  assert.ok((await registeredIds(cluster.brokers[0]!.port)).includes(1))

  await cluster.startBroker(2)
  assert.equal(victim.running, true)
  for (const b of cluster.brokers) assert.deepEqual(await registeredIds(b.port), [1, 2, 3])
  const newPid = (await readState(name))?.nodes.find((n) => n.nodeId === 2)?.pid
  assert.ok(typeof newPid === 'number' && newPid !== pid && pidAlive(newPid))

  const values = (await readTopic(cluster.bootstrapServers, topic)).map((r) => r.value?.toString()).sort()
  assert.deepEqual(values, ['1', '2', '3'])
})

test('stop takes down every process of the cluster', async () => {
  const pids = (await readState(name))?.nodes.map((n) => n.pid) ?? []
  assert.equal(pids.length, 4)
  await cluster.stop()
  await cluster.stop()
  for (const pid of pids) assert.equal(pid !== null && pidAlive(pid), false)
  assert.deepEqual(processesMentioning(cluster.dir), [])
  assert.ok(cluster.brokers.every((b) => !b.running))
  assert.equal(await readState(name), undefined)
})

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { repoRoot } from '../../src/local-kafka/logs.js'
import { probeMetadata } from '../../src/local-kafka/metadata-probe.js'
import { readState } from '../../src/local-kafka/state.js'
import { kcatAvailable, readTopic, readTopicWithKcat } from '../helpers/independent-reader.js'
import { clusterPids, consoleProduce, createTopic, pidAlive, processesMentioning } from './tools.js'

const name = `lk-single-${randomBytes(3).toString('hex')}`
let cluster: KafkaCluster

before(async () => {
  cluster = await startKafka({ name })
})
after(async () => {
  await cluster?.stop()
})

test('a single broker is registered and answers Metadata on its advertised port', async () => {
  assert.equal(cluster.brokers.length, 1)
  const [broker] = cluster.brokers
  assert.ok(broker)
  assert.equal(cluster.bootstrapServers, `127.0.0.1:${broker.port}`)
  assert.equal(broker.running, true)
  const brokers = await probeMetadata('127.0.0.1', broker.port)
  assert.deepEqual(brokers, [{ nodeId: broker.nodeId, host: '127.0.0.1', port: broker.port }])
  assert.ok(broker.logFile.startsWith(cluster.dir))
  assert.match(readFileSync(broker.logFile, 'utf8'), /Kafka Server started|started \(kafka/)
})

test("records written by Kafka's console producer read back with the independent reader", async () => {
  const topic = `lk-${randomBytes(4).toString('hex')}`
  await createTopic(cluster.bootstrapServers, topic, 1)
  await consoleProduce(cluster.bootstrapServers, topic, [
    'h1:a,h2:NULL\tk1|hello',
    'h3:x\tNULL|NULL',
    'h4:\tk3|',
  ])
  const records = await readTopic(cluster.bootstrapServers, topic)
  assert.deepEqual(
    records.map((r) => [r.partition, r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null]),
    [
      [0, 0n, 'k1', 'hello'],
      [0, 1n, null, null],
      [0, 2n, 'k3', ''],
    ],
  )
  assert.deepEqual(records[0]?.headers, [
    ['h1', Buffer.from('a')],
    ['h2', null],
  ])
  assert.deepEqual(records[1]?.headers, [['h3', Buffer.from('x')]])
  assert.deepEqual(records[2]?.headers, [['h4', Buffer.alloc(0)]])
  for (const r of records) {
    assert.equal(r.timestampType, 'CreateTime')
    assert.ok(r.timestamp > 0)
  }
  // kcat is an optional extra on developer machines; when present it must agree on text data.
  if (await kcatAvailable()) {
    const viaKcat = await readTopicWithKcat(cluster.bootstrapServers, topic)
    assert.deepEqual(viaKcat, records)
  }
})

test('the reader fails clearly for a topic that does not exist', async () => {
  await assert.rejects(readTopic(cluster.bootstrapServers, 'lk-missing-topic', { timeoutMs: 3000 }), /exit 3/)
})

test('starting the same name again returns the running cluster', async () => {
  const pids = await clusterPids(name)
  const again = await startKafka({ name })
  assert.equal(again.bootstrapServers, cluster.bootstrapServers)
  assert.equal(again.dir, cluster.dir)
  assert.deepEqual(await clusterPids(name), pids)
})

test('stop is idempotent, leaves no process, data or state behind, and can keep the logs', async () => {
  const other = `lk-stop-${randomBytes(3).toString('hex')}`
  const c = await startKafka({ name: other })
  const pids = await clusterPids(other)
  assert.equal(pids.length, 1)
  assert.ok(pids.every(pidAlive))
  assert.ok(processesMentioning(c.dir).length > 0)
  await c.stop({ keepLogs: true })
  await c.stop()
  const again = await startKafka({ name: other }).then((x) => x)
  // A stopped name starts afresh: new data dir.
  assert.notEqual(again.dir, c.dir)
  await again.stop()
  await again.stop()
  assert.ok(!pids.some(pidAlive))
  assert.deepEqual(processesMentioning(c.dir), [])
  assert.deepEqual(processesMentioning(again.dir), [])
  assert.equal(existsSync(c.dir), false)
  assert.equal(existsSync(again.dir), false)
  assert.equal(await readState(other), undefined)
  assert.equal(again.brokers[0]?.running, false)

  const logsRoot = join(repoRoot(), '.kafka-logs')
  const kept = readdirSync(logsRoot).filter((d) => d.endsWith(`-${other}`))
  assert.equal(kept.length, 1)
  const keptDir = join(logsRoot, kept[0]!)
  try {
    assert.ok(readdirSync(keptDir).includes('node-1.log'))
    assert.match(readFileSync(join(keptDir, 'node-1.log'), 'utf8'), /INFO/)
  } finally {
    rmSync(keptDir, { recursive: true, force: true })
  }
})

test('a broker that cannot start fails with its log in the error', async () => {
  const bad = `lk-bad-${randomBytes(3).toString('hex')}`
  let message = ''
  await assert.rejects(
    startKafka({ name: bad, brokerProperties: { 'authorizer.class.name': 'dev.sluice.NoSuchAuthorizer' } }),
    (err: Error) => {
      message = err.message
      return /Kafka node 1 exited/.test(err.message)
    },
  )
  assert.match(message, /NoSuchAuthorizer/)
  const keptDir = /logs are kept in (.*)\)$/m.exec(message)?.[1]
  assert.ok(keptDir !== undefined, message)
  rmSync(keptDir, { recursive: true, force: true })
  assert.equal(await readState(bad), undefined)
})

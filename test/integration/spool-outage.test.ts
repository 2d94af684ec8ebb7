/**
 * The disk spool on the real 3-broker cluster, with a circuit breaker: every broker is stopped
 * for longer than delivery.timeout.ms while 200,000 records are sent; the records already in
 * batches are spooled when those expire, the ones the breaker refuses (or a probe's) after them,
 * every send resolving with `spooled: true`, offset -1. The brokers come back, the spool is
 * replayed through the idempotent path, and Kafka's own consumer reads every record, in send order
 * per partition (by first appearance: a replay is at least once), none lost. No wall-clock
 * assertions: waits are bounded polls.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { KafkaError } from '../../src/errors.js'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { Producer } from '../../src/producer/producer.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import { readTopicValues } from '../helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'
import { waitUntil } from '../helpers/wait-until.js'

const TOTAL = 200_000
const PARTITIONS = 6
const BEFORE = 1_000
const WAIT_MS = 300_000

let cluster: KafkaCluster
let dir: string
let passed = false
before(async () => {
  cluster = await startKafka({ brokers: 3, name: `spool-outage-${process.pid}` })
  dir = await mkdtemp(join(tmpdir(), 'sluice-spool-outage-'))
})
after(async () => {
  await cluster?.stop({ keepLogs: !passed })
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

test('all 3 brokers down past delivery.timeout.ms while 200k records are sent: the spool takes them, replays them, Kafka has every one in order', {
  timeout: 30 * 60_000,
}, async (t) => {
  const bootstrap = cluster.bootstrapServers
  const topic = uniqueTopic('spool-outage')
  await createTopic(topic, PARTITIONS, {
    bootstrap,
    replicationFactor: 3,
    configs: { 'min.insync.replicas': '2' },
  })
  const producer = new Producer({
    bootstrapServers: bootstrap,
    clientId: 'spool-outage',
    lingerMs: 5,
    requestTimeoutMs: 5_000,
    deliveryTimeoutMs: 20_000,
    maxBlockMs: 120_000,
    bufferMemory: 256 * 1024 * 1024,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 1_000,
    circuitBreaker: { failureThreshold: 5, cooldownMs: 2_000 },
    spool: { dir, maxBytes: 1024 * 1024 * 1024, fsync: 'interval' },
  })
  const stopped: number[] = []
  /** The partition each record's spooled metadata named (its batch's, or -1 if refused before one). */
  const partitionOf = new Int8Array(TOTAL).fill(-1)
  try {
    for (let i = 0; i < BEFORE; i++)
      producer.send({ topic, key: `k${i % 97}`, value: `before-${i}` }, () => {})
    await producer.flush()
    assert.equal(producer.health().spool?.depth, 0)

    for (const b of cluster.brokers) {
      await cluster.stopBroker(b.nodeId)
      stopped.push(b.nodeId)
    }
    t.diagnostic('all brokers stopped')
    let spooled = 0
    let written = 0
    const failed: KafkaError[] = []
    const onDone = (i: number) => (err: KafkaError | null, md: RecordMetadata | null) => {
      if (err !== null) failed.push(err)
      else if (md?.spooled === true) {
        spooled++
        partitionOf[i] = md.partition
      } else written++
    }
    for (let i = 0; i < TOTAL; i++) {
      producer.send({ topic, key: `k${i % 97}`, value: `r-${i}` }, onDone(i))
      if (i % 10_000 === 0) await new Promise((r) => setImmediate(r))
    }
    await waitUntil(
      () => spooled + written + failed.length === TOTAL,
      () => `every record to settle (spooled ${spooled}, written ${written}, failed ${failed.length})`,
      WAIT_MS,
    )
    assert.deepEqual(failed.slice(0, 3).map(String), [], 'no record failed')
    assert.equal(written, 0, 'nothing was written while every broker was down')
    assert.equal(spooled, TOTAL)
    const h = producer.health()
    assert.equal(h.spool?.spooledTotal, TOTAL)
    assert.ok(h.spool!.depth > 0)
    const refused = partitionOf.filter((p) => p === -1).length
    t.diagnostic(
      `spooled ${spooled} (${TOTAL - refused} from expired batches, ${refused} refused by the breaker); spool ${h.spool!.bytes} bytes in ${h.spool!.segments} segments`,
    )
    assert.ok(refused > 0 && refused < TOTAL, 'both routes into the spool were taken')

    for (const id of stopped.splice(0)) await cluster.startBroker(id)
    t.diagnostic('all brokers started')
    await waitUntil(
      () => producer.health().spool?.depth === 0,
      () => `the spool to be replayed (${JSON.stringify(producer.health().spool)})`,
      WAIT_MS,
    )
    await producer.flush()
    assert.ok(producer.metrics()['spool-records-replayed-total']! >= TOTAL)
  } finally {
    await producer.close()
    for (const id of stopped) await cluster.startBroker(id)
  }

  // Per partition: the values in offset order, first appearances only, must be that partition's
  // records in send order; every record must be there.
  const seen = Array.from({ length: PARTITIONS }, () => new Set<string>())
  const order = Array.from({ length: PARTITIONS }, () => [] as number[])
  let duplicates = 0
  let wrongPartition = 0
  await readTopicValues(
    bootstrap,
    topic,
    (partition, _offset, value) => {
      if (value === null || !value.startsWith('r-')) return
      const s = seen[partition]!
      if (s.has(value)) {
        duplicates++
        return
      }
      s.add(value)
      const i = Number(value.slice(2))
      if (partitionOf[i] !== -1 && partitionOf[i] !== partition) wrongPartition++
      order[partition]!.push(i)
    },
    { timeoutMs: 300_000 },
  )
  t.diagnostic(`duplicates from replay: ${duplicates}`)
  let total = 0
  for (let p = 0; p < PARTITIONS; p++) {
    const o = order[p]!
    total += o.length
    for (let k = 1; k < o.length; k++)
      assert.ok(o[k - 1]! < o[k]!, `partition ${p}: r-${o[k - 1]} before r-${o[k]}`)
  }
  assert.equal(total, TOTAL, 'every record read back')
  assert.equal(wrongPartition, 0, 'each record spooled from a batch replayed to that partition')
  passed = true
})

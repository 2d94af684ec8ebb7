/**
 * kill -9 during an outage: a child process (test/helpers/spool-producer-child.ts) produces with
 * a disk spool to a broker that is stopped, so its records are spooled (metadata not coming,
 * buffer full, delivery timeouts); it is SIGKILLed mid-stream. The broker is started again and a
 * new Producer on the same spool directory (taking over the dead child's lock) replays the spool:
 * Kafka's own consumer finds every record the child saw settle as spooled, with its key and
 * value. No wall-clock assertions: waits are bounded polls.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { Producer } from '../../src/producer/producer.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'
import { spoolCrashValue } from '../helpers/spool-records.js'
import { waitUntil } from '../helpers/wait-until.js'

const SPOOLED_BEFORE_KILL = 3_000
const WAIT_MS = 180_000

let cluster: KafkaCluster
let dir: string
before(async () => {
  cluster = await startKafka({ name: `spool-crash-${process.pid}` })
  dir = await mkdtemp(join(tmpdir(), 'sluice-spool-crash-'))
})
after(async () => {
  await cluster?.stop()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

test('a producer SIGKILLed with records in its spool: a new one on the same dir delivers every record that was acknowledged to the spool', {
  timeout: 15 * 60_000,
}, async (t) => {
  const bootstrap = cluster.bootstrapServers
  const node = cluster.brokers[0]!.nodeId
  const topic = uniqueTopic('spool-crash')
  await createTopic(topic, 3, { bootstrap })
  await cluster.stopBroker(node)
  let brokerStopped = true
  const spooled = new Set<number>()
  const other: string[] = []
  try {
    const script = new URL('../helpers/spool-producer-child.ts', import.meta.url).pathname
    const child = spawn(process.execPath, ['--import', 'tsx', script, bootstrap, topic, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)))
    let pending = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop()!
      for (const line of lines) {
        if (line.startsWith('spooled ')) spooled.add(Number(line.slice(8)))
        else if (line.startsWith('other ')) other.push(line)
      }
      if (spooled.size >= SPOOLED_BEFORE_KILL && child.exitCode === null && child.signalCode === null)
        child.kill('SIGKILL')
    })
    assert.equal(await exited, 'SIGKILL', 'the child ran until it was killed')
    t.diagnostic(
      `the child saw ${spooled.size} records spooled before SIGKILL; other outcomes: ${other.length}`,
    )
    assert.ok(spooled.size >= SPOOLED_BEFORE_KILL)
    assert.deepEqual(other.slice(0, 3), [], 'with the broker down every settled record was spooled')

    await cluster.startBroker(node)
    brokerStopped = false
    const producer = new Producer({
      bootstrapServers: bootstrap,
      spool: { dir, maxBytes: 256 * 1024 * 1024 },
    })
    try {
      await waitUntil(
        () => {
          const s = producer.health().spool
          return s?.open === true && s.depth === 0
        },
        () => `the spool to be replayed (${JSON.stringify(producer.health().spool)})`,
        WAIT_MS,
      )
      assert.ok(producer.metrics()['spool-records-replayed-total']! >= spooled.size)
    } finally {
      await producer.close()
    }
  } finally {
    if (brokerStopped) await cluster.startBroker(node)
  }

  const records = await readTopic(bootstrap, topic, { timeoutMs: 120_000 })
  const found = new Map<number, { key: string; value: string }>()
  for (const r of records) {
    const value = r.value!.toString()
    const i = Number(value.split('-')[1])
    found.set(i, { key: r.key!.toString(), value })
  }
  t.diagnostic(`read back ${records.length} records, ${found.size} distinct`)
  const missing = [...spooled].filter((i) => !found.has(i))
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} spooled records missing`)
  for (const i of spooled) {
    const f = found.get(i)!
    assert.equal(f.key, `key-${i}`)
    assert.equal(f.value, spoolCrashValue(i))
  }
})

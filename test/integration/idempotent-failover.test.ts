/**
 * Exactly once through repeated leader failures on the 3-broker cluster (RF=3,
 * min.insync.replicas=2): while a million sequence-numbered records (about 100 bytes each) go out with idempotence and
 * acks=all through the callback path (with backpressure), the broker leading every partition of
 * the topic is SIGKILLed three times, each time at a record count; production goes on under the
 * new leaders, the victim is restarted and must be back in every ISR before the next kill.
 * Kafka's own consumer then finds every record exactly once, in send order per partition, at the
 * offset the producer acknowledged.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { Producer } from '../../src/producer/producer.js'
import { FaultRunner } from '../helpers/fault-runner.js'
import { readTopicValues } from '../helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'
import {
  busiestLeader,
  describeStates,
  partitionStates,
  waitForPartitions,
} from '../helpers/partition-state.js'
import { SequenceLedger } from '../helpers/sequence-ledger.js'
import { produceSequenced } from '../helpers/sequenced-load.js'
import { waitUntil } from '../helpers/wait-until.js'

const TOTAL = 1_000_000
const PARTITIONS = 6
/** Records sent when each failover starts (the previous victim is back in sync first). */
const KILL_AT = [150_000, 450_000, 750_000]
/**
 * Records sent after a failover starts before the kill: production may have drained while it
 * waited for the previous victim, and the kill should land with the buffer full and requests out.
 */
const SENT_BEFORE_KILL = 40_000
/** Production holds here until the last victim is back in sync, so every restart overlaps it. */
const HOLD_AT = 950_000
/** Records acknowledged under the new leaders before the victim is restarted. */
const ACKED_BEFORE_RESTART = 30_000
/** Bounds for the waits of one failover on a loaded 2-core machine. */
const WAIT_MS = 240_000

let cluster: KafkaCluster
let passed = false
before(async () => {
  cluster = await startKafka({ brokers: 3, name: `idem-failover-${process.pid}` })
})
after(async () => {
  await cluster?.stop({ keepLogs: !passed })
})

test('1M records with idempotence and acks=all while the leader is SIGKILLed and restarted 3 times: each read back once, in order', {
  timeout: 45 * 60_000,
}, async (t) => {
  const topic = uniqueTopic('idem-failover')
  // Every partition prefers broker 1, so one kill takes down the leader of all of them.
  await createTopic(topic, PARTITIONS, {
    bootstrap: cluster.bootstrapServers,
    replicaAssignment: Array.from({ length: PARTITIONS }, () => [1, 2, 3]),
    configs: { 'min.insync.replicas': '2' },
  })
  await waitForPartitions(
    cluster,
    topic,
    (s) => s.length === PARTITIONS && s.every((p) => p.leader === 1 && p.isr.length === 3),
    'broker 1 leading every partition with 3 replicas in sync',
    WAIT_MS,
  )

  const ledger = new SequenceLedger(PARTITIONS, TOTAL / PARTITIONS + 1)
  const producer = new Producer({
    bootstrapServers: cluster.bootstrapServers,
    acks: 'all',
    enableIdempotence: true,
    maxInFlightRequestsPerConnection: 5,
    // Small enough that send() returns false and the load waits for 'drain' again and again.
    bufferMemory: 4 * 1024 * 1024,
  })
  const events: string[] = []
  const started = Date.now()
  const note = (text: string) => events.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${text}`)
  const progress = () => `sent ${ledger.sent}, acknowledged ${ledger.acked}, failed ${ledger.failed}`

  async function failover(): Promise<void> {
    const sentAtStart = ledger.sent
    await waitUntil(
      () => ledger.sent >= sentAtStart + SENT_BEFORE_KILL,
      () => `${SENT_BEFORE_KILL} more sends before a kill (${progress()})`,
      WAIT_MS,
    )
    const victim = busiestLeader(await partitionStates(cluster, topic))
    const ackedAtKill = ledger.acked
    note(`SIGKILL broker ${victim} (${progress()})`)
    await cluster.stopBroker(victim, 'SIGKILL')
    const moved = await waitForPartitions(
      cluster,
      topic,
      (s) => s.every((p) => p.leader >= 0 && p.leader !== victim),
      `new leaders after killing broker ${victim}`,
      WAIT_MS,
    )
    note(`leaders moved: ${describeStates(moved)}`)
    await waitUntil(
      () => ledger.acked >= ackedAtKill + ACKED_BEFORE_RESTART,
      () => `${ACKED_BEFORE_RESTART} acknowledgements after killing broker ${victim} (${progress()})`,
      WAIT_MS,
    )
    note(`restarting broker ${victim} (${progress()})`)
    await cluster.startBroker(victim)
    const back = await waitForPartitions(
      cluster,
      topic,
      (s) => s.every((p) => p.isr.includes(victim)),
      `broker ${victim} back in the ISR of every partition`,
      WAIT_MS,
    )
    note(`broker ${victim} in sync again (${progress()}): ${describeStates(back)}`)
  }

  const faults = new FaultRunner()
  let drainWaits = 0
  try {
    const load = produceSequenced({
      producer,
      topic,
      ledger,
      total: TOTAL,
      onProgress: (sent) => {
        if (KILL_AT.includes(sent)) return faults.start(failover)
        if (sent === HOLD_AT) return faults.settled()
        return undefined
      },
    })
    drainWaits = (await Promise.race([load, faults.failure])).drainWaits
    await faults.settled()
    note(`all sends settled (${progress()})`)
  } finally {
    t.diagnostic(events.join('\n'))
    t.diagnostic(`producer metrics ${JSON.stringify(producer.metrics())}; drain waits ${drainWaits}`)
    await producer.close()
  }

  assert.equal(faults.started, KILL_AT.length, 'every planned kill happened')
  assert.equal(
    ledger.failed,
    0,
    `${ledger.failed} sends failed; first: ${ledger.firstFailures.map((f) => `p${f.partition} seq ${f.seq}: ${f.error.message}`).join(' | ')}`,
  )
  assert.equal(ledger.acked, TOTAL, 'every send acknowledged')
  assert.ok(drainWaits > 0, 'send() pushed back at least once (the backpressure path was used)')
  assert.ok(
    (producer.metrics()['record-retry-total'] ?? 0) > 0,
    'the faults hit records on their way (some were retried)',
  )

  const check = ledger.check()
  const readStarted = Date.now()
  const read = await readTopicValues(cluster.bootstrapServers, topic, check.visit, { timeoutMs: 600_000 })
  t.diagnostic(`independent reader: ${read} records in ${((Date.now() - readStarted) / 1000).toFixed(1)}s`)
  assert.deepEqual(check.finish(), [], 'every record exactly once, in send order, at its acknowledged offset')
  assert.equal(read, TOTAL)
  passed = true
})

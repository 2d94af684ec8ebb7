/**
 * The 10M-record fault run (issue 13; not a CI test: it takes the machine for a while). On a
 * fresh 3-broker cluster (RF=3, min.insync.replicas=2), an idempotent acks=all producer reaches
 * every broker through the fault proxy and sends `--records` sequence-numbered records (about
 * 100 bytes each) through the callback path with backpressure, while the broker leading every
 * partition is SIGKILLed 5 times (restarted once the new leaders took over, and back in every
 * ISR before the next kill) and every proxied connection is cut 20 times (half of them in the
 * middle of a Produce response: the write landed, its answer is lost). Kafka's own consumer,
 * reading the brokers directly, then checks every record: exactly once, in send order per
 * partition, at the offset the producer acknowledged. Prints a JSON summary; exit code 1 when
 * anything was lost, duplicated, reordered or failed.
 *
 *   node --import tsx bench/fault-run.ts [--records 10000000]
 */
import { parseArgs } from 'node:util'
import { startKafka } from '../src/local-kafka/cluster.js'
import { Producer } from '../src/producer/producer.js'
import { ApiKey } from '../src/protocol/api-keys.js'
import { startFaultProxy } from '../test/fakes/fault-proxy.js'
import { FaultRunner } from '../test/helpers/fault-runner.js'
import { readTopicValues } from '../test/helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../test/helpers/kafka.js'
import {
  busiestLeader,
  describeStates,
  partitionStates,
  waitForPartitions,
} from '../test/helpers/partition-state.js'
import { SequenceLedger } from '../test/helpers/sequence-ledger.js'
import { produceSequenced } from '../test/helpers/sequenced-load.js'
import { waitUntil } from '../test/helpers/wait-until.js'

const { values } = parseArgs({ options: { records: { type: 'string', default: '10000000' } } })
const TOTAL = Number(values.records)
const PARTITIONS = 6
const KILLS = 5
const CUTS = 20
const WAIT_MS = 600_000
const STEP = 1000
const round = (n: number) => Math.round(n / STEP) * STEP
/** Kills start at 10%, 28%, 46%, 64% and 82% of the records; cuts every TOTAL / 21 records. */
const KILL_AT = Array.from({ length: KILLS }, (_, i) => round(TOTAL * (0.1 + 0.18 * i)))
const CUT_AT = Array.from({ length: CUTS }, (_, i) => round((TOTAL * (i + 1)) / (CUTS + 1)))
const HOLD_AT = round(TOTAL * 0.97)
const SENT_BEFORE_KILL = 40_000
const ACKED_BEFORE_RESTART = 30_000

const cluster = await startKafka({ brokers: 3, name: `fault-run-${process.pid}` })
const events: string[] = []
const started = Date.now()
const note = (text: string) => {
  const line = `${((Date.now() - started) / 1000).toFixed(1)}s ${text}`
  events.push(line)
  process.stderr.write(`${line}\n`)
}
let ok = false
try {
  const topic = uniqueTopic('fault-run')
  await createTopic(topic, PARTITIONS, {
    bootstrap: cluster.bootstrapServers,
    replicationFactor: 3,
    configs: { 'min.insync.replicas': '2' },
  })
  await waitForPartitions(
    cluster,
    topic,
    (s) => s.length === PARTITIONS && s.every((p) => p.leader >= 0 && p.isr.length === 3),
    'every partition led with 3 replicas in sync',
    WAIT_MS,
  )
  const first = cluster.brokers[0]!
  const proxy = await startFaultProxy({
    targetHost: first.host,
    targetPort: first.port,
    rewriteMetadata: true,
  })
  const ledger = new SequenceLedger(PARTITIONS, Math.ceil(TOTAL / PARTITIONS) + 1)
  const producer = new Producer({
    bootstrapServers: proxy.bootstrapServers,
    acks: 'all',
    enableIdempotence: true,
    maxInFlightRequestsPerConnection: 5,
    bufferMemory: 8 * 1024 * 1024,
  })
  const progress = () => `sent ${ledger.sent}, acknowledged ${ledger.acked}, failed ${ledger.failed}`

  async function failover(): Promise<void> {
    const sentAtStart = ledger.sent
    await waitUntil(
      () => ledger.sent >= sentAtStart + SENT_BEFORE_KILL,
      () => `${SENT_BEFORE_KILL} more sends before a kill (${progress()})`,
      WAIT_MS,
    )
    // Every partition's leader: the broker leading most of them is killed.
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
    note(`restarting broker ${victim}`)
    await cluster.startBroker(victim)
    await waitForPartitions(
      cluster,
      topic,
      (s) => s.every((p) => p.isr.includes(victim)),
      `broker ${victim} back in the ISR of every partition`,
      WAIT_MS,
    )
    note(`broker ${victim} in sync again (${progress()})`)
  }

  const faults = new FaultRunner()
  let cuts = 0
  let midResponseCuts = 0
  let drainWaits = 0
  try {
    const load = produceSequenced({
      producer,
      topic,
      ledger,
      total: TOTAL,
      step: STEP,
      onProgress: (sent) => {
        if (KILL_AT.includes(sent)) return faults.start(failover)
        if (sent === HOLD_AT) return faults.settled()
        if (!CUT_AT.includes(sent)) return undefined
        cuts++
        if (cuts % 2 === 1) {
          note(`cut every connection (${progress()})`)
          proxy.cutAll()
          return undefined
        }
        midResponseCuts++
        note(`cut a Produce response half-way (${progress()})`)
        proxy.cutMidResponse(ApiKey.Produce)
        return waitUntil(
          () => proxy.midResponseCuts === midResponseCuts,
          () => `Produce response cut number ${midResponseCuts} (${progress()})`,
          WAIT_MS,
          5,
        )
      },
    })
    drainWaits = (await Promise.race([load, faults.failure])).drainWaits
    await faults.settled()
    note(`all sends settled (${progress()})`)
  } finally {
    await producer.close()
    await proxy.close()
  }
  const produceSeconds = (Date.now() - started) / 1000
  const check = ledger.check()
  const readStarted = Date.now()
  const read = await readTopicValues(cluster.bootstrapServers, topic, check.visit, { timeoutMs: 1_800_000 })
  const problems = check.finish()
  const metrics = producer.metrics()
  const summary = {
    records: TOTAL,
    acknowledged: ledger.acked,
    failed: ledger.failed,
    firstFailures: ledger.firstFailures.map((f) => `p${f.partition} seq ${f.seq}: ${f.error.message}`),
    readBackByKafkaConsumer: read,
    problems: problems.slice(0, 20),
    problemCount: problems.length,
    kills: faults.started,
    cuts,
    midResponseCuts: proxy.midResponseCuts,
    proxyConnections: proxy.connectionCount,
    drainWaits,
    recordRetries: metrics['record-retry-total'],
    epochBumps: metrics['epoch-bump-total'],
    produceSeconds: Number(produceSeconds.toFixed(1)),
    readSeconds: Number(((Date.now() - readStarted) / 1000).toFixed(1)),
    events,
  }
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  ok =
    ledger.failed === 0 &&
    ledger.acked === TOTAL &&
    read === TOTAL &&
    problems.length === 0 &&
    faults.started === KILLS &&
    cuts === CUTS
} finally {
  await cluster.stop({ keepLogs: !ok })
}
process.exitCode = ok ? 0 : 1

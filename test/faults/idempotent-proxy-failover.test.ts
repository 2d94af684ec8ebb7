/**
 * Exactly once through repeated connection cuts on the 3-broker cluster (RF=3,
 * min.insync.replicas=2): the producer reaches every broker through the fault proxy (Metadata
 * rewritten to proxy listeners), and while a million sequence-numbered records (about 100 bytes each) go out with
 * idempotence and acks=all through the callback path, every connection is cut every 25k records,
 * half of the times in the middle of a Produce response (the write landed, its answer is lost).
 * Kafka's own consumer, reading the brokers directly, then finds every record exactly once, in
 * send order per partition, at the offset the producer acknowledged.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFaultProxy } from '../fakes/fault-proxy.js'
import { readTopicValues } from '../helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'
import { describeStates, waitForPartitions } from '../helpers/partition-state.js'
import { SequenceLedger } from '../helpers/sequence-ledger.js'
import { produceSequenced } from '../helpers/sequenced-load.js'
import { waitUntil } from '../helpers/wait-until.js'

const TOTAL = 1_000_000
const PARTITIONS = 6
const CUT_EVERY = 25_000
const WAIT_MS = 240_000

let cluster: KafkaCluster
let passed = false
before(async () => {
  cluster = await startKafka({ brokers: 3, name: `idem-proxy-${process.pid}` })
})
after(async () => {
  await cluster?.stop({ keepLogs: !passed })
})

test('1M records with idempotence and acks=all while every proxied connection is cut 39 times: each read back once, in order', {
  timeout: 45 * 60_000,
}, async (t) => {
  const topic = uniqueTopic('idem-proxy')
  await createTopic(topic, PARTITIONS, {
    bootstrap: cluster.bootstrapServers,
    replicationFactor: 3,
    configs: { 'min.insync.replicas': '2' },
  })
  const states = await waitForPartitions(
    cluster,
    topic,
    (s) => s.length === PARTITIONS && s.every((p) => p.leader >= 0 && p.isr.length === 3),
    'every partition led with 3 replicas in sync',
    WAIT_MS,
  )
  const leaders = new Set(states.map((s) => s.leader))
  t.diagnostic(`partitions: ${describeStates(states)}`)

  const first = cluster.brokers[0]!
  const proxy = await startFaultProxy({
    targetHost: first.host,
    targetPort: first.port,
    rewriteMetadata: true,
  })
  const ledger = new SequenceLedger(PARTITIONS, TOTAL / PARTITIONS + 1)
  const producer = new Producer({
    bootstrapServers: proxy.bootstrapServers,
    acks: 'all',
    enableIdempotence: true,
    maxInFlightRequestsPerConnection: 5,
    bufferMemory: 4 * 1024 * 1024,
  })
  const progress = () => `sent ${ledger.sent}, acknowledged ${ledger.acked}, failed ${ledger.failed}`
  let cuts = 0
  // A fresh cluster may answer the first InitProducerId with COORDINATOR_LOAD_IN_PROGRESS: count from the first cut.
  let initsBeforeCuts = -1
  let midResponseCuts = 0
  let drainWaits = 0
  const started = Date.now()
  try {
    const load = await produceSequenced({
      producer,
      topic,
      ledger,
      total: TOTAL,
      onProgress: (sent) => {
        if (sent % CUT_EVERY !== 0 || sent === TOTAL) return undefined
        cuts++
        if (cuts === 1) initsBeforeCuts = proxy.requestsSeen(ApiKey.InitProducerId)
        if (cuts % 2 === 1) {
          proxy.cutAll()
          return undefined
        }
        // Held until a Produce response is cut half-way, so every such cut really happens.
        midResponseCuts++
        proxy.cutMidResponse(ApiKey.Produce)
        return waitUntil(
          () => proxy.midResponseCuts === midResponseCuts,
          () => `Produce response cut number ${midResponseCuts} (${progress()})`,
          WAIT_MS,
          5,
        )
      },
    })
    drainWaits = load.drainWaits
    t.diagnostic(`all sends settled after ${((Date.now() - started) / 1000).toFixed(1)}s (${progress()})`)
  } finally {
    t.diagnostic(
      `producer metrics ${JSON.stringify(producer.metrics())}; drain waits ${drainWaits}; ` +
        `cuts ${cuts} (mid-response ${proxy.midResponseCuts}); proxy connections accepted ${proxy.connectionCount}; ` +
        `requests: Produce ${proxy.requestsSeen(ApiKey.Produce)}, InitProducerId ${initsBeforeCuts} before the cuts and ${proxy.requestsSeen(ApiKey.InitProducerId)} in all`,
    )
    await producer.close()
    await proxy.close()
  }

  assert.equal(cuts, TOTAL / CUT_EVERY - 1)
  assert.equal(proxy.midResponseCuts, midResponseCuts)
  assert.equal(
    proxy.requestsSeen(ApiKey.InitProducerId),
    initsBeforeCuts,
    'the producer kept its producer id through the cuts (no new InitProducerId)',
  )
  // One connection per leader broker plus the bootstrap one; each cut of all of them forces new ones.
  assert.ok(
    proxy.connectionCount >= leaders.size + cuts,
    `the producer reconnected after the cuts (${proxy.connectionCount} connections)`,
  )
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

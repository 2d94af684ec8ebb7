/**
 * The Sender on its own: a real accumulator, metadata manager and connection pool against the
 * fake broker, records appended straight into the accumulator (no Producer). One Produce request
 * per leader broker with every ready partition it leads; at most max.in.flight requests per
 * connection; a retriable refusal retried, once written; a batch with no leader expiring at
 * delivery.timeout.ms unsent; close() stopping retries.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MetadataManager } from '../../src/cluster/metadata-manager.js'
import { KafkaError, TimeoutError } from '../../src/errors.js'
import { ProducerMetrics } from '../../src/metrics/producer-metrics.js'
import { ConnectionPool } from '../../src/network/connection-pool.js'
import { RecordAccumulator } from '../../src/producer/accumulator.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import { MemoryBudget } from '../../src/producer/memory.js'
import { BuiltInPartitioner } from '../../src/producer/partitioner.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import { Sender } from '../../src/producer/sender.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'

type Cluster = Awaited<ReturnType<typeof startFakeCluster>>

/** The sender and what it drains from, wired as the Producer wires them (no idempotence). */
async function harness(cluster: Cluster, extra: Record<string, unknown> = {}) {
  const config = resolveConfig({
    ...QUICK,
    bootstrapServers: cluster.bootstrapServers,
    enableIdempotence: false,
    acks: 'all',
    ...extra,
  })
  const pool = new ConnectionPool({
    clientId: config.clientId,
    requestTimeoutMs: config.requestTimeoutMs,
    connectTimeoutMs: config.socketConnectionSetupTimeoutMs,
    reconnectBackoffMs: config.reconnectBackoffMs,
    reconnectBackoffMaxMs: config.reconnectBackoffMaxMs,
  })
  const metadata = new MetadataManager(pool, {
    bootstrapServers: config.bootstrapServers,
    metadataMaxAgeMs: config.metadataMaxAgeMs,
    retryBackoffMs: config.retryBackoffMs,
    retryBackoffMaxMs: config.retryBackoffMaxMs,
    allowAutoCreateTopics: false,
  })
  const memory = new MemoryBudget(config.bufferMemory)
  const acc = new RecordAccumulator({
    batchSize: config.batchSize,
    lingerMs: config.lingerMs,
    memory,
    onMemoryReleased: () => {},
  })
  const metrics = new ProducerMetrics(
    config.clientId,
    { windowMs: 30_000, samples: 2 },
    {
      requestsInFlight: () => pool.inFlight,
      metadataAgeMs: () => 0,
      bufferTotalBytes: () => memory.capacity,
      bufferAvailableBytes: () => memory.available,
      waitingForMemory: () => 0,
      connectionCount: () => pool.openCount,
    },
  )
  const sender = new Sender(
    acc,
    metadata,
    pool,
    config,
    new BuiltInPartitioner(config.batchSize, false),
    null,
    metrics,
  )
  const outcomes: (RecordMetadata | Error)[] = []
  /** Appends one record to `topic`-`partition` and resolves with its outcome. */
  const append = (topic: string, partition: number, value: string) =>
    new Promise<RecordMetadata | Error>((resolve) => {
      const r = acc.append(
        topic,
        partition,
        Date.now(),
        null,
        Buffer.from(value),
        [],
        (err, md) => {
          const o = err ?? md!
          outcomes.push(o)
          resolve(o)
        },
        Date.now(),
      )
      assert.ok(r !== null, 'appended')
      sender.wakeup()
    })
  const close = () => {
    sender.close()
    metadata.close()
    pool.close()
  }
  return { sender, metadata, acc, metrics, append, close, outcomes }
}

const produces = (cluster: Cluster) => cluster.requests.filter((r) => r.apiKey === ApiKey.Produce)

describe('Sender', () => {
  test('one Produce request per leader broker, with a batch for every ready partition it leads', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 2, topics: [{ name: 't', partitions: 4 }] })
    // Partitions 0 and 2 on broker 0, 1 and 3 on broker 1.
    cluster.moveLeader('t', 0, 0)
    cluster.moveLeader('t', 2, 0)
    cluster.moveLeader('t', 1, 1)
    cluster.moveLeader('t', 3, 1)
    // linger.ms=0: the four appends happen in one tick, before the sender's next run (wakeup is
    // deferred), so all four are ready together. With a linger, a clock tick between two appends
    // would make one batch ready a millisecond later, in a request of its own: this sender
    // drains only ready batches, where Java's also takes the not-yet-ready heads of a node it
    // drains (see the note in docs/ARCHITECTURE.md).
    const h = await harness(cluster, { lingerMs: 0 })
    try {
      await h.metadata.waitForTopic('t', Date.now() + 5000)
      const results = await Promise.all([0, 1, 2, 3].map((p) => h.append('t', p, `v${p}`)))
      assert.ok(results.every((r) => !(r instanceof Error)))
      const reqs = produces(cluster)
      assert.equal(reqs.length, 2, 'one request per leader')
      const byBroker = new Map(reqs.map((r) => [r.broker, r.partitions.map((p) => p.partition).sort()]))
      assert.deepEqual(byBroker.get(0), [0, 2])
      assert.deepEqual(byBroker.get(1), [1, 3])
      for (const p of [0, 1, 2, 3]) assert.equal(cluster.log('t', p).length, 1)
    } finally {
      h.close()
      await cluster.close()
    }
  })

  test('max.in.flight.requests.per.connection=1: the next request leaves only after the answer', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    // The answer is held for 3 s, within the request timeout: it comes, it does not time out.
    const h = await harness(cluster, {
      maxInFlightRequestsPerConnection: 1,
      requestTimeoutMs: 10_000,
      deliveryTimeoutMs: 20_000,
    })
    try {
      await h.metadata.waitForTopic('t', Date.now() + 5000)
      // Long enough that the checks below run while the first answer is held, even under load.
      cluster.addRule({ apiKey: ApiKey.Produce, times: 1, delayMs: 3_000 })
      const first = h.append('t', 0, 'a')
      while (produces(cluster).length === 0) await new Promise((r) => setTimeout(r, 5))
      const second = h.append('t', 1, 'b')
      await new Promise((r) => setTimeout(r, 50))
      // The broker handles a connection's requests in order, so count on our side.
      assert.equal(
        h.metrics.clientMetrics()['requests-in-flight'],
        1,
        'the second waits for the first answer',
      )
      await Promise.all([first, second])
      assert.equal(produces(cluster).length, 2)
    } finally {
      h.close()
      await cluster.close()
    }
  })

  test('a retriable refusal is retried after backoff and the batch is written once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    cluster.failPartition('t', 0, 6) // NOT_LEADER_OR_FOLLOWER once
    const h = await harness(cluster)
    try {
      await h.metadata.waitForTopic('t', Date.now() + 5000)
      const md = await h.append('t', 0, 'v')
      assert.ok(!(md instanceof Error), `delivered, got ${md}`)
      assert.equal(md.offset, 0n)
      assert.equal(produces(cluster).length, 2)
      assert.equal(cluster.log('t', 0).length, 1)
      assert.equal(h.metrics.clientMetrics()['record-retry-total'], 1)
    } finally {
      h.close()
      await cluster.close()
    }
  })

  test('a batch whose partition has no leader expires at delivery.timeout.ms, unsent, not written', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const h = await harness(cluster, { requestTimeoutMs: 200, deliveryTimeoutMs: 400 })
    try {
      await h.metadata.waitForTopic('t', Date.now() + 5000)
      cluster.moveLeader('t', 0, -1)
      await h.metadata.refresh()
      const out = await h.append('t', 0, 'v')
      assert.ok(out instanceof TimeoutError, `got ${out}`)
      assert.equal(out.code, 'ERR_DELIVERY_TIMEOUT')
      assert.equal(out.maybeWritten, false)
      assert.equal(produces(cluster).length, 0)
    } finally {
      h.close()
      await cluster.close()
    }
  })

  test('after close() a failed request is not retried: its batch fails, maybe written', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
    const h = await harness(cluster, { requestTimeoutMs: 60_000, deliveryTimeoutMs: 120_000 })
    try {
      await h.metadata.waitForTopic('t', Date.now() + 5000)
      const out = h.append('t', 0, 'v')
      await new Promise((r) => setTimeout(r, 100))
      assert.equal(produces(cluster).length, 1)
      h.close()
      const err = await out
      assert.ok(err instanceof KafkaError, `got ${err}`)
      assert.equal(err.maybeWritten, true)
      assert.equal(produces(cluster).length, 1, 'no retry')
      assert.equal(h.outcomes.length, 1, 'settled once')
    } finally {
      await cluster.close()
    }
  })
})

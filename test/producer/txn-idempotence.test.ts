/**
 * The transaction manager's idempotence part on its own: a real connection pool and metadata
 * manager against the fake broker (for InitProducerId), batches made by hand and handed to the
 * manager as the sender hands them (prepareDrain, mayDrain, stamp, onCompleted, onFailed,
 * onUnknownFate, canRetry, maintain). No Producer and no Sender: each decision is checked where
 * it is made.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MetadataManager } from '../../src/cluster/metadata-manager.js'
import { KafkaError, NetworkError } from '../../src/errors.js'
import { ConnectionPool } from '../../src/network/connection-pool.js'
import { RecordAccumulator } from '../../src/producer/accumulator.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import { MemoryBudget } from '../../src/producer/memory.js'
import { ProducerBatch } from '../../src/producer/producer-batch.js'
import { TransactionManager } from '../../src/producer/txn/transaction-manager.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { encodeResponse } from '../../src/protocol/codec.js'
import { brokerError, ErrorCode } from '../../src/protocol/error-codes.js'
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js'
import { Writer } from '../../src/protocol/writer.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'
import { waitUntil } from '../helpers/wait-until.js'

type Cluster = Awaited<ReturnType<typeof startFakeCluster>>

interface Identity {
  producerId: bigint
  epoch: number
  why: string
  bump: boolean
}

/** An idempotent (not transactional) transaction manager wired as the Producer wires it. */
function harness(cluster: Cluster) {
  const config = resolveConfig({ ...QUICK, bootstrapServers: cluster.bootstrapServers, acks: 'all' })
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
  const acc = new RecordAccumulator({
    batchSize: config.batchSize,
    lingerMs: config.lingerMs,
    memory: new MemoryBudget(config.bufferMemory),
    onMemoryReleased: () => {},
  })
  let wakeups = 0
  const identities: Identity[] = []
  const fatals: Error[] = []
  const tm = new TransactionManager(
    config,
    pool,
    metadata,
    acc,
    () => {
      wakeups++
    },
    {
      identity: (producerId, epoch, why, bump) => identities.push({ producerId, epoch, why, bump }),
      fatal: (err) => fatals.push(err),
    },
  )
  /** A sealed batch of `n` records for partition `p` of 't', as the accumulator would hand it over. */
  const batch = (p: number, n: number) => {
    const b = new ProducerBatch('t', p, Date.now(), 16384)
    for (let i = 0; i < n; i++) b.tryAppend(Date.now(), null, Buffer.from(`v${i}`), [], null, 16384)
    b.state = 'sealed'
    return b
  }
  /** What the sender does per drained batch: ask, then stamp. */
  const drain = (b: ProducerBatch) => {
    const q = acc.queue(b.topic, b.partition)
    if (!tm.mayDrain(q, b)) return false
    tm.stamp(q, b)
    return true
  }
  const mayDrain = (b: ProducerBatch) => tm.mayDrain(acc.queue(b.topic, b.partition), b)
  /** prepareDrain until it says yes (the sender asks again after each wakeup). */
  const ready = async () => {
    await waitUntil(
      () => tm.prepareDrain(),
      () => 'a producer id',
      10_000,
      5,
    )
  }
  const close = () => {
    tm.close()
    metadata.close()
    pool.close()
  }
  return {
    tm,
    batch,
    drain,
    mayDrain,
    ready,
    close,
    identities,
    fatals,
    get wakeups() {
      return wakeups
    },
  }
}

const inits = (cluster: Cluster) => cluster.requests.filter((r) => r.apiKey === ApiKey.InitProducerId)

/** An InitProducerId answer naming `producerId` at `epoch`, whatever was asked. */
function initAnswer(producerId: bigint, epoch: number) {
  return (req: { apiVersion: number; correlationId: number }) => {
    const w = new Writer(64)
    encodeResponse(w, InitProducerId, req.apiVersion, req.correlationId, {
      throttleTimeMs: 0,
      errorCode: 0,
      producerId,
      producerEpoch: epoch,
      ongoingTxnProducerId: -1n,
      ongoingTxnProducerEpoch: -1,
    })
    return Buffer.from(w.view())
  }
}

async function withHarness(
  run: (h: ReturnType<typeof harness>, cluster: Cluster) => Promise<void>,
  before: (cluster: Cluster) => void = () => {},
) {
  const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
  before(cluster)
  const h = harness(cluster)
  try {
    await run(h, cluster)
  } finally {
    h.close()
    await cluster.close()
  }
}

describe('TransactionManager, idempotent producer', () => {
  test('without a producer id nothing drains; one InitProducerId however often asked, then the sender is woken', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h, cluster) => {
      assert.equal(h.tm.prepareDrain(), false)
      assert.equal(h.tm.prepareDrain(), false)
      assert.equal(h.tm.prepareDrain(), false)
      await waitUntil(
        () => h.wakeups > 0,
        () => 'the wakeup after InitProducerId',
        10_000,
        5,
      )
      assert.equal(inits(cluster).length, 1, 'asked once')
      assert.equal((inits(cluster)[0]!.body as { transactionalId: string | null }).transactionalId, null)
      assert.equal(h.tm.prepareDrain(), true)
      assert.ok(h.tm.hasProducerId)
      assert.equal(h.tm.epoch, 0)
      assert.equal(h.tm.state, 'READY')
      assert.deepEqual(h.identities, [
        { producerId: h.tm.producerId, epoch: 0, why: 'producer id', bump: false },
      ])
      assert.equal(inits(cluster).length, 1, 'not asked again once known')
    })
  })

  test('sequences per partition from 0 in drain order; one batch at a time until the first acknowledgement, then pipelined', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h) => {
      await h.ready()
      const a = h.batch(0, 3)
      const b = h.batch(0, 2)
      const c = h.batch(0, 4)
      const other = h.batch(1, 5)
      assert.ok(h.drain(a))
      assert.equal(a.baseSequence, 0)
      assert.equal(a.producerId, h.tm.producerId)
      assert.equal(a.producerEpoch, 0)
      assert.equal(h.drain(b), false, 'the broker may have no state for us until a batch lands')
      assert.ok(h.drain(other), 'another partition is independent')
      assert.equal(other.baseSequence, 0)
      h.tm.onCompleted(a, 100n)
      assert.ok(h.drain(b))
      assert.equal(b.baseSequence, 3)
      assert.ok(h.drain(c), 'pipelined after the first acknowledgement')
      assert.equal(c.baseSequence, 5)
      // Out-of-order completions do not move the last acknowledged sequence back.
      h.tm.onCompleted(c, 105n)
      h.tm.onCompleted(b, 103n)
      const d = h.batch(0, 1)
      assert.ok(h.drain(d))
      assert.equal(d.baseSequence, 9)
    })
  })

  test('a retried batch goes out only as the first unfinished one of its partition', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h) => {
      await h.ready()
      const a = h.batch(0, 1)
      h.drain(a)
      h.tm.onCompleted(a, 0n)
      const b = h.batch(0, 2)
      const c = h.batch(0, 2)
      h.drain(b)
      h.drain(c)
      // Both refused (say NOT_ENOUGH_REPLICAS) and queued again: c may not overtake b.
      assert.equal(h.mayDrain(c), false)
      assert.equal(h.mayDrain(b), true)
      h.tm.onCompleted(b, 1n)
      assert.equal(h.mayDrain(c), true)
    })
  })

  test('a batch whose fate is unknown holds new sequences; a later acknowledgement shows it landed, no bump', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h) => {
      await h.ready()
      const a = h.batch(0, 2)
      h.drain(a)
      h.tm.onCompleted(a, 0n)
      const b = h.batch(0, 2)
      const c = h.batch(0, 2)
      h.drain(b)
      h.drain(c)
      h.tm.onUnknownFate(b, new NetworkError('request timed out'))
      h.tm.maintain()
      const d = h.batch(0, 1)
      assert.equal(h.mayDrain(d), false, 'no new sequence while b is in doubt and c in flight')
      // The broker acknowledged c, whose sequences follow b's: b was written.
      h.tm.onCompleted(c, 4n)
      h.tm.maintain()
      assert.ok(h.drain(d))
      assert.equal(d.baseSequence, 6)
      assert.equal(d.producerEpoch, 0, 'no epoch bump')
      assert.equal(h.identities.length, 1)
    })
  })

  test('an unknown fate nothing resolves: the epoch is bumped locally (KIP-360) and the partition starts again at 0', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h, cluster) => {
      await h.ready()
      const pid = h.tm.producerId
      const a = h.batch(0, 2)
      h.drain(a)
      h.tm.onCompleted(a, 0n)
      const onOther = h.batch(1, 3)
      h.drain(onOther)
      h.tm.onCompleted(onOther, 0n)
      const b = h.batch(0, 2)
      h.drain(b)
      h.tm.onUnknownFate(b, new NetworkError('request timed out'))
      h.tm.maintain()
      assert.equal(h.tm.producerId, pid, 'the same producer id')
      assert.equal(h.tm.epoch, 1)
      assert.deepEqual(h.identities.at(-1), {
        producerId: pid,
        epoch: 1,
        why: 'epoch bumped (KIP-360)',
        bump: true,
      })
      assert.equal(inits(cluster).length, 1, 'the idempotent bump is local: no InitProducerId')
      const c = h.batch(0, 1)
      assert.ok(h.drain(c))
      assert.equal(c.baseSequence, 0)
      assert.equal(c.producerEpoch, 1)
      // The other partition moves to the new epoch from 0 too once it has nothing in flight.
      const onOther2 = h.batch(1, 1)
      assert.ok(h.drain(onOther2))
      assert.equal(onOther2.producerEpoch, 1)
      assert.equal(onOther2.baseSequence, 0)
    })
  })

  test('UNKNOWN_PRODUCER_ID after the log head was deleted: retried, the batches in flight rewritten from 0 under a new epoch', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h) => {
      await h.ready()
      const a = h.batch(0, 2)
      h.drain(a)
      h.tm.onCompleted(a, 10n) // offsets 10 and 11
      const b = h.batch(0, 3)
      const c = h.batch(0, 1)
      h.drain(b)
      h.drain(c)
      assert.equal(b.baseSequence, 2)
      // Retention removed everything up to offset 50: the broker forgot this producer.
      assert.equal(h.tm.canRetry(b, ErrorCode.UNKNOWN_PRODUCER_ID, 50n), true)
      h.tm.maintain()
      assert.equal(h.tm.epoch, 1)
      assert.equal(b.baseSequence, 0)
      assert.equal(b.producerEpoch, 1)
      assert.ok(b.resequenced)
      assert.equal(c.baseSequence, 3)
      assert.equal(h.mayDrain(b), true, 'the first unfinished batch goes first')
      assert.equal(h.mayDrain(c), false)
    })
  })

  test('OUT_OF_ORDER_SEQUENCE_NUMBER on the next expected batch: a real gap, so a new epoch; on a later one, only a wait', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h) => {
      await h.ready()
      const a = h.batch(0, 1)
      h.drain(a)
      h.tm.onCompleted(a, 0n)
      const b = h.batch(0, 1)
      const c = h.batch(0, 1)
      h.drain(b)
      h.drain(c)
      // c is refused because b (before it) is being retried: retry c after b, no bump.
      assert.equal(h.tm.canRetry(c, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, -1n), true)
      h.tm.maintain()
      assert.equal(h.tm.epoch, 0)
      // b itself refused out of order: the broker lost something before it.
      assert.equal(h.tm.canRetry(b, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, -1n), true)
      h.tm.maintain()
      assert.equal(h.tm.epoch, 1)
      assert.equal(b.baseSequence, 0)
      assert.equal(c.baseSequence, 1)
    })
  })

  test('a batch failed for good and not written leaves a gap: the next epoch closes it', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h) => {
      await h.ready()
      const a = h.batch(0, 2)
      h.drain(a)
      h.tm.onCompleted(a, 0n)
      const b = h.batch(0, 2)
      h.drain(b)
      h.tm.onFailed(b, brokerError(ErrorCode.MESSAGE_TOO_LARGE, 'Produce'), true)
      h.tm.maintain()
      assert.equal(h.tm.epoch, 1)
      const c = h.batch(0, 1)
      assert.ok(h.drain(c))
      assert.equal(c.baseSequence, 0)
      assert.equal(c.producerEpoch, 1)
    })
  })

  test('UNKNOWN_PRODUCER_ID as a final failure: the partition forgets its sequences and starts at 0, same epoch', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h) => {
      await h.ready()
      const a = h.batch(0, 2)
      h.drain(a)
      h.tm.onCompleted(a, 0n)
      const b = h.batch(0, 2)
      h.drain(b)
      h.tm.onFailed(b, brokerError(ErrorCode.UNKNOWN_PRODUCER_ID, 'Produce'), false)
      h.tm.maintain()
      assert.equal(h.tm.epoch, 0)
      const c = h.batch(0, 1)
      assert.ok(h.drain(c))
      assert.equal(c.baseSequence, 0)
    })
  })

  test('epochs exhausted at 32767: the next bump takes a new producer id from InitProducerId', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(
      async (h, cluster) => {
        await h.ready()
        assert.equal(h.tm.producerId, 4242n)
        assert.equal(h.tm.epoch, 32767)
        const a = h.batch(0, 1)
        h.drain(a)
        h.tm.onUnknownFate(a, new NetworkError('request timed out'))
        h.tm.maintain()
        assert.equal(h.tm.hasProducerId, false)
        assert.deepEqual(h.identities.at(-1), {
          producerId: -1n,
          epoch: -1,
          why: 'epochs exhausted: a new producer id is next',
          bump: true,
        })
        await h.ready()
        assert.equal(inits(cluster).length, 2)
        assert.notEqual(h.tm.producerId, 4242n)
        assert.equal(h.tm.epoch, 0)
        const b = h.batch(0, 1)
        assert.ok(h.drain(b))
        assert.equal(b.baseSequence, 0)
        assert.equal(b.producerId, h.tm.producerId)
      },
      (cluster) =>
        cluster.addRule({ apiKey: ApiKey.InitProducerId, times: 1, respondWith: initAnswer(4242n, 32767) }),
    )
  })

  test('a retriable InitProducerId error is asked again after retry.backoff.ms', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(
      async (h, cluster) => {
        await h.ready()
        assert.equal(inits(cluster).length, 2)
        assert.ok(h.tm.hasProducerId)
        assert.equal(h.tm.fatalError, null)
        assert.equal(h.fatals.length, 0)
      },
      (cluster) =>
        cluster.addRule({
          apiKey: ApiKey.InitProducerId,
          times: 1,
          errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        }),
    )
  })

  test('CLUSTER_AUTHORIZATION_FAILED on InitProducerId is fatal: nothing drains, never asked again, the fix named', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(
      async (h, cluster) => {
        assert.equal(h.tm.prepareDrain(), false)
        await waitUntil(
          () => h.tm.state === 'FATAL_ERROR',
          () => 'the fatal state',
          10_000,
          5,
        )
        const err = h.tm.fatalError
        assert.ok(err instanceof KafkaError)
        assert.equal(err.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
        assert.equal(err.retriable, false)
        assert.match(err.message, /IdempotentWrite/)
        assert.deepEqual(h.fatals, [err])
        assert.equal(h.tm.prepareDrain(), false)
        assert.equal(h.mayDrain(h.batch(0, 1)), false)
        await new Promise((r) => setTimeout(r, 50))
        assert.equal(inits(cluster).length, 1)
      },
      (cluster) =>
        cluster.addRule({
          apiKey: ApiKey.InitProducerId,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        }),
    )
  })

  test('a fatal error on a batch (authorization) stops every partition from draining', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withHarness(async (h) => {
      await h.ready()
      const a = h.batch(0, 1)
      h.drain(a)
      h.tm.onFailed(a, brokerError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Produce'), false)
      assert.equal(h.tm.state, 'FATAL_ERROR')
      assert.equal(h.fatals.length, 1)
      assert.equal(h.tm.prepareDrain(), false)
      assert.equal(h.mayDrain(h.batch(1, 1)), false)
    })
  })
})

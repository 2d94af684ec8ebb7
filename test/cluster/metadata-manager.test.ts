/**
 * MetadataManager on its own, with a scripted connection pool: each Metadata request is answered
 * (or not) by the test. Coalescing of refreshes, waitForTopic's deadline as a bound whatever the
 * network does, closing() giving waits one more answer, fatal topic errors at once, leader hints,
 * idle topics forgotten.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MetadataManager } from '../../src/cluster/metadata-manager.js'
import { BrokerError, NetworkError, ProducerClosedError, TimeoutError } from '../../src/errors.js'
import type { BrokerAddress, ConnectionPool } from '../../src/network/connection-pool.js'
import type { MetadataRequest, MetadataResponse } from '../../src/protocol/messages/metadata.js'

interface Asked {
  topics: string[]
  answer: (res: MetadataResponse) => void
  fail: (err: Error) => void
}

/** A pool whose every connection sends Metadata requests to the test. */
class ScriptedPool {
  readonly asked: Asked[] = []
  readonly pool = {
    get: async (_addr: BrokerAddress) => ({
      send: (_api: unknown, body: MetadataRequest) =>
        new Promise<MetadataResponse>((answer, fail) =>
          this.asked.push({ topics: (body.topics ?? []).map((t) => t.name ?? ''), answer, fail }),
        ),
    }),
    peek: () => null,
    readyAt: () => 0,
  } as unknown as ConnectionPool

  /** Waits until `n` requests have been asked. */
  async requests(n: number): Promise<void> {
    for (let i = 0; i < 200 && this.asked.length < n; i++) await new Promise((r) => setTimeout(r, 5))
    assert.ok(this.asked.length >= n, `${n} Metadata requests (got ${this.asked.length})`)
  }
}

const BROKER = { nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }

function response(
  topics: { name: string; partitions?: number; errorCode?: number; leader?: number }[],
): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: [BROKER],
    clusterId: 'c',
    controllerId: 1,
    topics: topics.map((t) => ({
      errorCode: t.errorCode ?? 0,
      name: t.name,
      topicId: new Uint8Array(16),
      isInternal: false,
      partitions: Array.from({ length: t.partitions ?? (t.errorCode ? 0 : 1) }, (_, i) => ({
        errorCode: 0,
        partitionIndex: i,
        leaderId: t.leader ?? 1,
        leaderEpoch: 0,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: 0,
    })),
    clusterAuthorizedOperations: 0,
  } as unknown as MetadataResponse
}

function manager(s: ScriptedPool, extra: Partial<ConstructorParameters<typeof MetadataManager>[1]> = {}) {
  return new MetadataManager(s.pool, {
    bootstrapServers: [{ host: '127.0.0.1', port: 9092 }],
    metadataMaxAgeMs: 300_000,
    retryBackoffMs: 5,
    retryBackoffMaxMs: 20,
    allowAutoCreateTopics: false,
    ...extra,
  })
}

describe('MetadataManager', () => {
  test('concurrent refreshes share one request, and one more follows for those who asked meanwhile', async () => {
    const s = new ScriptedPool()
    const m = manager(s)
    const a = m.refresh()
    const b = m.refresh()
    await s.requests(1)
    assert.equal(s.asked.length, 1)
    s.asked[0]!.answer(response([]))
    assert.equal(await a, await b)
    await s.requests(2) // the follow-up
    s.asked[1]!.answer(response([]))
    m.close()
  })

  test('waitForTopic resolves when the topic comes, retrying while it is unknown', async () => {
    const s = new ScriptedPool()
    const m = manager(s)
    const wait = m.waitForTopic('t', Date.now() + 10_000)
    await s.requests(1)
    assert.deepEqual(s.asked[0]!.topics, ['t'])
    s.asked[0]!.answer(response([{ name: 't', errorCode: 3 }])) // UNKNOWN_TOPIC_OR_PARTITION
    await s.requests(2)
    s.asked[1]!.answer(response([{ name: 't', partitions: 3 }]))
    const meta = await wait
    assert.equal(meta.partitions.length, 3)
    m.close()
  })

  test('the deadline is a bound: a request with no answer is not waited for past it', async () => {
    const s = new ScriptedPool()
    const m = manager(s)
    const started = performance.now()
    await assert.rejects(m.waitForTopic('t', Date.now() + 200), (err: unknown) => {
      assert.ok(err instanceof TimeoutError)
      assert.equal(err.code, 'ERR_METADATA_TIMEOUT')
      return true
    })
    assert.equal(s.asked.length, 1, 'one request, never answered')
    // Far from the request timeout the unanswered request would have waited for (none here: forever).
    assert.ok(performance.now() - started < 5_000)
    m.close()
  })

  test('a fatal topic error fails the wait at once, naming it', async () => {
    const s = new ScriptedPool()
    const m = manager(s)
    const wait = m.waitForTopic('t', Date.now() + 10_000)
    await s.requests(1)
    s.asked[0]!.answer(response([{ name: 't', errorCode: 29 }])) // TOPIC_AUTHORIZATION_FAILED
    await assert.rejects(wait, (err: unknown) => {
      assert.ok(err instanceof BrokerError)
      assert.equal(err.code, 'TOPIC_AUTHORIZATION_FAILED')
      assert.match(err.message, /metadata for topic 't' failed/)
      return true
    })
    m.close()
  })

  test('closing(): a wait gets the answer under way, then fails with ProducerClosedError if the topic is unknown', async () => {
    const s = new ScriptedPool()
    const m = manager(s)
    const missing = m.waitForTopic('missing', Date.now() + 60_000)
    const known = m.waitForTopic('known', Date.now() + 60_000)
    await s.requests(1)
    m.closing()
    s.asked[0]!.answer(response([{ name: 'missing', errorCode: 3 }]))
    // The request under way may predate a topic: one more asks for every topic waited for.
    await s.requests(2)
    assert.deepEqual(s.asked[1]!.topics.sort(), ['known', 'missing'])
    s.asked[1]!.answer(
      response([
        { name: 'missing', errorCode: 3 },
        { name: 'known', partitions: 2 },
      ]),
    )
    await assert.rejects(missing, (err: unknown) => {
      assert.ok(err instanceof ProducerClosedError)
      assert.match(err.message, /metadata of topic 'missing'.*it does not exist/)
      return true
    })
    assert.equal((await known).partitions.length, 2)
    assert.equal(s.asked.length, 2, 'no retry after closing')
    m.close()
  })

  test('close() ends a wait at once', async () => {
    const s = new ScriptedPool()
    const m = manager(s)
    const wait = m.waitForTopic('t', Date.now() + 60_000)
    await s.requests(1)
    m.close()
    await assert.rejects(wait, ProducerClosedError)
  })

  test('a broker that cannot be reached: the timeout names the servers tried and the last error', async () => {
    const s = new ScriptedPool()
    const m = manager(s)
    const wait = m.waitForTopic('t', Date.now() + 300)
    await s.requests(1)
    s.asked[0]!.fail(new NetworkError('connection refused'))
    await assert.rejects(wait, (err: unknown) => {
      assert.ok(err instanceof TimeoutError)
      assert.match(err.message, /no broker could be reached.*127\.0\.0\.1:9092.*connection refused/)
      return true
    })
    m.close()
  })

  test('a leader hint with a newer epoch moves the leader; an older or unknown one is ignored', async () => {
    const s = new ScriptedPool()
    const m = manager(s)
    const wait = m.waitForTopic('t', Date.now() + 10_000)
    await s.requests(1)
    s.asked[0]!.answer(response([{ name: 't', partitions: 1 }]))
    await wait
    const two = { nodeId: 2, host: '127.0.0.2', port: 9092, rack: null }
    assert.equal(m.applyLeaderHint('t', 0, 2, 0, [two]), false, 'same epoch')
    assert.equal(m.applyLeaderHint('t', 0, 3, 5, []), false, 'a broker nobody knows')
    assert.equal(m.applyLeaderHint('t', 0, 2, 5, [two]), true)
    assert.equal(m.snapshot.topic('t')!.partitions[0]!.leader, 2)
    assert.equal(m.snapshot.brokers.get(2)?.host, '127.0.0.2')
    m.close()
  })

  test('a topic idle past metadata.max.idle.ms leaves the next request and the snapshot', async () => {
    const s = new ScriptedPool()
    const m = manager(s, { metadataMaxIdleMs: 50 })
    const wait = m.waitForTopic('t', Date.now() + 10_000)
    await s.requests(1)
    s.asked[0]!.answer(response([{ name: 't', partitions: 1 }]))
    await wait
    await new Promise((r) => setTimeout(r, 80))
    const next = m.refresh()
    await s.requests(2)
    assert.deepEqual(s.asked[1]!.topics, [])
    s.asked[1]!.answer(response([]))
    await next
    assert.equal(m.snapshot.topic('t'), undefined)
    m.close()
  })
})

describe('metadata.recovery.strategy', () => {
  /** Bootstrap 127.0.0.1:9092 names one broker, node 2 on port 9093, which can't be reached. */
  function lostCluster() {
    const asked: number[] = []
    const pool = {
      get: async (addr: BrokerAddress) => {
        asked.push(addr.port)
        if (addr.port === 9093) throw new NetworkError('node 2 is down')
        return {
          send: async () => ({
            ...response([]),
            brokers: [{ nodeId: 2, host: '127.0.0.1', port: 9093, rack: null }],
          }),
        }
      },
      peek: () => null,
      readyAt: () => 0,
    } as unknown as ConnectionPool
    return { asked, pool }
  }

  for (const strategy of ['rebootstrap', 'none'] as const) {
    test(`${strategy}: with every known broker down, the bootstrap servers are ${strategy === 'none' ? 'not ' : ''}asked again`, async () => {
      const { asked, pool } = lostCluster()
      const m = new MetadataManager(pool, {
        bootstrapServers: [{ host: '127.0.0.1', port: 9092 }],
        metadataMaxAgeMs: 300_000,
        retryBackoffMs: 5,
        retryBackoffMaxMs: 20,
        allowAutoCreateTopics: false,
        recoveryStrategy: strategy,
      })
      try {
        await m.refresh()
        assert.deepEqual(asked, [9092], 'the first answer comes from the bootstrap server')
        const second = m.refresh()
        if (strategy === 'none') {
          await assert.rejects(second, NetworkError)
          assert.deepEqual(asked, [9092, 9093])
        } else {
          await second
          assert.deepEqual(asked, [9092, 9093, 9092])
        }
      } finally {
        m.close()
      }
    })
  }
})

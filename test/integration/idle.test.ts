/**
 * What the producer lets go of when it is idle, on a real broker: connections after
 * connections.max.idle.ms, a topic's metadata after metadata.max.idle.ms. Sending again brings
 * either back, and nothing is lost.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseBrokerList } from '../../src/cluster/admin.js'
import { MetadataManager } from '../../src/cluster/metadata-manager.js'
import { ConnectionPool } from '../../src/network/connection-pool.js'
import { Producer } from '../../src/producer/producer.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()

/** Waits for `check` to hold; fails naming `what` if it does not within a generous bound. */
async function until(what: string, check: () => boolean): Promise<void> {
  const giveUpAt = Date.now() + 30_000
  while (!check()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`)
    await sleep(25)
  }
}

async function values(topic: string): Promise<(string | null)[]> {
  return (await readTopic(bootstrap, topic)).map((r) => r.value?.toString() ?? null)
}

describe('connections.max.idle.ms', () => {
  test('idle connections are closed; the next send opens a new one; nothing is lost', async () => {
    const topic = uniqueTopic('idle-conn')
    await createTopic(topic, 1)
    const p = new Producer({ bootstrapServers: bootstrap, connectionsMaxIdleMs: 300, lingerMs: 0 })
    try {
      await p.send({ topic, value: 'before' })
      assert.ok((p.metrics()['connection-count'] ?? 0) >= 1, 'a connection is open after a send')
      await until('the idle connections to close', () => p.metrics()['connection-count'] === 0)
      const idle = p.metrics()
      assert.ok((idle['connection-close-total'] ?? 0) >= 1)
      await p.send({ topic, value: 'after' })
      const again = p.metrics()
      assert.ok((again['connection-creation-total'] ?? 0) > (idle['connection-creation-total'] ?? 0))
      assert.ok((again['connection-count'] ?? 0) >= 1)
    } finally {
      await p.close()
    }
    assert.deepEqual(await values(topic), ['before', 'after'])
  })

  test('by default (9 minutes) a connection outlives a pause', async () => {
    const topic = uniqueTopic('idle-conn-default')
    await createTopic(topic, 1)
    const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 0 })
    try {
      await p.send({ topic, value: 'x' })
      await sleep(1000)
      const m = p.metrics()
      assert.ok((m['connection-count'] ?? 0) >= 1)
      assert.equal(m['connection-close-total'], 0)
    } finally {
      await p.close()
    }
  })
})

describe('metadata.max.idle.ms', () => {
  test('a topic unused for that long leaves the next refresh and the snapshot; asking again brings it back', async () => {
    const a = uniqueTopic('idle-meta-a')
    const b = uniqueTopic('idle-meta-b')
    await createTopic(a, 1)
    await createTopic(b, 2)
    const maxIdle = 1000
    const pool = new ConnectionPool({
      clientId: 'idle-test',
      requestTimeoutMs: 10_000,
      connectTimeoutMs: 5000,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 1000,
    })
    const metadata = new MetadataManager(pool, {
      bootstrapServers: parseBrokerList(bootstrap),
      metadataMaxAgeMs: 300_000,
      metadataMaxIdleMs: maxIdle,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
      allowAutoCreateTopics: false,
    })
    try {
      await metadata.waitForTopic(a, Date.now() + 20_000)
      await metadata.waitForTopic(b, Date.now() + 20_000)
      await metadata.refresh()
      assert.ok(metadata.snapshot.topic(a), 'a topic just used stays')
      await sleep(maxIdle + 200)
      metadata.touch(b, Date.now())
      await metadata.refresh()
      assert.equal(metadata.snapshot.topic(a), undefined, 'the idle topic is forgotten')
      assert.equal(metadata.snapshot.topic(b)?.partitions.length, 2, 'the touched topic stays')
      const back = await metadata.waitForTopic(a, Date.now() + 20_000)
      assert.equal(back.partitions.length, 1)
      assert.ok(metadata.snapshot.topic(a))
    } finally {
      metadata.close()
      pool.close()
    }
  })

  test('a producer sends to a topic again after its metadata expired, while another topic stays busy', async () => {
    const quiet = uniqueTopic('idle-meta-quiet')
    const busy = uniqueTopic('idle-meta-busy')
    await createTopic(quiet, 1)
    await createTopic(busy, 1)
    // 5000 is the smallest metadata.max.idle.ms Kafka allows; refreshes every 500 ms expire it.
    const p = new Producer({
      bootstrapServers: bootstrap,
      metadataMaxIdleMs: 5000,
      metadataMaxAgeMs: 500,
      lingerMs: 0,
    })
    const sentBusy: string[] = []
    try {
      await p.send({ topic: quiet, value: 'q1' })
      const until = Date.now() + 6000
      for (let i = 0; Date.now() < until; i++) {
        await p.send({ topic: busy, value: `b${i}` })
        sentBusy.push(`b${i}`)
        await sleep(200)
      }
      await p.send({ topic: quiet, value: 'q2' })
    } finally {
      await p.close()
    }
    assert.deepEqual(await values(quiet), ['q1', 'q2'])
    assert.deepEqual(await values(busy), sentBusy)
  })
})

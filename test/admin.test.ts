/** The public createTopics(): created over the producer's settings, read back by the producer and Kafka's consumer. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BrokerError, ConfigError, createTopics, Producer } from '../src/index.js'
import { readTopic } from './helpers/independent-reader.js'
import { testBootstrap, uniqueTopic } from './helpers/kafka.js'

describe('createTopics()', () => {
  test('creates topics with partitions and configs; an existing one is reported, not an error', async () => {
    const bootstrap = testBootstrap()
    const a = uniqueTopic('admin-a')
    const b = uniqueTopic('admin-b')
    const created = await createTopics({ bootstrapServers: bootstrap, lingerMs: 5 }, [
      { name: a, partitions: 4, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
      { name: b },
    ])
    assert.deepEqual(created, [
      { name: a, created: true },
      { name: b, created: true },
    ])
    const again = await createTopics({ 'bootstrap.servers': bootstrap }, [{ name: a, partitions: 4 }], {
      timeoutMs: 10_000,
    })
    assert.deepEqual(again, [{ name: a, created: false }])

    const p = new Producer({ bootstrapServers: bootstrap })
    try {
      assert.equal((await p.partitionsFor(a)).length, 4)
      const md = await p.send({ topic: a, key: 'k', value: 'v', partition: 3 })
      assert.equal(md.partition, 3)
    } finally {
      await p.close()
    }
    const got = await readTopic(bootstrap, a)
    assert.deepEqual(
      got.map((r) => [r.partition, r.value?.toString()]),
      [[3, 'v']],
    )
  })

  test("the cluster's refusal is a BrokerError naming the topic; bad input is a ConfigError before any request", async () => {
    const bootstrap = testBootstrap()
    const name = uniqueTopic('admin-rf')
    await assert.rejects(
      createTopics({ bootstrapServers: bootstrap }, [{ name, partitions: 1, replicationFactor: 3 }]),
      (e: Error) =>
        e instanceof BrokerError && e.code === 'INVALID_REPLICATION_FACTOR' && e.message.includes(name),
    )
    await assert.rejects(
      createTopics({ bootstrapServers: bootstrap }, [{ name, partitions: 0 }]),
      (e: Error) => e instanceof ConfigError && e.option === 'topics[0].partitions',
    )
    await assert.rejects(
      createTopics({ bootstrapServers: bootstrap }, [{ name: '' }]),
      (e: Error) => e instanceof ConfigError && e.option === 'topics[0].name',
    )
    await assert.rejects(
      // @ts-expect-error: an unknown setting does not compile, and fails at run time too
      createTopics({ bootstrapServers: bootstrap, lingerMss: 5 }, [{ name }]),
      ConfigError,
    )
  })
})

/**
 * Every version of Produce, Metadata and InitProducerId that both Sluice and the suite's broker
 * speak, each used for real: a proxy caps what the broker's ApiVersions answer offers, as an
 * older broker would, the producer negotiates down to it, and Kafka's own consumer reads the
 * records back. The versions seen on the wire, the broker's ranges and what Sluice negotiates
 * without a cap are recorded for docs/COMPATIBILITY.md.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { brokerKafkaVersion } from '../../src/local-kafka/distribution.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { APIS } from '../../src/protocol/apis.js'
import type { ApiDescriptor } from '../../src/protocol/codec.js'
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js'
import { Metadata } from '../../src/protocol/messages/metadata.js'
import { Produce } from '../../src/protocol/messages/produce.js'
import type { FaultProxy } from '../fakes/fault-proxy.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { type BrokerApis, brokerApis, commonVersions, proxyTo, recordCoverage } from './support.js'

const PER_VERSION = 12
let broker: BrokerApis
/** API name -> the versions its requests were sent at, per capped run. */
const exercised: Record<string, number[]> = {}

before(async () => {
  broker = await brokerApis(testBootstrap())
})

after(() => {
  const negotiated: Record<string, { broker: string; sluice: string; used: number | null }> = {}
  for (const api of APIS) {
    const r = broker.ranges.get(api.apiKey)
    const common = commonVersions(broker, api)
    negotiated[api.name] = {
      broker: r === undefined ? 'absent' : `${r[0]}-${r[1]}`,
      sluice: `${api.minVersion}-${api.maxVersion}`,
      used: common.at(-1) ?? null,
    }
  }
  recordCoverage('protocol-versions', {
    kafka: brokerKafkaVersion(),
    features: Object.fromEntries(broker.features),
    negotiated,
    exercised,
  })
})

/** A producer whose every connection goes through a proxy offering at most `version` of `api`. */
async function capped(
  api: ApiDescriptor<unknown, unknown>,
  version: number,
  config: Record<string, unknown>,
): Promise<{ proxy: FaultProxy; producer: Producer }> {
  const proxy = await proxyTo(testBootstrap(), { [api.apiKey]: version })
  const producer = new Producer({ bootstrapServers: proxy.bootstrapServers, lingerMs: 2, ...config })
  return { proxy, producer }
}

interface Sent {
  key: string
  value: string
  version: number
}

/** Sends PER_VERSION records at each version of `api`; asserts each run used that version only. */
async function sendAtEachVersion(
  api: ApiDescriptor<unknown, unknown>,
  topic: string,
  config: (version: number) => Record<string, unknown>,
): Promise<Sent[]> {
  const versions = commonVersions(broker, api)
  assert.ok(versions.length > 0, `the broker and Sluice share no version of ${api.name}`)
  const sent: Sent[] = []
  const used: number[] = []
  for (const v of versions) {
    const { proxy, producer } = await capped(api, v, config(v))
    try {
      const batch: Promise<unknown>[] = []
      for (let i = 0; i < PER_VERSION; i++) {
        const r = { key: `${api.name}-v${v}-k${i}`, value: `${api.name} v${v} #${i}`, version: v }
        sent.push(r)
        batch.push(producer.send({ topic, key: r.key, value: r.value, headers: { version: String(v) } }))
      }
      await Promise.all(batch)
      await producer.flush()
      const seen = [...proxy.versionsSeen(api.apiKey)]
      assert.deepEqual(seen, [v], `${api.name} requests went out at v${v} only (saw ${seen})`)
      used.push(v)
    } finally {
      await producer.close()
      await proxy.close()
    }
  }
  exercised[api.name] = used
  return sent
}

/** Kafka's consumer reads back exactly `sent`, each version's records in send order per partition. */
async function assertReadBack(topic: string, sent: Sent[]): Promise<void> {
  const read = await readTopic(testBootstrap(), topic)
  assert.equal(read.length, sent.length, 'records read back')
  const byKey = new Map(sent.map((s) => [s.key, s]))
  const lastIndex = new Map<string, number>()
  for (const r of read) {
    const key = r.key?.toString() ?? ''
    const s = byKey.get(key)
    assert.ok(s !== undefined, `unexpected record ${key}`)
    byKey.delete(key)
    assert.equal(r.value?.toString(), s.value)
    assert.deepEqual(
      r.headers.map(([k, v]) => [k, v?.toString()]),
      [['version', String(s.version)]],
    )
    const index = Number(key.slice(key.lastIndexOf('k') + 1))
    const order = `${r.partition}/${s.version}`
    assert.ok((lastIndex.get(order) ?? -1) < index, `${key} after a later record of its version`)
    lastIndex.set(order, index)
  }
  assert.equal(byKey.size, 0, 'every record read back')
}

describe('each request version the broker offers, used for real', () => {
  test('Produce: every shared version (idempotent, acks=all) writes records Kafka reads back', async () => {
    const topic = uniqueTopic('compat-produce')
    await createTopic(topic, 2)
    const sent = await sendAtEachVersion(Produce, topic, () => ({ acks: 'all', enableIdempotence: true }))
    await assertReadBack(topic, sent)
  })

  // acks=0 is in produce.test.ts, without the proxy: a record the proxy holds when it closes is
  // lost with no one told, which acks=0 allows but a read-back can't tell from a bug.
  test('Produce: every shared version with acks=1, idempotence off', async () => {
    const topic = uniqueTopic('compat-produce-acks1')
    await createTopic(topic, 2)
    const sent = await sendAtEachVersion(Produce, topic, () => ({ acks: 1, enableIdempotence: false }))
    await assertReadBack(topic, sent)
  })

  test('Metadata: every shared version finds the topic, its partitions and leaders', async () => {
    const topic = uniqueTopic('compat-metadata')
    await createTopic(topic, 3)
    const sent = await sendAtEachVersion(Metadata, topic, () => ({}))
    await assertReadBack(topic, sent)
  })

  test('InitProducerId: every shared version gives the idempotent producer its id', async () => {
    const topic = uniqueTopic('compat-init-pid')
    await createTopic(topic, 2)
    const sent = await sendAtEachVersion(InitProducerId, topic, () => ({ enableIdempotence: true }))
    await assertReadBack(topic, sent)
  })

  test('without a cap, each API goes out at the highest version both speak', async () => {
    const proxy = await proxyTo(testBootstrap())
    const topic = uniqueTopic('compat-negotiated')
    await createTopic(topic, 1)
    const producer = new Producer({
      bootstrapServers: proxy.bootstrapServers,
      transactionalId: uniqueTopic('tid'),
    })
    try {
      await producer.initTransactions()
      await producer.transaction(async (tx) => {
        await tx.send({ topic, value: 'negotiated' })
      })
      for (const api of [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.InitProducerId]) {
        const d = APIS.find((a) => a.apiKey === api)!
        const top = commonVersions(broker, d).at(-1)
        const seen = [...proxy.versionsSeen(api)]
        // ApiVersions may first go out higher than the broker speaks; the broker answers with its range.
        assert.ok(seen.includes(top!), `${d.name}: v${top} among ${seen}`)
        assert.ok(
          seen.every((v) => v <= d.maxVersion),
          `${d.name}: no version above Sluice's own`,
        )
      }
    } finally {
      await producer.close()
      await proxy.close()
    }
  })
})

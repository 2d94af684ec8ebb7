/**
 * Every codec's output is accepted by a real broker and read back exactly by Kafka's own Java
 * consumer and by kcat (librdkafka), both when the broker keeps our batches as they are
 * (compression.type=producer, checked on disk with Kafka's DumpLogSegments) and when the topic
 * asks for another codec (the broker recompresses).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { ensureKafka } from '../../src/local-kafka/distribution.js'
import type { CompressionType } from '../../src/producer/config/index.js'
import { Producer } from '../../src/producer/producer.js'
import { kcatAvailable, readTopic, readTopicWithKcat } from '../helpers/independent-reader.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'

const run = promisify(execFile)
const CODECS: CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd']

let cluster: KafkaCluster
before(async () => {
  cluster = await startKafka({ name: `compression-${process.pid}` })
})
after(async () => {
  await cluster?.stop()
})

function segmentFiles(dir: string, topic: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (!statSync(p).isDirectory()) continue
    if (name.startsWith(`${topic}-`)) {
      for (const f of readdirSync(p)) if (f.endsWith('.log')) out.push(join(p, f))
    } else segmentFiles(p, topic, out)
  }
  return out
}

/** The codecs Kafka's own DumpLogSegments reports for the topic's batches on disk. */
async function codecsOnDisk(topic: string): Promise<Set<string>> {
  const { classpath } = await ensureKafka()
  const files = segmentFiles(cluster.dir, topic)
  assert.ok(files.length > 0, `no log segment of ${topic} under ${cluster.dir}`)
  const { stdout } = await run(
    'java',
    ['-cp', classpath, 'org.apache.kafka.tools.DumpLogSegments', '--files', files.join(',')],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  )
  const found = new Set<string>()
  for (const m of stdout.matchAll(/compresscodec: (\w+)/g)) found.add(m[1]!.toLowerCase())
  return found
}

function records(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 5 === 0 ? null : `key-${i}`,
    value: i % 7 === 0 ? null : JSON.stringify({ id: i, text: 'compressible '.repeat(1 + (i % 20)), ü: 'ñ' }),
    headers: [['h', `v${i}`]] as [string, string][],
  }))
}

describe('compression', () => {
  for (const codec of CODECS) {
    test(`${codec}: kept as sent by the broker and read back exactly`, async () => {
      const bootstrap = cluster.bootstrapServers
      const topic = uniqueTopic(`c-${codec}`)
      await createTopic(topic, 2, { bootstrap, configs: { 'compression.type': 'producer' } })
      const input = records(2000)
      const p = new Producer({
        bootstrapServers: bootstrap,
        compressionType: codec,
        lingerMs: 20,
        batchSize: 256 * 1024,
      })
      try {
        await Promise.all(input.map((r, i) => p.send({ topic, partition: i % 2, ...r })))
      } finally {
        await p.close()
      }
      assert.deepEqual([...(await codecsOnDisk(topic))], [codec])
      const read = await readTopic(bootstrap, topic)
      assert.equal(read.length, input.length)
      for (const r of read) {
        const i = Number(r.headers[0]![1]!.toString().slice(1))
        const want = input[i]!
        assert.equal(r.partition, i % 2)
        assert.deepEqual(r.key, want.key === null ? null : Buffer.from(want.key))
        assert.deepEqual(r.value, want.value === null ? null : Buffer.from(want.value))
      }
      if (await kcatAvailable()) {
        const viaKcat = await readTopicWithKcat(bootstrap, topic)
        assert.equal(viaKcat.length, input.length)
        assert.deepEqual(
          viaKcat.map((r) => r.value?.toString() ?? null).sort(),
          input.map((r) => r.value).sort(),
        )
      }
    })
  }

  test('a topic-level codec other than ours: the broker recompresses and readers still see our records', async () => {
    const bootstrap = cluster.bootstrapServers
    const topic = uniqueTopic('recompress')
    await createTopic(topic, 1, { bootstrap, configs: { 'compression.type': 'gzip' } })
    const input = records(500)
    const p = new Producer({ bootstrapServers: bootstrap, compressionType: 'lz4' })
    try {
      await Promise.all(input.map((r) => p.send({ topic, ...r })))
    } finally {
      await p.close()
    }
    assert.deepEqual([...(await codecsOnDisk(topic))], ['gzip'])
    const read = await readTopic(bootstrap, topic)
    assert.deepEqual(
      read.map((r) => r.value?.toString() ?? null),
      input.map((r) => r.value),
    )
  })

  test('a large batch is compressed off the event loop and still arrives intact', async () => {
    const bootstrap = cluster.bootstrapServers
    const topic = uniqueTopic('bigbatch')
    await createTopic(topic, 1, { bootstrap, configs: { 'compression.type': 'producer' } })
    const value = Buffer.from('x'.repeat(200 * 1024))
    const p = new Producer({ bootstrapServers: bootstrap, compressionType: 'gzip', batchSize: 1024 * 1024 })
    try {
      await Promise.all([1, 2, 3].map((i) => p.send({ topic, key: `k${i}`, value })))
    } finally {
      await p.close()
    }
    const read = await readTopic(bootstrap, topic)
    assert.equal(read.length, 3)
    for (const r of read) assert.deepEqual(r.value, value)
  })
})

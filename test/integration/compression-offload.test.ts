/**
 * 1 MiB gzip and zstd batches compressed on the worker pool, written to the real broker and
 * read back by Kafka's own consumer (test/java/ReadTopic.java).
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { type OffloadMode, setOffloadMode, sharedPool } from '../../src/compression/offload/offload.js'
import { Producer } from '../../src/producer/producer.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const RECORDS = 3000

/** ~1 KiB JSON values, every one different, so batches compress as real data does. */
function value(i: number): Buffer {
  const parts = [`{"seq":${i},"user":"user-${(i * 7919) % 5003}","items":[`]
  for (let k = 0; k < 12; k++)
    parts.push(`{"sku":"SKU-${(i * 31 + k * 977) % 100_003}","qty":${(i + k) % 5}},`)
  parts.push(`{}],"note":"${'abcdefghij'.repeat(1 + (i % 30))}"}`)
  return Buffer.from(parts.join(''))
}

after(() => setOffloadMode('auto'))

describe('compression on the worker pool, end to end', () => {
  for (const [codec, mode] of [
    ['gzip', 'worker'],
    ['zstd', 'worker'],
    ['zstd', 'auto'],
  ] as const satisfies readonly (readonly ['gzip' | 'zstd', OffloadMode])[]) {
    test(`${codec}, batch.size 1 MiB, offload ${mode}: Kafka's consumer reads every record back`, async () => {
      const bootstrap = testBootstrap()
      const topic = uniqueTopic(`offload-${codec}`)
      await createTopic(topic, 2)
      setOffloadMode(mode)
      const producer = new Producer({
        bootstrapServers: bootstrap,
        compressionType: codec,
        batchSize: 1024 * 1024,
        lingerMs: 200,
        acks: 'all',
      })
      let pool: ReturnType<typeof sharedPool> = null
      let used = 0
      try {
        const sends: Promise<unknown>[] = []
        for (let i = 0; i < RECORDS; i++)
          sends.push(producer.send({ topic, partition: i % 2, value: value(i) }))
        // The pool's counters, while this producer holds its share.
        await producer.flush()
        pool = sharedPool()
        used = pool?.completed ?? 0
        await Promise.all(sends)
      } finally {
        await producer.close()
        setOffloadMode('auto')
      }
      if (mode === 'worker') {
        assert.ok(pool !== null, 'the producer used the worker pool')
        assert.ok(used >= 2, `batches compressed on workers: ${used}`)
        assert.equal(pool.fallbacks, 0, 'no batch fell back inline')
        assert.equal(pool.workers, 0, 'the pool stopped with the last producer using it')
      }
      const got = await readTopic(bootstrap, topic, { timeoutMs: 60_000 })
      assert.equal(got.length, RECORDS)
      const byPartition = [0, 1].map((p) => got.filter((r) => r.partition === p))
      for (const [p, records] of byPartition.entries()) {
        records.forEach((r, k) => {
          assert.deepEqual(r.value, value(k * 2 + p), `partition ${p} offset ${k}`)
        })
      }
    })
  }
})

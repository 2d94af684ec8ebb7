/**
 * Compressed batches hold as many records as Java's for the same batch.size: Sluice and Java's
 * KafkaProducer (test/java/ProduceCompressible.java) produce the same compressible records to a
 * real broker with lz4 and zstd, and Kafka's DumpLogSegments counts the records of each batch on
 * disk. Kafka's consumer then reads every record Sluice produced back.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { ensureKafka } from '../../src/local-kafka/distribution.js'
import { Producer } from '../../src/producer/producer.js'
import { BATCH_HEADER_SIZE } from '../../src/records/batch-header.js'
import { RecordBatchBuilder } from '../../src/records/record-batch-builder.js'
import { readTopicValues } from '../helpers/independent-reader.js'
import { runJava } from '../helpers/java.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'

const run = promisify(execFile)
const RECORDS = 40_000
const BATCH_SIZE = 4096

/** Record i, as ProduceCompressible.java makes it. */
function value(i: number): string {
  return JSON.stringify({
    id: i,
    user: `user-${i % 97}`,
    text: 'the quick brown fox jumps over the lazy dog '.repeat(6),
  })
}

let cluster: KafkaCluster
before(async () => {
  cluster = await startKafka({ name: `compression-fill-${process.pid}` })
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

interface DiskBatch {
  count: number
  size: number
  codec: string
}

/** The topic's batches on disk, in offset order, as Kafka's DumpLogSegments reports them. */
async function batchesOnDisk(topic: string): Promise<DiskBatch[]> {
  const { classpath } = await ensureKafka()
  const files = segmentFiles(cluster.dir, topic).sort()
  assert.ok(files.length > 0, `no log segment of ${topic} under ${cluster.dir}`)
  const { stdout } = await run(
    'java',
    ['-cp', classpath, 'org.apache.kafka.tools.DumpLogSegments', '--files', files.join(',')],
    { maxBuffer: 64 * 1024 * 1024 },
  )
  const batches: DiskBatch[] = []
  for (const m of stdout.matchAll(/count: (\d+) .* size: (\d+) .* compresscodec: (\w+)/g)) {
    batches.push({ count: Number(m[1]), size: Number(m[2]), codec: m[3]!.toLowerCase() })
  }
  return batches
}

/** Records an uncompressed batch of batch.size holds (what Sluice's compressed batches held before). */
function uncompressedFill(): number {
  let size = BATCH_HEADER_SIZE
  let n = 0
  for (; ; n++) {
    const s = RecordBatchBuilder.sizeOfRecord(0, n, null, Buffer.from(value(n)), [])
    if (size + s > BATCH_SIZE) return n
    size += s
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

describe('compressed batches are filled as Java fills them', () => {
  for (const codec of ['lz4', 'zstd'] as const) {
    test(`${codec}: records per batch as Java's KafkaProducer, every record read back`, async () => {
      const bootstrap = cluster.bootstrapServers
      const ours = uniqueTopic(`fill-sluice-${codec}`)
      const java = uniqueTopic(`fill-java-${codec}`)
      for (const t of [ours, java]) {
        await createTopic(t, 1, { bootstrap, configs: { 'compression.type': 'producer' } })
      }

      const p = new Producer({
        bootstrapServers: bootstrap,
        compressionType: codec,
        batchSize: BATCH_SIZE,
        lingerMs: 100,
        acks: 1,
      })
      try {
        const sends: Promise<unknown>[] = []
        for (let i = 0; i < RECORDS; i++) {
          sends.push(p.send({ topic: ours, partition: 0, value: value(i) }))
          // As ProduceCompressible.java: a flush after every 1000 records, so both producers'
          // estimates have learnt from the same batches when the next records come, whatever
          // the machine's load does to the timing.
          if (i % 1000 === 999) await p.flush()
        }
        await Promise.all(sends)
      } finally {
        await p.close()
      }
      const { stdout } = await runJava('ProduceCompressible.java', [
        bootstrap,
        java,
        codec,
        String(BATCH_SIZE),
        String(RECORDS),
      ])
      assert.equal(stdout.trim(), `done ${RECORDS}`)

      const sluiceBatches = await batchesOnDisk(ours)
      const javaBatches = await batchesOnDisk(java)
      for (const batches of [sluiceBatches, javaBatches]) {
        assert.equal(
          batches.reduce((n, b) => n + b.count, 0),
          RECORDS,
        )
        assert.deepEqual([...new Set(batches.map((b) => b.codec))], [codec])
      }
      // Both estimates start at 1 and creep down 0.005 a batch: compare the second halves.
      const counts = (bs: DiskBatch[]) => bs.slice(Math.floor(bs.length / 2)).map((b) => b.count)
      const oursPerBatch = mean(counts(sluiceBatches))
      const javaPerBatch = mean(counts(javaBatches))
      const summary =
        `${codec}: Sluice ${sluiceBatches.length} batches, ${oursPerBatch.toFixed(1)} records each in the second half ` +
        `(largest ${Math.max(...sluiceBatches.map((b) => b.size))} B); Java ${javaBatches.length} batches, ` +
        `${javaPerBatch.toFixed(1)} (largest ${Math.max(...javaBatches.map((b) => b.size))} B); ` +
        `${uncompressedFill()} uncompressed`
      process.stdout.write(`# ${summary}\n`)
      assert.ok(oursPerBatch > 2 * uncompressedFill(), summary)
      assert.ok(oursPerBatch > javaPerBatch / 1.4 && oursPerBatch < javaPerBatch * 1.4, summary)
      assert.ok(
        sluiceBatches.length > javaBatches.length / 1.25 && sluiceBatches.length < javaBatches.length * 1.25,
        summary,
      )

      let next = 0
      const read = await readTopicValues(bootstrap, ours, (partition, offset, v) => {
        assert.equal(partition, 0)
        assert.equal(offset, next)
        assert.equal(v, value(next))
        next++
      })
      assert.equal(read, RECORDS)
    })
  }

  test('a compressed batch the broker finds too large is split and every record lands, in order', async () => {
    const bootstrap = cluster.bootstrapServers
    const topic = uniqueTopic('fill-split')
    await createTopic(topic, 1, {
      bootstrap,
      configs: { 'compression.type': 'producer', 'max.message.bytes': '8000' },
    })
    // Hex digests: lz4 finds nothing to repeat, so a batch is about as large compressed as not.
    const hashed = (i: number) =>
      Array.from({ length: 16 }, (_, j) => createHash('sha256').update(`${i}/${j}`).digest('hex')).join('')
    const p = new Producer({
      bootstrapServers: bootstrap,
      compressionType: 'lz4',
      batchSize: 64 * 1024,
      lingerMs: 50,
      // In order through the retries of the split parts.
      enableIdempotence: true,
      acks: 'all',
    })
    const n = 400
    try {
      await Promise.all(Array.from({ length: n }, (_, i) => p.send({ topic, value: hashed(i) })))
      assert.ok(p.metrics()['batch-split-total']! >= 2, 'batches were split, and parts of them again')
    } finally {
      await p.close()
    }
    for (const b of await batchesOnDisk(topic)) assert.ok(b.size <= 8000, `a ${b.size}-byte batch`)
    let next = 0
    const read = await readTopicValues(bootstrap, topic, (_, offset, v) => {
      assert.equal(offset, next)
      assert.equal(v, hashed(next))
      next++
    })
    assert.equal(read, n)
  })
})

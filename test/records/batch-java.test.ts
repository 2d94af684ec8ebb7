/**
 * The producer's batches against the Java producer's, on random batches made at test time: the
 * uncompressed bytes of ProducerBatch.encode() equal what Kafka's MemoryRecordsBuilder writes for
 * the same records and producer state; compressed ones (the producer's compress-then-frame path)
 * are read by Kafka's MemoryRecords with a valid CRC, and hold the records given, as Kafka's own
 * batch with the same codec does. Integration tier (Java). SLUICE_PARITY_SEED=<n> replays a run.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { type CompressionName, loadCodec } from '../../src/compression/index.js'
import { ProducerBatch } from '../../src/producer/producer-batch.js'
import { prng } from '../compression/data.js'
import { type BatchInput, expectedView, javaBuildBatches, javaReadBatches } from './java-records.js'
import { randomBatch } from './random-batches.js'

const SEED = Number(process.env.SLUICE_PARITY_SEED ?? Math.floor(Math.random() * 0x7fffffff) + 1)
const UNCOMPRESSED = 300
const PER_CODEC = 40
const CODECS: CompressionName[] = ['gzip', 'snappy', 'lz4', 'zstd']

/** The batch as the producer frames it: appended, sealed, stamped by the sender, compressed, encoded. */
async function producerBatch(c: BatchInput, codec: CompressionName, offThread: boolean): Promise<Buffer> {
  const batch = new ProducerBatch('topic', 0, 0, 16384)
  for (const r of c.records) {
    assert.ok(batch.tryAppend(r.timestamp, r.key, r.value, r.headers, null, Number.POSITIVE_INFINITY) > 0)
  }
  batch.state = 'sealed'
  if (c.producerId >= 0n)
    batch.setProducerState(c.producerId, c.producerEpoch, c.baseSequence, c.transactional)
  if (codec !== 'none') {
    const impl = await loadCodec(codec)
    // Inline, as for small batches, or the codec's asynchronous path, as for offloaded ones.
    await batch.compress(impl, undefined, offThread ? impl.compress : null)
  }
  return Buffer.from(batch.encode())
}

describe(`producer batches against Kafka's MemoryRecordsBuilder (seed ${SEED})`, () => {
  const r = prng(SEED)
  const plain = Array.from({ length: UNCOMPRESSED }, () => randomBatch(r))
  const compressed = new Map(CODECS.map((c) => [c, Array.from({ length: PER_CODEC }, () => randomBatch(r))]))
  const replay = `seed ${SEED}, replay with SLUICE_PARITY_SEED=${SEED}`

  before(async () => {
    await Promise.all(CODECS.map((c) => loadCodec(c)))
  })

  test('the random batches cover what the producer meets', () => {
    const records = plain.flatMap((c) => c.records)
    const headers = records.flatMap((x) => x.headers)
    assert.ok(plain.some((c) => c.records.length > 150))
    assert.ok(plain.some((c) => c.records.length === 1))
    assert.ok(plain.some((c) => c.producerId < 0n))
    assert.ok(plain.some((c) => c.transactional))
    assert.ok(plain.some((c) => c.producerId >= 0n && !c.transactional))
    assert.ok(records.some((x) => x.key === null) && records.some((x) => x.key?.length === 0))
    assert.ok(records.some((x) => x.value === null) && records.some((x) => x.value?.length === 0))
    assert.ok(headers.some((h) => h.value === null))
    assert.ok(records.some((x) => x.headers.length === 5) && records.some((x) => x.headers.length === 0))
    assert.ok(plain.some((c) => c.records.some((x, i) => i > 0 && x.timestamp < c.records[0]!.timestamp)))
    assert.ok(plain.some((c) => c.records.some((x) => x.timestamp - c.records[0]!.timestamp > 2 ** 31)))
  })

  test(`${UNCOMPRESSED} uncompressed batches are byte for byte what MemoryRecordsBuilder writes`, async () => {
    const java = await javaBuildBatches(plain, 'none')
    for (const [i, c] of plain.entries()) {
      const ours = await producerBatch(c, 'none', false)
      assert.equal(
        ours.toString('hex'),
        java[i]!.toString('hex'),
        `batch ${i} (${c.records.length} records, producerId ${c.producerId}; ${replay})`,
      )
    }
  })

  for (const codec of CODECS) {
    test(`${codec}: Kafka reads ${PER_CODEC} producer batches (CRC valid) and finds the records given, as in its own`, async () => {
      const cases = compressed.get(codec)!
      const ours = await Promise.all(cases.map((c, i) => producerBatch(c, codec, i % 2 === 1)))
      const javaBatches = await javaBuildBatches(cases, codec)
      const [readOurs, readJava] = await Promise.all([javaReadBatches(ours), javaReadBatches(javaBatches)])
      for (const [i, c] of cases.entries()) {
        const expected = expectedView(c, codec)
        const what = `${codec} batch ${i} (${c.records.length} records; ${replay})`
        assert.deepEqual(readOurs[i], [expected], `Kafka's reading of ours, ${what}`)
        assert.deepEqual(readJava[i], [expected], `Kafka's reading of its own, ${what}`)
      }
    })
  }
})

/**
 * Compressed batches are filled as the Java producer fills them: by their estimated compressed
 * size against batch.size, the estimate learnt per topic as Java's CompressionRatioEstimator
 * learns it. The expected estimates below were printed by Kafka 4.4's own
 * CompressionRatioEstimator.updateEstimation for the same observations.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Codec, codecFor, loadCodec } from '../../src/compression/index.js'
import { RecordAccumulator } from '../../src/producer/accumulator.js'
import {
  CompressionRatioEstimator,
  estimatedBatchBytes,
  observedRatio,
} from '../../src/producer/compression-ratio.js'
import { BatchStoragePool, MemoryBudget } from '../../src/producer/memory.js'
import type { ProducerBatch } from '../../src/producer/producer-batch.js'
import { BATCH_HEADER_SIZE } from '../../src/records/batch-header.js'
import { RecordBatchBuilder } from '../../src/records/record-batch-builder.js'

const f = Math.fround

describe('CompressionRatioEstimator', () => {
  test("updates as Java's: down by 0.005 at most, up by 0.05 at least, float32 arithmetic", () => {
    const e = new CompressionRatioEstimator()
    assert.equal(e.estimation('t'), 1)
    // Observation -> Java's estimate after it (Kafka 4.4, CompressionType.LZ4, topic "t").
    const javaSequence: [number, number][] = [
      [0.3, 0.995],
      [0.3, 0.99],
      [0.3, 0.985],
      [0.99, 1.035],
      [1.2, 1.2],
      [0.5, 1.195],
      [1.21, 1.245],
      [1.0, 1.24],
      [0.2, 1.235],
    ]
    for (const [observed, expected] of javaSequence) {
      assert.equal(e.update('t', f(observed)), f(expected), `after observing ${observed}`)
    }
    assert.equal(e.estimation('t'), f(1.235))
    assert.equal(e.estimation('other'), 1, 'each topic has its own estimate')
  })

  test("takes Java's 181 steps from 1 down to an observed 0.1", () => {
    const e = new CompressionRatioEstimator()
    let steps = 0
    while (e.estimation('t') > f(0.1)) {
      e.update('t', f(0.1))
      steps++
    }
    assert.equal(steps, 181)
    assert.equal(e.estimation('t'), f(0.1))
  })

  test("estimated size: header + (int)(records x ratio x 1.05f), Java's float arithmetic", () => {
    assert.equal(estimatedBatchBytes(0, 1), BATCH_HEADER_SIZE)
    assert.equal(estimatedBatchBytes(1000, 1), BATCH_HEADER_SIZE + 1050)
    // 10007 * 0.3f = 3002.1 (float), * 1.05f = 3152.205 -> 3152
    assert.equal(estimatedBatchBytes(10007, f(0.3)), BATCH_HEADER_SIZE + 3152)
    assert.equal(observedRatio(1, 3), f(1 / 3))
  })
})

const BATCH_SIZE = 16 * 1024

/** Compressible records of ~300 bytes, as an application's JSON might be. */
function value(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: i,
      user: `user-${i % 97}`,
      text: 'the quick brown fox jumps over the lazy dog '.repeat(6),
    }),
  )
}

function accumulator(options: { memory?: number; maxBatchBytes?: number } = {}): {
  acc: RecordAccumulator
  memory: MemoryBudget
} {
  const memory = new MemoryBudget(options.memory ?? 32 * 1024 * 1024)
  const acc = new RecordAccumulator({
    batchSize: BATCH_SIZE,
    compressed: true,
    maxBatchBytes: options.maxBatchBytes ?? 1024 * 1024,
    lingerMs: 0,
    memory,
    onMemoryReleased: () => {},
  })
  return { acc, memory }
}

/**
 * Fills batches one after the other as a producer whose sender keeps up would: the records go in
 * until a batch is full, then it is compressed (the estimate learns) and completed. Returns each
 * batch's record count, estimate and compressed size.
 */
function fillSequentially(
  acc: RecordAccumulator,
  codec: Codec,
  batches: number,
): { records: number; estimate: number; compressed: number; uncompressed: number }[] {
  const out: { records: number; estimate: number; compressed: number; uncompressed: number }[] = []
  const q = acc.queue('t', 0)
  let i = 0
  while (out.length < batches) {
    const r = acc.append('t', 0, 1000, null, value(i++), [], null, 0)
    assert.notEqual(r, null)
    if (r!.newBatch && q.waitingCount > 1) {
      const full = q.takeHead()
      full.compress(codec, undefined, null)
      out.push({
        records: full.recordCount,
        estimate: full.estimatedRatio,
        compressed: full.compressedRecordsBytes,
        uncompressed: full.recordsBytes,
      })
      acc.complete(full, 0n, -1)
    }
  }
  return out
}

/** Java's hasRoomFor rule, computed here from the record sizes: records a batch takes at `ratio`. */
function javaRecordsPerBatch(first: number, ratio: number): number {
  let uncompressed = 0
  let n = 0
  for (;;) {
    const size = RecordBatchBuilder.sizeOfRecord(0, n, null, value(first + n), [])
    const estimated = BATCH_HEADER_SIZE + Math.trunc(f(f(f(uncompressed) * ratio) * f(1.05)))
    if (n > 0 && estimated + size > BATCH_SIZE) return n
    uncompressed += size
    n++
  }
}

describe('compressed batches are filled by estimated compressed size', () => {
  for (const name of ['gzip', 'lz4', 'zstd'] as const) {
    test(`${name}: each batch takes the records Java's rule gives for its estimate, which learns as Java's`, async () => {
      const codec = name === 'zstd' ? await loadCodec('zstd') : codecFor(name)
      const { acc } = accumulator()
      const batches = fillSequentially(acc, codec, 400)
      const model = new CompressionRatioEstimator()
      let first = 0
      for (const [k, b] of batches.entries()) {
        // Batch k opened with the record batch k-1 had no room for, before k-1 was compressed.
        assert.equal(b.estimate, model.estimation('t'), `batch ${k}'s estimate`)
        assert.equal(b.records, javaRecordsPerBatch(first, b.estimate), `batch ${k}'s record count`)
        const previous = batches[k - 1]
        if (previous !== undefined) model.update('t', f(f(previous.compressed) / f(previous.uncompressed)))
        first += b.records
      }
      const uncompressedBatch = javaRecordsPerBatch(0, 1)
      // Past the estimate's first descent from 1, Java's rule saws: an estimate that falls just
      // below the observed ratio jumps back up by 0.05, then creeps down 0.005 a batch. The
      // compressed batches then stay within batch.size, at ~60% of it on average.
      const converged = batches.slice(200)
      const compressedSizes = converged.map((b) => BATCH_HEADER_SIZE + b.compressed)
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
      assert.ok(
        Math.max(...compressedSizes) <= BATCH_SIZE,
        `${Math.max(...compressedSizes)} bytes compressed`,
      )
      assert.ok(Math.max(...compressedSizes) > 0.8 * BATCH_SIZE, `${Math.max(...compressedSizes)} at most`)
      assert.ok(
        mean(compressedSizes) > 0.4 * BATCH_SIZE,
        `${mean(compressedSizes)} bytes compressed on average`,
      )
      const records = mean(converged.map((b) => b.records))
      assert.ok(
        records > 5 * uncompressedBatch,
        `${records} records a batch, ${uncompressedBatch} uncompressed`,
      )
    })
  }

  test('a batch is full at its estimate: isFull, readyAt and the sticky partitioner see it', () => {
    const { acc } = accumulator()
    acc.ratios!.set('t', 0.25)
    let i = 0
    let r = acc.append('t', 0, 1000, null, value(i++), [], null, 0)
    assert.equal(r!.newBatch, true)
    const batch = acc.queue('t', 0).last!
    let estimated = r!.bytes
    assert.equal(estimated, estimatedBatchBytes(batch.recordsBytes, f(0.25)))
    while (!acc.isFull(batch)) {
      r = acc.append('t', 0, 1000, null, value(i++), [], null, 0)
      if (r!.newBatch) break
      estimated += r!.bytes
    }
    assert.equal(
      estimated,
      estimatedBatchBytes(batch.recordsBytes, f(0.25)),
      "appended bytes sum to Java's estimate",
    )
    assert.ok(batch.sizeInBytes > 3 * BATCH_SIZE, `${batch.sizeInBytes} bytes uncompressed`)
    assert.equal(acc.readyAt(acc.queue('t', 0)), 0)
  })

  test('buffer.memory bounds the uncompressed buffers: a batch grows only with memory reserved for it', () => {
    const capacity = 64 * 1024
    const { acc, memory } = accumulator({ memory: capacity })
    acc.ratios!.set('t', 0.01)
    let appended = 0
    for (let i = 0; i < 10_000; i++) {
      if (acc.append('t', 0, 1000, null, value(i), [], null, 0) === null) break
      appended++
      const held = [...acc.incomplete].reduce((n, b) => n + b.reservedBytes, 0)
      assert.equal(capacity - memory.available, held)
      for (const b of acc.incomplete) assert.ok(b.capacity <= b.reservedBytes)
      assert.ok(held <= capacity)
    }
    assert.ok(appended < 10_000, 'the budget ran out')
    const batches = [...acc.incomplete]
    const bytes = batches.reduce((n, b) => n + b.sizeInBytes, 0)
    assert.ok(bytes > capacity / 2, `${bytes} bytes of records held in ${capacity}`)
    assert.ok(batches[0]!.sizeInBytes > BATCH_SIZE, 'the first batch grew past batch.size')
  })

  test('the uncompressed buffer stops at maxBatchBytes however well records compress', () => {
    const max = 256 * 1024
    const { acc } = accumulator({ maxBatchBytes: max })
    acc.ratios!.set('t', 0.001)
    const q = acc.queue('t', 0)
    for (let i = 0; q.waitingCount < 2; i++) acc.append('t', 0, 1000, null, value(i), [], null, 0)
    const first = q.head!
    assert.ok(first.sizeInBytes <= max, `${first.sizeInBytes}`)
    assert.ok(first.sizeInBytes > max - 400, `${first.sizeInBytes}`)
    assert.ok(first.capacity <= max)
  })

  test("a split resets the topic's estimate to at least 1, as Java's splitAndReenqueue", () => {
    const { acc } = accumulator()
    acc.ratios!.set('t', 0.2)
    const q = acc.queue('t', 0)
    for (let i = 0; q.waitingCount < 2; i++) acc.append('t', 0, 1000, null, value(i), [], null, 0)
    const big: ProducerBatch = q.takeHead()
    big.compress(codecFor('lz4'), undefined, null)
    assert.ok(acc.ratios!.estimation('t') < 0.2, 'the batch compressed well')
    const parts = acc.split(big, Math.ceil(big.sizeInBytes / 2))
    assert.ok(parts.length >= 2)
    assert.equal(acc.ratios!.estimation('t'), 1)
  })

  test('without compression batches stop at batch.size uncompressed and there is no estimate', () => {
    const acc = new RecordAccumulator({
      batchSize: BATCH_SIZE,
      lingerMs: 0,
      memory: new MemoryBudget(1024 * 1024),
      onMemoryReleased: () => {},
    })
    assert.equal(acc.ratios, null)
    const q = acc.queue('t', 0)
    for (let i = 0; q.waitingCount < 2; i++) acc.append('t', 0, 1000, null, value(i), [], null, 0)
    let size = BATCH_HEADER_SIZE
    let n = 0
    for (; ; n++) {
      const s = RecordBatchBuilder.sizeOfRecord(0, n, null, value(n), [])
      if (size + s > BATCH_SIZE) break
      size += s
    }
    assert.equal(q.head!.recordCount, n)
    assert.equal(q.head!.sizeInBytes, size)
  })
})

describe('BatchStoragePool with grown buffers', () => {
  test('a grown buffer and the one it grew out of are both reused, with the batch arrays', () => {
    const pool = new BatchStoragePool(1024, 64 * 1024)
    const storage = pool.take()
    const small = storage.buffer
    // The batch grows: a 2048-byte buffer replaces its 1024-byte one, which goes back loose.
    const big = pool.takeBuffer(2048)
    pool.giveBuffer(small)
    storage.buffer = big
    // The batch completes: its grown buffer stays loose, its arrays go on with the small buffer.
    pool.give(storage)
    assert.equal(pool.takeBuffer(2048), big)
    const next = pool.take()
    assert.equal(next.buffer, small)
    assert.equal(next.completions, storage.completions)
    assert.notEqual(pool.takeBuffer(2048), big, 'taken once only')
  })

  test('loose buffers are kept up to the budget, then dropped', () => {
    const pool = new BatchStoragePool(1024, 4096)
    const bufs = [pool.takeBuffer(2048), pool.takeBuffer(2048), pool.takeBuffer(2048)]
    for (const b of bufs) pool.giveBuffer(b)
    const again = [pool.takeBuffer(2048), pool.takeBuffer(2048), pool.takeBuffer(2048)]
    assert.deepEqual(
      again.map((b) => bufs.indexOf(b)),
      [1, 0, -1],
    )
  })
})

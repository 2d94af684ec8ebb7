/**
 * Does compression block the event loop? ~1 KiB JSON-like records produced at full speed (callback
 * sends paced by 'drain', acks=1, linger.ms=5, 8 partitions) to one local broker, for every
 * codec, batch.size 64 KiB and 1 MiB, and every way of compressing:
 *
 * - `inline`: every batch compressed on the event loop (compressSync);
 * - `threadpool`: batches from the codec's threshold through the codec's own `compress` (zlib's
 *   threadpool for gzip, and zstd on Node >= 22.15; elsewhere it runs inline, which is how the
 *   producer behaved before the worker pool);
 * - `worker`: batches from the threshold on the worker pool;
 * - `auto`: what the producer does (src/compression/offload/offload.ts).
 *
 * For each run: records/s from first send to last ack, and the event loop's delay (p50, p99, max)
 * from perf_hooks.monitorEventLoopDelay at 1 ms resolution, sampled while producing. An idle
 * baseline shows what the histogram reads with nothing running. Modes alternate within each
 * repetition; the median repetition (by p99) is reported. Before the runs, the costs of single
 * steps on one 1 MiB batch (no broker): each codec's compressSync, CRC-32C, encode.
 *
 *   node --import tsx bench/compression-loop.ts [--records 60000] [--reps 3]
 *     [--codecs gzip,zstd,lz4,snappy] [--sizes 65536,1048576] [--modes inline,threadpool,worker,auto]
 *     [--bootstrap-server B] [--out compression-offload]
 *
 * Writes bench/results/<out>.{json,md}. It reports; it asserts nothing.
 */
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createTopics, parseBrokerList } from '../src/cluster/admin.js'
import { type CompressionName, loadCodec } from '../src/compression/index.js'
import { type OffloadMode, offloadFor, setOffloadMode } from '../src/compression/offload/offload.js'
import { defaultPoolSize } from '../src/compression/offload/pool.js'
import { startKafka } from '../src/local-kafka/cluster.js'
import { ensureKafka } from '../src/local-kafka/distribution.js'
import { Producer } from '../src/producer/producer.js'
import { crc32c } from '../src/protocol/crc32c.js'
import { RecordBatchBuilder } from '../src/records/record-batch-builder.js'
import { endOffsetTotals } from './end-offsets.js'
import { sendAllCallbacks } from './send-all.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '60000' },
    reps: { type: 'string', default: '3' },
    codecs: { type: 'string', default: 'gzip,zstd,lz4,snappy' },
    sizes: { type: 'string', default: '65536,1048576' },
    modes: { type: 'string', default: 'inline,threadpool,worker,auto' },
    'bootstrap-server': { type: 'string' },
    out: { type: 'string', default: 'compression-offload' },
    'skip-steps': { type: 'boolean', default: false },
  },
})
const RECORDS = Number(values.records)
const REPS = Number(values.reps)
const CODECS = values.codecs.split(',') as CompressionName[]
const SIZES = values.sizes.split(',').map(Number)
const MODES = values.modes.split(',') as OffloadMode[]

/** xorshift32: the same records every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 0x100000000
  }
}

/**
 * ~1 KiB JSON events: repeated keys and a small vocabulary (what compresses), random ids, hex
 * digests and numbers (what does not). gzip shrinks them about 3x.
 */
function makeRecords(n: number): Buffer[] {
  const r = prng(42)
  const words = 'checkout cart payment shipped refund login logout search view click basket promo'.split(' ')
  const pick = () => words[(r() * words.length) | 0]!
  const hex = (len: number) => {
    let s = ''
    while (s.length < len) s += ((r() * 0x100000000) >>> 0).toString(16).padStart(8, '0')
    return s.slice(0, len)
  }
  return Array.from({ length: n }, (_, i) => {
    const items = Array.from({ length: 8 }, () => ({
      sku: `SKU-${(r() * 100000) | 0}`,
      name: `${pick()} ${pick()}`,
      qty: 1 + ((r() * 5) | 0),
      price: Number((r() * 500).toFixed(2)),
    }))
    const event = {
      id: hex(32),
      seq: i,
      ts: 1_765_000_000_000 + ((r() * 1e9) | 0),
      type: pick(),
      user: {
        id: `user-${(r() * 50000) | 0}`,
        country: ['DE', 'FR', 'US', 'GB', 'JP'][(r() * 5) | 0],
        tier: pick(),
      },
      session: hex(24),
      items,
      total: Number((r() * 2000).toFixed(2)),
      trace: { traceId: hex(32), spanId: hex(16), sampled: r() < 0.1 },
      note: `${pick()} ${pick()} ${pick()} ${pick()} after ${pick()} on page /${pick()}/${(r() * 1000) | 0}`,
    }
    return Buffer.from(JSON.stringify(event).padEnd(1000, ' '))
  })
}

const payloads = makeRecords(2000)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ms = (ns: number) => Math.round(ns / 1e4) / 100

/** A records section of about `bytes`, built the way the producer builds it. */
function recordsSection(bytes: number): Buffer {
  const b = new RecordBatchBuilder(bytes + 4096)
  for (let i = 0; b.sizeInBytes < bytes; i++) {
    if (b.tryAppend(Date.now(), null, payloads[i % payloads.length]!, [], bytes + 4096) < 0) break
  }
  return Buffer.from(b.recordsView())
}

/** Milliseconds per call, median of `n` after a warm-up. */
function timeIt(n: number, f: () => unknown): number {
  for (let i = 0; i < 3; i++) f()
  const t: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    f()
    t.push(performance.now() - t0)
  }
  return Math.round(median(t) * 1000) / 1000
}

/** The cost of single steps on one batch, in the main thread. */
async function steps(): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {}
  for (const size of [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024]) {
    const data = recordsSection(size)
    const row: Record<string, number> = {}
    for (const name of ['gzip', 'zstd', 'lz4', 'snappy'] as const) {
      const codec = await loadCodec(name)
      row[`${name} compressSync ms`] = timeIt(15, () => codec.compressSync(data, undefined))
      row[`${name} ratio`] =
        Math.round((data.length / codec.compressSync(data, undefined).length) * 100) / 100
    }
    const trip = await roundTrip(data)
    row['worker pool round trip (lz4, wall) ms'] = trip.wall
    row['worker pool hand-off (main thread) ms'] = trip.handOff
    row['crc32c ms'] = timeIt(15, () => crc32c(data))
    row['copy ms'] = timeIt(15, () => new Uint8Array(data))
    row['encode (append all records) ms'] = timeIt(15, () => recordsSection(size))
    out[`${Math.round(size / 1024)} KiB`] = row
  }
  return out
}

/**
 * One lz4 job through the (warm) pool, median of 15: its wall time (the offload's latency) and
 * the main thread's part of it (the hand-off: the copy into a lent buffer and postMessage).
 */
async function roundTrip(data: Buffer): Promise<{ wall: number; handOff: number }> {
  setOffloadMode('worker')
  const offload = offloadFor(await loadCodec('lz4'))!
  setOffloadMode('auto')
  const wall: number[] = []
  const handOff: number[] = []
  for (let i = 0; i < 18; i++) {
    const t0 = performance.now()
    const p = offload.compress(data, undefined)
    const t1 = performance.now()
    await p
    if (i >= 3) {
      wall.push(performance.now() - t0)
      handOff.push(t1 - t0)
    }
  }
  offload.release()
  const r = (xs: number[]) => Math.round(median(xs) * 1000) / 1000
  return { wall: r(wall), handOff: r(handOff) }
}

/** The event loop's delay while nothing runs: the histogram's floor. */
async function idle(): Promise<{ p50: number; p99: number; max: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  await new Promise((r) => setTimeout(r, 2000))
  h.disable()
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) }
}

interface Run {
  codec: CompressionName
  batchSize: number
  mode: OffloadMode
  rep: number
  recordsPerSecond: number
  p50: number
  p99: number
  max: number
  load1: number
}

async function runOnce(
  bootstrap: string,
  codec: CompressionName,
  batchSize: number,
  mode: OffloadMode,
  rep: number,
  classpath: string,
): Promise<Run> {
  const topic = `compression-loop-${codec}-${batchSize}-${mode}-${rep}-${process.pid}`
  await createTopics(parseBrokerList(bootstrap), [{ name: topic, partitions: 8, replicationFactor: 1 }])
  setOffloadMode(mode)
  const producer = new Producer({
    bootstrapServers: bootstrap,
    acks: 1,
    enableIdempotence: false,
    compressionType: codec,
    lingerMs: 5,
    batchSize,
    bufferMemory: 64 * 1024 * 1024,
  })
  await producer.send({ topic, value: payloads[0]! })
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  const t0 = performance.now()
  // Full speed, but yielding every 256 records as an application fed by I/O would: a loop that
  // sends until 'drain' would itself hold the event loop for ~2 MiB of records (highWaterMark).
  const { failed, first } = await sendAllCallbacks(
    producer,
    RECORDS,
    (i) => ({ topic, value: payloads[i % payloads.length]! }),
    256,
  )
  const secs = (performance.now() - t0) / 1000
  h.disable()
  await producer.close()
  setOffloadMode('auto')
  if (failed > 0) throw new Error(`${codec}/${mode}: ${failed} records failed: ${first}`)
  const inTopic = (await endOffsetTotals(classpath, bootstrap, topic)).get(topic) ?? 0
  if (inTopic !== RECORDS + 1) throw new Error(`${topic}: ${inTopic} records, expected ${RECORDS + 1}`)
  return {
    codec,
    batchSize,
    mode,
    rep,
    recordsPerSecond: Math.round(RECORDS / secs),
    p50: ms(h.percentile(50)),
    p99: ms(h.percentile(99)),
    max: ms(h.max),
    load1: Math.round(loadavg()[0]! * 100) / 100,
  }
}

await warmPool()
const stepCosts = values['skip-steps'] ? {} : await steps()
console.error(JSON.stringify(stepCosts, null, 1))
const dist = await ensureKafka()
const cluster =
  values['bootstrap-server'] === undefined
    ? await startKafka({ name: `compression-loop-${process.pid}` })
    : null
const bootstrap = values['bootstrap-server'] ?? cluster!.bootstrapServers
/**
 * Starts the pool's workers once and keeps them for every run (this share is never released),
 * as in a long-running application; otherwise each run would pay for starting workers (and,
 * from source, for tsx compiling their modules).
 */
async function warmPool(): Promise<void> {
  setOffloadMode('worker')
  const offload = offloadFor(await loadCodec('lz4'))!
  setOffloadMode('auto')
  const data = recordsSection(64 * 1024)
  await Promise.all(Array.from({ length: defaultPoolSize() }, () => offload.compress(data, undefined)))
}
const idleBefore = await idle()
const loadBefore = loadavg()

const runs: Run[] = []
try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const codec of CODECS) {
      for (const size of SIZES) {
        const modes = rep % 2 === 0 ? MODES : [...MODES].reverse()
        for (const mode of modes) {
          const r = await runOnce(bootstrap, codec, size, mode, rep, dist.classpath)
          runs.push(r)
          console.error(
            `${codec} ${size / 1024} KiB ${mode} rep ${rep}: ${r.recordsPerSecond} rec/s, loop p50 ${r.p50} p99 ${r.p99} max ${r.max} ms (load ${r.load1})`,
          )
        }
      }
    }
  }
} finally {
  await cluster?.stop()
}
const loadAfter = loadavg()

/** The median repetition by p99 for every codec, size and mode. */
const summary = CODECS.flatMap((codec) =>
  SIZES.flatMap((batchSize) =>
    MODES.map((mode) => {
      const rs = runs.filter((r) => r.codec === codec && r.batchSize === batchSize && r.mode === mode)
      const byP99 = [...rs].sort((a, b) => a.p99 - b.p99)[Math.floor(rs.length / 2)]!
      return {
        codec,
        batchSize,
        mode,
        recordsPerSecond: median(rs.map((r) => r.recordsPerSecond)),
        p50: byP99.p50,
        p99: byP99.p99,
        max: median(rs.map((r) => r.max)),
      }
    }),
  ),
)

const result = {
  node: process.versions.node,
  records: RECORDS,
  recordBytes: payloads[0]!.length,
  reps: REPS,
  workers: defaultPoolSize(),
  loadBefore,
  loadAfter,
  idleLoopDelayMs: idleBefore,
  stepCosts,
  summary,
  runs,
}
writeFileSync(`bench/results/${values.out}.json`, `${JSON.stringify(result, null, 2)}\n`)

const lines = [
  `# Compression and the event loop`,
  '',
  `Node ${process.versions.node}, ${RECORDS} records of ${payloads[0]!.length} B per run, 8 partitions, acks=1, linger.ms=5,`,
  `${REPS} repetitions (modes alternating), worker pool of ${defaultPoolSize()}. Load average (1/5/15 min) before: ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after: ${loadAfter.map((x) => x.toFixed(2)).join(' ')}.`,
  `Event-loop delay from monitorEventLoopDelay (resolution 1 ms); idle it reads p50 ${idleBefore.p50}, p99 ${idleBefore.p99}, max ${idleBefore.max} ms.`,
  `Median repetition (by p99); records/s and max are medians. \`node --import tsx bench/compression-loop.ts\`.`,
  '',
  '| codec | batch.size | mode | records/s | loop p50 ms | loop p99 ms | loop max ms |',
  '| ----- | ---------- | ---- | --------: | ----------: | ----------: | ----------: |',
  ...summary.map(
    (s) =>
      `| ${s.codec} | ${s.batchSize / 1024} KiB | ${s.mode} | ${s.recordsPerSecond} | ${s.p50} | ${s.p99} | ${s.max} |`,
  ),
  '',
  '## Single steps on one batch, main thread (median of 15, ms)',
  '',
  `| step | ${Object.keys(stepCosts).join(' | ')} |`,
  `| ---- | ${Object.keys(stepCosts)
    .map(() => '---:')
    .join(' | ')} |`,
  ...Object.keys(Object.values(stepCosts)[0] ?? {}).map(
    (k) =>
      `| ${k} | ${Object.values(stepCosts)
        .map((row) => row[k])
        .join(' | ')} |`,
  ),
  '',
]
writeFileSync(`bench/results/${values.out}.md`, lines.join('\n'))
console.log(lines.join('\n'))

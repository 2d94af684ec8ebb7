/**
 * @platformatic/kafka: `producer.send({ messages })` per call and no linger/batch.size; like
 * kafkajs, the fastest pipelined use is concurrent sends of `job.chunk` records, bounded to
 * `job.window` records in flight. Latency of a record is that of its chunk's send().
 * With `job.tasks` (workload 6), each task does `await producer.send({ messages: [record] })`.
 */
import zlib from 'node:zlib'
import {
  emit,
  type Histogram,
  importOrUnavailable,
  importPeer,
  measure,
  pace,
  payload,
  readJob,
  runTasks,
} from './common.js'

const job = readJob()
/** The part of @platformatic/kafka 1.x used here (it comes from bench/peers, so its types may be absent). */
interface Platformatic {
  Producer: new (options: {
    clientId: string
    bootstrapBrokers: string[]
    acks: number
    idempotent: boolean
    autocreateTopics: boolean
    compression?: string
  }) => {
    send(options: { messages: { topic: string; value: Buffer }[] }): Promise<unknown>
    close(): Promise<void>
  }
}
const plt = await importOrUnavailable(
  async () => (await importPeer('@platformatic/kafka')) as unknown as Platformatic,
  '@platformatic/kafka (run bench/setup.sh)',
)
const { Producer } = plt
if (job.compression === 'zstd' && !('zstdCompressSync' in zlib)) {
  // @platformatic/kafka compresses zstd with node:zlib, which has it from Node 22.15 / 23.8.
  emit({ ok: false, unavailable: `zstd needs node:zlib zstd, absent in Node ${process.version}` })
  process.exit(0)
}
// Concurrent idempotent send() calls fail here with OUT_OF_ORDER_SEQUENCE_NUMBER (seen with
// 1.35.0), so with idempotence one chunk is in flight at a time.
const window = job.idempotence ? job.chunk : job.window
const settings = {
  ...(job.tasks > 0
    ? { api: `${job.tasks} tasks, each: await producer.send({ messages: [record] }), one at a time` }
    : { api: 'producer.send({ messages: chunk }) without await, bounded window', chunk: job.chunk, window }),
  ...(job.idempotence
    ? { note: 'idempotent: one send() in flight (concurrent ones fail OUT_OF_ORDER_SEQUENCE_NUMBER)' }
    : {}),
  acks: job.acks,
  idempotent: job.idempotence,
  compression: job.compression,
  lingerMs: 'n/a (no knob)',
  batchSize: 'n/a (one request per send() call per broker)',
}
await measure(job, settings, async () => {
  const producer = new Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: job.bootstrap.split(','),
    acks: job.acks,
    idempotent: job.idempotence,
    autocreateTopics: false,
    ...(job.compression === 'none' ? {} : { compression: job.compression }),
  })
  const value = payload(job.recordSize)
  const topic = job.topic
  await producer.send({ messages: [{ topic, value }] }) // warm metadata and the codec
  return {
    warmupRecords: 1,
    body: async (hist: Histogram, fail: (err: unknown) => void) => {
      if (job.tasks > 0)
        return runTasks(job, hist, fail, () => producer.send({ messages: [{ topic, value }] }))
      let outstanding = 0
      let wake: (() => void) | null = null
      const start = performance.now()
      let i = 0
      while (i < job.numRecords) {
        if (outstanding >= window) await new Promise<void>((r) => (wake = r))
        const n = job.throughput > 0 ? 1 : Math.min(job.chunk, job.numRecords - i)
        const p = pace(start, i, job.throughput)
        if (p !== null) await p
        const messages = new Array(n)
        for (let k = 0; k < n; k++) messages[k] = { topic, value }
        i += n
        outstanding += n
        const sentAt = performance.now()
        producer
          .send({ messages })
          .then(
            () => {
              const lat = performance.now() - sentAt
              for (let k = 0; k < n; k++) hist.recordMs(lat)
            },
            (err: unknown) => {
              for (let k = 0; k < n; k++) fail(err)
            },
          )
          .finally(() => {
            outstanding -= n
            if (wake !== null && outstanding <= window / 2) {
              const w = wake
              wake = null
              w()
            }
          })
      }
      while (outstanding > 0) await new Promise<void>((r) => (wake = r))
    },
    teardown: () => producer.close(),
  }
})

/**
 * kafkajs: no per-record send and no linger/batch.size; the fastest pipelined use is many
 * concurrent `producer.send({ messages: chunk })` calls, each with `job.chunk` records, bounded
 * to `job.window` records in flight. Latency of a record is that of its chunk's send().
 * With `job.tasks` (workload 6), each task does `await producer.send({ topic, messages: [record] })`.
 */
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
/** The part of kafkajs 2.x used here (it comes from bench/peers, so its own types may be absent). */
interface KafkaJs {
  Kafka: new (config: {
    clientId: string
    brokers: string[]
    logLevel: number
  }) => {
    producer(config: { idempotent: boolean; maxInFlightRequests: number; allowAutoTopicCreation: boolean }): {
      connect(): Promise<void>
      send(record: { topic: string; acks: number; messages: { value: Buffer }[] }): Promise<unknown>
      disconnect(): Promise<void>
    }
  }
  CompressionTypes: { None: number }
  logLevel: { NOTHING: number }
}
const kafkajs = await importOrUnavailable(
  async () => (await importPeer('kafkajs')).default as KafkaJs,
  'kafkajs (run bench/setup.sh)',
)
const { Kafka, CompressionTypes, logLevel } = kafkajs
if (job.compression !== 'none') {
  // kafkajs ships only gzip; lz4/zstd need third-party codec plugins (not installed here).
  emit({ ok: false, unavailable: `kafkajs has no built-in ${job.compression} codec (gzip only)` })
  process.exit(0)
}
const maxInFlightRequests = job.idempotence ? 1 : 5
const settings = {
  ...(job.tasks > 0
    ? { api: `${job.tasks} tasks, each: await producer.send({ topic, messages: [record] }), one at a time` }
    : {
        api: 'producer.send({ messages: chunk }) without await, bounded window',
        chunk: job.chunk,
        window: job.window,
      }),
  acks: job.acks,
  idempotent: job.idempotence,
  maxInFlightRequests,
  compression: CompressionTypes.None,
  lingerMs: 'n/a (no knob)',
  batchSize: 'n/a (one request per send() call per broker)',
}
await measure(job, settings, async () => {
  const kafka = new Kafka({
    clientId: 'bench-kafkajs',
    brokers: job.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
  })
  const producer = kafka.producer({
    idempotent: job.idempotence,
    maxInFlightRequests,
    allowAutoTopicCreation: false,
  })
  await producer.connect()
  const value = payload(job.recordSize)
  const topic = job.topic
  await producer.send({ topic, acks: job.acks, messages: [{ value }] }) // warm metadata
  return {
    warmupRecords: 1,
    body: async (hist: Histogram, fail: (err: unknown) => void) => {
      if (job.tasks > 0) {
        return runTasks(job, hist, fail, () =>
          producer.send({ topic, acks: job.acks, messages: [{ value }] }),
        )
      }
      let outstanding = 0
      let wake: (() => void) | null = null
      const start = performance.now()
      let i = 0
      while (i < job.numRecords) {
        if (outstanding >= job.window) await new Promise<void>((r) => (wake = r))
        // At a fixed rate, send each record as it falls due (chunks would add their wait to latency).
        const n = job.throughput > 0 ? 1 : Math.min(job.chunk, job.numRecords - i)
        const p = pace(start, i, job.throughput)
        if (p !== null) await p
        const messages = new Array(n)
        for (let k = 0; k < n; k++) messages[k] = { value }
        i += n
        outstanding += n
        const sentAt = performance.now()
        producer
          .send({ topic, acks: job.acks, messages })
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
            if (wake !== null && outstanding <= job.window / 2) {
              const w = wake
              wake = null
              w()
            }
          })
      }
      while (outstanding > 0) await new Promise<void>((r) => (wake = r))
    },
    teardown: () => producer.disconnect(),
  }
})

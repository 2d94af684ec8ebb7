/**
 * Sluice, promise path: `await`-free `send(record)` promises, waiting for 'drain' whenever the
 * producer sets `needsDrain`, and never more than a window of records in flight. With
 * `job.tasks` (workload 6), each task does `await producer.send(record)` instead.
 */
import { once } from 'node:events'
import { Producer } from '../../src/index.js'
import { type Histogram, measure, pace, payload, readJob, runTasks } from './common.js'

const job = readJob()
const config = {
  bootstrapServers: job.bootstrap,
  acks: job.acks,
  enableIdempotence: job.idempotence,
  compressionType: job.compression,
  lingerMs: job.lingerMs,
  batchSize: job.batchSize,
}
await measure(
  job,
  job.tasks > 0
    ? { api: `${job.tasks} tasks, each: await producer.send(record), one at a time`, ...config }
    : {
        api: "send(record) -> Promise, waiting for 'drain' when needsDrain, window of in-flight sends",
        window: job.window,
        ...config,
      },
  async () => {
    const producer = new Producer(config)
    const value = payload(job.recordSize)
    const topic = job.topic
    // Warm the metadata so the measured part starts with a known topic.
    await producer.partitionsFor(topic)
    return {
      body: async (hist: Histogram, fail: (err: unknown) => void) => {
        if (job.tasks > 0) return runTasks(job, hist, fail, () => producer.send({ topic, value }))
        let outstanding = 0
        let wake: (() => void) | null = null
        const settle = () => {
          outstanding--
          if (wake !== null && outstanding <= job.window / 2) {
            const w = wake
            wake = null
            w()
          }
        }
        const start = performance.now()
        for (let i = 0; i < job.numRecords; i++) {
          if (outstanding >= job.window) await new Promise<void>((r) => (wake = r))
          const p = pace(start, i, job.throughput)
          if (p !== null) await p
          const sentAt = performance.now()
          outstanding++
          producer.send({ topic, value }).then(
            () => {
              hist.recordMs(performance.now() - sentAt)
              settle()
            },
            (err: unknown) => {
              fail(err)
              settle()
            },
          )
          if (producer.needsDrain) await once(producer, 'drain')
        }
        await producer.flush()
        while (outstanding > 0) await new Promise<void>((r) => (wake = r))
      },
      teardown: () => producer.close(),
    }
  },
)

/**
 * Sluice, callback path: `send(record, cb)`, waiting for 'drain' whenever it returns false. With
 * `job.tasks` (workload 6), each task wraps send(record, cb) in its own wait; a task has one
 * record in flight, 1,000 of them far below the producer's highWaterMark, so send() does not
 * return false there.
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
const api =
  job.tasks > 0
    ? `${job.tasks} tasks, each: await new Promise(send(record, cb)), one at a time`
    : "send(record, cb), honouring false + 'drain'"
await measure(job, { api, ...config }, async () => {
  const producer = new Producer(config)
  const value = payload(job.recordSize)
  const topic = job.topic
  await producer.partitionsFor(topic)
  return {
    body: async (hist: Histogram, fail: (err: unknown) => void) => {
      if (job.tasks > 0) {
        const record = { topic, value }
        return runTasks(
          job,
          hist,
          fail,
          () =>
            new Promise<void>((resolve, reject) => {
              producer.send(record, (err) => (err === null ? resolve() : reject(err)))
            }),
        )
      }
      const start = performance.now()
      for (let i = 0; i < job.numRecords; i++) {
        const p = pace(start, i, job.throughput)
        if (p !== null) await p
        const sentAt = performance.now()
        const ok = producer.send({ topic, value }, (err) => {
          if (err === null) hist.recordMs(performance.now() - sentAt)
          else fail(err)
        })
        if (!ok) await once(producer, 'drain')
      }
      await producer.flush()
    },
    teardown: () => producer.close(),
  }
})

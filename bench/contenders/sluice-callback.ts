/** Sluice, callback path: `send(record, cb)`, waiting for 'drain' whenever it returns false. */
import { once } from 'node:events'
import { Producer } from '../../src/index.js'
import { type Histogram, measure, pace, readJob } from './common.js'

const job = readJob()
const config = {
  bootstrapServers: job.bootstrap,
  acks: job.acks,
  enableIdempotence: job.idempotence,
  compressionType: job.compression,
  lingerMs: job.lingerMs,
  batchSize: job.batchSize,
}
await measure(job, { api: "send(record, cb), honouring false + 'drain'", ...config }, async () => {
  const producer = new Producer(config)
  const value = Buffer.alloc(job.recordSize, 0x61)
  const topic = job.topic
  await producer.partitionsFor(topic)
  return {
    body: async (hist: Histogram, fail: (err: unknown) => void) => {
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

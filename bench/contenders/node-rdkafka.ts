/**
 * node-rdkafka (librdkafka from the system, see bench/setup.sh): `produce()` per record with the
 * send time as the opaque; delivery reports ('dr_cb') give send->ack latency. A full local queue
 * (ERR__QUEUE_FULL) is the backpressure signal: poll, wait a tick, retry. With `job.tasks`
 * (workload 6), each task produces one record (its task number as the opaque) and awaits that
 * record's delivery report before the next.
 */
import {
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
type Report = { opaque: number }
type RdProducer = {
  connect(opts: object, cb: (err: unknown) => void): void
  produce(topic: string, partition: null, value: Buffer, key: null, ts: null, opaque: number): void
  setPollInterval(ms: number): void
  poll(): void
  flush(timeoutMs: number, cb: (err: unknown) => void): void
  disconnect(cb: (err: unknown) => void): void
  on(event: 'delivery-report', cb: (err: unknown, report: Report) => void): void
  getMetadata(opts: object, cb: (err: unknown, md: unknown) => void): void
}
const rd = await importOrUnavailable(
  async () =>
    (await importPeer('node-rdkafka')).default as {
      Producer: new (conf: object, topicConf?: object) => RdProducer
      librdkafkaVersion: string
    },
  'node-rdkafka (run bench/setup.sh)',
)

const conf = {
  'metadata.broker.list': job.bootstrap,
  dr_cb: true,
  acks: job.acks,
  'enable.idempotence': job.idempotence,
  'compression.codec': job.compression,
  'linger.ms': job.lingerMs,
  'batch.size': job.batchSize,
  // Same memory budget as buffer.memory = 32 MiB in Sluice and Java.
  'queue.buffering.max.kbytes': 32768,
  'queue.buffering.max.messages': 1_000_000,
}
const pollMs = 1
await measure(
  job,
  {
    ...(job.tasks > 0
      ? {
          api: `${job.tasks} tasks, each: produce() one record, await its delivery report (setPollInterval(1)), retry on QUEUE_FULL`,
        }
      : {
          api: 'produce() per record, delivery reports via setPollInterval(1), retry on QUEUE_FULL, window of records awaiting their report',
          window: job.window,
        }),
    librdkafka: rd.librdkafkaVersion,
    ...conf,
  },
  async () => {
    const producer = new rd.Producer(conf)
    await new Promise<void>((res, rej) => producer.connect({}, (err) => (err ? rej(err) : res())))
    await new Promise<void>((res, rej) =>
      producer.getMetadata({ topic: job.topic, timeout: 10_000 }, (err) => (err ? rej(err) : res())),
    )
    producer.setPollInterval(pollMs)
    const value = payload(job.recordSize)
    const topic = job.topic
    return {
      body: async (hist: Histogram, fail: (err: unknown) => void) => {
        if (job.tasks > 0) {
          // Each task's pending wait, indexed by the task number the record carries as its opaque.
          const waiting: (((err: unknown) => void) | undefined)[] = new Array(job.tasks)
          producer.on('delivery-report', (err, report) => {
            const settle = waiting[report.opaque]
            waiting[report.opaque] = undefined
            settle?.(err)
          })
          return runTasks(job, hist, fail, async (task) => {
            const acked = new Promise<void>((resolve, reject) => {
              waiting[task] = (err) => (err ? reject(err) : resolve())
            })
            for (;;) {
              try {
                producer.produce(topic, null, value, null, null, task)
                break
              } catch (err) {
                if ((err as { code?: number }).code !== -184) throw err
                producer.poll()
                await new Promise<void>((r) => setImmediate(r))
              }
            }
            await acked
          })
        }
        let done = 0
        let wake: (() => void) | null = null
        let wakeAt = 0
        producer.on('delivery-report', (err, report) => {
          if (err) fail(err)
          else hist.recordMs(performance.now() - report.opaque)
          done++
          if (wake !== null && done >= wakeAt) {
            const w = wake
            wake = null
            w()
          }
        })
        const start = performance.now()
        for (let i = 0; i < job.numRecords; i++) {
          const p = pace(start, i, job.throughput)
          if (p !== null) await p
          // Delivery reports queue up unbounded inside librdkafka until JavaScript polls them;
          // a window of unreported records keeps them (and the loop) in step, as for the others.
          // Woken at half the window, not per report, as the kafkajs and platformatic runners.
          if (i - done >= job.window) {
            wakeAt = i - (job.window >> 1)
            await new Promise<void>((r) => (wake = r))
          }
          for (;;) {
            try {
              producer.produce(topic, null, value, null, null, performance.now())
              break
            } catch (err) {
              if ((err as { code?: number }).code !== -184) throw err
              producer.poll()
              await new Promise<void>((r) => setImmediate(r))
            }
          }
        }
        wakeAt = job.numRecords
        while (done < job.numRecords) await new Promise<void>((r) => (wake = r))
      },
      teardown: () => new Promise<void>((res) => producer.disconnect(() => res())),
    }
  },
)

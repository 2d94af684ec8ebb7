/**
 * A worker thread of the worker-mode producer: one plain Producer (buffer serializers) that
 * takes the records the caller's thread hands over, each with its partition chosen, and reports
 * their outcomes back in bulk once per tick.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { KafkaError } from '../errors.js'
import type { Logger } from '../logging.js'
import type { ProducerConfigInput } from '../producer/config/index.js'
import { Producer } from '../producer/producer.js'
import type { ProducerRecord, RecordMetadata } from '../producer/record.js'
import { sendableError } from './errors.js'
import { readChunk } from './handover.js'
import type { FromWorker, ToWorker, WorkerStart } from './messages.js'

const port = parentPort!
const start = workerData as WorkerStart

function post(m: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(m, transfer)
}

function forwardingLogger(levels: readonly string[]): Logger | null {
  if (levels.length === 0) return null
  const logger: Record<string, (fields: Record<string, unknown>, message: string) => void> = {}
  for (const level of levels) {
    logger[level] = (fields, message) => {
      try {
        post({ t: 'log', level, fields, message })
      } catch {
        post({ t: 'log', level, fields: { fields: String(fields) }, message })
      }
    }
  }
  return logger
}

const producer = new Producer({
  ...(start.settings as unknown as ProducerConfigInput),
  logger: forwardingLogger(start.logLevels),
})

const topics: string[] = []
let ok: number[] = []
let offsets: bigint[] = []
let failed = new Map<KafkaError, number[]>()
let reportScheduled = false

function report(): void {
  reportScheduled = false
  if (ok.length === 0 && failed.size === 0) return
  const okArr = new Float64Array(ok)
  const offArr = new BigInt64Array(offsets)
  const fails = [...failed].map(([err, ids]) => ({ ids, error: sendableError(err) }))
  ok = []
  offsets = []
  failed = new Map()
  post({ t: 'done', ok: okArr, offsets: offArr, failed: fails }, [okArr.buffer, offArr.buffer])
}

function outcome(id: number, topicId: number, err: KafkaError | null, md: RecordMetadata | null): void {
  if (err !== null) {
    const ids = failed.get(err)
    if (ids === undefined) failed.set(err, [id])
    else ids.push(id)
  } else {
    ok.push(id, topicId, md!.partition, md!.timestamp)
    offsets.push(md!.offset)
  }
  if (!reportScheduled) {
    reportScheduled = true
    setImmediate(report)
  }
}

function sendChunk(m: Extract<ToWorker, { t: 'records' }>): void {
  for (const name of m.topics) topics.push(name)
  const first = m.first
  readChunk(m.buffer, m.length, (r, i) => {
    const id = first + i
    const topicId = r.topicId
    const record: ProducerRecord = {
      topic: topics[topicId]!,
      partition: r.partition,
      key: r.key,
      value: r.value,
      timestamp: r.timestamp,
    }
    if (r.headers.length > 0) record.headers = r.headers
    producer.send(record, (err, md) => outcome(id, topicId, err, md))
  })
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'records':
      sendChunk(m)
      return
    case 'meta':
      producer.partitionsFor(m.topic).then(
        (ps) =>
          post({
            t: 'meta',
            req: m.req,
            partitions: ps.map((p) => ({ partition: p.partition, leader: p.leader })),
            error: null,
          }),
        (e) => post({ t: 'meta', req: m.req, partitions: null, error: sendableError(e) }),
      )
      return
    case 'flush':
      producer.flush().then(
        () => {
          report()
          post({ t: 'flushed', req: m.req, error: null })
        },
        (e) => {
          report()
          post({ t: 'flushed', req: m.req, error: sendableError(e) })
        },
      )
      return
    case 'close': {
      const timeoutMs = m.timeoutMs < 0 ? {} : { timeoutMs: m.timeoutMs }
      producer.close(timeoutMs).then(
        () => finish(m.req, null),
        (e) => finish(m.req, e),
      )
      return
    }
  }
})

function finish(req: number, err: unknown): void {
  report()
  post({ t: 'closed', req, error: err === null ? null : sendableError(err) })
  port.close()
}

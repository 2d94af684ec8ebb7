/**
 * Memory bound check: produces N (default 10 million) 100-byte records through the callback
 * path with buffer.memory = 32 MiB, honouring send()'s backpressure signal, samples the
 * process's RSS, and checks with Kafka's own GetOffsetShell that every record arrived.
 *
 *   node --import tsx bench/memory.ts [--records N] [--bootstrap-server host:port]
 *
 * Without --bootstrap-server a local Apache Kafka is started for the run.
 */
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { createTopics, parseBrokerList } from '../src/cluster/admin.js'
import { startKafka } from '../src/local-kafka/cluster.js'
import { ensureKafka } from '../src/local-kafka/distribution.js'
import { Producer } from '../src/producer/producer.js'
import { endOffsetTotals } from './end-offsets.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    'bootstrap-server': { type: 'string' },
    'buffer-memory': { type: 'string', default: String(32 * 1024 * 1024) },
  },
})
const total = Number(values.records)
const bufferMemory = Number(values['buffer-memory'])
let bootstrap = values['bootstrap-server']
const cluster = bootstrap === undefined ? await startKafka({ name: `bench-memory-${process.pid}` }) : null
bootstrap ??= cluster!.bootstrapServers
const topic = `memory-${Date.now()}`
const partitions = 8

try {
  await createTopics(parseBrokerList(bootstrap), [{ name: topic, partitions }])
  const producer = new Producer({ bootstrapServers: bootstrap, bufferMemory, acks: 1, lingerMs: 5 })
  const value = Buffer.alloc(100, 0x61)
  let peakRss = process.memoryUsage().rss
  const baselineRss = peakRss
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }, 50)
  let failed = 0
  let firstError: Error | null = null
  const onDone = (err: Error | null) => {
    if (err !== null) {
      failed++
      firstError ??= err
    }
  }
  const started = performance.now()
  for (let i = 0; i < total; i++) {
    if (!producer.send({ topic, value }, onDone)) await once(producer, 'drain')
  }
  await producer.flush()
  const seconds = (performance.now() - started) / 1000
  await producer.close()
  clearInterval(sampler)
  peakRss = Math.max(peakRss, process.memoryUsage().rss)

  const { classpath } = await ensureKafka()
  const delivered = (await endOffsetTotals(classpath, bootstrap, topic)).get(topic) ?? 0
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`
  console.log(
    JSON.stringify(
      {
        records: total,
        failed,
        firstError: firstError === null ? null : String(firstError),
        deliveredPerGetOffsetShell: delivered,
        seconds: Number(seconds.toFixed(1)),
        recordsPerSec: Math.round(total / seconds),
        bufferMemory: mib(bufferMemory),
        baselineRss: mib(baselineRss),
        peakRss: mib(peakRss),
        peakRssOverBufferMemory: mib(peakRss - bufferMemory),
        node: process.version,
      },
      null,
      2,
    ),
  )
  if (failed > 0 || delivered !== total) process.exitCode = 1
} finally {
  await cluster?.stop()
}

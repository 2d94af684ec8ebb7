import { parseArgs } from 'node:util'
import { createTopics, parseBrokerList } from '../cluster/admin.js'
import { Producer } from '../producer/producer.js'
import type { RecordMetadata } from '../producer/record.js'

const HELP = `Usage: sluice perf [options]

Produces --num-records records of --record-size bytes as fast as the producer allows (or at
--throughput records/s) and prints throughput and send-to-acknowledgement latency, in the form of
Kafka's kafka-producer-perf-test.

Options:
  --topic NAME               topic to produce to (default: sluice-perf; created when missing)
  --num-records N            records to send (default: 1000000)
  --record-size BYTES        value size (default: 100)
  --throughput N             records/s cap; -1 for unthrottled (default: -1)
  --partitions N             partitions when the topic is created (default: 8)
  --producer-props k=v ...   producer settings in Java form, e.g. acks=1 linger.ms=5
  --bootstrap-server LIST    brokers; when absent, a local Apache Kafka is started for the run
  -h, --help
`

export async function runPerf(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      topic: { type: 'string', default: 'sluice-perf' },
      'num-records': { type: 'string', default: '1000000' },
      'record-size': { type: 'string', default: '100' },
      throughput: { type: 'string', default: '-1' },
      partitions: { type: 'string', default: '8' },
      'producer-props': { type: 'string', multiple: true, default: [] },
      'bootstrap-server': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const topic = values.topic ?? 'sluice-perf'
  const numRecords = positiveInt(values['num-records'] ?? '', '--num-records')
  const recordSize = positiveInt(values['record-size'] ?? '', '--record-size')
  const partitions = positiveInt(values.partitions ?? '', '--partitions')
  const throughput = Number(values.throughput ?? -1)
  const props: Record<string, string> = {}
  for (const kv of values['producer-props'] ?? []) {
    const i = kv.indexOf('=')
    if (i <= 0) throw new Error(`--producer-props expects key=value, got '${kv}'`)
    props[kv.slice(0, i)] = kv.slice(i + 1)
  }

  let bootstrap = values['bootstrap-server']
  let stopLocal: (() => Promise<void>) | null = null
  if (bootstrap === undefined) {
    process.stderr.write('No --bootstrap-server given: starting a local Apache Kafka...\n')
    const { startKafka } = await import('../local-kafka/cluster.js')
    const cluster = await startKafka({ name: 'sluice-perf' })
    bootstrap = cluster.bootstrapServers
    stopLocal = () => cluster.stop()
    process.stderr.write(`Local Kafka is up at ${bootstrap}\n`)
  }
  try {
    await createTopics(parseBrokerList(bootstrap), [{ name: topic, partitions }])
    const producer = new Producer({ 'bootstrap.servers': bootstrap, ...props })
    const result = await produce(producer, topic, numRecords, recordSize, throughput)
    await producer.close()
    process.stdout.write(result)
    return 0
  } finally {
    await stopLocal?.()
  }
}

async function produce(
  producer: Producer,
  topic: string,
  numRecords: number,
  recordSize: number,
  throughput: number,
): Promise<string> {
  const payload = Buffer.alloc(recordSize, 0x61)
  const latencies = new Float64Array(numRecords)
  // Bounded outstanding records, so memory stays near buffer.memory's worth of data.
  const window = Math.max(1000, Math.floor(producer.config.bufferMemory / (recordSize + 70)))
  let outstanding = 0
  let acked = 0
  let failed = 0
  let firstError: Error | null = null
  let wake: (() => void) | null = null
  const start = performance.now()
  let windowStart = start
  let windowCount = 0
  let windowBytes = 0
  let windowLatency = 0
  let windowMax = 0

  const done = (sentAt: number) => (err: Error | null, _md: RecordMetadata | null) => {
    const now = performance.now()
    outstanding--
    if (err !== null) {
      failed++
      firstError ??= err
    } else {
      const lat = now - sentAt
      latencies[acked++] = lat
      windowCount++
      windowBytes += recordSize
      windowLatency += lat
      if (lat > windowMax) windowMax = lat
      if (now - windowStart >= 5000) {
        const secs = (now - windowStart) / 1000
        process.stdout.write(
          `${windowCount} records sent, ${(windowCount / secs).toFixed(1)} records/sec (${(windowBytes / secs / 1048576).toFixed(2)} MB/sec), ${(windowLatency / windowCount).toFixed(1)} ms avg latency, ${windowMax.toFixed(1)} ms max latency.\n`,
        )
        windowStart = now
        windowCount = windowBytes = windowLatency = windowMax = 0
      }
    }
    if (wake !== null && outstanding < window / 2) {
      const w = wake
      wake = null
      w()
    }
  }

  for (let i = 0; i < numRecords; i++) {
    if (outstanding >= window) await new Promise<void>((resolve) => (wake = resolve))
    if (throughput > 0) {
      const due = start + (i * 1000) / throughput
      const now = performance.now()
      if (due > now + 1) await new Promise((r) => setTimeout(r, due - now))
    }
    outstanding++
    producer.send({ topic, value: payload }, done(performance.now()))
  }
  await producer.flush()
  const elapsed = (performance.now() - start) / 1000
  if (failed > 0) throw new Error(`${failed} of ${numRecords} records failed; first error: ${firstError}`)
  const sorted = latencies.subarray(0, acked).sort()
  const pct = (p: number) => sorted[Math.min(acked - 1, Math.floor((p / 100) * acked))] ?? 0
  let sum = 0
  for (const v of sorted) sum += v
  return `${numRecords} records sent, ${(numRecords / elapsed).toFixed(1)} records/sec (${((numRecords * recordSize) / elapsed / 1048576).toFixed(2)} MB/sec), ${(sum / Math.max(1, acked)).toFixed(2)} ms avg latency, ${(sorted[acked - 1] ?? 0).toFixed(2)} ms max latency, ${pct(50).toFixed(0)} ms 50th, ${pct(95).toFixed(0)} ms 95th, ${pct(99).toFixed(0)} ms 99th, ${pct(99.9).toFixed(0)} ms 99.9th.\n`
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got '${v}'`)
  return n
}

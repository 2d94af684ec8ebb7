/**
 * Worker mode's throughput: workload 1 (100 B values, no key, acks=1, 8 partitions, linger.ms=5,
 * batch.size=64 KiB, buffer.memory=32 MiB, callback sends honouring 'drain') through the plain
 * Producer (workers=0) and WorkerProducer with 1, 2 and 4 workers. The modes alternate within
 * each repetition (the order rotates), each run in a fresh child process on the built dist/,
 * a fresh topic per run, every run's records counted in the topic with GetOffsetShell.
 * Reports the median records/s, CPU time per record (process.cpuUsage(): all threads), the
 * caller thread's event-loop utilization and each worker's. Writes
 * bench/results/workers.{json,md}; asserts nothing.
 *
 *   node --import tsx bench/workers.ts [--records 2000000] [--reps 3] [--modes 0,1,2,4] [--bootstrap-server B]
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { endOffsetTotals } from './end-offsets.js'
import { sendAllCallbacks } from './send-all.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '2000000' },
    reps: { type: 'string', default: '3' },
    modes: { type: 'string', default: '0,1,2,4' },
    'bootstrap-server': { type: 'string' },
    child: { type: 'string' },
    topic: { type: 'string' },
  },
})
const RECORDS = Number(values.records)

interface RunResult {
  workers: number
  rate: number
  cpuUsPerRecord: number
  callerElu: number
  workerElu: number[]
}

if (values.child !== undefined) {
  console.log(
    `BENCH_RESULT ${JSON.stringify(await child(Number(values.child), values['bootstrap-server']!, values.topic!))}`,
  )
  process.exit(0)
}

/** One run in this (child) process. */
async function child(workers: number, bootstrap: string, topic: string): Promise<RunResult> {
  const dist = new URL('../dist/', import.meta.url).href
  const settings = {
    bootstrapServers: bootstrap,
    acks: 1 as const,
    lingerMs: 5,
    batchSize: 65536,
    bufferMemory: 32 * 1024 * 1024,
  }
  type Sender = {
    send(r: { topic: string; value: Buffer }, cb: (err: Error | null) => void): boolean
    partitionsFor(topic: string): Promise<unknown>
    once(event: 'drain', f: () => void): unknown
    flush(): Promise<void>
    close(): Promise<void>
    threadUtilization?: () => number[]
  }
  let producer: Sender
  if (workers === 0) {
    const { Producer } = (await import(`${dist}index.js`)) as { Producer: new (c: object) => Sender }
    producer = new Producer(settings)
  } else {
    const { WorkerProducer } = (await import(`${dist}workers/index.js`)) as {
      WorkerProducer: new (c: object) => Sender
    }
    producer = new WorkerProducer({ ...settings, workers })
  }
  await producer.partitionsFor(topic)
  const value = Buffer.alloc(100, 0x61)
  const elu0 = performance.eventLoopUtilization()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const { failed, first } = await sendAllCallbacks(producer, RECORDS, () => ({ topic, value }))
  const secs = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const callerElu = performance.eventLoopUtilization(elu0).utilization
  const workerElu = producer.threadUtilization?.() ?? []
  await producer.close()
  if (failed > 0) throw new Error(`workers=${workers}: ${failed} records failed: ${first}`)
  return {
    workers,
    rate: RECORDS / secs,
    cpuUsPerRecord: (cpu.user + cpu.system) / RECORDS,
    callerElu,
    workerElu,
  }
}

const { startKafka } = await import('../src/local-kafka/cluster.js')
const { ensureKafka } = await import('../src/local-kafka/distribution.js')
const { createTopics, parseBrokerList } = await import('../src/cluster/admin.js')
execFileSync('npm', ['run', 'build'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  cwd: new URL('..', import.meta.url).pathname,
})
const dist = await ensureKafka()
const cluster =
  values['bootstrap-server'] === undefined ? await startKafka({ name: `workers-bench-${process.pid}` }) : null
const bootstrap = values['bootstrap-server'] ?? cluster!.bootstrapServers
const modes = values.modes.split(',').map(Number)
const runs = new Map<number, RunResult[]>(modes.map((m) => [m, []]))
const loads: number[] = []
const script = new URL(import.meta.url).pathname

for (let rep = 0; rep < Number(values.reps); rep++) {
  const order = modes.map((_, i) => modes[(i + rep) % modes.length]!)
  for (const workers of order) {
    const topic = `workers-bench-${workers}-${rep}-${process.pid}`
    await createTopics(parseBrokerList(bootstrap), [{ name: topic, partitions: 8, replicationFactor: 1 }])
    loads.push(loadavg()[0]!)
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        script,
        '--child',
        String(workers),
        '--bootstrap-server',
        bootstrap,
        '--topic',
        topic,
        '--records',
        String(RECORDS),
      ],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '))
    if (line === undefined) throw new Error(`workers=${workers}: no result:\n${out}`)
    const r = JSON.parse(line.slice('BENCH_RESULT '.length)) as RunResult
    const inTopic = (await endOffsetTotals(dist.classpath, bootstrap, topic)).get(topic) ?? 0
    if (inTopic !== RECORDS)
      throw new Error(`workers=${workers}: ${inTopic} records in ${topic}, expected ${RECORDS}`)
    runs.get(workers)!.push(r)
    console.error(
      `rep ${rep} workers=${workers}: ${Math.round(r.rate)} records/s, ${r.cpuUsPerRecord.toFixed(2)} µs CPU/record, caller ELU ${r.callerElu.toFixed(2)}, workers ELU ${r.workerElu.map((e) => e.toFixed(2)).join('/')}`,
    )
  }
}
await cluster?.stop()

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const summary = modes.map((workers) => {
  const rs = runs.get(workers)!
  return {
    workers,
    recordsPerSecond: median(rs.map((r) => r.rate)),
    cpuUsPerRecord: median(rs.map((r) => r.cpuUsPerRecord)),
    callerElu: median(rs.map((r) => r.callerElu)),
    workerElu: median(rs.map((r) => Math.max(0, ...r.workerElu))),
  }
})
const result = {
  records: RECORDS,
  reps: Number(values.reps),
  node: process.version,
  cpus: cpus().length,
  loadAverage1m: loads,
  summary,
  runs: Object.fromEntries(runs),
}
const base = summary.find((s) => s.workers === 0)?.recordsPerSecond
const md = [
  '# Worker mode: records/s by number of workers',
  '',
  `Workload 1: ${RECORDS} x 100 B, no key, acks=1, 8 partitions, linger.ms=5, batch.size=65536, buffer.memory=32 MiB,`,
  `callback sends honouring 'drain'; one local broker on the same machine (${cpus().length} cores, Node ${process.version}),`,
  `${values.reps} repetitions alternating the modes, median; 1-minute load average at each run's start:`,
  `${loads.map((l) => l.toFixed(2)).join(', ')}.`,
  '',
  '| workers | records/s (median) | vs workers=0 | CPU µs/record (all threads) | caller thread ELU | busiest worker ELU | every run (records/s) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...summary.map(
    (s) =>
      `| ${s.workers} | ${Math.round(s.recordsPerSecond)} | ${base === undefined ? '' : (s.recordsPerSecond / base).toFixed(2)} | ${s.cpuUsPerRecord.toFixed(2)} | ${s.callerElu.toFixed(2)} | ${s.workers === 0 ? '' : s.workerElu.toFixed(2)} | ${runs
        .get(s.workers)!
        .map((r) => Math.round(r.rate))
        .join(', ')} |`,
  ),
  '',
].join('\n')
const outDir = new URL('./results/', import.meta.url).pathname
// The hand-written reading of the figures (from "## How it scales" on) is kept across runs.
const previous = existsSync(join(outDir, 'workers.md'))
  ? readFileSync(join(outDir, 'workers.md'), 'utf8')
  : ''
const reading = previous.includes('\n## How it scales')
  ? previous.slice(previous.indexOf('\n## How it scales'))
  : ''
writeFileSync(join(outDir, 'workers.json'), `${JSON.stringify(result, null, 2)}\n`)
writeFileSync(join(outDir, 'workers.md'), md + reading)
console.log(md)

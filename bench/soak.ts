/**
 * The soak: one producer at a fixed rate for a long time against a local broker, sampled every
 * minute: RSS, heap used, external memory, active handles, event-loop delay (p50, p99, max over
 * the minute), records acknowledged and failed. Writes bench/results/soak.{json,md,svg}; the
 * acknowledged count is checked against the topic's end offsets by Kafka's GetOffsetShell.
 *
 *   node --import tsx bench/soak.ts [--minutes 60] [--rate 20000] [--bootstrap-server B]
 *
 * It reports; it asserts nothing (the note reading it says whether the curves are flat).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createTopics, parseBrokerList } from '../src/cluster/admin.js'
import { startKafka } from '../src/local-kafka/cluster.js'
import { ensureKafka } from '../src/local-kafka/distribution.js'
import { Producer } from '../src/producer/producer.js'
import { endOffsetTotals } from './end-offsets.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    rate: { type: 'string', default: '20000' },
    'bootstrap-server': { type: 'string' },
    out: { type: 'string', default: 'soak' },
  },
})
const minutes = Number(values.minutes)
const rate = Number(values.rate)
const dist = await ensureKafka()
const cluster =
  values['bootstrap-server'] === undefined ? await startKafka({ name: `soak-${process.pid}` }) : null
const bootstrap = values['bootstrap-server'] ?? cluster!.bootstrapServers
const topic = `soak-${Date.now()}`
await createTopics(parseBrokerList(bootstrap), [{ name: topic, partitions: 6, replicationFactor: 1 }])

interface Sample {
  minute: number
  rssMiB: number
  heapUsedMiB: number
  externalMiB: number
  handles: number
  loopDelayP50Ms: number
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  acked: number
  failed: number
  inFlight: number
}

const producer = new Producer({ bootstrapServers: bootstrap, acks: 'all', lingerMs: 5 })
await producer.partitionsFor(topic)
let acked = 0
let failed = 0
let sent = 0
let firstError = ''
const callback = (err: Error | null) => {
  if (err === null) acked++
  else {
    failed++
    firstError ||= err.message
  }
}
const value = Buffer.alloc(100, 0x61)
const started = performance.now()
// Paced from the start time, 10 ms ticks: the records due by now go out (no drift).
const ticker = setInterval(() => {
  const due = Math.floor(((performance.now() - started) / 1000) * rate)
  while (sent < due) {
    producer.send({ topic, key: `k${sent % 1000}`, value }, callback)
    sent++
  }
}, 10)

// The histogram's values include its own 10 ms sampling interval (p50 reads 10.1 ms on an idle
// loop): the delays reported here are what is left after taking it off.
const RESOLUTION_MS = 10
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
delay.enable()
const samples: Sample[] = []
const mib = (n: number) => Number((n / 2 ** 20).toFixed(1))
const ms = (ns: number) => Number(Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(2))
function sample(minute: number): void {
  const m = process.memoryUsage()
  samples.push({
    minute,
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    externalMiB: mib(m.external),
    handles: process.getActiveResourcesInfo().length,
    loopDelayP50Ms: ms(delay.percentile(50)),
    loopDelayP99Ms: ms(delay.percentile(99)),
    loopDelayMaxMs: ms(delay.max),
    acked,
    failed,
    inFlight: sent - acked - failed,
  })
  delay.reset()
  const s = samples.at(-1)!
  process.stderr.write(
    `[${minute} min] rss ${s.rssMiB} MiB, heap ${s.heapUsedMiB} MiB, handles ${s.handles}, loop p99 ${s.loopDelayP99Ms} ms, acked ${acked}, failed ${failed}\n`,
  )
}
for (let minute = 1; minute <= minutes; minute++) {
  await new Promise((r) => setTimeout(r, 60_000))
  sample(minute)
}
clearInterval(ticker)
await producer.flush()
await producer.close()
delay.disable()
const totals = await endOffsetTotals(dist.classpath, bootstrap, topic)
const inTopic = totals.get(topic) ?? 0
await cluster?.stop()

// First and last tenth of the run, after the first minute's warm-up.
const steady = samples.slice(1)
const part = Math.max(1, Math.floor(steady.length / 10))
const avg = (xs: Sample[], k: keyof Sample) => xs.reduce((a, s) => a + (s[k] as number), 0) / xs.length
const summary = {
  minutes,
  rate,
  sent,
  acked,
  failed,
  firstError,
  inTopicPerGetOffsetShell: inTopic,
  rssMiB: { first: avg(steady.slice(0, part), 'rssMiB'), last: avg(steady.slice(-part), 'rssMiB') },
  heapUsedMiB: {
    first: avg(steady.slice(0, part), 'heapUsedMiB'),
    last: avg(steady.slice(-part), 'heapUsedMiB'),
  },
  handles: { first: avg(steady.slice(0, part), 'handles'), last: avg(steady.slice(-part), 'handles') },
  loopDelayP99Ms: {
    median:
      [...steady.map((s) => s.loopDelayP99Ms)].sort((a, b) => a - b)[Math.floor(steady.length / 2)] ?? 0,
  },
}
const base = join(import.meta.dirname, 'results', values.out!)
writeFileSync(`${base}.json`, `${JSON.stringify({ summary, samples }, null, 2)}\n`)
writeFileSync(`${base}.svg`, svg(samples))
writeFileSync(
  `${base}.md`,
  [
    `# Soak: ${minutes} min at ${rate} records/s`,
    '',
    `Sent ${sent}, acknowledged ${acked}, failed ${failed}; in the topic per GetOffsetShell: ${inTopic}.`,
    '',
    '| minute | RSS MiB | heap MiB | external MiB | handles | loop p50 ms | loop p99 ms | loop max ms | acked | in flight |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...samples.map(
      (s) =>
        `| ${s.minute} | ${s.rssMiB} | ${s.heapUsedMiB} | ${s.externalMiB} | ${s.handles} | ${s.loopDelayP50Ms} | ${s.loopDelayP99Ms} | ${s.loopDelayMaxMs} | ${s.acked} | ${s.inFlight} |`,
    ),
    '',
    '![soak](soak.svg)',
    '',
  ].join('\n'),
)
process.stdout.write(`${JSON.stringify(summary)}\n`)

/** RSS and heap (MiB, left axis) and event-loop p99 (ms, right axis) per minute. */
function svg(s: Sample[]): string {
  const w = 720
  const h = 320
  const pad = 50
  const maxMem = Math.max(1, ...s.map((x) => x.rssMiB)) * 1.1
  const maxDelay = Math.max(1, ...s.map((x) => x.loopDelayP99Ms)) * 1.1
  const xOf = (i: number) => pad + (i / Math.max(1, s.length - 1)) * (w - 2 * pad)
  const line = (ys: number[], max: number, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${ys
      .map((y, i) => `${xOf(i).toFixed(1)},${(h - pad - (y / max) * (h - 2 * pad)).toFixed(1)}`)
      .join(' ')}"/>`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>`,
    `<text x="${pad}" y="${pad - 10}">MiB (0-${maxMem.toFixed(0)})</text>`,
    `<text x="${w - pad}" y="${pad - 10}" text-anchor="end">loop delay p99 ms (0-${maxDelay.toFixed(1)})</text>`,
    `<text x="${w / 2}" y="${h - 15}" text-anchor="middle">minute (1-${s.length}), ${rate} records/s</text>`,
    line(
      s.map((x) => x.rssMiB),
      maxMem,
      '#1f77b4',
    ),
    line(
      s.map((x) => x.heapUsedMiB),
      maxMem,
      '#2ca02c',
    ),
    line(
      s.map((x) => x.loopDelayP99Ms),
      maxDelay,
      '#d62728',
    ),
    `<text x="${pad + 10}" y="${pad + 15}" fill="#1f77b4">RSS</text>`,
    `<text x="${pad + 50}" y="${pad + 15}" fill="#2ca02c">heap used</text>`,
    `<text x="${pad + 130}" y="${pad + 15}" fill="#d62728">event-loop p99</text>`,
    '</svg>',
    '',
  ].join('\n')
}

/**
 * What a disk spool costs while the cluster is healthy: records/s of 100-byte records produced
 * with no spool and with `spool: { fsync: 'interval' }` (the records never fail, so nothing
 * should touch the disk), on one local broker, the modes alternating, 3 repetitions, median.
 * Also what spooling itself takes (the storage layer alone, no broker): appends/s of the same
 * records with each fsync mode. Writes bench/results/spool.{json,md}.
 *
 *   node --import tsx bench/spool.ts [--records 500000] [--reps 3] [--bootstrap-server B]
 *
 * It reports; it asserts nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createTopics, parseBrokerList } from '../src/cluster/admin.js'
import { startKafka } from '../src/local-kafka/cluster.js'
import { ensureKafka } from '../src/local-kafka/distribution.js'
import { Producer } from '../src/producer/producer.js'
import { type FsyncMode, Spool } from '../src/spool/spool.js'
import { endOffsetTotals } from './end-offsets.js'
import { sendAllCallbacks } from './send-all.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    reps: { type: 'string', default: '3' },
    'bootstrap-server': { type: 'string' },
  },
})
const RECORDS = Number(values.records)
const REPS = Number(values.reps)
const payloads = Array.from({ length: 1000 }, (_, i) => Buffer.from(`record ${i} `.padEnd(100, 'x')))

const dist = await ensureKafka()
const cluster =
  values['bootstrap-server'] === undefined ? await startKafka({ name: `spool-bench-${process.pid}` }) : null
const bootstrap = values['bootstrap-server'] ?? cluster!.bootstrapServers

type Mode = 'no-spool' | 'spool-interval'

/** One run: RECORDS callback sends, paced by 'drain'; records/s from first send to last ack. */
async function runOnce(mode: Mode, rep: number): Promise<{ rate: number; spooled: number }> {
  const topic = `spool-bench-${mode}-${rep}-${process.pid}`
  await createTopics(parseBrokerList(bootstrap), [{ name: topic, partitions: 8, replicationFactor: 1 }])
  const dir = mkdtempSync(join(tmpdir(), 'sluice-spool-bench-'))
  const producer = new Producer({
    bootstrapServers: bootstrap,
    lingerMs: 5,
    ...(mode === 'no-spool' ? {} : { spool: { dir, maxBytes: 1024 ** 3, fsync: 'interval' as const } }),
  })
  await producer.send({ topic, value: payloads[0]! })
  const t0 = performance.now()
  const { failed, first } = await sendAllCallbacks(producer, RECORDS, (i) => ({
    topic,
    value: payloads[i % 1000]!,
  }))
  const secs = (performance.now() - t0) / 1000
  const spooled = producer.health().spool?.spooledTotal ?? 0
  await producer.close()
  rmSync(dir, { recursive: true, force: true })
  if (failed > 0) throw new Error(`${mode}: ${failed} records failed: ${first}`)
  const inTopic = (await endOffsetTotals(dist.classpath, bootstrap, topic)).get(topic) ?? 0
  if (inTopic !== RECORDS + 1)
    throw new Error(`${mode}: ${inTopic} records in ${topic}, expected ${RECORDS + 1}`)
  return { rate: RECORDS / secs, spooled }
}

/** The storage alone: appends/s of RECORDS records, 1000 appends awaited at a time. */
async function appendRate(fsync: FsyncMode): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-spool-bench-'))
  const spool = await Spool.open({ dir, maxBytes: 4 * 1024 ** 3, fsync })
  const t0 = performance.now()
  for (let i = 0; i < RECORDS; i += 1000) {
    const batch: Promise<number>[] = []
    for (let j = i; j < Math.min(i + 1000, RECORDS); j++)
      batch.push(
        spool.append({
          topic: 't',
          partition: null,
          key: null,
          value: payloads[j % 1000]!,
          headers: [],
          timestamp: j,
        }),
      )
    await Promise.all(batch)
  }
  const secs = (performance.now() - t0) / 1000
  await spool.close()
  rmSync(dir, { recursive: true, force: true })
  return RECORDS / secs
}

const modes: Mode[] = ['no-spool', 'spool-interval']
const runs: Record<Mode, number[]> = { 'no-spool': [], 'spool-interval': [] }
let spooledTotal = 0
for (let rep = 0; rep < REPS; rep++) {
  for (const mode of rep % 2 === 0 ? modes : [...modes].reverse()) {
    const r = await runOnce(mode, rep)
    runs[mode].push(r.rate)
    spooledTotal += r.spooled
    console.error(`${mode} rep ${rep}: ${Math.round(r.rate)} records/s`)
  }
}
const appends: Record<string, number> = {}
for (const f of ['never', 'interval', 'always'] as FsyncMode[]) appends[f] = await appendRate(f)
await cluster?.stop()

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const result = {
  records: RECORDS,
  reps: REPS,
  recordsPerSecond: {
    'no-spool': median(runs['no-spool']),
    'spool-interval': median(runs['spool-interval']),
  },
  runs,
  spooledWhileHealthy: spooledTotal,
  storageAppendsPerSecond: appends,
}
const md = [
  '# Disk spool: cost while healthy',
  '',
  `${RECORDS} x 100 B records, callback sends, one local broker, ${REPS} repetitions (median).`,
  '',
  '| mode | records/s (median) | every run |',
  '| --- | --- | --- |',
  `| no spool | ${Math.round(result.recordsPerSecond['no-spool'])} | ${runs['no-spool'].map(Math.round).join(', ')} |`,
  `| spool, fsync interval | ${Math.round(result.recordsPerSecond['spool-interval'])} | ${runs['spool-interval'].map(Math.round).join(', ')} |`,
  '',
  'On a shared 2-core machine the runs spread widely; compare the spread, not only the medians.',
  '',
  `Records spooled while healthy: ${spooledTotal} (nothing goes to disk unless a record fails).`,
  '',
  'The storage alone (Spool.append, 1000 awaited at a time, no broker):',
  '',
  '| fsync | appends/s |',
  '| --- | --- |',
  ...Object.entries(appends).map(([f, r]) => `| ${f} | ${Math.round(r)} |`),
  '',
].join('\n')
const out = new URL('./results/', import.meta.url).pathname
writeFileSync(join(out, 'spool.json'), `${JSON.stringify(result, null, 2)}\n`)
writeFileSync(join(out, 'spool.md'), md)
console.log(md)

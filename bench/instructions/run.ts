/**
 * Instructions per record, current build against a baseline build, counted by valgrind's
 * callgrind: a count that does not move with what else the machine runs, where records/s on this
 * 2-core machine (the broker shares the cores) swings by tens of percent between repetitions.
 *
 *   node --import tsx bench/instructions/run.ts --baseline DIR [--also DIR,...]
 *        [--bootstrap-server H:P] [--small 20000] [--large 120000] [--modes callback,promise]
 *        [--partitions 1,8] [--linger-ms 1000] [--reps 1]
 *
 * DIR is a checkout with dist/ built (`git worktree add --detach DIR REF`, then `npm ci && npm
 * run build` there); --also adds more checkouts (commits in between, to find which one moved
 * the count), each compared with the baseline like the current tree. For each
 * build, mode and partition count, driver.mjs produces `small` and then `large` records under
 * callgrind (node --single-threaded, so no V8 helper threads run concurrently); the difference of
 * the two totals over `large - small` records is the instructions per record of the steady state,
 * start-up, connection set-up and JIT warm-up cancelling out. The node process alone is counted,
 * not the broker. Without --bootstrap-server a local Kafka is started for the run.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { createTopics, parseBrokerList } from '../../src/cluster/admin.js'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'

const execFileP = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    also: { type: 'string', default: '' },
    'bootstrap-server': { type: 'string' },
    small: { type: 'string', default: '20000' },
    large: { type: 'string', default: '120000' },
    modes: { type: 'string', default: 'callback,promise' },
    partitions: { type: 'string', default: '1,8' },
    'linger-ms': { type: 'string', default: '1000' },
    reps: { type: 'string', default: '1' },
  },
})
if (values.baseline === undefined) {
  process.stderr.write('usage: run.ts --baseline DIR [--bootstrap-server H:P] [--small N] [--large N]\n')
  process.exit(2)
}
const builds = [
  { name: 'baseline', dist: join(resolve(values.baseline), 'dist/index.js') },
  ...values.also
    .split(',')
    .filter((d) => d !== '')
    .map((d) => ({ name: basename(resolve(d)), dist: join(resolve(d), 'dist/index.js') })),
  { name: 'current', dist: join(root, 'dist/index.js') },
]
const small = Number(values.small)
const large = Number(values.large)
const modes = values.modes.split(',')
const partitionCounts = values.partitions.split(',').map(Number)
const reps = Number(values.reps)

let cluster: KafkaCluster | null = null
let bootstrap = values['bootstrap-server']
if (bootstrap === undefined) {
  cluster = await startKafka({ name: `sluice-instructions-${process.pid}` })
  bootstrap = cluster.bootstrapServers
}
const work = mkdtempSync(join(tmpdir(), 'sluice-instructions-'))
let topicSeq = 0

async function instructions(dist: string, topic: string, records: number, mode: string): Promise<number> {
  const out = join(work, `callgrind.${++topicSeq}.out`)
  await execFileP(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--single-threaded',
      join(root, 'bench/instructions/driver.mjs'),
      dist,
      bootstrap!,
      topic,
      String(records),
      mode,
      values['linger-ms'],
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 3_600_000 },
  )
  const m = /^summary:\s+(\d+)/m.exec(readFileSync(out, 'utf8'))
  if (m === null) throw new Error(`no summary line in ${out}`)
  return Number(m[1])
}

try {
  const rows: string[] = []
  for (const partitions of partitionCounts) {
    for (const mode of modes) {
      // Repetitions alternate the builds; each build's figure is its median over them.
      const samples: Record<string, number[]> = {}
      for (let rep = 0; rep < reps; rep++) {
        for (const build of builds) {
          const counts: number[] = []
          for (const n of [small, large]) {
            const topic = `instructions-${process.pid}-${++topicSeq}`
            await createTopics(parseBrokerList(bootstrap), [
              { name: topic, partitions, replicationFactor: 1 },
            ])
            counts.push(await instructions(build.dist, topic, n, mode))
          }
          const one = (counts[1]! - counts[0]!) / (large - small)
          samples[build.name] ??= []
          samples[build.name]!.push(one)
          process.stderr.write(
            `${build.name} ${mode} p${partitions} rep ${rep + 1}: ${counts.join(' / ')} instructions -> ${one.toFixed(0)} per record\n`,
          )
        }
      }
      const perRecord: Record<string, number> = {}
      const spread: Record<string, string> = {}
      for (const [name, xs] of Object.entries(samples)) {
        const sorted = [...xs].sort((a, b) => a - b)
        perRecord[name] = sorted[Math.floor(sorted.length / 2)]!
        spread[name] = sorted.length > 1 ? ` (${sorted[0]!.toFixed(0)}-${sorted.at(-1)!.toFixed(0)})` : ''
      }
      for (const build of builds.slice(1)) {
        const ratio = perRecord[build.name]! / perRecord.baseline!
        rows.push(
          `| ${build.name} | ${mode} | ${partitions} | ${perRecord.baseline!.toFixed(0)}${spread.baseline} | ${perRecord[build.name]!.toFixed(0)}${spread[build.name]} | ${ratio.toFixed(3)} |`,
        )
      }
    }
  }
  process.stdout.write(
    `Instructions per record (callgrind, records ${small} -> ${large}, linger.ms ${values['linger-ms']}, median of ${reps} (range), node ${process.version})\n\n` +
      '| build | path | partitions | baseline | build | build/baseline |\n|---|---|---|---|---|---|\n' +
      `${rows.join('\n')}\n`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
  await cluster?.stop()
}

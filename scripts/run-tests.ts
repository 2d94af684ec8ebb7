/**
 * The test runner behind `npm test`, `npm run test:unit` and `npm run test:soak`. Test files are
 * split into tiers in scripts/test-tiers.ts; this runs them in phases with Node's test runner:
 *
 *   unit         no Kafka, no Java (scripts/unit-guard.ts preloaded), files run concurrently
 *   integration  against one single-broker Apache Kafka started here (SLUICE_TEST_BOOTSTRAP),
 *                files run concurrently
 *   alone        integration files that start the 3-broker cluster and kill brokers, or load
 *                the shared broker heavily: one at a time, after the others
 *   soak         the million-record failover runs and the launcher's own tests: one at a time
 *
 *   node --import tsx scripts/run-tests.ts [--tier unit|integration|soak[,...]] [path filter...]
 *   node --import tsx scripts/run-tests.ts --compat [--kafka-version V] [path filter...]
 *
 * Without --tier: unit and integration (what `npm test` runs), or every tier when path filters
 * are given (`run-tests.ts connection` runs each test file whose path contains "connection").
 * The shared broker starts while the unit phase runs and only when an integration phase is to
 * run. Each phase prints the spec reporter's summary; the output ends with one line
 * `N passed, N failed` over all phases, and the exit status is non-zero if any phase failed.
 * Broker logs are kept under .kafka-logs/ when a test fails.
 *
 * `--kafka-version V` runs the brokers the tests start at Apache Kafka V (SLUICE_KAFKA_VERSION);
 * Kafka's tools and the tests' Java programs keep the newest version's jars. `--compat` runs the
 * compatibility subset (COMPAT in scripts/test-tiers.ts). A compatibility run and a whole
 * `npm test` write their counts beside the coverage the tests record under .compat/
 * (scripts/compat-table.ts makes the docs table from them).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, relative, sep } from 'node:path'
import { type KafkaCluster, startKafka } from '../src/local-kafka/cluster.js'
import { brokerKafkaVersion } from '../src/local-kafka/distribution.js'
import { compileJava, javaSourcesIn, testJavaClasses } from '../test/helpers/java.js'
import { COMPAT, type Group, TIER_OF_GROUP, TIERS, type Tier, tierProblems } from './test-tiers.js'

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) findTests(p, out)
    else if (name.endsWith('.test.ts')) out.push(relative(root, p).split(sep).join('/'))
  }
  return out
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: run-tests.ts [--tier unit|integration|soak[,...]] [--compat] [--kafka-version V] [path filter...]\n`,
  )
  process.exit(2)
}

const argv = process.argv.slice(2)
let tiers: Set<Tier> | undefined
let compat = false
const filters: string[] = []
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!
  if (a === '--tier' || a.startsWith('--tier=')) {
    const value = a === '--tier' ? argv[++i] : a.slice('--tier='.length)
    if (value === undefined) usage('--tier needs a value')
    tiers = new Set()
    for (const t of value.split(',')) {
      if (t !== 'unit' && t !== 'integration' && t !== 'soak') usage(`unknown tier '${t}'`)
      tiers.add(t)
    }
  } else if (a === '--compat') {
    compat = true
  } else if (a === '--kafka-version' || a.startsWith('--kafka-version=')) {
    const value = a === '--kafka-version' ? argv[++i] : a.slice('--kafka-version='.length)
    if (value === undefined) usage('--kafka-version needs a value')
    process.env.SLUICE_KAFKA_VERSION = value // for startKafka here and in every test process
  } else if (a.startsWith('-')) usage(`unknown option ${a}`)
  else filters.push(a)
}
if (compat && tiers !== undefined) usage('--compat and --tier do not go together')
if (compat) tiers = new Set<Tier>(['integration'])
tiers ??= new Set<Tier>(filters.length > 0 ? ['unit', 'integration', 'soak'] : ['unit', 'integration'])
const kafkaVersion = brokerKafkaVersion()

const problems = tierProblems(findTests(join(root, 'test')))
if (problems.length > 0) {
  process.stderr.write(`scripts/test-tiers.ts does not match the test files:\n  ${problems.join('\n  ')}\n`)
  process.exit(1)
}

/**
 * Test files at a time: unit files are mostly CPU-bound (cores + 1), integration files mostly
 * wait for brokers and JVMs (cores + 2). SLUICE_TEST_CONCURRENCY overrides both.
 */
const cores = availableParallelism()
const override = Number(process.env.SLUICE_TEST_CONCURRENCY)
const unitConcurrency = override >= 1 ? override : Math.min(4, cores + 1)
const integrationConcurrency = override >= 1 ? override : Math.min(6, cores + 2)

interface Phase {
  name: string
  group: Group
  concurrency: number
  needsBroker: boolean
  guard: boolean
}
const PHASES: Phase[] = [
  { name: 'unit', group: 'unit', concurrency: unitConcurrency, needsBroker: false, guard: true },
  {
    name: 'integration',
    group: 'integration',
    concurrency: integrationConcurrency,
    needsBroker: true,
    guard: false,
  },
  {
    name: 'integration (3-broker cluster, heavy load: one file at a time)',
    group: 'integrationAlone',
    concurrency: 1,
    needsBroker: true,
    guard: false,
  },
  { name: 'soak (one file at a time)', group: 'soak', concurrency: 1, needsBroker: false, guard: false },
]

const plan = PHASES.filter((p) => tiers.has(TIER_OF_GROUP[p.group]))
  .map((p) => ({
    ...p,
    files: TIERS[p.group].filter(
      (f) => (!compat || COMPAT.includes(f)) && (filters.length === 0 || filters.some((x) => f.includes(x))),
    ),
  }))
  .filter((p) => p.files.length > 0)
if (plan.length === 0) usage(`no test file matches ${filters.join(' ')} in tier ${[...tiers].join(',')}`)

interface Counts {
  tests: number
  pass: number
  fail: number
  cancelled: number
}

/** Runs one phase's files with Node's test runner, forwarding its output and reading its summary. */
async function runPhase(
  phase: Phase & { files: string[] },
  bootstrap: string | undefined,
): Promise<Counts & { code: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.SLUICE_TEST_BOOTSTRAP
  delete env.SLUICE_TEST_TIER
  if (bootstrap !== undefined) env.SLUICE_TEST_BOOTSTRAP = bootstrap
  if (phase.guard) env.SLUICE_TEST_TIER = 'unit'
  const args = [
    '--import',
    'tsx',
    ...(phase.guard ? ['--import', join(root, 'scripts', 'unit-guard.ts')] : []),
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${phase.concurrency}`,
    ...phase.files,
  ]
  process.stdout.write(`\n=== ${phase.name}: ${phase.files.length} files, ${phase.concurrency} at a time\n`)
  const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'], env, cwd: root })
  const counts: Counts = { tests: 0, pass: 0, fail: 0, cancelled: 0 }
  let carry = ''
  const scan = (line: string): void => {
    // The spec reporter's closing summary: "ℹ tests 12", "ℹ pass 12", ...
    const m = /^ℹ (tests|pass|fail|cancelled) (\d+)\s*$/.exec(line)
    if (m !== null) counts[m[1] as keyof Counts] = Number(m[2])
  }
  child.stdout.on('data', (b: Buffer) => {
    process.stdout.write(b)
    const text = carry + b.toString('utf8')
    const lines = text.split('\n')
    carry = lines.pop() ?? ''
    for (const l of lines) scan(l)
  })
  const code = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(1))
    child.on('close', (c) => resolve(c ?? 1))
  })
  scan(carry)
  return { ...counts, code }
}

const started = performance.now()
let cluster: KafkaCluster | undefined
// Started now, used from the first phase that needs it: the unit phase runs meanwhile.
const brokerPromise: Promise<KafkaCluster> | undefined = plan.some((p) => p.needsBroker)
  ? startKafka({ name: `sluice-test-${process.pid}` }).then((c) => {
      cluster = c
      process.stderr.write(`Apache Kafka ${kafkaVersion} for tests: ${c.bootstrapServers}\n`)
      return c
    })
  : undefined
brokerPromise?.catch(() => {}) // awaited (and reported) by the phase that needs it
// The tests' Java programs, compiled into the class cache once here rather than by several test
// processes at the same time on a fresh machine. A failure is left for the tests to report.
const javaPromise = plan.some((p) => !p.guard)
  ? Promise.all([testJavaClasses(), compileJava(javaSourcesIn(join(root, 'test', 'cli', 'java')))]).catch(
      () => {},
    )
  : undefined

const total: Counts = { tests: 0, pass: 0, fail: 0, cancelled: 0 }
const timings: string[] = []
let failedPhases = 0
try {
  for (const phase of plan) {
    const t0 = performance.now()
    let result: Counts & { code: number }
    try {
      const bootstrap = phase.needsBroker ? (await brokerPromise!).bootstrapServers : undefined
      if (!phase.guard) await javaPromise
      result = await runPhase(phase, bootstrap)
    } catch (err) {
      process.stderr.write(
        `${phase.name}: could not run: ${err instanceof Error ? err.stack : String(err)}\n`,
      )
      result = { tests: 0, pass: 0, fail: 0, cancelled: 0, code: 1 }
    }
    total.tests += result.tests
    total.pass += result.pass
    total.fail += result.fail
    total.cancelled += result.cancelled
    if (result.code !== 0) {
      failedPhases++
      // A runner that died without a summary still counts as a failure.
      if (result.fail + result.cancelled === 0) total.fail++
    }
    timings.push(
      `${phase.name}: ${phase.files.length} files, ${result.tests} tests, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    )
  }
} finally {
  await cluster?.stop({ keepLogs: failedPhases > 0 })
}
timings.push(`total: ${((performance.now() - started) / 1000).toFixed(1)} s`)
process.stdout.write(`\n${timings.join('\n')}\n`)
// What the docs table (scripts/compat-table.ts) reports of this run: a compatibility run, or
// the whole of `npm test`.
const whole = tiers.has('unit') && tiers.has('integration')
if ((compat || whole) && filters.length === 0) {
  const dir = join(
    process.env.SLUICE_COMPAT_OUT ?? join(root, '.compat'),
    `kafka-${kafkaVersion}`,
    `node${process.versions.node.split('.')[0]}`,
  )
  mkdirSync(dir, { recursive: true })
  const files = plan.flatMap((p) => p.files)
  const summary = {
    kafka: kafkaVersion,
    node: process.version,
    suite: compat ? 'compatibility subset' : 'full (unit and integration)',
    files,
    passed: total.pass,
    failed: total.fail + total.cancelled,
  }
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
}
process.stdout.write(`${total.pass} passed, ${total.fail + total.cancelled} failed\n`)
process.exitCode = failedPhases > 0 ? 1 : 0

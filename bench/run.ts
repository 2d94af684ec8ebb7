/**
 * Side-by-side producer benchmark: the same workloads for Sluice (promise and callback paths),
 * kafkajs, @platformatic/kafka, node-rdkafka, franz-go (when built) and Java's own
 * ProducerPerformance, against ONE broker, alternating contenders within every repetition.
 *
 *   npm run bench                       # full: 5M x 100 B, 1M x 1 KiB, 10M for peak RSS, 3 reps
 *   npm run bench -- --quick            # small counts, 1 rep: a couple of minutes
 *   node --import tsx bench/run.ts --help
 *   bench/ab.sh REF                     # A/B of workload 1 against commit REF (--baseline DIR)
 *
 * Writes bench/results/bench-<mode>.{md,json,svg}. It only reports; nothing here asserts numbers.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createTopics, parseBrokerList } from '../src/cluster/admin.js'
import { ensureKafka } from '../src/local-kafka/distribution.js'
import { VERSION } from '../src/version.js'
import { type Job, RESULT_PREFIX, type RunnerResult } from './contenders/common.js'
import { endOffsetTotals } from './end-offsets.js'
import { parsePerfLine } from './perf-line.js'
import { renderMarkdown, renderSvg, resultsJson, summarize } from './report.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..')

const HELP = `Usage: node --import tsx bench/run.ts [options]

  --quick                    small counts (200k x 100 B, 50k x 1 KiB, 5 s latency run, 500k RSS run,
                             100k web-service records), 1 rep
  --reps N                   repetitions (default 3 full, 1 quick); contenders alternate within each
  --out NAME                 results file name in bench/results/ (default bench-full / bench-quick)
  --bootstrap-server LIST    use this broker instead of starting a local one
  --contenders a,b           subset of: ${'sluice-promise,sluice-callback,kafkajs,platformatic,node-rdkafka,java,franz-go'}
                             (with --baseline also sluice-promise@base,sluice-callback@base)
  --baseline DIR             another Sluice checkout with dist/ built (e.g. a git worktree at an older
                             commit): adds sluice-promise@base and sluice-callback@base, the same runners
                             loading DIR/dist/index.js, and "vs base" ratios (default --out ab-<mode>)
  --workloads a,b            subset of workload ids (see the table header)
  --records N                override every throughput workload's record count (w1-w3, w6)
  --web-records N            records of the web-service workload w6 (default 1M full, 100k quick)
  --tasks N                  concurrent tasks of w6, each awaiting its own sends (default 1000)
  --memory-records N         records of the peak-RSS workload (default 10M full, 500k quick)
  --linger-ms N              linger for every contender with the knob (default 5)
  --batch-size N             batch.size for every contender with the knob (default 65536)
  --rate N                   records/s of the fixed-rate latency workload (default 10000)
  -h, --help
`

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    out: { type: 'string' },
    'bootstrap-server': { type: 'string' },
    baseline: { type: 'string' },
    contenders: { type: 'string' },
    workloads: { type: 'string' },
    records: { type: 'string' },
    'memory-records': { type: 'string' },
    'web-records': { type: 'string' },
    tasks: { type: 'string', default: '1000' },
    'linger-ms': { type: 'string', default: '5' },
    'batch-size': { type: 'string', default: '65536' },
    rate: { type: 'string', default: '10000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  process.stdout.write(HELP)
  process.exit(0)
}
const quick = values.quick === true
const mode = quick ? 'quick' : 'full'
const reps = Number(values.reps ?? (quick ? 1 : 3))
const lingerMs = Number(values['linger-ms'])
const batchSize = Number(values['batch-size'])
const rate = Number(values.rate)
const small = Number(values.records ?? (quick ? 200_000 : 5_000_000))
const large = Number(values.records ?? (quick ? 50_000 : 1_000_000))
const memoryRecords = Number(values['memory-records'] ?? (quick ? 500_000 : 10_000_000))
const latencyRecords = rate * (quick ? 5 : 30)
const webRecords = Number(values['web-records'] ?? values.records ?? (quick ? 100_000 : 1_000_000))
const webTasks = Number(values.tasks)
if (!Number.isInteger(webTasks) || webTasks < 1)
  throw new Error(`--tasks ${values.tasks}: a whole number >= 1`)
const BUFFER_MEMORY = 32 * 1024 * 1024

export type Metric = 'throughput' | 'latency' | 'rss'

export interface Workload {
  id: string
  title: string
  metric: Metric
  numRecords: number
  recordSize: number
  partitions: number
  acks: 1 | -1
  idempotence: boolean
  compression: 'none' | 'lz4' | 'zstd'
  throughput: number
  /** 0, or the concurrent tasks each awaiting its own sends one at a time (w6). */
  tasks: number
}

const WORKLOADS: Workload[] = [
  {
    id: 'w1-100B-p1',
    title: '100 B, acks=1, none, 1 partition',
    metric: 'throughput',
    numRecords: small,
    recordSize: 100,
    partitions: 1,
    acks: 1,
    idempotence: false,
    compression: 'none',
    throughput: -1,
    tasks: 0,
  },
  {
    id: 'w1-100B-p8',
    title: '100 B, acks=1, none, 8 partitions',
    metric: 'throughput',
    numRecords: small,
    recordSize: 100,
    partitions: 8,
    acks: 1,
    idempotence: false,
    compression: 'none',
    throughput: -1,
    tasks: 0,
  },
  {
    id: 'w2-1KiB-lz4',
    title: '1 KiB, acks=1, lz4, 8 partitions',
    metric: 'throughput',
    numRecords: large,
    recordSize: 1024,
    partitions: 8,
    acks: 1,
    idempotence: false,
    compression: 'lz4',
    throughput: -1,
    tasks: 0,
  },
  {
    id: 'w2-1KiB-zstd',
    title: '1 KiB, acks=1, zstd, 8 partitions',
    metric: 'throughput',
    numRecords: large,
    recordSize: 1024,
    partitions: 8,
    acks: 1,
    idempotence: false,
    compression: 'zstd',
    throughput: -1,
    tasks: 0,
  },
  {
    id: 'w3-acks-all-idem',
    title: '100 B, acks=all, idempotent, 8 partitions',
    metric: 'throughput',
    numRecords: small,
    recordSize: 100,
    partitions: 8,
    acks: -1,
    idempotence: true,
    compression: 'none',
    throughput: -1,
    tasks: 0,
  },
  {
    id: 'w4-latency',
    title: `latency at ${rate} rec/s, 100 B, acks=1, 8 partitions`,
    metric: 'latency',
    numRecords: latencyRecords,
    recordSize: 100,
    partitions: 8,
    acks: 1,
    idempotence: false,
    compression: 'none',
    throughput: rate,
    tasks: 0,
  },
  {
    id: 'w5-peak-rss',
    title: `peak RSS over ${memoryRecords} x 100 B, acks=1, 8 partitions`,
    metric: 'rss',
    numRecords: memoryRecords,
    recordSize: 100,
    partitions: 8,
    acks: 1,
    idempotence: false,
    compression: 'none',
    throughput: -1,
    tasks: 0,
  },
  {
    id: 'w6-web-service',
    title: `web service: ${webTasks} tasks each awaiting its own sends, 100 B, acks=1, none, 8 partitions`,
    metric: 'throughput',
    numRecords: webRecords,
    recordSize: 100,
    partitions: 8,
    acks: 1,
    idempotence: false,
    compression: 'none',
    throughput: -1,
    tasks: webTasks,
  },
]

export interface Contender {
  id: string
  label: string
  kind: 'sluice' | 'node-peer' | 'reference'
  /** For a `<id>@base` contender: the contender whose runner it runs, with Sluice from --baseline DIR. */
  baseOf?: string
}

const CONTENDERS: Contender[] = [
  { id: 'sluice-promise', label: 'Sluice (promise)', kind: 'sluice' },
  { id: 'sluice-callback', label: 'Sluice (callback)', kind: 'sluice' },
  { id: 'kafkajs', label: 'kafkajs', kind: 'node-peer' },
  { id: 'platformatic', label: '@platformatic/kafka', kind: 'node-peer' },
  { id: 'node-rdkafka', label: 'node-rdkafka', kind: 'node-peer' },
  // ProducerPerformance for w1-w5; bench/java/WebServiceProducer.java for w6.
  { id: 'java', label: 'Java KafkaProducer', kind: 'reference' },
  { id: 'franz-go', label: 'franz-go', kind: 'reference' },
]

export interface RunRecord {
  workload: string
  contender: string
  rep: number
  topic: string
  result: RunnerResult
  /** Peak RSS of the contender's process as the kernel counts it (VmHWM), sampled by the harness. */
  peakRssMb: number | null
  /** The contender process's VmRSS every RSS_SAMPLE_MS, sampled by the harness: [ms since spawn, MiB]. */
  rssSeries?: [number, number][]
  /** Records in the topic afterwards per Kafka's GetOffsetShell, less the runner's warm-up records. */
  delivered?: number
}

const pickList = <T extends { id: string }>(all: T[], list: string | undefined): T[] => {
  if (list === undefined) return all
  const ids = list.split(',').map((s) => s.trim())
  for (const id of ids) if (!all.some((x) => x.id === id)) throw new Error(`unknown id '${id}'`)
  return all.filter((x) => ids.includes(x.id))
}
const baselineDir = values.baseline === undefined ? undefined : resolve(values.baseline)
const baseline = baselineDir === undefined ? undefined : inspectBaseline(baselineDir)
if (baseline !== undefined) {
  // Each @base contender right after its counterpart, so the two run back to back in every repetition.
  for (const id of ['sluice-promise', 'sluice-callback']) {
    const i = CONTENDERS.findIndex((c) => c.id === id)
    const c = CONTENDERS[i]!
    CONTENDERS.splice(i + 1, 0, {
      id: `${id}@base`,
      label: `${c.label} @base ${baseline.commit}`,
      kind: 'sluice',
      baseOf: id,
    })
  }
} else if (values.contenders?.includes('@base')) {
  throw new Error('the @base contenders need --baseline DIR')
}
const workloads = pickList(WORKLOADS, values.workloads)
let contenders = pickList(CONTENDERS, values.contenders)

/**
 * The baseline checkout: its dist/index.js must exist (`npm run build` there). Warns when a file
 * under DIR/src is newer than it, which usually means a stale build.
 */
function inspectBaseline(dir: string): { dir: string; entry: string; version: string; commit: string } {
  const entry = join(dir, 'dist', 'index.js')
  if (!existsSync(entry))
    throw new Error(`--baseline ${dir}: no dist/index.js (run npm ci && npm run build there)`)
  const built = statSync(entry).mtimeMs
  const newer: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > built) newer.push(p)
    }
  }
  if (existsSync(join(dir, 'src'))) walk(join(dir, 'src'))
  if (newer.length > 0)
    process.stderr.write(
      `warning: --baseline ${dir}: ${newer.length} file(s) under src/ newer than dist/index.js (e.g. ${newer[0]}); is dist/ built?\n`,
    )
  let version = 'unknown'
  try {
    version =
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? version
  } catch {}
  return { dir, entry, version, commit: gitCommit(dir) }
}

const franzBinary = join(HERE, 'franz-go', 'franz-bench')
const javaClasses = join(HERE, '.build', 'java')
/** How often the harness reads a contender's /proc/<pid>/status (VmHWM for the peak, VmRSS for the series). */
const RSS_SAMPLE_MS = 100

/** VmHWM (peak resident set) and VmRSS of a live process, in MiB; null when they cannot be read. */
function memoryMb(pid: number): { hwm: number; rss: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)
    return hwm === null || rss === null ? null : { hwm: Number(hwm[1]) / 1024, rss: Number(rss[1]) / 1024 }
  } catch {
    return null
  }
}

function runChild(cmd: string, args: string[], timeoutMs: number): Promise<ChildRun> {
  return new Promise((resolve) => {
    const spawned = performance.now()
    const child: ChildProcess = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let peak: number | null = null
    const rssSeries: [number, number][] = []
    const sample = () => {
      if (child.pid === undefined) return
      const v = memoryMb(child.pid)
      if (v === null) return
      peak = Math.max(peak ?? 0, v.hwm)
      rssSeries.push([Math.round(performance.now() - spawned), Number(v.rss.toFixed(1))])
    }
    const sampler = setInterval(sample, RSS_SAMPLE_MS)
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      // The result line is printed just before exit: read the high-water mark while it lives.
      if (stdout.includes(RESULT_PREFIX) || /records sent.*99\.9th/.test(stdout)) sample()
    })
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    const timer = setTimeout(() => {
      stderr += `\n[harness] timed out after ${timeoutMs} ms`
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('close', (code) => {
      clearInterval(sampler)
      clearTimeout(timer)
      resolve({ code, stdout, stderr, peakRssMb: peak, rssSeries })
    })
  })
}

interface ChildRun {
  code: number | null
  stdout: string
  stderr: string
  peakRssMb: number | null
  rssSeries: [number, number][]
}

type Outcome = { result: RunnerResult; peakRssMb: number | null; rssSeries?: [number, number][] }

function timeoutFor(w: Workload): number {
  // Generous: 20k records/s for the slowest contender (1k/s with one record per request, w6), plus start-up.
  const slowest = w.tasks > 0 ? 1_000 : 20_000
  return 60_000 + (w.numRecords / slowest) * 1000 * (w.recordSize > 100 ? 2 : 1)
}

function jobFor(w: Workload, bootstrap: string, topic: string): Job {
  return {
    bootstrap,
    topic,
    numRecords: w.numRecords,
    recordSize: w.recordSize,
    acks: w.acks,
    idempotence: w.idempotence,
    compression: w.compression,
    lingerMs,
    batchSize,
    throughput: w.throughput,
    chunk: 1000,
    window: Math.min(200_000, Math.floor(BUFFER_MEMORY / (w.recordSize + 70))),
    tasks: w.tasks,
  }
}

function javaProps(w: Workload, bootstrap: string): string[] {
  return [
    `bootstrap.servers=${bootstrap}`,
    `acks=${w.acks === -1 ? 'all' : '1'}`,
    `enable.idempotence=${w.idempotence}`,
    `linger.ms=${lingerMs}`,
    `batch.size=${batchSize}`,
    `compression.type=${w.compression}`,
    `buffer.memory=${BUFFER_MEMORY}`,
  ]
}

async function runOne(
  c: Contender,
  w: Workload,
  bootstrap: string,
  topic: string,
  classpath: string,
): Promise<Outcome> {
  const job = jobFor(w, bootstrap, topic)
  const timeout = timeoutFor(w)
  if (c.id === 'java' && w.tasks > 0) return runJavaTasks(w, bootstrap, topic, classpath, timeout)
  if (c.id === 'java') {
    const props = javaProps(w, bootstrap)
    const args = [
      '-Xmx512M', // as kafka-producer-perf-test.sh sets it
      '-cp',
      classpath,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(w.numRecords),
      '--record-size',
      String(w.recordSize),
      '--throughput',
      String(w.throughput),
      '--producer-props',
      ...props,
    ]
    const r = await runChild('java', args, timeout)
    const parsed = parsePerfLine(r.stdout)
    const settings = { jvm: '-Xmx512M', producerProps: props.filter((p) => !p.startsWith('bootstrap')) }
    if (parsed === null || r.code !== 0) {
      return {
        result: { ok: false, error: `exit ${r.code}: ${(r.stderr || r.stdout).slice(-600)}`, settings },
        peakRssMb: r.peakRssMb,
        rssSeries: r.rssSeries,
      }
    }
    return { result: { ...parsed, settings }, peakRssMb: r.peakRssMb, rssSeries: r.rssSeries }
  }
  if (c.id === 'franz-go') {
    const r = await runChild(franzBinary, [JSON.stringify(job)], timeout)
    return { result: parseRunner(r), peakRssMb: r.peakRssMb, rssSeries: r.rssSeries }
  }
  const script =
    c.baseOf === undefined
      ? join(HERE, '.build', 'bench', 'contenders', `${c.id}.js`)
      : join(HERE, '.build', 'base', 'bench', 'contenders', `${c.baseOf}.js`)
  const r = await runChild(process.execPath, [script, JSON.stringify(job)], timeout)
  return { result: parseRunner(r), peakRssMb: r.peakRssMb, rssSeries: r.rssSeries }
}

/** Workload 6 for Java: bench/java/WebServiceProducer (compiled by compileJava), same props as ProducerPerformance. */
async function runJavaTasks(
  w: Workload,
  bootstrap: string,
  topic: string,
  classpath: string,
  timeout: number,
): Promise<Outcome> {
  const args = [
    '-Xmx512M',
    '-cp',
    `${classpath}:${javaClasses}`,
    'WebServiceProducer',
    String(w.tasks),
    String(w.numRecords),
    String(w.recordSize),
    topic,
    ...javaProps(w, bootstrap),
  ]
  const r = await runChild('java', args, timeout)
  return { result: parseRunner(r), peakRssMb: r.peakRssMb, rssSeries: r.rssSeries }
}

/** Compiles bench/java/*.java against the Kafka jars; the reason it cannot, or null. */
function compileJava(classpath: string): string | null {
  const sources = readdirSync(join(HERE, 'java'))
    .filter((n) => n.endsWith('.java'))
    .map((n) => join(HERE, 'java', n))
  mkdirSync(javaClasses, { recursive: true })
  const r = spawnSync('javac', ['-cp', classpath, '-d', javaClasses, ...sources], { encoding: 'utf8' })
  if (r.error !== undefined) return `javac cannot run: ${r.error.message}`
  return r.status === 0 ? null : `javac failed: ${(r.stderr || r.stdout).split('\n')[0]}`
}

function parseRunner(r: { code: number | null; stdout: string; stderr: string }): RunnerResult {
  const line = r.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
  if (line === undefined) return { ok: false, error: `no result (exit ${r.code}): ${r.stderr.slice(-600)}` }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as RunnerResult
}

/** Sums every bench topic's end offsets with Kafka's own GetOffsetShell (one JVM for all runs). */
async function countDelivered(runs: RunRecord[], bootstrap: string, classpath: string): Promise<void> {
  let totals: Map<string, number>
  try {
    totals = await endOffsetTotals(classpath, bootstrap, 'bench-.*')
  } catch (err) {
    process.stderr.write(`GetOffsetShell failed; delivery not verified: ${String(err).slice(-300)}\n`)
    return
  }
  for (const run of runs) {
    const total = totals.get(run.topic)
    if (run.topic !== '' && total !== undefined) run.delivered = total - (run.result.warmupRecords ?? 0)
  }
}

/** Short commit of a checkout, with `+dirty` when tracked files differ from it. */
function gitCommit(dir: string): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim()
    const commit = git('rev-parse', '--short', 'HEAD')
    return git('status', '--porcelain', '--untracked-files=no') === '' ? commit : `${commit}+dirty`
  } catch {
    return 'unknown'
  }
}

/**
 * Node contenders run as compiled JavaScript, as applications deploy them: a TypeScript loader
 * (tsx) in the process would add its own memory and start-up to every Node contender's figures.
 */
function buildContenders(): void {
  process.stderr.write('Compiling the Node contenders (tsc -p bench/tsconfig.contenders.json)...\n')
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(HERE, 'tsconfig.contenders.json')],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  )
}

/**
 * The @base contenders run the very same compiled runners: bench/.build/bench/contenders/*.js are
 * copied to bench/.build/base/bench/contenders/, where their `import ... from '../../src/index.js'`
 * finds bench/.build/base/src/index.js, a one-line re-export of DIR/dist/index.js. Sluice's own
 * modules and its dependencies then load from DIR (DIR/dist, DIR/node_modules).
 */
async function prepareBaseline(entry: string): Promise<void> {
  const from = join(HERE, '.build', 'bench', 'contenders')
  const root = join(HERE, '.build', 'base')
  const to = join(root, 'bench', 'contenders')
  await rm(root, { recursive: true, force: true })
  await mkdir(to, { recursive: true })
  await mkdir(join(root, 'src'), { recursive: true })
  for (const name of readdirSync(from).filter((n) => n.endsWith('.js'))) {
    const code = readFileSync(join(from, name), 'utf8')
    const other = [...code.matchAll(/from '(\.\.\/\.\.\/src\/[^']+)'/g)]
      .map((m) => m[1])
      .filter((s) => s !== '../../src/index.js')
    if (name.startsWith('sluice-') && other.length > 0)
      throw new Error(
        `${name} imports ${other.join(', ')}: a baseline provides only src/index.js (the public API)`,
      )
    await copyFile(join(from, name), join(to, name))
  }
  await writeFile(
    join(root, 'src', 'index.js'),
    `// Generated by bench/run.ts --baseline: the baseline build's public API.\nexport * from '${pathToFileURL(entry).href}'\n`,
  )
}

/**
 * Round-robin: every contender once per workload per repetition, starting one further along each
 * rep. A contender and its @base counterpart form one unit, so they always run back to back, the
 * baseline second on even repetitions and first on odd ones.
 */
function runOrder(rep: number): Contender[] {
  const units: Contender[][] = []
  for (const c of contenders) {
    if (c.baseOf !== undefined && contenders.some((k) => k.id === c.baseOf)) continue
    const b = contenders.find((k) => k.baseOf === c.id)
    units.push(b === undefined ? [c] : rep % 2 === 0 ? [c, b] : [b, c])
  }
  return units.flatMap((_, i) => units[(i + rep) % units.length]!)
}

async function main(): Promise<void> {
  buildContenders()
  if (baseline !== undefined) await prepareBaseline(baseline.entry)
  const dist = await ensureKafka()
  const unavailable = new Map<string, string>()
  /** Reasons a contender cannot run one workload: `${contender} ${workload}`. */
  const unavailableFor = new Map<string, string>()
  if (contenders.some((c) => c.id === 'java') && workloads.some((w) => w.tasks > 0)) {
    const why = compileJava(dist.classpath)
    if (why !== null)
      for (const w of workloads.filter((w) => w.tasks > 0)) unavailableFor.set(`java ${w.id}`, why)
  }
  if (!existsSync(franzBinary)) {
    // Optional contender: listed only when asked for by name.
    if (values.contenders?.split(',').includes('franz-go'))
      unavailable.set('franz-go', 'not built (bench/setup.sh builds it when Go is present)')
    else contenders = contenders.filter((c) => c.id !== 'franz-go')
  }

  let bootstrap = values['bootstrap-server']
  let stop: (() => Promise<void>) | null = null
  if (bootstrap === undefined) {
    process.stderr.write('Starting a local Apache Kafka (one broker)...\n')
    const { startKafka } = await import('../src/local-kafka/cluster.js')
    const cluster = await startKafka({ name: `sluice-bench-${process.pid}`, heapMb: 1024 })
    bootstrap = cluster.bootstrapServers
    stop = () => cluster.stop()
  }
  const started = new Date()
  const loadAtStart = os.loadavg()[0]!
  const runs: RunRecord[] = []
  try {
    const brokers = parseBrokerList(bootstrap)
    for (let rep = 0; rep < reps; rep++) {
      for (const w of workloads) {
        const order = runOrder(rep)
        for (const c of order) {
          const known = unavailable.get(c.id) ?? unavailableFor.get(`${c.id} ${w.id}`)
          if (known !== undefined) {
            runs.push({
              workload: w.id,
              contender: c.id,
              rep,
              topic: '',
              result: { ok: false, unavailable: known },
              peakRssMb: null,
            })
            continue
          }
          // Topic names allow [a-zA-Z0-9._-] only: sluice-promise@base -> sluice-promise.base
          const topic = `bench-${w.id}-${c.id.replace('@', '.')}-r${rep}-${Date.now()}`
          await createTopics(brokers, [{ name: topic, partitions: w.partitions }])
          process.stderr.write(`[rep ${rep + 1}/${reps}] ${w.id} ${c.id} ... `)
          const { result, peakRssMb, rssSeries } = await runOne(c, w, bootstrap, topic, dist.classpath)
          // A missing package is unavailable for every workload; an unsupported codec only for this one.
          if (result.unavailable !== undefined && /cannot be loaded/.test(result.unavailable)) {
            unavailable.set(c.id, result.unavailable)
          }
          runs.push({
            workload: w.id,
            contender: c.id,
            rep,
            topic,
            result,
            peakRssMb,
            ...(rssSeries !== undefined ? { rssSeries } : {}),
          })
          process.stderr.write(
            result.ok
              ? `${result.recordsPerSec} rec/s, p99 ${result.latencyMs?.p99} ms, peak RSS ${peakRssMb?.toFixed(0)} MiB` +
                  `${result.eventLoopDelayMs !== undefined ? `, event-loop p99 ${result.eventLoopDelayMs.p99} ms` : ''}\n`
              : `${result.unavailable !== undefined ? `unavailable: ${result.unavailable}` : `error: ${result.error?.split('\n')[0]}`}\n`,
          )
        }
      }
    }
    await countDelivered(runs, bootstrap, dist.classpath)
  } finally {
    await stop?.()
  }
  const env = {
    mode,
    date: started.toISOString(),
    cores: os.cpus().length,
    // The machine may be shared: its 1-minute load average when the runs began and ended.
    loadAverage: [loadAtStart, os.loadavg()[0]!].map((l) => Number(l.toFixed(1))),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    java: javaVersion(),
    kafka: dist.version,
    broker:
      values['bootstrap-server'] === undefined
        ? 'local single KRaft node (startKafka), 1 GiB heap'
        : 'given with --bootstrap-server',
    sluice: `${VERSION} (${gitCommit(ROOT)})`,
    ...(baseline !== undefined
      ? { baseline: `${baseline.version} (${baseline.commit}) from ${baseline.entry}` }
      : {}),
    reps,
    lingerMs,
    batchSize,
    bufferMemory: BUFFER_MEMORY,
  }
  const summary = summarize(workloads, contenders, runs)
  await mkdir(join(HERE, 'results'), { recursive: true })
  const base = join(HERE, 'results', values.out ?? `${baseline !== undefined ? 'ab' : 'bench'}-${mode}`)
  await writeFile(`${base}.json`, resultsJson({ env, workloads, contenders, summary, runs }))
  const md = renderMarkdown(env, workloads, contenders, summary)
  await writeFile(`${base}.md`, md)
  await writeFile(`${base}.svg`, renderSvg(env, workloads, contenders, summary))
  process.stdout.write(md)
  process.stderr.write(`\nWrote ${base}.md, .json and .svg\n`)
}

function javaVersion(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' })
  return (r.stderr || r.stdout || 'java: unknown').split('\n')[0]!.trim()
}

await main()
process.exit(0)

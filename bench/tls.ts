/**
 * The cost of TLS and SASL: `sluice perf` against Java's ProducerPerformance on one local broker
 * (started with the secure listeners of src/local-kafka/secure), over its PLAINTEXT listener and
 * over SASL_SSL (TLS 1.3 + SASL PLAIN, the way managed services hand out API keys), in one run,
 * alternating tools within every repetition. Both tools get the same --producer.config file.
 *
 *   npm run build && node --import tsx bench/tls.ts            # 2M x 100 B and 500k x 1 KiB, 3 reps
 *   node --import tsx bench/tls.ts --quick                     # 300k / 100k, 1 rep
 *
 * Writes bench/results/bench-tls[-quick].{md,json}. It only reports; nothing here asserts numbers.
 * Delivery is counted with Kafka's GetOffsetShell afterwards.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createTopics, parseBrokerList } from '../src/cluster/admin.js'
import { ensureKafka } from '../src/local-kafka/distribution.js'
import { toPropertiesFile } from '../src/local-kafka/node-config.js'
import { SECURE_USERS, startSecureBroker } from '../src/local-kafka/secure/secure-broker.js'
import { VERSION } from '../src/version.js'
import { endOffsetTotals } from './end-offsets.js'
import { parsePerfLine } from './perf-line.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(ROOT, 'dist', 'cli', 'main.js')

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  process.stdout.write('Usage: node --import tsx bench/tls.ts [--quick] [--reps N]\n')
  process.exit(0)
}
const quick = values.quick === true
const reps = Number(values.reps ?? (quick ? 1 : 3))

type Listener = 'PLAINTEXT' | 'SASL_SSL'
type Tool = 'sluice' | 'java'
const LISTENERS: readonly Listener[] = ['PLAINTEXT', 'SASL_SSL']
const TOOLS: readonly Tool[] = ['sluice', 'java']

interface Workload {
  id: string
  title: string
  records: number
  recordSize: number
}
const WORKLOADS: readonly Workload[] = [
  {
    id: '100B',
    title: '100 B, acks=all, idempotent, 8 partitions',
    records: quick ? 300_000 : 2_000_000,
    recordSize: 100,
  },
  {
    id: '1KiB',
    title: '1 KiB, acks=all, idempotent, 8 partitions',
    records: quick ? 100_000 : 500_000,
    recordSize: 1024,
  },
]

/** The same producer settings for both tools, as in bench/run.ts's idempotent workload. */
const COMMON = {
  acks: 'all',
  'enable.idempotence': 'true',
  'linger.ms': '5',
  'batch.size': '65536',
  'compression.type': 'none',
  'buffer.memory': String(32 * 1024 * 1024),
}

interface Run {
  workload: string
  listener: Listener
  tool: Tool
  rep: number
  topic: string
  ok: boolean
  recordsPerSec?: number | undefined
  mbPerSec?: number | undefined
  avgLatencyMs?: number | undefined
  p99LatencyMs?: number | undefined
  delivered?: number | undefined
  error?: string
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      out = (out + d.toString()).slice(-20_000)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`)
  const { classpath } = await ensureKafka()
  const broker = await startSecureBroker()
  const dir = await mkdtemp(join(os.tmpdir(), 'sluice-bench-tls-'))
  const runs: Run[] = []
  try {
    const configs: Record<Listener, string> = {
      PLAINTEXT: join(dir, 'plaintext.properties'),
      SASL_SSL: join(dir, 'sasl-ssl.properties'),
    }
    await writeFile(
      configs.PLAINTEXT,
      toPropertiesFile({ ...COMMON, 'bootstrap.servers': broker.bootstrap.PLAINTEXT }),
    )
    await writeFile(
      configs.SASL_SSL,
      toPropertiesFile({
        ...COMMON,
        'bootstrap.servers': broker.bootstrap.SASL_SSL,
        'security.protocol': 'SASL_SSL',
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': broker.certs.caCert,
        'sasl.mechanism': 'PLAIN',
        'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${SECURE_USERS.alice}";`,
      }),
      { mode: 0o600 },
    )
    const admin = parseBrokerList(broker.bootstrap.PLAINTEXT)
    let n = 0
    for (let rep = 1; rep <= reps; rep++) {
      for (const w of WORKLOADS) {
        for (const listener of LISTENERS) {
          for (const tool of rep % 2 === 1 ? TOOLS : [...TOOLS].reverse()) {
            const topic = `bench-tls-${w.id}-${listener.toLowerCase()}-${tool}-${rep}-${n++}`
            await createTopics(admin, [{ name: topic, partitions: 8, replicationFactor: 1 }])
            const perfArgs = [
              '--topic',
              topic,
              '--num-records',
              String(w.records),
              '--record-size',
              String(w.recordSize),
              '--throughput',
              '-1',
              '--producer.config',
              configs[listener],
            ]
            const [cmd, args] =
              tool === 'java'
                ? [
                    'java',
                    ['-Xmx512M', '-cp', classpath, 'org.apache.kafka.tools.ProducerPerformance', ...perfArgs],
                  ]
                : [process.execPath, [CLI, 'perf', ...perfArgs]]
            const r = await run(cmd, args as string[], 600_000)
            const parsed = parsePerfLine(r.out)
            const base = { workload: w.id, listener, tool, rep, topic }
            if (r.code !== 0 || parsed === null || !parsed.ok) {
              runs.push({ ...base, ok: false, error: `exit ${r.code}: ${r.out.slice(-600)}` })
            } else {
              runs.push({
                ...base,
                ok: true,
                recordsPerSec: parsed.recordsPerSec,
                mbPerSec: parsed.mbPerSec,
                avgLatencyMs: parsed.latencyMs?.avg,
                p99LatencyMs: parsed.latencyMs?.p99,
              })
            }
            const last = runs[runs.length - 1]!
            process.stderr.write(
              `rep ${rep} ${w.id} ${listener} ${tool}: ${last.ok ? `${Math.round(last.recordsPerSec!)} records/s` : last.error}\n`,
            )
          }
        }
      }
    }
    await countDelivered(runs, broker.bootstrap.PLAINTEXT, classpath)
  } finally {
    await broker.stop()
    await rm(dir, { recursive: true, force: true })
  }
  await report(runs)
}

async function countDelivered(runs: Run[], bootstrap: string, classpath: string): Promise<void> {
  const totals = await endOffsetTotals(classpath, bootstrap, 'bench-tls-.*')
  for (const run of runs) run.delivered = totals.get(run.topic)
}

function fmt(x: number | undefined, digits = 0): string {
  return x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits)
}

async function report(runs: Run[]): Promise<void> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  const lines: string[] = [
    `# TLS + SASL cost: Sluice ${VERSION} vs Java ProducerPerformance${quick ? ' (quick)' : ''}`,
    '',
    `One local Apache Kafka broker (KRaft, loopback), ${reps} repetition(s), tools alternating; ${os.cpus().length} × ${cpu}, Node ${process.version}.`,
    'SASL_SSL: TLS (Node / JSSE defaults, TLS 1.3) with SASL PLAIN; both tools read the same --producer.config.',
    'Records/s are medians over the repetitions; "Sluice / Java" > 1 means Sluice sent more records/s;',
    '"SASL_SSL / PLAINTEXT" is the share of plaintext throughput each tool keeps over TLS.',
    '',
    '| workload | listener | Sluice records/s | Java records/s | Sluice / Java | Sluice p99 ms | Java p99 ms |',
    '|---|---|---:|---:|---:|---:|---:|',
  ]
  const summary: Record<string, unknown> = {}
  const med = (w: string, l: Listener, t: Tool, k: 'recordsPerSec' | 'p99LatencyMs') => {
    const xs = runs
      .filter((r) => r.ok && r.workload === w && r.listener === l && r.tool === t)
      .map((r) => r[k]!)
    return xs.length === 0 ? Number.NaN : median(xs)
  }
  for (const w of WORKLOADS) {
    for (const l of LISTENERS) {
      const s = med(w.id, l, 'sluice', 'recordsPerSec')
      const j = med(w.id, l, 'java', 'recordsPerSec')
      lines.push(
        `| ${w.title} | ${l} | ${fmt(s)} | ${fmt(j)} | ${fmt(s / j, 2)}x | ${fmt(med(w.id, l, 'sluice', 'p99LatencyMs'), 1)} | ${fmt(med(w.id, l, 'java', 'p99LatencyMs'), 1)} |`,
      )
      summary[`${w.id} ${l} sluice/java`] = s / j
    }
  }
  lines.push('', '| workload | Sluice SASL_SSL / PLAINTEXT | Java SASL_SSL / PLAINTEXT |', '|---|---:|---:|')
  for (const w of WORKLOADS) {
    const keep = (t: Tool) =>
      med(w.id, 'SASL_SSL', t, 'recordsPerSec') / med(w.id, 'PLAINTEXT', t, 'recordsPerSec')
    lines.push(`| ${w.title} | ${fmt(keep('sluice'), 2)} | ${fmt(keep('java'), 2)} |`)
    summary[`${w.id} sluice tls keeps`] = keep('sluice')
    summary[`${w.id} java tls keeps`] = keep('java')
  }
  lines.push(
    '',
    '## Every run',
    '',
    '| rep | workload | listener | tool | records/s | avg ms | p99 ms | delivered |',
    '|---|---|---|---|---:|---:|---:|---:|',
  )
  for (const r of runs) {
    lines.push(
      `| ${r.rep} | ${r.workload} | ${r.listener} | ${r.tool} | ${r.ok ? fmt(r.recordsPerSec) : `failed: ${r.error?.split('\n')[0]}`} | ${fmt(r.avgLatencyMs, 1)} | ${fmt(r.p99LatencyMs, 1)} | ${r.delivered ?? 'n/a'} |`,
    )
  }
  const expected = new Map(WORKLOADS.map((w) => [w.id, w.records]))
  const short = runs.filter((r) => r.ok && r.delivered !== expected.get(r.workload))
  lines.push(
    '',
    short.length === 0
      ? 'Every run delivered exactly its records (GetOffsetShell).'
      : `${short.length} run(s) delivered another count than sent: see the table.`,
  )
  const out = join(ROOT, 'bench', 'results')
  await mkdir(out, { recursive: true })
  const name = quick ? 'bench-tls-quick' : 'bench-tls'
  await writeFile(join(out, `${name}.md`), `${lines.join('\n')}\n`)
  await writeFile(
    join(out, `${name}.json`),
    `${JSON.stringify({ version: VERSION, quick, reps, summary, runs }, null, 2)}\n`,
  )
  process.stdout.write(`${lines.join('\n')}\n`)
}

await main()

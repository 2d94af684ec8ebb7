/**
 * `sluice perf` end to end: the built CLI (dist/, as `npm test` builds it) against the test
 * broker, its output checked against the Java tool's line formats and what it produced counted
 * or read back with Kafka's own GetOffsetShell and Java consumer.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { findKafka } from '../../src/local-kafka/cluster.js'
import { readTopic } from '../helpers/independent-reader.js'
import { javaPartitionsForKeys } from '../helpers/java-partitioner.js'
import { testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { countWithGetOffsetShell, JAVA_TOTAL_LINE, JAVA_WINDOW_LINE, runCli } from './support.js'

interface JsonResult {
  records: number
  bytes: number
  failed: number
  elapsedMs: number
  recordsPerSec: number
  mbPerSec: number
  latencyMs: Record<'avg' | 'max' | 'p50' | 'p95' | 'p99' | 'p999', number>
  steadyState: null | { records: number }
  config: {
    topic: string
    localKafka: boolean
    transactionalId: string | null
    producer: { acks: number; lingerMs: number; compressionType: string; clientId: string }
  }
}

const STACK_FRAME = /\n\s+at /

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-perf-e2e-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '')
}

describe('sluice perf against Kafka', () => {
  test('Java-format window and total lines; every record is in Kafka (GetOffsetShell)', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('perf-text')
    // At 30000 records/s the sends alone span about a second, so acknowledgements arrive after
    // the 200 ms interval and window lines must appear.
    const r = await runCli([
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--num-records',
      '30000',
      '--record-size',
      '200',
      '--throughput',
      '30000',
      '--reporting-interval',
      '200',
      '--partitions',
      '3',
    ])
    assert.equal(r.code, 0, r.stderr)
    const out = lines(r.stdout)
    const total = out.at(-1)!
    assert.match(total, JAVA_TOTAL_LINE)
    assert.match(total, /^30000 records sent, /)
    const windows = out.slice(0, -1)
    assert.ok(windows.length >= 1, r.stdout)
    for (const l of windows) assert.match(l, JAVA_WINDOW_LINE)
    const windowed = windows.reduce((n, l) => n + Number(l.split(' ')[0]), 0)
    assert.ok(windowed <= 30000)
    assert.ok(
      !r.stdout.includes('\r') && !r.stdout.includes('\x1b'),
      'no progress bar when stdout is not a terminal',
    )
    // MB/sec is records/sec * 200 bytes.
    const m = /, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(total)!
    assert.ok(Math.abs((Number(m[1]) * 200) / 1048576 - Number(m[2])) < 0.01, total)
    assert.equal(await countWithGetOffsetShell(bootstrap, topic), 30000)
  })

  test('--json prints one JSON object and nothing else on stdout', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('perf-json')
    const r = await runCli([
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--num-records',
      '5000',
      '--record-size',
      '64',
      '--producer-props',
      'acks=1',
      'linger.ms=2',
      '--reporting-interval',
      '1',
      '--json',
    ])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(lines(r.stdout).length, 1, r.stdout)
    const j = JSON.parse(r.stdout) as JsonResult
    assert.equal(j.records, 5000)
    assert.equal(j.bytes, 5000 * 64)
    assert.equal(j.failed, 0)
    assert.equal(j.steadyState, null)
    const l = j.latencyMs
    assert.ok(l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l))
    assert.ok(l.avg > 0 && l.avg <= l.max)
    assert.ok(j.recordsPerSec > 0 && j.mbPerSec > 0 && j.elapsedMs > 0)
    assert.equal(j.config.topic, topic)
    assert.equal(j.config.localKafka, false)
    assert.equal(j.config.producer.acks, 1)
    assert.equal(j.config.producer.lingerMs, 2)
    assert.equal(j.config.producer.clientId, 'perf-producer-client')
    // Window lines (every acknowledgement after 1 ms) go to stderr instead.
    assert.ok(
      lines(r.stderr).some((s) => JAVA_WINDOW_LINE.test(s)),
      r.stderr,
    )
    assert.equal(await countWithGetOffsetShell(bootstrap, topic), 5000)
  })

  test('--payload-file: the records read back are the file payloads, split as Java splits them', async () => {
    const bootstrap = testBootstrap()
    const file = join(dir, 'payloads.txt')
    const payloads = ['alpha', 'beta', '', 'gamma δ', '{"k":1}']
    await writeFile(file, `${payloads.join('\n')}\n`)
    const topic = uniqueTopic('perf-file')
    const r = await runCli([
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--num-records',
      '400',
      '--payload-file',
      file,
    ])
    assert.equal(r.code, 0, r.stderr)
    const out = lines(r.stdout)
    assert.equal(out[0], `Reading payloads from: ${file}`)
    assert.equal(out[1], 'Number of records read: 5')
    assert.match(out.at(-1)!, /^400 records sent, /)
    const records = await readTopic(bootstrap, topic)
    assert.equal(records.length, 400)
    const values = records.map((rec) => rec.value?.toString('utf8'))
    assert.ok(
      values.every((v) => v !== undefined && payloads.includes(v)),
      'only payloads from the file',
    )
    assert.deepEqual([...new Set(values)].sort(), [...payloads].sort(), 'each payload of the file was sent')
    assert.ok(records.every((rec) => rec.key === null))

    const csv = join(dir, 'payloads.csv')
    await writeFile(csv, 'a,b,,c')
    const topic2 = uniqueTopic('perf-delim')
    const r2 = await runCli([
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic2,
      '--num-records',
      '200',
      '--payload-file',
      csv,
      '--payload-delimiter',
      ',',
      '--json',
    ])
    assert.equal(r2.code, 0, r2.stderr)
    const values2 = (await readTopic(bootstrap, topic2)).map((rec) => rec.value?.toString('utf8'))
    assert.equal(values2.length, 200)
    assert.deepEqual([...new Set(values2)].sort(), ['', 'a', 'b', 'c'])
  })

  test('--payload-monotonic: the values are the record indexes 0..N-1', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('perf-mono')
    const r = await runCli([
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--num-records',
      '1000',
      '--payload-monotonic',
      '--partitions',
      '2',
    ])
    assert.equal(r.code, 0, r.stderr)
    const values = (await readTopic(bootstrap, topic)).map((rec) => Number(rec.value?.toString('utf8')))
    assert.deepEqual(
      values.sort((a, b) => a - b),
      Array.from({ length: 1000 }, (_, i) => i),
    )
  })

  test('--key-distribution range / random: keys in [0, KEY-RANGE), on the partitions Java picks for them', async () => {
    const bootstrap = testBootstrap()
    const partitions = 5

    /** Every record keyed, in decimal, on the partition Kafka's Java client picks for its key. */
    async function checkKeys(
      topic: string,
      records: number,
      range: number,
      monotonic: boolean,
    ): Promise<Map<string, number>> {
      const read = await readTopic(bootstrap, topic)
      assert.equal(read.length, records)
      const perKey = new Map<string, number>()
      for (const rec of read) {
        assert.ok(rec.key !== null, `a record without a key at ${rec.partition}/${rec.offset}`)
        const k = rec.key.toString('utf8')
        assert.match(k, /^(0|[1-9]\d*)$/, 'decimal, as Integer.toString')
        assert.ok(Number(k) < range, `key ${k} outside [0, ${range})`)
        perKey.set(k, (perKey.get(k) ?? 0) + 1)
      }
      const distinct = [...perKey.keys()]
      const chosen = await javaPartitionsForKeys(
        distinct.map((k) => Buffer.from(k, 'utf8')),
        partitions,
      )
      const javaPartition = new Map(distinct.map((k, i) => [k, chosen[i]!]))
      for (const rec of read) {
        const k = rec.key!.toString('utf8')
        assert.equal(rec.partition, javaPartition.get(k), `key ${k} on partition ${rec.partition}`)
      }
      assert.equal(
        new Set(read.map((rec) => rec.partition)).size,
        partitions,
        'the keys spread over every partition',
      )
      // With --payload-monotonic the value is the record index: a range key must be index % range.
      if (monotonic) {
        for (const rec of read) {
          assert.equal(rec.key!.toString('utf8'), String(Number(rec.value!.toString('utf8')) % range))
        }
      }
      return perKey
    }

    const ranged = uniqueTopic('perf-keys-range')
    const r1 = await runCli([
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      ranged,
      '--partitions',
      String(partitions),
      '--num-records',
      '2000',
      '--payload-monotonic',
      '--key-distribution',
      'range',
      '--record-key-range',
      '37',
    ])
    assert.equal(r1.code, 0, r1.stderr)
    const rangeCounts = await checkKeys(ranged, 2000, 37, true)
    assert.equal(rangeCounts.size, 37)
    // 2000 = 54 * 37 + 2: keys 0 and 1 once more than the others.
    for (const [k, n] of rangeCounts) assert.equal(n, Number(k) < 2 ? 55 : 54, `key ${k}`)

    const random = uniqueTopic('perf-keys-random')
    const r2 = await runCli([
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      random,
      '--partitions',
      String(partitions),
      '--num-records',
      '3000',
      '--record-size',
      '20',
      '--key-distribution',
      'random',
      '--record-key-range',
      '50',
      '--random-seed',
      '12345',
      '--json',
    ])
    assert.equal(r2.code, 0, r2.stderr)
    const j = JSON.parse(r2.stdout) as { config: { keys: unknown; randomSeed: string } }
    assert.deepEqual(j.config.keys, { distribution: 'random', range: 50 })
    assert.equal(j.config.randomSeed, '12345')
    const randomCounts = await checkKeys(random, 3000, 50, false)
    assert.equal(randomCounts.size, 50, 'every key of the range was drawn')
  })

  test('--warmup-records and --print-metrics: a steady-state line after the total, then the metrics', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('perf-warmup')
    const r = await runCli([
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--num-records',
      '3000',
      '--warmup-records',
      '1000',
      '--record-size',
      '10',
      '--print-metrics',
    ])
    assert.equal(r.code, 0, r.stderr)
    const out = lines(r.stdout)
    assert.equal(
      out[0],
      'Warmup first 1000 records. Steady state results will print after the complete test summary.',
    )
    const totals = out.filter((l) => JAVA_TOTAL_LINE.test(l))
    assert.equal(totals.length, 2, r.stdout)
    assert.match(totals[0]!, /^3000 records sent, /)
    assert.match(totals[1]!, /^2000 steady state records sent, /)
    const header = out.findIndex((l) => /^Metric Name +Value$/.test(l))
    assert.ok(header > out.indexOf(totals[1]!), r.stdout)
    const metric = (name: string) => {
      const m = new RegExp(
        `^producer-metrics:${name}:\\{client-id=perf-producer-client\\} +: (\\d+)\\.000$`,
        'm',
      ).exec(r.stdout)
      assert.ok(m !== null, `${name} in ${r.stdout}`)
      return Number(m[1])
    }
    // record-send counts the records of every Produce request, a retried batch again (as Java).
    assert.equal(metric('record-send-total'), 3000 + metric('record-retry-total'))
    assert.equal(metric('record-error-total'), 0)
    assert.equal(await countWithGetOffsetShell(bootstrap, topic), 3000)
  })

  test('--producer.config with --producer-props over it: the settings are applied', async () => {
    const bootstrap = testBootstrap()
    const config = join(dir, 'producer.properties')
    await writeFile(config, `bootstrap.servers=${bootstrap}\nacks=1\ncompression.type=gzip\nlinger.ms=50\n`)
    const topic = uniqueTopic('perf-config')
    const r = await runCli([
      'perf',
      '--producer.config',
      config,
      '--producer-props',
      'linger.ms=1',
      '--topic',
      topic,
      '--num-records',
      '2000',
      '--json',
    ])
    assert.equal(r.code, 0, r.stderr)
    const j = JSON.parse(r.stdout) as JsonResult
    assert.equal(j.config.localKafka, false, 'bootstrap.servers from the file: no local Kafka')
    assert.equal(j.config.producer.acks, 1)
    assert.equal(j.config.producer.compressionType, 'gzip')
    assert.equal(j.config.producer.lingerMs, 1)
    const records = await readTopic(bootstrap, topic)
    assert.equal(records.length, 2000)
    assert.ok(
      records.every((rec) => rec.value?.length === 100 && /^[A-Z]+$/.test(rec.value.toString('latin1'))),
    )
  })

  test('transactions: committed records are visible to a read_committed consumer', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('perf-tx')
    const args = [
      'perf',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--num-records',
      '3000',
      '--record-size',
      '50',
      '--transactional-id',
      `perf-tx-${topic}`,
      '--transaction-duration-ms',
      '100',
      '--json',
    ]
    const r = await runCli(args)
    assert.equal(r.code, 0, r.stderr)
    const j = JSON.parse(r.stdout) as JsonResult
    assert.equal(j.records, 3000)
    assert.equal(j.config.transactionalId, `perf-tx-${topic}`)
    const committed = await readTopic(bootstrap, topic, { isolationLevel: 'read_committed' })
    assert.equal(committed.length, 3000)
    // Commit markers take offsets too: more offsets than records proves the records were
    // written in transactions.
    assert.ok((await countWithGetOffsetShell(bootstrap, topic)) > 3000)
  })

  test('bad flags and settings: exit status 2, the flag or setting named, no stack trace', async () => {
    for (const [args, re] of [
      [['--num-records', 'lots'], /sluice perf: --num-records must be an integer, got 'lots'/],
      [
        ['--record-size', '5', '--payload-monotonic'],
        /--record-size and --payload-monotonic cannot be used together/,
      ],
      [['--bogus'], /sluice perf: unknown option '--bogus'/],
      [['--key-distribution', 'random'], /--record-key-range is required when --key-distribution is 'range'/],
      [['--producer-props', 'acks=2', '--bootstrap-server', '127.0.0.1:1'], /invalid config 'acks'/],
      [['--producer-props', 'nonsense=1', '--bootstrap-server', '127.0.0.1:1'], /invalid config 'nonsense'/],
      [
        ['--payload-file', join(dir, 'missing.txt')],
        /--payload-file '.*missing.txt': the file does not exist/,
      ],
    ] as const) {
      const r = await runCli(['perf', ...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, re)
      assert.match(r.stderr, /Run 'sluice perf --help' for the options\./)
      assert.doesNotMatch(r.stderr, STACK_FRAME)
    }
  })

  test('--help lists every flag', async () => {
    const r = await runCli(['perf', '--help'])
    assert.equal(r.code, 0)
    for (const flag of [
      '--topic',
      '--num-records',
      '--warmup-records',
      '--record-size',
      '--payload-file',
      '--payload-delimiter',
      '--payload-monotonic',
      '--throughput',
      '--producer-props',
      '--producer.config',
      '--bootstrap-server',
      '--transactional-id',
      '--transaction-duration-ms',
      '--print-metrics',
      '--reporting-interval',
      '--key-distribution',
      '--record-key-range',
      '--random-seed',
      '--json',
    ]) {
      assert.ok(r.stdout.includes(flag), flag)
    }
  })

  test('without --bootstrap-server a local Kafka is started for the run and stopped after it', async () => {
    const r = await runCli(['perf', '--num-records', '2000', '--record-size', '100', '--json'], 300_000)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /starting a local Apache Kafka/)
    const j = JSON.parse(r.stdout) as JsonResult
    assert.equal(j.config.localKafka, true)
    assert.equal(j.records, 2000)
    assert.equal(j.failed, 0)
    assert.equal(await findKafka(`sluice-perf-${r.pid}`), undefined, 'the local Kafka is gone')
  })
})

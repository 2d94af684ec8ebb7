/**
 * `sluice perf --metrics-port` serves the metrics while it runs (scraped mid-run and read by the
 * OpenMetrics parser), and `--print-metrics` prints every group in Java's layout.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'

import { test } from 'node:test'
import { testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { parseOpenMetrics } from '../helpers/openmetrics-parser.js'
import { scrape } from '../helpers/scrape.js'
import { CLI, countWithGetOffsetShell } from './support.js'

test('--metrics-port serves OpenMetrics during the run; --print-metrics prints every group', async () => {
  const topic = uniqueTopic('perf-metrics')
  const records = 60_000
  // 20000 records/s: about 3 s of sending, time to scrape in the middle.
  const child = spawn(
    process.execPath,
    [
      CLI,
      'perf',
      '--bootstrap-server',
      testBootstrap(),
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      '100',
      '--throughput',
      '20000',
      '--metrics-port',
      '0',
      '--print-metrics',
      '--producer-props',
      'client.id=perf-metrics',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  // Listened for from the start: the run may end while the scrapes below are parsed.
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString()
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString()
      const m = /metrics at http:\/\/localhost:(\d+)\/metrics/.exec(stderr)
      if (m !== null) resolve(Number(m[1]))
    })
    child.on('exit', () => reject(new Error(`perf exited before serving metrics: ${stderr}`)))
  })
  let midRun = 0
  for (let i = 0; i < 100 && midRun === 0; i++) {
    await new Promise((r) => setTimeout(r, 100))
    const families = await parseOpenMetrics((await scrape(port)).body)
    const f = families.find((x) => x.name === 'kafka_producer_record_send')
    assert.equal(f?.type, 'counter')
    const s = f!.samples.find(
      (x) => x.name === 'kafka_producer_record_send_total' && x.labels.client_id === 'perf-metrics',
    )
    midRun = Number(s?.value ?? 0)
  }
  assert.ok(midRun > 0 && midRun < records, `a scrape during the run saw ${midRun} records sent`)
  const code = await closed
  assert.equal(code, 0, stderr)
  const lines = stdout.split('\n')
  const value = (key: string) => {
    const line = lines.find((l) => l.startsWith(`${key} `))
    assert.ok(line !== undefined, `no line for ${key}`)
    return Number(line.split(' : ')[1])
  }
  // As in Java, record-send counts the records of every Produce request: a retried batch (say, a
  // new topic's first NOT_LEADER_OR_FOLLOWER) counts again, and in record-retry.
  const retried = value('producer-metrics:record-retry-total:{client-id=perf-metrics}')
  assert.equal(value('producer-metrics:record-send-total:{client-id=perf-metrics}'), records + retried)
  assert.equal(value('producer-metrics:record-error-total:{client-id=perf-metrics}'), 0)
  assert.equal(
    value(`producer-topic-metrics:record-send-total:{client-id=perf-metrics, topic=${topic}}`),
    records + value(`producer-topic-metrics:record-retry-total:{client-id=perf-metrics, topic=${topic}}`),
  )
  assert.ok(
    lines.some((l) =>
      l.startsWith('producer-node-metrics:request-latency-avg:{client-id=perf-metrics, node-id=node-'),
    ),
  )
  assert.ok(lines.some((l) => l.startsWith('app-info:start-time-ms:{client-id=perf-metrics}')))
  assert.equal(await countWithGetOffsetShell(testBootstrap(), topic), records)
})

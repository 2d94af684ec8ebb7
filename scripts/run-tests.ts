/**
 * The test command: starts a single-broker Apache Kafka (the project's own launcher), runs every
 * test file with Node's test runner against it, and stops it. Tests find the broker in
 * SLUICE_TEST_BOOTSTRAP; tests that need the 3-broker cluster start it themselves. Broker logs
 * are kept under .kafka-logs/ when a test fails.
 */
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { startKafka } from '../src/local-kafka/cluster.js'

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) findTests(p, out)
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const filter = process.argv.slice(2)
const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
let files = findTests(join(root, 'test')).map((f) => relative(process.cwd(), f))
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)))

const cluster = await startKafka({ name: `sluice-test-${process.pid}` })
process.stderr.write(`Apache Kafka for tests: ${cluster.bootstrapServers}\n`)
let code = 1
try {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env: { ...process.env, SLUICE_TEST_BOOTSTRAP: cluster.bootstrapServers },
  })
  code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)))
} finally {
  await cluster.stop({ keepLogs: code !== 0 })
}
process.exitCode = code

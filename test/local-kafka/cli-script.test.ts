import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { repoRoot } from '../../src/local-kafka/logs.js'
import { probeMetadata } from '../../src/local-kafka/metadata-probe.js'
import { clusterPids, pidAlive } from './tools.js'

const run = promisify(execFile)
const script = join(repoRoot(), 'scripts', 'kafka.ts')

function kafkaScript(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', script, ...args], { timeout: 180_000 })
}

test('scripts/kafka.ts starts a cluster that outlives it, reports it and stops it by name', async () => {
  const name = `lk-cli-${randomBytes(3).toString('hex')}`
  try {
    const { stdout } = await kafkaScript('start', '--name', name)
    const bootstrap = stdout.trim()
    assert.match(bootstrap, /^127\.0\.0\.1:\d+$/)
    // The script has exited; the broker must still answer.
    const port = Number(bootstrap.split(':')[1])
    assert.deepEqual(
      (await probeMetadata('127.0.0.1', port)).map((b) => b.port),
      [port],
    )
    const pids = await clusterPids(name)
    assert.ok(pids.length === 1 && pids.every(pidAlive))

    const again = await kafkaScript('start', '--name', name)
    assert.equal(again.stdout.trim(), bootstrap)
    assert.match(again.stderr, /already running/)

    const status = await kafkaScript('status')
    assert.match(status.stdout, new RegExp(`${name}\\t${bootstrap}\\t1/1 nodes running`))

    await kafkaScript('stop', '--name', name)
    assert.ok(!pids.some(pidAlive))
    const after = await kafkaScript('status')
    assert.doesNotMatch(after.stdout, new RegExp(name))
  } finally {
    await kafkaScript('stop', '--name', name)
  }
})

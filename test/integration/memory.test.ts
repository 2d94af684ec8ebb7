/**
 * 10 million 100-byte records through buffer.memory = 32 MiB, in a fresh process (bench/memory.ts)
 * that honours send()'s backpressure: nothing is lost (Kafka's GetOffsetShell counts them) and
 * the process's peak RSS stays bounded. Unbounded queueing would need well over 1.5 GiB for
 * these records; the bound asserted is 512 MiB. The figures are printed as diagnostics.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { testBootstrap } from '../helpers/kafka.js'

const run = promisify(execFile)

test('10 million records through a 32 MiB buffer: all delivered, RSS bounded', async (t) => {
  const script = new URL('../../bench/memory.ts', import.meta.url).pathname
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', script, '--records', '10000000', '--bootstrap-server', testBootstrap()],
    { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
  )
  const result = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    records: number
    failed: number
    deliveredPerGetOffsetShell: number
    peakRss: string
    bufferMemory: string
    recordsPerSec: number
  }
  t.diagnostic(
    `peak RSS ${result.peakRss} with buffer.memory ${result.bufferMemory}, ${result.recordsPerSec} records/s`,
  )
  assert.equal(result.failed, 0)
  assert.equal(result.deliveredPerGetOffsetShell, 10_000_000)
  assert.ok(Number.parseFloat(result.peakRss) < 512, `peak RSS ${result.peakRss}`)
})

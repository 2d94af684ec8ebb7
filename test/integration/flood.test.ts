/**
 * A caller that ignores backpressure (one synchronous loop of a million callback sends, no
 * 'drain') meets a bound: records waiting to enter buffer.memory hold at most as much again,
 * and the sends beyond fail at once with a retriable ERR_BUFFER_EXHAUSTED that says to wait for
 * 'drain'. What the process holds after the loop, garbage collected, is what the producer keeps:
 * about 17.5 MiB for 8 MiB of buffer.memory (the batches and the waiting records) on Node 20
 * and 24 alike, up to 46.5 MiB seen on Node 24 with other test files running; before the bound
 * it kept every record (480 MiB held, 549 MiB of RSS growth). The bound asserted is
 * 8 x buffer.memory. Peak RSS is only reported: it also counts garbage V8 has not
 * collected yet, which Node 24's heap sizing lets grow to a few hundred MiB in such a loop.
 * What was acknowledged is what Kafka's own consumer reads back.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { readTopicValues } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const run = promisify(execFile)
const BUFFER_MEMORY = 8 * 1024 * 1024

test('a million sends ignoring drain: RSS bounded by buffer.memory, the excess refused at once, the rest delivered', {
  timeout: 300_000,
}, async (t) => {
  const topic = uniqueTopic('flood')
  await createTopic(topic, 3)
  const script = new URL('../helpers/flood-child.ts', import.meta.url).pathname
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script, testBootstrap(), topic, '1000000', String(BUFFER_MEMORY)],
    { maxBuffer: 1024 * 1024, timeout: 240_000 },
  )
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    n: number
    written: number
    refused: number
    other: number
    refusal: string
    heldMiB: number
    growthMiB: number
  }
  t.diagnostic(
    `written ${r.written}, refused ${r.refused}, held ${r.heldMiB.toFixed(1)} MiB, peak RSS growth ${r.growthMiB.toFixed(0)} MiB`,
  )
  assert.equal(r.written + r.refused + r.other, r.n, 'every record settled')
  assert.equal(r.other, 0)
  assert.ok(r.refused > 0, 'the loop went past the bound')
  assert.ok(r.written > 0)
  assert.match(r.refusal, /already wait for metadata or memory, the bound of buffer.memory=8388608/)
  assert.match(r.refusal, /Wait for 'drain'/)
  assert.ok(r.heldMiB < (8 * BUFFER_MEMORY) / 2 ** 20, `the producer held ${r.heldMiB.toFixed(1)} MiB`)
  const read = await readTopicValues(testBootstrap(), topic, () => {})
  assert.equal(read, r.written, 'what was acknowledged is in the topic, once')
})

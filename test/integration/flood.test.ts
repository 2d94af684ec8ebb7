/**
 * A caller that ignores backpressure (one synchronous loop of a million callback sends, no
 * 'drain') meets a bound: records waiting to enter buffer.memory hold at most as much again,
 * and the sends beyond fail at once with a retriable ERR_BUFFER_EXHAUSTED that says to wait for
 * 'drain'. Before the bound, the same loop held every record (549 MiB of RSS growth for 8 MiB of
 * buffer.memory); with it, about 37 MiB. The bound asserted, 16 x buffer.memory, is far from both.
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
    ['--import', 'tsx', script, testBootstrap(), topic, '1000000', String(BUFFER_MEMORY)],
    { maxBuffer: 1024 * 1024, timeout: 240_000 },
  )
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    n: number
    written: number
    refused: number
    other: number
    refusal: string
    growthMiB: number
  }
  t.diagnostic(`written ${r.written}, refused ${r.refused}, RSS growth ${r.growthMiB.toFixed(0)} MiB`)
  assert.equal(r.written + r.refused + r.other, r.n, 'every record settled')
  assert.equal(r.other, 0)
  assert.ok(r.refused > 0, 'the loop went past the bound')
  assert.ok(r.written > 0)
  assert.match(r.refusal, /already wait for metadata or memory, the bound of buffer.memory=8388608/)
  assert.match(r.refusal, /Wait for 'drain'/)
  assert.ok(r.growthMiB < (16 * BUFFER_MEMORY) / 2 ** 20, `RSS grew ${r.growthMiB.toFixed(0)} MiB`)
  const read = await readTopicValues(testBootstrap(), topic, () => {})
  assert.equal(read, r.written, 'what was acknowledged is in the topic, once')
})

/**
 * A child process for test/integration/flood.test.ts: `n` callback sends of 100-character
 * values in one synchronous loop, ignoring send()'s false and 'drain', with a small
 * buffer.memory. Prints one JSON line: how the records settled and the peak RSS growth.
 *   node --import tsx test/helpers/flood-child.ts <bootstrap> <topic> <n> <bufferMemory>
 */
import { Producer } from '../../src/index.js'

const [bootstrap, topic, count, memory] = process.argv.slice(2)
const n = Number(count)
const p = new Producer({ bootstrapServers: bootstrap!, lingerMs: 5, bufferMemory: Number(memory) })
await p.partitionsFor(topic!)
const base = process.memoryUsage().rss
let peak = base
let written = 0
let refused = 0
let other = 0
let refusal = ''
const callback = (err: (Error & { code?: string; retriable?: boolean }) | null) => {
  if (err === null) written++
  else if (err.code === 'ERR_BUFFER_EXHAUSTED' && err.retriable === true) {
    refused++
    refusal ||= err.message
  } else other++
}
for (let i = 0; i < n; i++) {
  p.send({ topic: topic!, value: `record-${i}`.padEnd(100, 'x') }, callback)
  if (i % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss)
}
peak = Math.max(peak, process.memoryUsage().rss)
await p.close()
process.stdout.write(
  `${JSON.stringify({ n, written, refused, other, refusal, growthMiB: (peak - base) / 2 ** 20 })}\n`,
)

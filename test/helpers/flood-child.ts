/**
 * A child process for test/integration/flood.test.ts: `n` callback sends of 100-character
 * values in one synchronous loop, ignoring send()'s false and 'drain', with a small
 * buffer.memory. Prints one JSON line: how the records settled, what the process holds right
 * after the loop once garbage is collected (heap and array buffers: what the producer keeps),
 * and the peak RSS growth (which also counts garbage not yet collected: V8's heap sizing, larger
 * on Node 24 than on Node 20, decides that part).
 *   node --expose-gc --import tsx test/helpers/flood-child.ts <bootstrap> <topic> <n> <bufferMemory>
 */
import { Producer } from '../../src/index.js'

const [bootstrap, topic, count, memory] = process.argv.slice(2)
const n = Number(count)
const p = new Producer({ bootstrapServers: bootstrap!, lingerMs: 5, bufferMemory: Number(memory) })
await p.partitionsFor(topic!)
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
// Three collections: a major one can leave sweeping to helper threads, which lag on a loaded
// machine, and heapUsed still counts what they have not swept yet.
const held = () => {
  gc()
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}
const heldBefore = held()
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
// Nothing has been written yet (the loop never yielded): all that is held now is what waits.
const heldMiB = (held() - heldBefore) / 2 ** 20
await p.close()
process.stdout.write(
  `${JSON.stringify({ n, written, refused, other, refusal, heldMiB, growthMiB: (peak - base) / 2 ** 20 })}\n`,
)

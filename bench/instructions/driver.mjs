// One producer run for bench/instructions/run.ts, meant to run under callgrind: N records of
// workload 1's shape (100 B values, acks=1, no idempotence, no compression, 64 KiB batches)
// through the callback or the promise path of the Sluice build at argv[2].
//   node driver.mjs <dist/index.js> <bootstrap> <topic> <records> <callback|promise|send-only> <linger ms>
// send-only counts send() alone: the records are sent in one synchronous loop (buffer.memory
// large enough for all of them) and the process exits before anything is written, so nothing
// that depends on the broker's timing is counted.
// Under callgrind the producer runs tens of times slower than the broker answers; a long linger
// makes batches fill to batch.size as they do at full speed, so per-batch work weighs per record
// what it weighs in a real run, and the count does not depend on how the answers were timed.
import { once } from 'node:events'

const [distIndex, bootstrap, topic, recordsArg, mode, lingerArg] = process.argv.slice(2)
const { Producer } = await import(distIndex)
const records = Number(recordsArg)
const producer = new Producer({
  bootstrapServers: bootstrap,
  acks: 1,
  enableIdempotence: false,
  compressionType: 'none',
  lingerMs: Number(lingerArg),
  batchSize: 65536,
  ...(mode === 'send-only' ? { bufferMemory: 1024 * 1024 * 1024 } : {}),
})
const value = Buffer.alloc(100, 0x61)
await producer.partitionsFor(topic)
let failed = 0
if (mode === 'send-only') {
  const onDelivery = () => {}
  for (let i = 0; i < records; i++) producer.send({ topic, value }, onDelivery)
  process.exit(0)
} else if (mode === 'callback') {
  const onDelivery = (err) => {
    if (err !== null) failed++
  }
  for (let i = 0; i < records; i++) {
    if (!producer.send({ topic, value }, onDelivery)) await once(producer, 'drain')
  }
} else {
  // At most a window of promises outstanding, as bench/contenders/sluice-promise.ts does.
  const window = 20_000
  let outstanding = 0
  let wake = null
  const settle = () => {
    outstanding--
    if (wake !== null && outstanding <= window / 2) {
      const w = wake
      wake = null
      w()
    }
  }
  const onError = () => {
    failed++
    settle()
  }
  for (let i = 0; i < records; i++) {
    if (outstanding >= window) await new Promise((r) => (wake = r))
    outstanding++
    producer.send({ topic, value }).then(settle, onError)
    if (producer.needsDrain === true) await once(producer, 'drain')
  }
}
await producer.flush()
await producer.close()
if (failed > 0) {
  process.stderr.write(`${failed} records failed\n`)
  process.exitCode = 1
}

/**
 * Sends records through a WorkerProducer, closes it and returns from the script without
 * process.exit(): the process ends only if close() left no thread, socket or timer behind.
 * Prints "closed <delivered>".
 */
import { WorkerProducer } from '../../src/workers/index.js'

const [bootstrap, topic] = process.argv.slice(2) as [string, string]
const producer = new WorkerProducer({ bootstrapServers: bootstrap, workers: 2, lingerMs: 5 })
let delivered = 0
for (let i = 0; i < 1000; i++) {
  producer.send({ topic, key: `k${i}`, value: `v${i}` }, (err) => {
    if (err === null) delivered++
  })
}
await producer.close()
console.log(`closed ${delivered}`)

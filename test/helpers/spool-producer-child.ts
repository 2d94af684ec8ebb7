/**
 * A child process for test/integration/spool-crash.test.ts: a Producer with a disk spool sends
 * spoolCrashValue(i), i = 0, 1, ..., with key `key-<i>`, 100 at a time, to a cluster that does
 * not answer, and prints `spooled <i>` for each record whose send settled as spooled (any other
 * outcome: `other <i> <code>`), until it is killed. Run as
 *   node --import tsx test/helpers/spool-producer-child.ts <bootstrap> <topic> <dir>
 */
import { Producer } from '../../src/index.js'
import { spoolCrashValue } from './spool-records.js'

const [bootstrap, topic, dir] = process.argv.slice(2)
if (bootstrap === undefined || topic === undefined || dir === undefined)
  throw new Error('usage: <bootstrap> <topic> <dir>')
{
  const producer = new Producer({
    bootstrapServers: bootstrap,
    maxBlockMs: 1_000,
    requestTimeoutMs: 1_000,
    deliveryTimeoutMs: 2_000,
    lingerMs: 5,
    bufferMemory: 4 * 1024 * 1024,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 200,
    spool: { dir, maxBytes: 256 * 1024 * 1024, fsync: 'interval' },
  })
  process.stdout.write('started\n')
  for (let i = 0; ; i += 100) {
    for (let j = i; j < i + 100; j++) {
      producer.send({ topic, key: `key-${j}`, value: spoolCrashValue(j) }, (err, md) => {
        if (err === null && md?.spooled === true) process.stdout.write(`spooled ${j}\n`)
        else process.stdout.write(`other ${j} ${err?.code ?? 'written'}\n`)
      })
    }
    await new Promise((r) => setTimeout(r, 5))
  }
}

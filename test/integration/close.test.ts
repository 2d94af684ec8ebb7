/** close() flushes, gives up after timeoutMs with a clear error, and leaves nothing running. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ProducerClosedError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

function resources(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout')
}

test('close() delivers what was queued, then releases every socket and timer', async () => {
  const topic = uniqueTopic('close')
  await createTopic(topic, 2)
  const before = resources()
  const p = new Producer({ bootstrapServers: testBootstrap(), lingerMs: 1000 })
  const sends = Array.from({ length: 100 }, (_, i) => p.send({ topic, value: `v${i}` }))
  await p.close() // linger.ms is long: close must not wait for it
  const mds = await Promise.all(sends)
  assert.equal(mds.length, 100)
  assert.ok(mds.every((m) => m.offset >= 0n))
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(resources().sort(), before.sort(), 'no socket or timer of the producer is left')
})

test('close({ timeoutMs }) fails what is still undelivered with a clear error', async () => {
  const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'hung', partitions: 1 }] })
  cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
  const p = new Producer({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 60_000 })
  try {
    const pending = p.send({ topic: 'hung', value: 'never acknowledged' })
    await new Promise((r) => setTimeout(r, 200)) // let it go out
    await p.close({ timeoutMs: 300 })
    await assert.rejects(pending, (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'ERR_CLOSE_TIMEOUT', `got ${err}`)
      assert.match((err as Error).message, /closed after 300 ms with records still undelivered/)
      return true
    })
    await assert.rejects(p.send({ topic: 'hung', value: 'after' }), ProducerClosedError)
  } finally {
    await cluster.close()
  }
})

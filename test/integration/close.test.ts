/** close() flushes, gives up after timeoutMs with a clear error, and leaves nothing running. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { KafkaError, ProducerClosedError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { readTopicValues } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { waitUntil } from '../helpers/wait-until.js'

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
    // Until it has gone out (a cold producer first fetches metadata and a producer id).
    while (!cluster.requests.some((r) => r.apiKey === ApiKey.Produce))
      await new Promise((r) => setTimeout(r, 10))
    await p.close({ timeoutMs: 300 })
    await assert.rejects(pending, (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'ERR_CLOSE_TIMEOUT', `got ${err}`)
      assert.match(
        (err as Error).message,
        /closed after 300 ms while these records were sent and not answered/,
      )
      assert.equal((err as { maybeWritten?: boolean }).maybeWritten, true)
      return true
    })
    await assert.rejects(p.send({ topic: 'hung', value: 'after' }), ProducerClosedError)
  } finally {
    await cluster.close()
  }
})

test('close({ timeoutMs: 50 }) under load: no record said "not written" is in the topic, as Kafka\'s consumer reads it', {
  timeout: 300_000,
}, async () => {
  const topic = uniqueTopic('close-outcomes')
  await createTopic(topic, 3)
  const n = 200_000
  const p = new Producer({ bootstrapServers: testBootstrap(), lingerMs: 20 })
  await p.partitionsFor(topic) // metadata warm, as in the report
  const outcome: ('written' | 'not written' | 'maybe written' | undefined)[] = new Array(n)
  let settled = 0
  let twice = 0
  for (let i = 0; i < n; i++) {
    p.send({ topic, value: String(i) }, (err) => {
      if (outcome[i] !== undefined) twice++
      settled++
      if (err === null) outcome[i] = 'written'
      else {
        assert.ok(err instanceof KafkaError, `a KafkaError: ${err}`)
        outcome[i] = err.maybeWritten ? 'maybe written' : 'not written'
      }
    })
  }
  await p.close({ timeoutMs: 50 })
  await waitUntil(
    () => settled >= n,
    () => `${n - settled} records to settle`,
    60_000,
  )
  assert.equal(twice, 0, 'each record settles once')
  const count = (what: string) => outcome.filter((o) => o === what).length
  const seen = new Uint8Array(n)
  let wrongly = 0
  let duplicated = 0
  let written = 0
  await readTopicValues(testBootstrap(), topic, (_partition, _offset, value) => {
    const i = Number(value)
    if (seen[i]! > 0) duplicated++
    seen[i] = 1
    if (outcome[i] === 'not written') wrongly++
  })
  for (let i = 0; i < n; i++) if (outcome[i] === 'written') written += seen[i]!
  const summary = `written ${count('written')}, not written ${count('not written')}, maybe written ${count('maybe written')}`
  assert.equal(wrongly, 0, `records said not written but in the topic (${summary})`)
  assert.equal(duplicated, 0)
  assert.equal(written, count('written'), 'every acknowledged record is in the topic')
  assert.ok(count('not written') > 0, `the close gave up with records never sent (${summary})`)
})

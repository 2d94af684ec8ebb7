/**
 * The fault proxy in front of the real Apache Kafka that scripts/run-tests.ts starts
 * (SLUICE_TEST_BOOTSTRAP), with Metadata rewritten so that every connection goes through it:
 * cutting all connections while 20k records are being produced loses and duplicates nothing.
 * Kafka's own consumer reads the topic back. Fails, never skips, without Kafka.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import { startFaultProxy } from '../fakes/fault-proxy.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { waitFor } from './support.js'

const bootstrap = testBootstrap()

test('cutAll() three times while producing 20k records with idempotence: each read back once, in order', {
  timeout: 180_000,
}, async () => {
  const first = bootstrap.split(',')[0]!
  const at = first.lastIndexOf(':')
  const proxy = await startFaultProxy({
    targetHost: first.slice(0, at),
    targetPort: Number(first.slice(at + 1)),
    rewriteMetadata: true,
  })
  const topic = uniqueTopic('cut')
  const partitions = 3
  await createTopic(topic, partitions)
  const producer = new Producer({
    bootstrapServers: proxy.bootstrapServers,
    lingerMs: 2,
    batchSize: 4096,
    retryBackoffMs: 20,
    retryBackoffMaxMs: 200,
    reconnectBackoffMs: 20,
    reconnectBackoffMaxMs: 200,
  })
  const total = 20_000
  const chunk = 1_000
  const cutAfterChunks = new Set([4, 9, 14])
  const sends: Promise<RecordMetadata>[] = []
  let cuts = 0
  try {
    // Metadata, a producer id and the connections first, so that the cuts hit production.
    const warm = await producer.send({ topic, partition: 0, key: 'warm', value: 'warm' })
    assert.equal(warm.offset, 0n)
    for (let c = 0; c < total / chunk; c++) {
      for (let i = c * chunk; i < (c + 1) * chunk; i++) {
        sends.push(producer.send({ topic, partition: i % partitions, key: `k${i}`, value: `v${i}` }))
      }
      // Let the chunk get on the wire, then (sometimes) cut everything under it.
      await new Promise((r) => setTimeout(r, 3))
      if (cutAfterChunks.has(c)) {
        await waitFor(() => proxy.connections > 0, 'a connection to cut')
        proxy.cutAll()
        cuts++
      }
    }
    const outcomes = await Promise.allSettled(sends)
    const failed = outcomes.filter((o) => o.status === 'rejected')
    assert.equal(
      failed.length,
      0,
      `first failure: ${String((failed[0] as PromiseRejectedResult | undefined)?.reason)}`,
    )
  } finally {
    await producer.close()
    await proxy.close()
  }
  assert.equal(cuts, 3)
  assert.ok(
    proxy.connectionCount >= 1 + cuts,
    `the producer reconnected (${proxy.connectionCount} connections)`,
  )

  const mds = await Promise.all(sends)
  const read = await readTopic(bootstrap, topic, { timeoutMs: 60_000 })
  assert.equal(read.length, total + 1, 'every record read back, none twice')
  for (let p = 0; p < partitions; p++) {
    const got = read.filter((r) => r.partition === p)
    const want: { value: string; offset: bigint }[] = []
    if (p === 0) want.push({ value: 'warm', offset: 0n })
    for (let i = p; i < total; i += partitions) want.push({ value: `v${i}`, offset: mds[i]!.offset })
    assert.equal(got.length, want.length, `partition ${p} count`)
    for (let j = 0; j < want.length; j++) {
      const g = got[j]!
      const w = want[j]!
      if (g.value?.toString('utf8') !== w.value || g.offset !== w.offset) {
        assert.fail(
          `partition ${p} position ${j}: read ${g.value?.toString('utf8')}@${g.offset}, sent ${w.value} acknowledged @${w.offset}`,
        )
      }
    }
  }
})

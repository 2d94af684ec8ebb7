/** A batch the broker refuses as too large is split and retried; a single record too large fails alone. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { KafkaError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()

for (const idempotence of [true, false]) {
  test(`MESSAGE_TOO_LARGE splits the batch until it fits (idempotence ${idempotence})`, async () => {
    const topic = uniqueTopic('split')
    await createTopic(topic, 1, { configs: { 'max.message.bytes': '1500' } })
    const p = new Producer({
      bootstrapServers: bootstrap,
      enableIdempotence: idempotence,
      acks: idempotence ? 'all' : 1,
      batchSize: 64 * 1024,
      lingerMs: 50,
    })
    const n = 300
    const recordValue = (i: number) => `record-${i}-`.padEnd(100, 'x')
    let tooBig: unknown
    try {
      // The oversized record sits in the middle of the batch: it fails alone, and the records
      // after it still land (with idempotence: in order, with consecutive offsets, because the
      // sequence gap it leaves is closed).
      const first = Array.from({ length: n / 2 }, (_, i) => p.send({ topic, value: recordValue(i) }))
      const big = p.send({ topic, value: Buffer.alloc(3000, 1) })
      const second = Array.from({ length: n / 2 }, (_, i) => p.send({ topic, value: recordValue(n / 2 + i) }))
      tooBig = await big.catch((e: unknown) => e)
      const mds = await Promise.all([...first, ...second])
      if (idempotence) {
        assert.deepEqual(
          mds.map((m) => m.offset),
          mds.map((_, i) => BigInt(i)),
        )
      }
      assert.ok(p.metrics()['batch-split-total']! >= 2, 'the first batch was split, and a part of it again')
    } finally {
      await p.close()
    }
    assert.ok(tooBig instanceof KafkaError && tooBig.code === 'MESSAGE_TOO_LARGE', `got ${tooBig}`)
    // Without idempotence and with 5 requests in flight, retried parts may land out of order, as
    // with the Java producer; with it, order is kept.
    const read = (await readTopic(bootstrap, topic)).map((r) => r.value!.toString())
    const expected = Array.from({ length: n }, (_, i) => recordValue(i))
    if (idempotence) assert.deepEqual(read, expected)
    else assert.deepEqual([...read].sort(), [...expected].sort())
  })
}

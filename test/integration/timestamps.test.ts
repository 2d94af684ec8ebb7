/** CreateTime is what the record carries; with LogAppendTime the broker's time comes back. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()

test('a LogAppendTime topic reports the broker’s append time in the metadata', async () => {
  const topic = uniqueTopic('logappend')
  await createTopic(topic, 1, { configs: { 'message.timestamp.type': 'LogAppendTime' } })
  const p = new Producer({ bootstrapServers: bootstrap })
  const old = 1_000_000_000_000 // 2001: far from now, so the two times can't be confused
  try {
    const before = Date.now()
    const md = await p.send({ topic, value: 'x', timestamp: old })
    assert.notEqual(md.timestamp, old)
    assert.ok(md.timestamp >= before - 5000, `broker time ${md.timestamp} is about now`)
    const [read] = await readTopic(bootstrap, topic)
    assert.equal(read!.timestampType, 'LogAppendTime')
    assert.equal(read!.timestamp, md.timestamp)
  } finally {
    await p.close()
  }
})

test('a CreateTime topic keeps the record’s own timestamp, Date or number', async () => {
  const topic = uniqueTopic('createtime')
  await createTopic(topic, 1)
  const p = new Producer({ bootstrapServers: bootstrap })
  try {
    const a = await p.send({ topic, value: 'a', timestamp: 1_234_567_890_123 })
    const b = await p.send({ topic, value: 'b', timestamp: new Date(1_600_000_000_000) })
    assert.equal(a.timestamp, 1_234_567_890_123)
    assert.equal(b.timestamp, 1_600_000_000_000)
    const read = await readTopic(bootstrap, topic)
    assert.deepEqual(
      read.map((r) => [r.timestampType, r.timestamp]),
      [
        ['CreateTime', 1_234_567_890_123],
        ['CreateTime', 1_600_000_000_000],
      ],
    )
  } finally {
    await p.close()
  }
})

/**
 * The compact form of the independent reader (ReadTopic's `values` format) reports the same
 * records as its JSON form: partitions, offsets, null and empty values, UTF-8 text with spaces;
 * a value it cannot print on one line fails the read. Needs the suite's Kafka (fails without it).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import { readTopic, readTopicValues } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()

async function produce(topic: string, records: { partition: number; value: string | null }[]): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap })
  try {
    for (const r of records) await producer.send({ topic, ...r })
  } finally {
    await producer.close()
  }
}

test('values format: the same records as the JSON form, in offset order per partition', async () => {
  const topic = uniqueTopic('values')
  await createTopic(topic, 2)
  const values = ['0', '', null, 'héllo wörld ✓', ' a  b ', '12345']
  await produce(
    topic,
    values.map((value, i) => ({ partition: i % 2, value })),
  )
  const compact: [number, number, string | null][] = []
  const count = await readTopicValues(bootstrap, topic, (p, o, v) => compact.push([p, o, v]))
  assert.equal(count, values.length)
  const json = await readTopic(bootstrap, topic)
  const sorted = [...compact].sort((a, b) => a[0] - b[0] || a[1] - b[1])
  assert.deepEqual(
    sorted,
    json.map((r) => [r.partition, Number(r.offset), r.value === null ? null : r.value.toString('utf8')]),
  )
  assert.deepEqual(
    compact.filter((r) => r[0] === 1).map((r) => r[2]),
    [values[1], values[3], values[5]],
  )
})

test('values format: a value with a line break fails the read, naming where it is', async () => {
  const topic = uniqueTopic('values-nl')
  await createTopic(topic, 1)
  await produce(topic, [{ partition: 0, value: 'one\ntwo' }])
  await assert.rejects(
    readTopicValues(bootstrap, topic, () => {}),
    /exit 4\).*\n.*partition 0 offset 0: the value holds a line break/,
  )
})

test('an exception from the visitor stops the read and is what it rejects with', async () => {
  const topic = uniqueTopic('values-throw')
  await createTopic(topic, 1)
  await produce(topic, [{ partition: 0, value: 'x' }])
  await assert.rejects(
    readTopicValues(bootstrap, topic, () => {
      throw new Error('visitor says no')
    }),
    /visitor says no/,
  )
})

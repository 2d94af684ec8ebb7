/** Interceptors with Java semantics, on a real broker. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import type { ProducerRecord, RecordMetadata } from '../../src/producer/record.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()

test('onSend may replace the record, onAcknowledgement sees every outcome, a throwing interceptor breaks nothing', async () => {
  const topic = uniqueTopic('intercepted')
  await createTopic(topic, 1)
  const acks: [RecordMetadata | null, string | null][] = []
  const warnings: string[] = []
  const onWarning = (w: Error) => warnings.push(w.message)
  process.on('warning', onWarning)
  const p = new Producer({
    bootstrapServers: bootstrap,
    valueSerializer: 'json',
    interceptorClasses: [
      {
        onSend: (r: ProducerRecord) => ({ ...r, headers: [['traced', 'yes']] }),
        onAcknowledgement: (md: RecordMetadata | null, err: Error | null) => {
          acks.push([md, err === null ? null : err.constructor.name])
        },
      },
      {
        onSend: () => {
          throw new Error('broken interceptor')
        },
      },
    ],
  })
  const circular: Record<string, unknown> = {}
  circular.self = circular
  try {
    const ok = await p.send({ topic, value: { n: 1 } })
    const bad = await p.send({ topic, value: circular }).catch((e: unknown) => e)
    assert.equal(ok.offset, 0n)
    assert.equal((bad as Error).constructor.name, 'SerializationError')
  } finally {
    await p.close()
    process.off('warning', onWarning)
  }
  assert.equal(acks.length, 2)
  assert.equal(acks[0]![0]!.offset, 0n)
  assert.equal(acks[0]![1], null)
  assert.equal(acks[1]![1], 'SerializationError')
  assert.ok(
    warnings.some((w) => /broken interceptor/.test(w)),
    'the throwing interceptor was reported',
  )
  const read = await readTopic(bootstrap, topic)
  assert.equal(read.length, 1)
  assert.deepEqual(read[0]!.headers, [['traced', Buffer.from('yes')]])
})

/**
 * WorkerProducer without a broker: refusals before the hand-over settle at once, a worker's
 * error crosses back as the same class, a dead worker's requests are asked of another, and
 * close() ends the threads.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  AbortError,
  type KafkaError,
  ProducerClosedError,
  SerializationError,
  TimeoutError,
} from '../../src/errors.js'
import { TERMINATE_WORKER, WorkerProducer } from '../../src/workers/producer.js'

// Nothing listens on port 1: metadata never comes and max.block.ms runs out.
const settings = { bootstrapServers: '127.0.0.1:1', maxBlockMs: 300, reconnectBackoffMs: 50 }

test('an aborted signal, a serializer failure and a send after close() settle at once, each once', async () => {
  const producer = new WorkerProducer({ ...settings, workers: 1, valueSerializer: 'json' })
  const signal = AbortSignal.abort('no')
  const errors: KafkaError[] = []
  producer.send({ topic: 't', value: 1 }, (err) => errors.push(err!), { signal })
  await assert.rejects(producer.send({ topic: 't', value: 1 }, { signal }), AbortError)
  producer.send({ topic: 't', value: 10n }, (err) => errors.push(err!))
  await producer.close()
  producer.send({ topic: 't', value: 1 }, (err) => errors.push(err!))
  await assert.rejects(producer.send({ topic: 't', value: 1 }), ProducerClosedError)
  assert.equal(errors.length, 3)
  assert.ok(errors[0] instanceof AbortError)
  assert.ok(errors[1] instanceof SerializationError)
  assert.ok(errors[2] instanceof ProducerClosedError)
})

test("a worker's metadata timeout comes back as TimeoutError ERR_METADATA_TIMEOUT, once per record", async () => {
  const producer = new WorkerProducer({ ...settings, workers: 2 })
  const outcomes: (KafkaError | null)[] = []
  for (let i = 0; i < 5; i++)
    producer.send({ topic: 'nowhere', key: `k${i}`, value: 'v' }, (err) => outcomes.push(err))
  const p = producer.send({ topic: 'nowhere', value: 'v' })
  await assert.rejects(p, (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_METADATA_TIMEOUT')
  await producer.flush()
  assert.equal(outcomes.length, 5)
  for (const e of outcomes)
    assert.ok(e instanceof TimeoutError && e.code === 'ERR_METADATA_TIMEOUT', String(e))
  await producer.close()
})

test('a worker that ended: the metadata request goes to another; flush() and close() still finish', async () => {
  const producer = new WorkerProducer({ ...settings, workers: 2 })
  await producer[TERMINATE_WORKER](0)
  await assert.rejects(producer.send({ topic: 'nowhere', value: 'v' }), TimeoutError)
  await producer.flush()
  await producer.close()
  assert.deepEqual(producer.threadUtilization(), [0, 0], 'no thread left running')
})

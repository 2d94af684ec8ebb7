/** Bad input gets a clear, typed error and nothing else is lost. */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, test } from 'node:test'
import {
  ConfigError,
  KafkaError,
  ProducerClosedError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
} from '../../src/errors.js'
import type { ProducerConfigInput } from '../../src/producer/config/types.js'
import { Producer } from '../../src/producer/producer.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

describe('configuration', () => {
  test('an unknown key fails at construction, naming it', () => {
    assert.throws(
      () => new Producer({ bootstrapServers: bootstrap, lingerMss: 5 } as unknown as ProducerConfigInput),
      (err: unknown) =>
        err instanceof ConfigError && err.option === 'lingerMss' && /linger/.test(err.message),
    )
  })

  test('a value of the wrong type fails at construction, naming the option', () => {
    assert.throws(
      () =>
        new Producer({ bootstrapServers: bootstrap, 'linger.ms': 'soon' } as unknown as ProducerConfigInput),
      (err: unknown) => err instanceof ConfigError && err.option === 'linger.ms',
    )
  })
})

describe('unreachable brokers', () => {
  test('send fails after max.block.ms naming the bootstrap servers tried', async () => {
    const a = await closedPort()
    const b = await closedPort()
    const p = new Producer({ bootstrapServers: [`127.0.0.1:${a}`, `127.0.0.1:${b}`], maxBlockMs: 1500 })
    try {
      const started = Date.now()
      await assert.rejects(p.send({ topic: 'nowhere', value: 'x' }), (err: unknown) => {
        assert.ok(err instanceof TimeoutError, `got ${err}`)
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${a}`))
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${b}`))
        return true
      })
      assert.ok(Date.now() - started >= 1400, 'it waited for max.block.ms first')
    } finally {
      await p.close()
    }
  })
})

describe('records that cannot be sent fail alone', () => {
  test('a topic that does not exist fails after max.block.ms naming it; other topics are unaffected', async () => {
    const good = uniqueTopic('good')
    await createTopic(good, 1)
    const missing = uniqueTopic('missing')
    const p = new Producer({ bootstrapServers: bootstrap, maxBlockMs: 2000 })
    try {
      const bad = p.send({ topic: missing, value: 'lost?' })
      const ok = p.send({ topic: good, value: 'kept' })
      await assert.rejects(
        bad,
        (err: unknown) =>
          err instanceof TimeoutError && err.message.includes(missing) && /does not exist/.test(err.message),
      )
      assert.equal((await ok).topic, good)
    } finally {
      await p.close()
    }
    assert.deepEqual(
      (await readTopic(bootstrap, good)).map((r) => r.value?.toString()),
      ['kept'],
    )
  })

  test('serializer failures, oversized records and bad partitions fail that record only', async () => {
    const topic = uniqueTopic('mixed')
    await createTopic(topic, 2)
    const p = new Producer({
      bootstrapServers: bootstrap,
      valueSerializer: 'json',
      maxRequestSize: 64 * 1024,
    })
    const circular: Record<string, unknown> = {}
    circular.self = circular
    try {
      const results = await Promise.allSettled([
        p.send({ topic, key: 'a', value: { n: 1 } }),
        p.send({ topic, key: 'b', value: circular }),
        p.send({ topic, key: 'c', value: 'x'.repeat(100 * 1024) }),
        p.send({ topic, key: 'd', value: { n: 4 }, partition: 9 }),
        p.send({ topic, key: 'e', value: { n: 5 } }),
      ])
      assert.equal(results[0]!.status, 'fulfilled')
      assert.ok(results[1]!.status === 'rejected' && results[1].reason instanceof SerializationError)
      assert.ok(results[2]!.status === 'rejected' && results[2].reason instanceof RecordTooLargeError)
      assert.ok(
        results[3]!.status === 'rejected' &&
          results[3].reason instanceof KafkaError &&
          /partition 9/.test(results[3].reason.message),
      )
      assert.equal(results[4]!.status, 'fulfilled')
    } finally {
      await p.close()
    }
    const values = (await readTopic(bootstrap, topic)).map((r) => r.value?.toString()).sort()
    assert.deepEqual(values, ['{"n":1}', '{"n":5}'])
  })

  test('send after close fails clearly; callbacks get the error too', async () => {
    const p = new Producer({ bootstrapServers: bootstrap })
    await p.close()
    await assert.rejects(p.send({ topic: 't', value: 'x' }), ProducerClosedError)
    const err = await new Promise<Error | null>((resolve) =>
      p.send({ topic: 't', value: 'x' }, (e) => resolve(e)),
    )
    assert.ok(err instanceof ProducerClosedError)
  })
})

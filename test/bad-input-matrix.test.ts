/**
 * The bad-input matrix: each bad setting fails at construction with a ConfigError naming the
 * setting, and each bad record fails alone with a typed KafkaError (class, code and a message
 * that says what was wrong), while a good record sent beside it is delivered. Against the fake
 * broker; test/integration/bad-input.test.ts shows the same on a real one.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  ConfigError,
  InvalidRecordError,
  KafkaError,
  PartitionerError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
} from '../src/errors.js'
import type { ProducerConfigInput } from '../src/producer/config/types.js'
import { Producer } from '../src/producer/producer.js'
import { startFakeCluster } from './fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from './faults/support.js'

const BOOT = { bootstrapServers: '127.0.0.1:9' }

interface ConfigCase {
  config: Record<string, unknown>
  option: string
  message: RegExp
}

const CONFIG_CASES: [string, ConfigCase][] = [
  ['an unknown key', { config: { lingerMss: 5 }, option: 'lingerMss', message: /did you mean.*lingerMs/i }],
  [
    "kafkajs's brokers",
    {
      config: { brokers: ['localhost:9092'] },
      option: 'brokers',
      message: /did you mean 'bootstrapServers'.*sluice\/kafkajs/,
    },
  ],
  ['a value of the wrong type', { config: { 'linger.ms': 'soon' }, option: 'linger.ms', message: /linger/ }],
  ['a negative size', { config: { batchSize: -1 }, option: 'batchSize', message: /-1/ }],
  ['acks out of its values', { config: { acks: 2 }, option: 'acks', message: /acks/ }],
  [
    'an unknown compression type',
    { config: { compressionType: 'brotli' }, option: 'compressionType', message: /brotli/ },
  ],
  [
    'delivery.timeout.ms below linger.ms + request.timeout.ms',
    {
      config: { deliveryTimeoutMs: 1000, requestTimeoutMs: 2000 },
      option: 'deliveryTimeoutMs',
      message: /at least 2005/,
    },
  ],
  [
    'batch.size above buffer.memory',
    {
      config: { batchSize: 4096, bufferMemory: 2048 },
      option: 'batchSize',
      message: /larger than bufferMemory=2048/,
    },
  ],
  [
    'buffer.memory below the default batch.size',
    { config: { 'buffer.memory': 1000 }, option: 'buffer.memory', message: /smaller than batch.size=16384/ },
  ],
  [
    'max.request.size above buffer.memory',
    {
      config: { maxRequestSize: 1 << 21, bufferMemory: 1 << 20 },
      option: 'maxRequestSize',
      message: /could never be buffered/,
    },
  ],
  [
    'idempotence with acks=1',
    {
      config: { enableIdempotence: true, acks: 1 },
      option: 'acks',
      message: /conflicts with enableIdempotence=true/,
    },
  ],
  [
    'idempotence with 6 requests in flight',
    {
      config: { maxInFlightRequestsPerConnection: 6 },
      option: 'maxInFlightRequestsPerConnection',
      message: /at most 5/,
    },
  ],
  [
    'a transactional.id with idempotence off',
    {
      config: { transactionalId: 'tx', enableIdempotence: false },
      option: 'transactionalId',
      message: /needs idempotence/,
    },
  ],
  [
    'a circuit breaker threshold of 0',
    {
      config: { circuitBreaker: { failureThreshold: 0 } },
      option: 'circuitBreaker.failureThreshold',
      message: /an integer >= 1/,
    },
  ],
  [
    'a circuit breaker field misspelt',
    {
      config: { circuitBreaker: { cooldown: 5000 } },
      option: 'circuitBreaker.cooldown',
      message: /unknown field\. The fields are failureThreshold, cooldownMs, halfOpenProbes/,
    },
  ],
  [
    'no bootstrap servers',
    { config: { bootstrapServers: undefined }, option: 'bootstrap.servers', message: /required/ },
  ],
  [
    'SASL settings on a PLAINTEXT listener',
    {
      config: {
        saslJaasConfig:
          'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
      },
      option: 'sasl.jaas.config',
      message: /security.protocol is PLAINTEXT, which does not use it/,
    },
  ],
]

describe('bad settings fail at construction, naming the setting', () => {
  for (const [name, c] of CONFIG_CASES) {
    test(name, () => {
      assert.throws(
        () => new Producer({ ...BOOT, ...c.config } as unknown as ProducerConfigInput),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, `a ConfigError, got ${err}`)
          assert.ok(err instanceof KafkaError)
          assert.equal(err.code, 'ERR_CONFIG')
          assert.equal(err.option, c.option)
          assert.match(err.message, c.message)
          return true
        },
      )
    })
  }
})

interface RecordCase {
  record: unknown
  error: new (...args: never[]) => KafkaError
  code: string
  message: RegExp
  /** Extra settings for the producer. */
  config?: Record<string, unknown>
  check?: (err: KafkaError) => void
}

const boom = new Error('partitioner boom')
const circular: Record<string, unknown> = {}
circular.self = circular

const RECORD_CASES: [string, RecordCase][] = [
  [
    'a kafkajs-shaped send({ topic, messages })',
    {
      record: { topic: 't', messages: [{ key: 'k', value: 'v' }] },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /'messages' field.*sendBatch.*sluice\/kafkajs/,
    },
  ],
  [
    'a misspelt field',
    {
      record: { topic: 't', value: 'v', partiton: 1 },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /unknown field 'partiton': did you mean 'partition'\?/,
    },
  ],
  [
    'null',
    {
      record: null,
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /needs a record object.*got null/,
    },
  ],
  [
    'a string',
    {
      record: 'hello',
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /got the string "hello"/,
    },
  ],
  [
    'an array',
    { record: [], error: InvalidRecordError, code: 'ERR_INVALID_RECORD', message: /got an array/ },
  ],
  [
    'no topic',
    {
      record: { value: 'v' },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /non-empty string topic, got undefined/,
    },
  ],
  [
    'an empty topic',
    {
      record: { topic: '', value: 'v' },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /non-empty string topic/,
    },
  ],
  [
    "partition '1'",
    {
      record: { topic: 't', partition: '1', value: 'v' },
      error: InvalidRecordError,
      code: 'ERR_INVALID_PARTITION',
      message: /must be an integer >= 0, got the string "1"/,
    },
  ],
  [
    'partition -1',
    {
      record: { topic: 't', partition: -1, value: 'v' },
      error: InvalidRecordError,
      code: 'ERR_INVALID_PARTITION',
      message: /got number -1/,
    },
  ],
  [
    'partition 1.5',
    {
      record: { topic: 't', partition: 1.5, value: 'v' },
      error: InvalidRecordError,
      code: 'ERR_INVALID_PARTITION',
      message: /got number 1.5/,
    },
  ],
  [
    'partition 9 of 2',
    {
      record: { topic: 't', partition: 9, value: 'v' },
      error: InvalidRecordError,
      code: 'ERR_INVALID_PARTITION',
      message: /partition 9 of topic 't' is not in the range \[0...2\)/,
    },
  ],
  [
    'a fractional timestamp',
    {
      record: { topic: 't', value: 'v', timestamp: 1.5 },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /1.5 is not a whole number/,
    },
  ],
  [
    'timestamp 2^63',
    {
      record: { topic: 't', value: 'v', timestamp: 2 ** 63 },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /is beyond 9007199254740991/,
    },
  ],
  [
    'a negative timestamp',
    {
      record: { topic: 't', value: 'v', timestamp: -1 },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /before 1970/,
    },
  ],
  [
    'a timestamp string',
    {
      record: { topic: 't', value: 'v', timestamp: 'now' },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /is the string "now", not a number or a Date/,
    },
  ],
  [
    'an invalid Date',
    {
      record: { topic: 't', value: 'v', timestamp: new Date('nope') },
      error: InvalidRecordError,
      code: 'ERR_INVALID_RECORD',
      message: /not a number \(an invalid Date\?\)/,
    },
  ],
  [
    "headers [['a']]",
    {
      record: { topic: 't', value: 'v', headers: [['a']] },
      error: SerializationError,
      code: 'ERR_SERIALIZATION',
      message: /must be \[key, value\] pairs/,
    },
  ],
  [
    'a header undefined',
    {
      record: { topic: 't', value: 'v', headers: { h: undefined } },
      error: SerializationError,
      code: 'ERR_SERIALIZATION',
      message: /header 'h' for topic 't' is undefined: give a string, a Uint8Array, or null/,
    },
  ],
  [
    'a header number',
    {
      record: { topic: 't', value: 'v', headers: { h: 5 } },
      error: SerializationError,
      code: 'ERR_SERIALIZATION',
      message: /header 'h'/,
    },
  ],
  [
    'a value the json serializer cannot take',
    {
      record: { topic: 't', value: circular },
      config: { valueSerializer: 'json' },
      error: SerializationError,
      code: 'ERR_SERIALIZATION',
      message: /value/,
    },
  ],
  [
    'a value larger than max.request.size',
    {
      record: { topic: 't', value: 'x'.repeat(5000) },
      config: { maxRequestSize: 4096, batchSize: 4096 },
      error: RecordTooLargeError,
      code: 'RECORD_TOO_LARGE',
      message: /larger than max.request.size=4096/,
      check: (err) =>
        assert.equal(err.errorCode, 10, "Kafka's MESSAGE_TOO_LARGE, as Java's RecordTooLargeException"),
    },
  ],
  [
    'a custom partitioner that throws',
    {
      record: { topic: 't', key: 'k', value: 'v' },
      config: {
        partitionerClass: (args: { key: unknown }) => {
          if (args.key === 'k') throw boom
          return 0
        },
      },
      error: PartitionerError,
      code: 'ERR_PARTITIONER',
      message:
        /the custom partitioner \(partitioner.class\) threw for a record to topic 't': partitioner boom/,
      check: (err) => assert.equal(err.cause, boom, 'the original is the cause'),
    },
  ],
  [
    'a custom partitioner that returns a string',
    {
      record: { topic: 't', key: 'k', value: 'v' },
      config: { partitionerClass: (args: { key: unknown }) => (args.key === 'k' ? 'x' : 0) },
      error: InvalidRecordError,
      code: 'ERR_INVALID_PARTITION',
      message: /returned the string "x"/,
    },
  ],
]

describe('a bad record fails alone, typed, and the good one beside it is delivered', () => {
  for (const [name, c] of RECORD_CASES) {
    test(name, { timeout: TEST_TIMEOUT }, async () => {
      const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
      const p = new Producer({
        ...QUICK,
        bootstrapServers: cluster.bootstrapServers,
        lingerMs: 20,
        ...c.config,
      })
      try {
        const bad = p.send(c.record as never)
        const good = p.send({ topic: 't', partition: 0, key: 'good', value: 'good' })
        // The callback form gets the same error, and send() itself never throws.
        const viaCallback = new Promise<Error | null>((resolve) => p.send(c.record as never, resolve))
        await assert.rejects(bad, (err: unknown) => {
          assert.ok(err instanceof c.error, `a ${c.error.name}, got ${err}`)
          assert.ok(err instanceof KafkaError)
          assert.equal(err.code, c.code)
          assert.equal(err.retriable, false)
          assert.equal(err.maybeWritten, false)
          assert.match(err.message, c.message)
          c.check?.(err)
          return true
        })
        const cbErr = await viaCallback
        assert.ok(cbErr instanceof c.error)
        assert.ok((await good).offset >= 0n)
        const log = cluster.log('t', 0).map((r) => r.value?.toString())
        assert.equal(log.length, 1, 'only the good record reached the broker')
        assert.match(log[0]!, /good/)
        assert.equal(cluster.log('t', 1).length, 0)
      } finally {
        await p.close()
        await cluster.close()
      }
    })
  }
})

describe('sendBatch()', () => {
  test("kafkajs's sendBatch({ topicMessages }) rejects with InvalidRecordError naming sluice/kafkajs, not a TypeError", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const input = { topicMessages: [{ topic: 't', messages: [{ value: 'v' }] }] }
      await assert.rejects(p.sendBatch(input as never), (err: unknown) => {
        assert.ok(err instanceof InvalidRecordError, `got ${err}`)
        assert.equal(err.code, 'ERR_INVALID_RECORD')
        assert.match(err.message, /takes an array of records.*sluice\/kafkajs/)
        return true
      })
      await assert.rejects(p.sendBatch(null as never), /takes an array of records.*got null/)
      const [ok] = await p.sendBatch([{ topic: 't', value: 'after' }])
      assert.equal(ok?.status, 'fulfilled')
      assert.equal(cluster.log('t', 0).length, 1, 'only the good record')
    } finally {
      await p.close()
      await cluster.close()
    }
  })
})

describe('close({ timeoutMs })', () => {
  test('before metadata came: the record fails with ERR_CLOSE_TIMEOUT, as documented', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    cluster.addRule({ apiKey: 3, delayMs: 500 }) // Metadata answers late
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const sent = p.send({ topic: 't', value: 'v' })
      await p.close({ timeoutMs: 1 })
      await assert.rejects(sent, (err: unknown) => {
        assert.ok(err instanceof TimeoutError, `got ${err}`)
        assert.equal(err.code, 'ERR_CLOSE_TIMEOUT')
        assert.equal(err.maybeWritten, false)
        assert.match(err.message, /before these records were sent: they were not written/)
        return true
      })
    } finally {
      await cluster.close()
    }
  })
})

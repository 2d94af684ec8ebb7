/**
 * sluice/kafkajs against the in-process fake broker: what a kafkajs producer does (connect, send,
 * sendBatch, results, events, checks of its arguments) and the errors a kafkajs user gets.
 * test/kafkajs/compat.test.ts runs the same program through kafkajs itself on a real broker.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type InstrumentationEvent,
  Kafka,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  logLevel,
  type Message,
  type PartitionerArgs,
  Partitioners,
} from '../../src/kafkajs/index.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { type FakeCluster, startFakeCluster } from '../fakes/fake-broker.js'

const quiet = { logLevel: logLevel.NOTHING }

describe('sluice/kafkajs on the fake broker', () => {
  let cluster: FakeCluster
  let kafka: Kafka
  before(async () => {
    cluster = await startFakeCluster({
      brokers: 1,
      topics: [
        { name: 'a', partitions: 4 },
        { name: 'b', partitions: 2 },
      ],
    })
    kafka = new Kafka({ ...quiet, clientId: 'kjs-fake', brokers: [cluster.bootstrapServers] })
  })
  after(async () => {
    await cluster.close()
  })

  test('send: messages with keys, headers, explicit partitions and timestamps; one entry per topic-partition', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    try {
      const reference = Partitioners.DefaultPartitioner()
      const meta = [0, 1, 2, 3].map((p) => ({
        partitionErrorCode: 0,
        partitionId: p,
        leader: 0,
        replicas: [],
        isr: [],
      }))
      const keyed = reference({ topic: 'a', partitionMetadata: meta, message: { key: 'order-7', value: '' } })
      const result = await producer.send({
        topic: 'a',
        messages: [
          { key: 'order-7', value: 'v1', headers: { h: 'x', multi: ['1', Buffer.from('2')] } },
          { key: Buffer.from('k2'), value: Buffer.from('v2'), partition: 3, timestamp: '1700000000000' },
          { key: null, value: null, partition: 3 },
        ],
      })
      const expected = [
        {
          topicName: 'a',
          partition: keyed,
          errorCode: 0,
          baseOffset: '0',
          logAppendTime: '-1',
          logStartOffset: '-1',
        },
        {
          topicName: 'a',
          partition: 3,
          errorCode: 0,
          baseOffset: '0',
          logAppendTime: '-1',
          logStartOffset: '-1',
        },
      ].sort((x, y) => x.partition - y.partition)
      if (keyed === 3) expected.splice(1, 1)
      assert.deepEqual(result, expected)

      const log3 = cluster.log('a', 3)
      const k2 = log3.find((r) => r.key?.toString() === 'k2')
      assert.ok(k2, 'k2 is in partition 3')
      assert.equal(k2.value?.toString(), 'v2')
      assert.equal(k2.timestamp, 1700000000000)
      const tombstone = log3.find((r) => r.key === null)
      assert.ok(tombstone && tombstone.value === null)
      const first = cluster.log('a', keyed).find((r) => r.key?.toString() === 'order-7')
      assert.ok(first)
      assert.deepEqual(
        first.headers.map((h) => [h.key, h.value?.toString()]),
        [
          ['h', 'x'],
          ['multi', '1'],
          ['multi', '2'],
        ],
      )
    } finally {
      await producer.disconnect()
    }
  })

  test('sendBatch across topics (a topic given twice is merged); acks 0 answers []', async () => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      const result = await producer.sendBatch({
        topicMessages: [
          { topic: 'b', messages: [{ value: 'b1', partition: 1 }] },
          { topic: 'a', messages: [{ value: 'a1', partition: 0 }] },
          { topic: 'b', messages: [{ value: 'b0', partition: 0 }] },
        ],
      })
      assert.deepEqual(
        result.map((r) => [r.topicName, r.partition]),
        [
          ['b', 0],
          ['b', 1],
          ['a', 0],
        ],
      )
      assert.deepEqual(
        await producer.send({ topic: 'b', acks: 0, messages: [{ value: 'fire', partition: 0 }] }),
        [],
      )
      assert.deepEqual(
        await producer
          .send({ topic: 'b', acks: 1, messages: [{ value: 'leader', partition: 1 }] })
          .then((r) => r.length),
        1,
      )
    } finally {
      await producer.disconnect()
    }
  })

  test('a custom partitioner gets { topic, partitionMetadata, message } with the whole message', async () => {
    const seen: PartitionerArgs[] = []
    const producer = kafka.producer({
      createPartitioner: () => (args) => {
        seen.push(args)
        return 1
      },
    })
    await producer.connect()
    try {
      const message: Message = { key: 'k', value: 'v', headers: { trace: 't-1' } }
      const [md] = await producer.send({ topic: 'b', messages: [message] })
      assert.equal(md?.partition, 1)
      assert.equal(seen.length, 1)
      assert.equal(seen[0]?.topic, 'b')
      assert.equal(seen[0]?.message, message)
      assert.deepEqual(
        seen[0]?.partitionMetadata.map((p) => [p.partitionId, p.leader >= 0]),
        [
          [0, true],
          [1, true],
        ],
      )
    } finally {
      await producer.disconnect()
    }
  })

  test('events: CONNECT, REQUEST (per Produce response), DISCONNECT as { id, type, timestamp, payload }; on() returns a remover', async () => {
    const producer = kafka.producer()
    const events: InstrumentationEvent[] = []
    const removers = [producer.events.CONNECT, producer.events.REQUEST, producer.events.DISCONNECT].map(
      (name) =>
        producer.on(name, (e) => {
          events.push(e)
        }),
    )
    assert.throws(() => producer.on('producer.nope', () => {}), KafkaJSNonRetriableError)
    await producer.connect()
    await producer.send({ topic: 'a', messages: [{ value: 'x', partition: 0 }] })
    await producer.disconnect()
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(
      events.map((e) => e.type),
      ['producer.connect', 'producer.network.request', 'producer.disconnect'],
    )
    for (const e of events) {
      assert.deepEqual(Object.keys(e).sort(), ['id', 'payload', 'timestamp', 'type'])
      assert.equal(typeof e.id, 'number')
      assert.equal(typeof e.timestamp, 'number')
    }
    const request = events[1]?.payload as Record<string, unknown>
    assert.equal(request.apiName, 'Produce')
    assert.equal(request.clientId, 'kjs-fake')
    assert.equal(typeof request.duration, 'number')
    // Connected again, the REQUEST listener hears again.
    await producer.connect()
    await producer.send({ topic: 'a', messages: [{ value: 'y', partition: 0 }] })
    await producer.disconnect()
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(
      events.slice(3).map((e) => e.type),
      ['producer.connect', 'producer.network.request', 'producer.disconnect'],
    )
    for (const remove of removers) remove()
    await producer.connect()
    await producer.send({ topic: 'a', messages: [{ value: 'z', partition: 0 }] })
    await producer.disconnect()
    await new Promise((r) => setImmediate(r))
    assert.equal(events.length, 6, 'removed listeners hear nothing')
  })

  test('REQUEST_TIMEOUT once for a Produce request unanswered within requestTimeout; the retried send succeeds', async () => {
    const producer = new Kafka({
      ...quiet,
      clientId: 'kjs-timeout',
      brokers: [cluster.bootstrapServers],
      requestTimeout: 2_000,
    }).producer()
    const timeouts: InstrumentationEvent[] = []
    const requests: InstrumentationEvent[] = []
    producer.on(producer.events.REQUEST_TIMEOUT, (e) => {
      timeouts.push(e)
    })
    producer.on(producer.events.REQUEST, (e) => {
      requests.push(e)
    })
    await producer.connect()
    cluster.addRule({ apiKey: ApiKey.Produce, times: 1, noResponse: true })
    try {
      const result = await producer.send({ topic: 'b', messages: [{ value: 'late', partition: 1 }] })
      assert.equal(result.length, 1)
      await new Promise((r) => setImmediate(r))
      assert.equal(timeouts.length, 1)
      assert.equal(timeouts[0]?.type, 'producer.network.request_timeout')
      const payload = timeouts[0]?.payload as Record<string, unknown>
      assert.equal(payload.apiName, 'Produce')
      assert.equal(payload.clientId, 'kjs-timeout')
      assert.equal(requests.length, 1, 'the answered retry')
    } finally {
      await producer.disconnect()
    }
  })

  test("kafkajs's argument checks and states, with kafkajs's classes and messages", async () => {
    const producer = kafka.producer({ idempotent: true })
    await assert.rejects(producer.send({ topic: 'a', messages: [{ value: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof KafkaJSError)
      assert.equal((e as Error).message, 'The producer is disconnected')
      assert.equal((e as KafkaJSError).retriable, true)
      return true
    })
    await producer.connect()
    try {
      await assert.rejects(
        producer.send({ topic: 'a', acks: 1, messages: [{ value: 'x' }] }),
        /invalidates the idempotent/,
      )
      await assert.rejects(producer.send({ topic: '', messages: [{ value: 'x' }] }), /Invalid topic/)
      // A partition the topic lacks fails the send (kafkajs drops the message silently: docs/KAFKAJS.md).
      await assert.rejects(
        producer.send({ topic: 'b', messages: [{ value: 'x', partition: 9 }] }),
        (e: unknown) => {
          assert.ok(e instanceof KafkaJSNonRetriableError)
          assert.match((e as Error).message, /partition 9 of topic 'b' is not in the range/)
          return true
        },
      )
      await assert.rejects(
        producer.send({ topic: 'a', messages: [{ key: 'k' } as unknown as Message] }),
        /Invalid message without value for topic "a"/,
      )
      await assert.rejects(producer.transaction(), (e: unknown) => {
        assert.ok(e instanceof KafkaJSNonRetriableError)
        assert.match((e as Error).message, /Must provide transactional id/)
        return true
      })
    } finally {
      await producer.disconnect()
    }
  })

  test('a record larger than max.request.size: KafkaJSProtocolError MESSAGE_TOO_LARGE, not retriable', async () => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      await assert.rejects(
        producer.send({ topic: 'a', messages: [{ value: Buffer.alloc(2 * 1024 * 1024) }] }),
        (e: unknown) => {
          assert.ok(e instanceof KafkaJSProtocolError, String(e))
          assert.ok(e instanceof KafkaJSError)
          assert.equal(e.name, 'KafkaJSProtocolError')
          assert.equal(e.type, 'MESSAGE_TOO_LARGE')
          assert.equal(e.code, 10)
          assert.equal(e.retriable, false)
          assert.equal((e.cause as { code?: string }).code, 'RECORD_TOO_LARGE')
          return true
        },
      )
    } finally {
      await producer.disconnect()
    }
  })

  test('a topic that does not exist (not auto-created): retries exceeded, caused by UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      retry: { retries: 1, initialRetryTime: 100 },
    })
    await producer.connect()
    try {
      await assert.rejects(producer.send({ topic: 'missing', messages: [{ value: 'x' }] }), (e: unknown) => {
        assert.ok(e instanceof KafkaJSNumberOfRetriesExceeded, String(e))
        assert.equal(e.name, 'KafkaJSNumberOfRetriesExceeded')
        assert.equal(e.retriable, false)
        assert.ok(e.cause instanceof KafkaJSProtocolError)
        assert.equal(e.cause.type, 'UNKNOWN_TOPIC_OR_PARTITION')
        assert.equal(e.cause.retriable, true)
        return true
      })
    } finally {
      await producer.disconnect()
    }
  })

  test('connect() to a port nobody listens on rejects with retries exceeded, caused by a connection error', async () => {
    const closed = await startFakeCluster({ brokers: 1 })
    const address = closed.bootstrapServers
    await closed.close()
    const producer = new Kafka({
      ...quiet,
      brokers: async () => [address],
      retry: { retries: 1, initialRetryTime: 50 },
    }).producer()
    await assert.rejects(producer.connect(), (e: unknown) => {
      assert.ok(e instanceof KafkaJSNumberOfRetriesExceeded, String(e))
      assert.equal((e.cause as Error).name, 'KafkaJSConnectionError')
      return true
    })
    await assert.rejects(
      new Kafka({ ...quiet, brokers: () => [] }).producer().connect(),
      /"config.brokers" returned void or empty array/,
    )
  })
})

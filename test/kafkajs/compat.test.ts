/**
 * One kafkajs program, unchanged, run through kafkajs 2.2.4 itself and through sluice/kafkajs on
 * the suite's real Apache Kafka: connect, send (keys, headers, explicit partitions, a timestamp),
 * sendBatch across topics with gzip, keyed messages through LegacyPartitioner, a transaction with send + sendOffsets + commit, one with
 * send + abort, a use after the end, disconnect. The answers are compared (shape, partitions and
 * offsets), and what each wrote is read back by Kafka's own consumer (read_committed) and compared
 * record by record; the group offsets by Kafka's Admin client. Then the errors both give for the
 * same mistakes.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import kafkajs from 'kafkajs'
import * as sluice from '../../src/kafkajs/index.js'
import { type ReadRecord, readTopic } from '../helpers/independent-reader.js'
import { runJava } from '../helpers/java.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

// The program is written against kafkajs's API; both libraries are given to it as `lib`.
// biome-ignore lint/suspicious/noExplicitAny: the same untyped program runs on both libraries
type Lib = any

interface Names {
  a: string
  b: string
  out: string
  input: string
  group: string
  transactionalId: string
}

async function program(lib: Lib, bootstrap: string, n: Names) {
  const { Kafka, CompressionTypes, Partitioners, logLevel } = lib
  const kafka = new Kafka({ clientId: 'compat', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  const events: string[] = []
  producer.on(producer.events.CONNECT, (e: { type: string }) => events.push(e.type))
  producer.on(producer.events.DISCONNECT, (e: { type: string }) => events.push(e.type))
  await producer.connect()

  const sent = await producer.send({
    topic: n.a,
    messages: [
      { key: 'user-1', value: 'hello', headers: { source: 'compat', tags: ['x', 'y'] } },
      { key: Buffer.from([0, 1, 2, 255]), value: Buffer.from('bytes'), partition: 2 },
      { key: 'user-2', value: 'dated', timestamp: '1700000000000' },
      { key: null, value: 'no key', partition: 0 },
      { key: 'user-3', value: null },
    ],
  })
  const batch = await producer.sendBatch({
    compression: CompressionTypes.GZIP,
    topicMessages: [
      {
        topic: n.b,
        messages: [
          { key: 'b-1', value: 'b one' },
          { key: 'b-2', value: 'b two' },
        ],
      },
      { topic: n.a, messages: [{ key: 'user-1', value: 'again' }] },
    ],
  })

  const legacyProducer = kafka.producer({ createPartitioner: Partitioners.LegacyPartitioner })
  await legacyProducer.connect()
  const legacy = await legacyProducer.send({
    topic: n.b,
    messages: Array.from({ length: 24 }, (_, i) => ({ key: `legacy-key-${i * 7919}`, value: `legacy ${i}` })),
  })
  await legacyProducer.disconnect()

  const txProducer = kafka.producer({
    transactionalId: n.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  try {
    return await transactions(txProducer, n, { sent, batch, legacy, events })
  } finally {
    // Also when something failed: an open connection would keep the test process alive.
    await txProducer.disconnect().catch(() => {})
    await producer.disconnect().catch(() => {})
  }
}

/**
 * Retries `work` while it fails with a retriable error, as careful kafkajs code does: kafkajs's
 * sendOffsets does not retry NOT_COORDINATOR itself, which a broker answers while it is still
 * loading a group's coordinator.
 */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (e) {
      if ((e as { retriable?: boolean }).retriable !== true || attempt >= 20) throw e
      await new Promise((r) => setTimeout(r, 250))
    }
  }
}

async function transactions(
  txProducer: Lib,
  n: Names,
  before: {
    sent: Record<string, unknown>[]
    batch: Record<string, unknown>[]
    legacy: Record<string, unknown>[]
    events: string[]
  },
) {
  await txProducer.connect()
  const tx = await txProducer.transaction()
  const txSent = await tx.send({ topic: n.out, messages: [{ key: 'o-1', value: 'committed' }] })
  await retrying(() =>
    tx.sendOffsets({
      consumerGroupId: n.group,
      topics: [{ topic: n.input, partitions: [{ partition: 0, offset: '42' }] }],
    }),
  )
  await tx.commit()
  const activeAfterCommit = tx.isActive()
  const tx2 = await txProducer.transaction()
  const activeBeforeAbort = tx2.isActive()
  await tx2.send({ topic: n.out, messages: [{ key: 'o-2', value: 'aborted' }] })
  await tx2.abort()
  const afterEnd = await tx2.send({ topic: n.out, messages: [{ value: 'late' }] }).then(
    () => null,
    (e: { name: string; retriable: boolean; message: string }) => ({
      name: e.name,
      retriable: e.retriable,
      message: e.message,
    }),
  )
  return { ...before, txSent, activeAfterCommit, activeBeforeAbort, afterEnd }
}

type Result = Awaited<ReturnType<typeof program>>

/**
 * RecordMetadata entries with the topic named by role and the values that cannot match compared
 * by kind, sorted: kafkajs lists them in the order of the broker's Produce response, which Kafka
 * does not specify (Kafka 4 answered partitions 2, 0, 3 for a request with 0, 2, 3).
 */
function normalize(entries: Record<string, unknown>[], n: Names): Record<string, unknown>[] {
  const role = (t: unknown) => String(Object.entries(n).find(([, v]) => v === t)?.[0] ?? t)
  return entries
    .map((e): Record<string, unknown> & { topicName: string } => ({
      ...e,
      topicName: role(e.topicName),
      logStartOffset: typeof e.logStartOffset,
      logAppendTime: typeof e.logAppendTime,
    }))
    .sort((x, y) => x.topicName.localeCompare(y.topicName) || Number(x.partition) - Number(y.partition))
}

function names(prefix: string): Names {
  return {
    a: uniqueTopic(`${prefix}-a`),
    b: uniqueTopic(`${prefix}-b`),
    out: uniqueTopic(`${prefix}-out`),
    input: uniqueTopic(`${prefix}-in`),
    group: uniqueTopic(`${prefix}-group`),
    transactionalId: uniqueTopic(`${prefix}-tid`),
  }
}

async function createAll(n: Names): Promise<void> {
  await Promise.all([
    createTopic(n.a, 4),
    createTopic(n.b, 3),
    createTopic(n.out, 2),
    createTopic(n.input, 1),
  ])
}

const readable = (records: ReadRecord[]) =>
  records.map((r) => ({
    partition: r.partition,
    offset: r.offset,
    key: r.key?.toString('hex') ?? null,
    value: r.value?.toString() ?? null,
    headers: r.headers.map(([k, v]) => [k, v?.toString() ?? null]),
    ...(r.timestamp === 1700000000000 ? { timestamp: r.timestamp } : {}),
  }))

async function groupOffsets(bootstrap: string, group: string, input: string): Promise<string[]> {
  const { stdout } = await runJava('GroupOffsets.java', [bootstrap, group])
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace(input, 'input'))
}

describe('the same kafkajs program through kafkajs and sluice/kafkajs', { timeout: 240_000 }, () => {
  const bootstrap = testBootstrap()
  const ofKafkajs = names('kjs')
  const ofSluice = names('sluice')
  let theirs: Result
  let ours: Result

  test('the program runs through kafkajs 2.2.4', async () => {
    await createAll(ofKafkajs)
    theirs = await program(kafkajs, bootstrap, ofKafkajs)
  })

  test('the program runs through sluice/kafkajs', async () => {
    await createAll(ofSluice)
    ours = await program(sluice, bootstrap, ofSluice)
  })

  test('send, sendBatch and transaction send answer the same: partitions, offsets, fields', () => {
    assert.ok(theirs && ours, 'both runs finished')
    for (const field of ['sent', 'batch', 'legacy', 'txSent'] as const) {
      const mine = normalize(ours[field], ofSluice)
      assert.deepEqual(mine, normalize(theirs[field], ofKafkajs), field)
      assert.ok(mine.length > 0)
    }
    assert.ok(theirs.sent.length >= 2, 'several partitions in one send')
    // The documented difference: Sluice does not keep log_start_offset or LogAppendTime.
    for (const e of ours.sent) assert.equal(e.logStartOffset, '-1')
  })

  test('isActive, a use after the end, and the CONNECT/DISCONNECT events are the same', () => {
    assert.ok(theirs && ours, 'both runs finished')
    assert.equal(ours.activeAfterCommit, theirs.activeAfterCommit)
    assert.equal(ours.activeBeforeAbort, theirs.activeBeforeAbort)
    assert.equal(ours.activeBeforeAbort, true)
    assert.deepEqual(ours.afterEnd, theirs.afterEnd)
    assert.equal(ours.afterEnd?.name, 'KafkaJSNonRetriableError')
    assert.deepEqual(ours.events, theirs.events)
    assert.deepEqual(ours.events, ['producer.connect', 'producer.disconnect'])
  })

  test("Kafka's consumer reads the same records from both runs (read_committed: the aborted one is not there)", async () => {
    for (const role of ['a', 'b', 'out'] as const) {
      const opts = { isolationLevel: 'read_committed' as const }
      const [mine, reference] = await Promise.all([
        readTopic(bootstrap, ofSluice[role], opts),
        readTopic(bootstrap, ofKafkajs[role], opts),
      ])
      assert.deepEqual(readable(mine), readable(reference), role)
      assert.ok(mine.length > 0, role)
    }
    const a = readable(await readTopic(bootstrap, ofSluice.a))
    const hello = a.find((r) => r.value === 'hello')
    assert.deepEqual(hello?.headers, [
      ['source', 'compat'],
      ['tags', 'x'],
      ['tags', 'y'],
    ])
    assert.equal(a.find((r) => r.value === 'bytes')?.partition, 2)
    assert.equal(a.find((r) => r.value === 'bytes')?.key, '000102ff')
    assert.equal(a.find((r) => r.value === 'no key')?.partition, 0)
    assert.equal(a.find((r) => r.value === 'dated')?.timestamp, 1700000000000)
    assert.ok(a.some((r) => r.key === Buffer.from('user-3').toString('hex') && r.value === null))
    const out = readable(await readTopic(bootstrap, ofSluice.out, { isolationLevel: 'read_committed' }))
    assert.deepEqual(
      out.map((r) => r.value),
      ['committed'],
    )
    const uncommitted = readable(await readTopic(bootstrap, ofSluice.out))
    assert.ok(
      uncommitted.some((r) => r.value === 'aborted'),
      'read_uncommitted sees the aborted record: the check above can fail',
    )
  })

  test("sendOffsets committed the group's offsets with the transaction, as kafkajs did", async () => {
    const [mine, reference] = await Promise.all([
      groupOffsets(bootstrap, ofSluice.group, ofSluice.input),
      groupOffsets(bootstrap, ofKafkajs.group, ofKafkajs.input),
    ])
    assert.deepEqual(mine, ['input 0 42'])
    assert.deepEqual(mine, reference)
  })
})

describe('the same mistakes give the same kafkajs errors', { timeout: 240_000 }, () => {
  const bootstrap = testBootstrap()

  async function failure(lib: Lib, work: (producer: Lib) => Promise<unknown>, options = {}) {
    const kafka = new lib.Kafka({
      clientId: 'compat-errors',
      brokers: [bootstrap],
      logLevel: lib.logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    })
    const producer = kafka.producer({ createPartitioner: lib.Partitioners.DefaultPartitioner, ...options })
    await producer.connect()
    try {
      await work(producer)
    } catch (e) {
      const err = e as {
        name: string
        retriable: boolean
        type?: string
        cause?: { name?: string; type?: string }
      }
      return {
        name: err.name,
        retriable: err.retriable,
        type: err.type,
        // Sluice's own error is the cause of every mapped error; only kafkajs causes compare.
        causeName: err.cause instanceof lib.KafkaJSError ? err.cause?.name : undefined,
        causeType: err.cause instanceof lib.KafkaJSError ? err.cause?.type : undefined,
        isKafkaJSError: e instanceof lib.KafkaJSError,
        isOwnClass: e instanceof lib[err.name],
      }
    } finally {
      await producer.disconnect()
    }
    return null
  }

  test('a message larger than the broker accepts: KafkaJSProtocolError MESSAGE_TOO_LARGE, not retriable', async () => {
    const topic = uniqueTopic('kjs-large')
    await createTopic(topic, 1, { configs: { 'max.message.bytes': '100000' } })
    const send = (p: Lib) => p.send({ topic, messages: [{ value: Buffer.alloc(200_000, 1) }] })
    const [mine, reference] = [await failure(sluice, send), await failure(kafkajs, send)]
    assert.deepEqual(mine, reference)
    assert.equal(mine?.name, 'KafkaJSProtocolError')
    assert.equal(mine?.type, 'MESSAGE_TOO_LARGE')
    assert.equal(mine?.retriable, false)
    assert.equal(mine?.isOwnClass, true)
  })

  test('a transactional producer fenced by a newer one with the same id: send and commit fail the same way', async () => {
    const fenced = async (lib: Lib) => {
      const kafka = new lib.Kafka({
        brokers: [bootstrap],
        logLevel: lib.logLevel.NOTHING,
        retry: { retries: 2 },
      })
      const options = { transactionalId: uniqueTopic('kjs-fence'), idempotent: true, maxInFlightRequests: 1 }
      const topic = uniqueTopic('kjs-fence')
      await createTopic(topic, 1)
      const show = (e: { name: string; retriable: boolean; type?: string }) => ({
        name: e.name,
        retriable: e.retriable,
        type: e.type,
      })
      const first = kafka.producer(options)
      const second = kafka.producer(options)
      try {
        await first.connect()
        const tx1 = await first.transaction()
        await tx1.send({ topic, messages: [{ value: 'first' }] })
        await second.connect()
        const tx2 = await second.transaction()
        const send = await tx1.send({ topic, messages: [{ value: 'fenced' }] }).then(() => 'sent', show)
        const commit = await tx1.commit().then(() => 'committed', show)
        await tx2.send({ topic, messages: [{ value: 'second' }] })
        await tx2.commit()
        const committed = await readTopic(bootstrap, topic, { isolationLevel: 'read_committed' })
        return { send, commit, committed: committed.map((r) => r.value?.toString()) }
      } finally {
        await first.disconnect().catch(() => {})
        await second.disconnect().catch(() => {})
      }
    }
    const [mine, reference] = [await fenced(sluice), await fenced(kafkajs)]
    assert.deepEqual(mine, reference)
    assert.deepEqual(mine.send, {
      name: 'KafkaJSProtocolError',
      retriable: false,
      type: 'INVALID_PRODUCER_EPOCH',
    })
    assert.deepEqual(mine.committed, ['second'])
  })

  test('a topic that does not exist, auto-creation off: the same error class and cause', async (t) => {
    const send = (p: Lib) => p.send({ topic: uniqueTopic('kjs-missing'), messages: [{ value: 'x' }] })
    const options = { allowAutoTopicCreation: false }
    const [mine, reference] = [await failure(sluice, send, options), await failure(kafkajs, send, options)]
    assert.ok(reference !== null, 'kafkajs failed')
    t.diagnostic(`kafkajs: ${JSON.stringify(reference)}`)
    assert.deepEqual(mine, reference)
  })
})

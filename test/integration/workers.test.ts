/**
 * Worker mode on the real broker: 200k keyed records through 1, 2 and 4 workers, every one read
 * back exactly once by Kafka's own consumer, each key in the partition the plain Producer
 * chooses (murmur2, checked against it), each key's records in send order; a worker killed
 * mid-run fails its records with WorkerExitedError while the other delivers; close() leaves no
 * thread behind (the process exits by itself).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { type KafkaError, WorkerExitedError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { partitionForKey } from '../../src/protocol/murmur2.js'
import { TERMINATE_WORKER, WorkerProducer } from '../../src/workers/producer.js'
import { readTopicValues } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const RECORDS = 200_000
const KEYS = 5000
const PARTITIONS = 8

/** Sends `n` records through the callback path, waiting for 'drain' when asked; resolves with the failures. */
async function sendAll(
  producer: WorkerProducer<'string', 'string'>,
  topic: string,
  n: number,
  onOutcome: (i: number, err: KafkaError | null, partition: number) => void,
  afterEach?: (i: number) => void,
): Promise<void> {
  for (let i = 0; i < n; i++) {
    const key = `k${i % KEYS}`
    const ok = producer.send({ topic, key, value: `${key}:${Math.floor(i / KEYS)}` }, (err, md) =>
      onOutcome(i, err, md?.partition ?? -1),
    )
    afterEach?.(i)
    if (!ok) await new Promise<void>((r) => producer.once('drain', () => r()))
  }
  await producer.flush()
}

for (const workers of [1, 2, 4]) {
  test(`${workers} worker(s): 200k keyed records read back once each, in the plain Producer's partitions, in order`, {
    timeout: 300_000,
  }, async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic(`workers-${workers}`)
    await createTopic(topic, PARTITIONS)
    const producer = new WorkerProducer({
      bootstrapServers: bootstrap,
      workers,
      keySerializer: 'string',
      valueSerializer: 'string',
      lingerMs: 5,
    })
    const settled = new Uint8Array(RECORDS)
    const failures: KafkaError[] = []
    const wrongPartition: number[] = []
    await sendAll(producer, topic, RECORDS, (i, err, partition) => {
      settled[i]!++
      if (err !== null) failures.push(err)
      else if (partition !== partitionForKey(Buffer.from(`k${i % KEYS}`), PARTITIONS)) wrongPartition.push(i)
    })
    // The promise path too.
    const md = await producer.send({ topic, key: 'k0', value: 'k0:last' })
    assert.equal(md.topic, topic)
    assert.equal(md.partition, partitionForKey(Buffer.from('k0'), PARTITIONS))
    assert.ok(md.offset >= 0n)
    await producer.close()
    assert.deepEqual(failures.slice(0, 3), [])
    assert.equal(settled.filter((n) => n !== 1).length, 0, 'every record settled exactly once')
    assert.deepEqual(wrongPartition.slice(0, 3), [])

    // The plain Producer puts the same keys in the same partitions.
    const plain = new Producer({
      bootstrapServers: bootstrap,
      keySerializer: 'string',
      valueSerializer: 'string',
    })
    for (let k = 0; k < 20; k++) {
      const p = await plain.send({ topic, key: `k${k}`, value: 'plain' })
      assert.equal(p.partition, partitionForKey(Buffer.from(`k${k}`), PARTITIONS))
    }
    await plain.close()

    const seen = new Map<string, number>()
    let read = 0
    await readTopicValues(bootstrap, topic, (partition, _offset, value) => {
      if (value === 'plain') return
      read++
      const [key, seq] = value!.split(':') as [string, string]
      assert.equal(partition, partitionForKey(Buffer.from(key), PARTITIONS), `${key} in its partition`)
      const next = seq === 'last' ? Math.ceil((RECORDS - Number(key.slice(1))) / KEYS) : Number(seq)
      const expected = seen.get(key) ?? 0
      assert.equal(
        next,
        expected,
        `${key}: record ${next} read where ${expected} was due (order or a duplicate)`,
      )
      seen.set(key, expected + 1)
    })
    assert.equal(read, RECORDS + 1, 'each record read once')
  })
}

test('a worker killed mid-run fails its records with WorkerExitedError; the other worker delivers all of its own', {
  timeout: 300_000,
}, async () => {
  const bootstrap = testBootstrap()
  const topic = uniqueTopic('workers-killed')
  await createTopic(topic, PARTITIONS)
  const producer = new WorkerProducer({
    bootstrapServers: bootstrap,
    workers: 2,
    keySerializer: 'string',
    valueSerializer: 'string',
    lingerMs: 5,
  })
  const n = 100_000
  const outcome = new Array<KafkaError | null | undefined>(n)
  const partitionOf = (i: number) => partitionForKey(Buffer.from(`k${i % KEYS}`), PARTITIONS)
  let twice = 0
  let killed: Promise<number> | null = null
  await sendAll(
    producer,
    topic,
    n,
    (i, err) => {
      if (outcome[i] !== undefined) twice++
      outcome[i] = err
    },
    (i) => {
      if (i === n / 4) killed = producer[TERMINATE_WORKER](1)
    },
  )
  await killed
  await producer.close()
  assert.equal(twice, 0, 'no record settled twice')
  let delivered = 0
  let exited = 0
  for (let i = 0; i < n; i++) {
    const o = outcome[i]
    assert.notEqual(o, undefined, `record ${i} settled`)
    const worker = partitionOf(i) % 2
    if (worker === 0) assert.equal(o, null, `record ${i} of worker 0 delivered`)
    else if (o !== null) {
      assert.ok(o instanceof WorkerExitedError, `record ${i}: ${o?.message}`)
      assert.equal(o.code, 'ERR_WORKER_EXITED')
      assert.equal(o.maybeWritten, true)
      exited++
    }
    if (o === null) delivered++
  }
  assert.ok(exited > n / 4, `the records of worker 1 after the kill failed (${exited})`)
  let read = 0
  await readTopicValues(bootstrap, topic, () => {
    read++
  })
  assert.ok(read >= delivered, `every delivered record is in the topic (${read} >= ${delivered})`)
  assert.ok(read <= n, 'nothing beyond what was sent')
})

test('close() leaves no thread: the process exits by itself', { timeout: 120_000 }, async () => {
  const topic = uniqueTopic('workers-close')
  await createTopic(topic, 3)
  const script = new URL('../helpers/workers-close-child.ts', import.meta.url).pathname
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', script, testBootstrap(), topic],
    {
      timeout: 60_000,
    },
  )
  assert.equal(stdout.trim(), 'closed 1000')
})

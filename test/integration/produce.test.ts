/**
 * End-to-end: records produced by Sluice to a real Apache Kafka are read back by an independent
 * reader (Kafka's own Java KafkaConsumer) exactly as sent, in order per partition.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { after, before, describe, test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import type { ProducerRecord, RecordMetadata } from '../../src/producer/record.js'
import { readTopic } from '../helpers/independent-reader.js'
import { javaPartitionsForKeys } from '../helpers/java-partitioner.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const bootstrap = testBootstrap()

describe('producing to a real broker', () => {
  let producer: Producer
  before(() => {
    producer = new Producer({ bootstrapServers: bootstrap, acks: 'all', lingerMs: 5 })
  })
  after(async () => {
    await producer.close()
  })

  test('every kind of record is read back by Kafka’s own consumer exactly as sent', async () => {
    const topic = uniqueTopic('shapes')
    await createTopic(topic, 1)
    const big = randomBytes(1024 * 1024 - 512)
    const records: ProducerRecord<string | Buffer, string | Buffer>[] = [
      { topic, key: 'k1', value: 'plain' },
      { topic, key: null, value: 'null key' },
      { topic, key: 'tombstone', value: null },
      { topic, key: 'empty', value: '' },
      { topic, key: Buffer.alloc(0), value: 'empty key' },
      { topic, key: 'ünï©ødé 🚀', value: '日本語のテキスト ✓' },
      {
        topic,
        key: 'headers',
        value: 'h',
        headers: [
          ['a', '1'],
          ['a', '2'],
          ['bin', Buffer.from([0, 255, 1])],
          ['nil', null],
        ],
      },
      { topic, key: 'headers-object', value: 'h2', headers: { x: 'y', many: ['1', '2'] } },
      { topic, key: 'ts', value: 'explicit timestamp', timestamp: 1_700_000_000_123 },
      { topic, key: 'big', value: big },
      { topic, key: 'bytes', value: Buffer.from([0, 1, 2, 3, 254, 255]) },
    ]
    const before = Date.now()
    const mds = await Promise.all(records.map((r) => producer.send(r)))
    const after = Date.now()

    const read = await readTopic(bootstrap, topic)
    assert.equal(read.length, records.length)
    for (let i = 0; i < records.length; i++) {
      const want = records[i]!
      const got = read[i]!
      const md = mds[i]!
      assert.equal(md.topic, topic)
      assert.equal(md.partition, 0)
      assert.equal(got.offset, md.offset, `offset of record ${i}`)
      assert.deepEqual(
        got.key,
        want.key === null ? null : Buffer.from(want.key as string | Buffer),
        `key of record ${i}`,
      )
      assert.deepEqual(
        got.value,
        want.value === null ? null : Buffer.from(want.value as string | Buffer),
        `value ${i}`,
      )
      assert.equal(got.timestamp, md.timestamp, `timestamp of record ${i}`)
      if (want.timestamp !== undefined) assert.equal(got.timestamp, want.timestamp)
      else
        assert.ok(
          got.timestamp >= before && got.timestamp <= after,
          `timestamp of record ${i} is the send time`,
        )
    }
    assert.deepEqual(read[6]!.headers, [
      ['a', Buffer.from('1')],
      ['a', Buffer.from('2')],
      ['bin', Buffer.from([0, 255, 1])],
      ['nil', null],
    ])
    assert.deepEqual(read[7]!.headers, [
      ['x', Buffer.from('y')],
      ['many', Buffer.from('1')],
      ['many', Buffer.from('2')],
    ])
    // Offsets are consecutive: nothing lost, nothing duplicated.
    assert.deepEqual(
      read.map((r) => r.offset),
      read.map((_, i) => BigInt(i)),
    )
  })

  test('each key lands on the partition the Java client picks, in send order per partition', async () => {
    const topic = uniqueTopic('keys')
    const partitions = 7
    await createTopic(topic, partitions)
    const keys = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? randomBytes(1 + (i % 40)) : Buffer.from(`key-${i}-é`),
    )
    const expected = await javaPartitionsForKeys(keys, partitions)
    const mds = await Promise.all(keys.map((key, i) => producer.send({ topic, key, value: `v${i}` })))
    for (let i = 0; i < keys.length; i++)
      assert.equal(mds[i]!.partition, expected[i], `partition of key ${i}`)

    const read = await readTopic(bootstrap, topic)
    assert.equal(read.length, keys.length)
    for (const r of read) {
      const i = Number(r.value!.toString().slice(1))
      assert.equal(r.partition, expected[i], `record ${i} is on partition ${expected[i]}`)
      assert.deepEqual(r.key, keys[i])
    }
    for (let p = 0; p < partitions; p++) {
      const order = read.filter((r) => r.partition === p).map((r) => Number(r.value!.toString().slice(1)))
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `partition ${p} keeps send order`,
      )
    }
  })

  test('records without a key spread over partitions in sticky batches', async () => {
    const topic = uniqueTopic('sticky')
    await createTopic(topic, 4)
    const p = new Producer({ bootstrapServers: bootstrap, batchSize: 1024, lingerMs: 0 })
    try {
      const mds: RecordMetadata[] = []
      for (let i = 0; i < 200; i++) mds.push(await p.send({ topic, value: Buffer.alloc(100, i) }))
      const used = new Set(mds.map((m) => m.partition))
      assert.ok(used.size > 1, 'null-key records use more than one partition')
      // Sticky: consecutive records mostly share a partition.
      let switches = 0
      for (let i = 1; i < mds.length; i++) if (mds[i]!.partition !== mds[i - 1]!.partition) switches++
      assert.ok(
        switches < mds.length / 4,
        `sticky partitioning switched ${switches} times in ${mds.length} records`,
      )
    } finally {
      await p.close()
    }
  })
})

describe('acks', () => {
  for (const acks of [0, 1, 'all'] as const) {
    test(`acks=${acks} delivers every record`, async () => {
      const topic = uniqueTopic(`acks${acks}`)
      await createTopic(topic, 2)
      const p = new Producer({ bootstrapServers: bootstrap, acks, lingerMs: 2 })
      const n = 500
      try {
        const mds = await Promise.all(
          Array.from({ length: n }, (_, i) => p.send({ topic, key: `k${i % 10}`, value: `value-${i}` })),
        )
        if (acks === 0)
          assert.ok(
            mds.every((m) => m.offset === -1n),
            'acks=0 reports no offsets',
          )
        else
          assert.ok(
            mds.every((m) => m.offset >= 0n),
            'acks>=1 reports offsets',
          )
        await p.flush()
      } finally {
        await p.close()
      }
      const read = await readTopic(bootstrap, topic)
      assert.equal(read.length, n)
      assert.deepEqual(new Set(read.map((r) => r.value!.toString())).size, n)
    })
  }
})

describe('batches written from their own buffers', () => {
  // Batches of 2 KiB and more go to the socket from the batch's buffer, not copied into the
  // request; with acks=0 the batch completes (and its buffer is reused) once the write is done.
  for (const acks of [0, 'all'] as const) {
    test(`acks=${acks}: 60,000 records in reused 16 KiB batch buffers reach the log intact`, async () => {
      const topic = uniqueTopic(`zerocopy${acks}`)
      await createTopic(topic, 4)
      const p = new Producer({ bootstrapServers: bootstrap, acks, lingerMs: 1, batchSize: 16384 })
      const n = 60_000
      const pad = 'x'.repeat(150)
      let failed = 0
      try {
        for (let i = 0; i < n; i++) {
          const ok = p.send({ topic, key: `k${i % 64}`, value: `${i}:${pad}` }, (err) => {
            if (err !== null) failed++
          })
          if (!ok) await once(p, 'drain')
        }
        await p.flush()
      } finally {
        await p.close()
      }
      assert.equal(failed, 0)
      const read = await readTopic(bootstrap, topic)
      assert.equal(read.length, n)
      const seen = new Set<string>()
      for (const r of read) {
        const v = r.value!.toString()
        assert.ok(v.endsWith(`:${pad}`), `value intact: ${v.slice(0, 40)}`)
        seen.add(v)
      }
      assert.equal(seen.size, n)
    })
  }
})

describe('batching', () => {
  test('many concurrent async tasks batch together and lose nothing', async () => {
    const topic = uniqueTopic('concurrent')
    await createTopic(topic, 3)
    const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 10 })
    const tasks = 50
    const perTask = 40
    try {
      await Promise.all(
        Array.from({ length: tasks }, async (_, t) => {
          for (let i = 0; i < perTask; i++) {
            // Each task awaits its own sends one by one; the tasks interleave.
            if (i % 10 === 9) await p.send({ topic, key: `t${t}`, value: `${t}:${i}` })
            else void p.send({ topic, key: `t${t}`, value: `${t}:${i}` })
          }
        }),
      )
      await p.flush()
      const m = p.metrics()
      // Every record once, plus again for each retry (Java counts records per Produce request).
      assert.equal(m['record-send-total'], tasks * perTask + m['record-retry-total']!)
      assert.ok(
        m['request-total']! < (tasks * perTask) / 10,
        `records were batched: ${m['request-total']} requests for ${tasks * perTask} records`,
      )
    } finally {
      await p.close()
    }
    const read = await readTopic(bootstrap, topic)
    assert.equal(read.length, tasks * perTask)
    // Per key (= per task), the values come in send order.
    const byTask = new Map<string, number[]>()
    for (const r of read) {
      const [t, i] = r.value!.toString().split(':')
      byTask.set(t!, [...(byTask.get(t!) ?? []), Number(i)])
    }
    for (const [t, seq] of byTask)
      assert.deepEqual(
        seq,
        [...seq].sort((a, b) => a - b),
        `task ${t} in order`,
      )
  })
})

describe('metadata', () => {
  test('a topic created after the producer started is found', async () => {
    const p = new Producer({ bootstrapServers: bootstrap })
    try {
      const first = uniqueTopic('first')
      await createTopic(first, 1)
      await p.send({ topic: first, value: 'x' })
      const later = uniqueTopic('later')
      await createTopic(later, 3)
      const md = await p.send({ topic: later, key: 'k', value: 'y' })
      assert.equal(md.topic, later)
      assert.equal((await p.partitionsFor(later)).length, 3)
    } finally {
      await p.close()
    }
  })
})

describe('custom partitioner', () => {
  test('partitioner.class decides, and undefined falls back to the built-in choice', async () => {
    const topic = uniqueTopic('custom')
    await createTopic(topic, 4)
    const seen: number[] = []
    const p = new Producer({
      bootstrapServers: bootstrap,
      partitionerClass: (args: { key: unknown; partitionCount: number }) => {
        seen.push(args.partitionCount)
        return args.key === 'vip' ? 3 : undefined
      },
    })
    try {
      const vip = await p.send({ topic, key: 'vip', value: 'a' })
      const other = await p.send({ topic, key: 'k1', value: 'b' })
      assert.equal(vip.partition, 3)
      assert.equal(other.partition, (await javaPartitionsForKeys([Buffer.from('k1')], 4))[0])
      assert.deepEqual(seen, [4, 4])
    } finally {
      await p.close()
    }
  })
})

/**
 * The disk spool (`spool`) through a real Producer against the fake broker: records that can't be
 * delivered (delivery timeout; the breaker open) settle as spooled, not written; once the broker
 * answers again they are replayed through the normal path and the broker's log holds every one,
 * in send order per partition; metrics and health() show the spool. A second producer on the
 * same directory is refused; a new producer on the directory replays what an earlier one left.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { ConfigError, KafkaError, SpoolFullError, SpoolLockedError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { Spool } from '../../src/spool/spool.js'
import { type FakeCluster, startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from './support.js'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-spool-producer-'))
  dirs.push(d)
  return d
}

/** Waits (no time limit but the test's) until `cond` holds, checking every 20 ms. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20))
}

function values(cluster: FakeCluster, topic: string, partition: number): string[] {
  return cluster.log(topic, partition).map((r) => r.value?.toString() ?? '')
}

/** Values in the order of their first appearance (a replay is at least once). */
function firstSeen(list: string[]): string[] {
  return [...new Set(list)]
}

/** The values in a closed producer's spool directory, in append order. */
async function spooledValues(dir: string): Promise<string[]> {
  const spool = await Spool.open({ dir, maxBytes: 64 * 1024 * 1024, fsync: 'never' })
  try {
    const out: string[] = []
    for (let got = await spool.read(5000); got.length > 0; got = await spool.read(5000))
      for (const e of got) out.push(Buffer.from(e.record.value!).toString())
    return out
  } finally {
    await spool.close()
  }
}

// Short, so that records expire into the spool soon; long enough that a warm-up send is delivered
// on a loaded machine (an expired warm-up would be spooled too and spoil the counts).
const SHORT = { ...QUICK, requestTimeoutMs: 1_000, deliveryTimeoutMs: 2_000 }

describe('disk spool against the fake broker', () => {
  test('records whose batches expire are spooled, then replayed in order per partition once the broker answers', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    const dir = await tempDir()
    const producer = new Producer({
      ...SHORT,
      bootstrapServers: cluster.bootstrapServers,
      spool: { dir, maxBytes: 8 * 1024 * 1024, on: ['delivery-timeout', 'unreachable'] },
    })
    try {
      await producer.send({ topic: 't', partition: 0, value: 'warm' })
      const removeRule = cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before' })
      const sent = Array.from({ length: 200 }, (_, i) =>
        producer.send({
          topic: 't',
          partition: i % 2,
          key: `k${i}`,
          value: `v-${i}`,
          headers: { i: String(i) },
        }),
      )
      const outcomes = await Promise.all(sent)
      for (const md of outcomes) {
        assert.equal(md.spooled, true)
        assert.equal(md.offset, -1n)
      }
      assert.deepEqual(
        outcomes.map((md: RecordMetadata) => md.partition),
        outcomes.map((_, i) => i % 2),
      )
      const h = producer.health()
      assert.ok(h.spool !== null)
      assert.equal(h.spool.spooledTotal, 200)
      assert.ok(h.spool.depth > 0)
      assert.equal(h.verdict === 'ok', false)
      assert.ok(h.reasons.some((r) => /in the disk spool/.test(r)))
      assert.equal(producer.metrics()['spool-records-spooled-total'], 200)
      assert.ok(values(cluster, 't', 0).every((v) => v === 'warm'))

      removeRule()
      await until(() => producer.health().spool?.depth === 0)
      assert.equal(producer.metrics()['spool-records-replayed-total']! >= 200, true)
      for (const p of [0, 1]) {
        const want = Array.from({ length: 100 }, (_, k) => `v-${2 * k + p}`)
        const got = firstSeen(values(cluster, 't', p).filter((v) => v !== 'warm'))
        assert.deepEqual(got, want, `partition ${p}: every record, in send order`)
        const log = cluster.log('t', p).filter((r) => r.value?.toString() !== 'warm')
        const first = log.find((r) => r.value?.toString() === `v-${p}`)!
        assert.equal(first.key?.toString(), `k${p}`)
      }
      assert.equal(producer.health().verdict, 'ok', producer.health().reasons.join('; '))
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('with the breaker open, refused sends are spooled after the records queued before them, and replayed in send order once it closes', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const dir = await tempDir()
    const producer = new Producer({
      ...SHORT,
      bootstrapServers: cluster.bootstrapServers,
      circuitBreaker: { failureThreshold: 1, cooldownMs: 200 },
      spool: { dir, maxBytes: 8 * 1024 * 1024 },
    })
    try {
      await producer.send({ topic: 't', value: 'warm' })
      const removeRule = cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before' })
      // Queued in batches; their lost requests open the breaker; they expire and are spooled.
      const queued = Array.from({ length: 5 }, (_, i) => producer.send({ topic: 't', value: `q-${i}` }))
      await until(() => producer.health().circuit?.state === 'open')
      // Refused by the breaker (or, if the cooldown has passed, the first one is the probe):
      // spooled once the batches queued before them are done.
      const refused = Array.from({ length: 50 }, (_, i) => producer.send({ topic: 't', value: `c-${i}` }))
      const outcomes = await Promise.all([...queued, ...refused])
      assert.ok(outcomes.every((md) => md.spooled === true && md.offset === -1n))
      assert.equal(producer.metrics()['spool-records-spooled-total'], 55)
      removeRule()
      await until(() => producer.health().spool?.depth === 0 && producer.health().circuit?.state === 'closed')
      assert.deepEqual(
        firstSeen(values(cluster, 't', 0)).filter((v) => v !== 'warm'),
        [...Array.from({ length: 5 }, (_, i) => `q-${i}`), ...Array.from({ length: 50 }, (_, i) => `c-${i}`)],
      )
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('the breaker opening and probing while 20k records are sent to 6 partitions: the spool holds each partition in send order', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 6 }] })
    const dir = await tempDir()
    const producer = new Producer({
      ...QUICK,
      lingerMs: 5,
      requestTimeoutMs: 1_000,
      deliveryTimeoutMs: 3_000,
      circuitBreaker: { failureThreshold: 5, cooldownMs: 200 },
      bootstrapServers: cluster.bootstrapServers,
      spool: { dir, maxBytes: 64 * 1024 * 1024 },
    })
    const n = 20_000
    let settled = 0
    const failed: string[] = []
    try {
      await producer.send({ topic: 't', value: 'warm' })
      cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before' })
      for (let i = 0; i < n; i++) {
        producer.send({ topic: 't', partition: i % 6, value: `r-${i}` }, (err, md) => {
          settled++
          if (err !== null || md?.spooled !== true) failed.push(`r-${i}: ${err?.message ?? 'written'}`)
        })
        // Pauses let the breaker open, cool down and let a probe through, several times.
        if (i % 1000 === 0) await new Promise((r) => setTimeout(r, 50))
      }
      await until(() => settled === n)
      assert.deepEqual(failed.slice(0, 3), [])
    } finally {
      await producer.close()
      await cluster.close()
    }
    const spool = await Spool.open({ dir, maxBytes: 64 * 1024 * 1024, fsync: 'never' })
    try {
      const order: number[][] = Array.from({ length: 6 }, () => [])
      for (let got = await spool.read(5000); got.length > 0; got = await spool.read(5000)) {
        for (const e of got) {
          const v = Buffer.from(e.record.value!).toString()
          if (v.startsWith('r-'))
            order[e.record.partition ?? Number(v.slice(2)) % 6]!.push(Number(v.slice(2)))
        }
      }
      for (const [p, o] of order.entries()) {
        const firsts = [...new Set(o)]
        assert.equal(firsts.length, Math.floor(n / 6) + (p < n % 6 ? 1 : 0), `partition ${p}: every record`)
        for (let k = 1; k < firsts.length; k++)
          assert.ok(firsts[k - 1]! < firsts[k]!, `partition ${p}: r-${firsts[k - 1]} before r-${firsts[k]}`)
      }
    } finally {
      await spool.close()
    }
  })

  test('a newer batch that expires while an older one of its partition is still in flight is spooled after it', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const dir = await tempDir()
    // The older batch's first attempt times out at 1 s and it is sent again; the newer one waits
    // behind it (one request in flight) and expires at 1.5 s, while that second attempt is out.
    const producer = new Producer({
      ...QUICK,
      requestTimeoutMs: 1_000,
      deliveryTimeoutMs: 1_500,
      maxInFlightRequestsPerConnection: 1,
      bootstrapServers: cluster.bootstrapServers,
      spool: { dir, maxBytes: 8 * 1024 * 1024, on: ['delivery-timeout'] },
    })
    const produces = () => cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).length
    try {
      await producer.send({ topic: 't', value: 'warm' })
      cluster.addRule({ apiKey: ApiKey.Produce, noResponse: true })
      const before = produces()
      const older = producer.send({ topic: 't', value: 'a-0' })
      await until(() => produces() > before)
      const newer = [0, 1, 2].map((i) => producer.send({ topic: 't', value: `b-${i}` }))
      const outcomes = await Promise.all([older, ...newer])
      assert.ok(outcomes.every((md) => md.spooled === true))
    } finally {
      await producer.close()
      await cluster.close()
    }
    assert.deepEqual(await spooledValues(dir), ['a-0', 'b-0', 'b-1', 'b-2'])
  })

  test('a probe batch that fails while records refused before it still wait for an older batch is spooled after them', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    const dir = await tempDir()
    const producer = new Producer({
      ...QUICK,
      acks: 1,
      enableIdempotence: false,
      retries: 0,
      // Long enough for a loaded machine: the warm-up's metadata comes within max.block.ms, and the
      // refusals below are sent before the cooldown ends; a-0's request outlasts both.
      maxBlockMs: 2_000,
      requestTimeoutMs: 15_000,
      deliveryTimeoutMs: 15_000,
      circuitBreaker: { failureThreshold: 1, cooldownMs: 3_000 },
      bootstrapServers: cluster.bootstrapServers,
      spool: { dir, maxBytes: 8 * 1024 * 1024 },
    })
    const produces = () => cluster.requests.filter((r) => r.apiKey === ApiKey.Produce).length
    try {
      await producer.send({ topic: 't', value: 'warm' })
      // The older batch's request gets no answer: the records refused below wait for it.
      cluster.addRule({ apiKey: ApiKey.Produce, times: 1, noResponse: true })
      const before = produces()
      const sent = [producer.send({ topic: 't', partition: 0, value: 'a-0' })]
      await until(() => produces() > before)
      // A metadata wait that runs out opens the breaker (its record is spooled too).
      sent.push(producer.send({ topic: 'nowhere', value: 'n-0' }))
      await until(() => producer.health().circuit?.state === 'open')
      for (let i = 0; i < 5; i++) sent.push(producer.send({ topic: 't', partition: 1, value: `r-${i}` }))
      await until(() => producer.health().circuit?.state === 'half-open')
      // The probe's batch, made after those refusals, fails at once; its connection's loss fails
      // the older batch too.
      cluster.addRule({ apiKey: ApiKey.Produce, topic: 't', partition: 1, dropConnection: 'before' })
      sent.push(producer.send({ topic: 't', partition: 1, value: 'b-0' }))
      const outcomes = await Promise.all(sent)
      assert.ok(outcomes.every((md) => md.spooled === true))
    } finally {
      await producer.close()
      await cluster.close()
    }
    const order = await spooledValues(dir)
    assert.deepEqual(
      order.filter((v) => v !== 'a-0' && v !== 'n-0'),
      ['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'b-0'],
    )
    assert.ok(order.indexOf('a-0') < order.indexOf('r-0'), order.join(' '))
  })

  test('a second producer on the same dir is refused at construction; a new one replays what the first left', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const dir = await tempDir()
    const settings = {
      ...SHORT,
      bootstrapServers: cluster.bootstrapServers,
      spool: { dir, maxBytes: 8 * 1024 * 1024 },
    }
    const a = new Producer(settings)
    try {
      assert.throws(
        () => new Producer(settings),
        (err: unknown) =>
          err instanceof SpoolLockedError && /one producer per spool directory/.test(err.message),
      )
      const removeRule = cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before' })
      const spooled = await Promise.all([0, 1, 2].map((i) => a.send({ topic: 't', value: `left-${i}` })))
      assert.ok(spooled.every((md) => md.spooled === true))
      await a.close()
      removeRule()
      const b = new Producer(settings)
      try {
        await until(() => b.health().spool?.depth === 0 && b.health().spool?.open === true)
        assert.deepEqual(firstSeen(values(cluster, 't', 0)), ['left-0', 'left-1', 'left-2'])
      } finally {
        await b.close()
      }
    } finally {
      await a.close()
      await cluster.close()
    }
  })

  test('no broker reachable: records whose metadata never comes are spooled without a partition; a full spool is a SpoolFullError', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const dir = await tempDir()
    const producer = new Producer({
      ...SHORT,
      maxBlockMs: 200,
      bootstrapServers: '127.0.0.1:1',
      spool: { dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024 },
    })
    try {
      const md = await producer.send({ topic: 'nowhere', key: 'k', value: 'v' })
      assert.deepEqual(
        { spooled: md.spooled, partition: md.partition, offset: md.offset },
        { spooled: true, partition: -1, offset: -1n },
      )
      const big = Buffer.alloc(100 * 1024, 1)
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, () => producer.send({ topic: 'nowhere', value: big })),
      )
      const full = outcomes
        .filter((o) => o.status === 'rejected')
        .map((o) => (o as PromiseRejectedResult).reason)
      assert.ok(full.length > 0, 'the 1 MiB spool fills up')
      for (const err of full) {
        assert.ok(err instanceof SpoolFullError, String(err))
        assert.equal(err.code, 'ERR_SPOOL_FULL')
        assert.equal(err.maybeWritten, false)
        assert.ok(err.cause instanceof KafkaError && err.cause.code === 'ERR_METADATA_TIMEOUT')
      }
      assert.ok(producer.health().spool!.bytes <= 1024 * 1024 + 64)
    } finally {
      await producer.close()
    }
  })

  test('a cause left out of spool.on fails the record as before', { timeout: TEST_TIMEOUT }, async () => {
    const dir = await tempDir()
    const producer = new Producer({
      ...SHORT,
      maxBlockMs: 200,
      bootstrapServers: '127.0.0.1:1',
      spool: { dir, maxBytes: 1024 * 1024, on: ['delivery-timeout'] },
    })
    try {
      await assert.rejects(producer.send({ topic: 'nowhere', value: 'v' }), (err: unknown) => {
        assert.ok(err instanceof KafkaError && err.code === 'ERR_METADATA_TIMEOUT')
        return true
      })
      assert.equal(producer.health().spool?.spooledTotal, 0)
    } finally {
      await producer.close()
    }
  })

  test('bytes flipped in the spool left by a producer: the next one reports the damaged entry and replays the others in order', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const dir = await tempDir()
    const settings = { ...SHORT, bootstrapServers: cluster.bootstrapServers }
    const a = new Producer({ ...settings, spool: { dir, maxBytes: 8 * 1024 * 1024 } })
    const removeRule = cluster.addRule({ apiKey: ApiKey.Produce, dropConnection: 'before' })
    try {
      const spooled = await Promise.all(
        Array.from({ length: 30 }, (_, i) => a.send({ topic: 't', value: `d-${i}`.padEnd(40, '.') })),
      )
      assert.ok(spooled.every((md) => md.spooled === true))
    } finally {
      await a.close()
    }
    // The 11th entry's value gets a flipped byte.
    const segment = join(dir, (await readdir(dir)).find((n) => n.endsWith('.seg'))!)
    const bytes = await readFile(segment)
    let at = -1
    for (let k = 0; k < 11; k++) at = bytes.indexOf('SLEN', at + 1)
    const flip = bytes.indexOf('d-10', at)
    bytes[flip + 3] = bytes[flip + 3]! ^ 0x01
    await writeFile(segment, bytes)

    removeRule()
    const logged: string[] = []
    const logger = { error: (_f: Record<string, unknown>, m: string) => logged.push(m) }
    const b = new Producer({ ...settings, logger, spool: { dir, maxBytes: 8 * 1024 * 1024 } })
    try {
      await until(() => b.health().spool?.open === true && b.health().spool?.depth === 0)
      assert.equal(b.metrics()['spool-damaged-total'], 1)
      assert.ok(
        logged.some((m) => /damaged bytes in the spool/.test(m)),
        logged.join('; '),
      )
      const want = Array.from({ length: 30 }, (_, i) => `d-${i}`.padEnd(40, '.')).filter((_, i) => i !== 10)
      assert.deepEqual(firstSeen(values(cluster, 't', 0)), want)
    } finally {
      await b.close()
      await cluster.close()
    }
  })

  test('config: each field is checked, naming it; no spool with transactional.id', () => {
    const base = { bootstrapServers: 'localhost:9092' }
    const bad: [unknown, RegExp][] = [
      [{ maxBytes: 1 << 30 }, /spool\.dir/],
      [{ dir: '/tmp/x' }, /spool\.maxBytes/],
      [{ dir: '/tmp/x', maxBytes: 10 }, /spool\.maxBytes/],
      [{ dir: '/tmp/x', maxBytes: 1 << 30, fsync: 'sometimes' }, /spool\.fsync/],
      [{ dir: '/tmp/x', maxBytes: 1 << 30, on: ['outage'] }, /spool\.on/],
      [{ dir: '/tmp/x', maxBytes: 1 << 30, sizeMb: 3 }, /spool\.sizeMb/],
      ['/tmp/x', /'spool'/],
    ]
    for (const [spool, option] of bad) {
      assert.throws(
        () => new Producer({ ...base, spool } as never),
        (err: unknown) => err instanceof ConfigError && option.test(err.message),
        JSON.stringify(spool),
      )
    }
    assert.throws(
      () => new Producer({ ...base, transactionalId: 'tx', spool: { dir: '/tmp/x', maxBytes: 1 << 30 } }),
      (err: unknown) => err instanceof ConfigError && /outside its transaction/.test(err.message),
    )
  })
})

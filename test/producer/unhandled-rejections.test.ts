/**
 * Promises the producer starts and then stops caring about are still handled: a rejection that
 * comes after the record already failed, or a listener that throws, is never an unhandled
 * rejection (which, under Node's default, ends the user's process).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Producer } from '../../src/producer/producer.js'
import type { Serializer } from '../../src/producer/serializers.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'
import { unhandledDuring } from '../helpers/unhandled.js'

/** A serializer whose prepare() fails `afterMs` later (a registry that refuses), every time. */
function refusingLater(afterMs: number): Serializer {
  const s: Serializer = (data) => (data === null ? null : Buffer.from(String(data)))
  s.prepare = () => sleep(afterMs).then(() => Promise.reject(new Error('the registry refused')))
  return s
}

test('a send that fails after starting a serializer prepare(): the later rejection of that prepare is handled', {
  timeout: TEST_TIMEOUT,
}, async () => {
  const seen = await unhandledDuring(async () => {
    const p = new Producer({
      ...QUICK,
      bootstrapServers: '127.0.0.1:1',
      maxBlockMs: 2_000,
      valueSerializer: refusingLater(30),
    })
    try {
      // A header value that is neither a string nor bytes: the record fails before it waits.
      await assert.rejects(
        p.send({ topic: 't', value: 'v', headers: { n: 5 as unknown as string } }),
        (err: unknown) => err instanceof Error && /header/i.test(err.message),
      )
    } finally {
      await p.close({ timeoutMs: 0 })
    }
  }, 150)
  assert.deepEqual(seen, [])
})

test("one serializer's prepare() throws while the other's is under way: that one's rejection is handled", {
  timeout: TEST_TIMEOUT,
}, async () => {
  const throwing: Serializer = (data) => (data === null ? null : Buffer.from(String(data)))
  throwing.prepare = () => {
    throw new Error('no subject name for this topic')
  }
  const seen = await unhandledDuring(async () => {
    const p = new Producer({
      ...QUICK,
      bootstrapServers: '127.0.0.1:1',
      maxBlockMs: 2_000,
      keySerializer: refusingLater(30),
      valueSerializer: throwing,
    })
    try {
      await assert.rejects(p.send({ topic: 't', key: 'k', value: 'v' }), /no subject name/)
    } finally {
      await p.close({ timeoutMs: 0 })
    }
  }, 150)
  assert.deepEqual(seen, [])
})

test("a 'drain' listener that throws is told as a warning; every record is still delivered", {
  timeout: TEST_TIMEOUT,
}, async () => {
  const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
  const warnings: string[] = []
  const logger = { warn: (_f: Record<string, unknown>, m: string) => warnings.push(m) }
  const total = 5_000
  const errors: (Error | null)[] = []
  let drains = 0
  const seen = await unhandledDuring(async () => {
    const p = new Producer({
      ...QUICK,
      logger,
      bootstrapServers: cluster.bootstrapServers,
      bufferMemory: 64 * 1024,
      batchSize: 16 * 1024,
      lingerMs: 5,
    })
    p.on('drain', () => {
      drains++
      throw new Error('a listener bug')
    })
    const value = Buffer.alloc(100, 0x61)
    try {
      for (let i = 0; i < total; i++) {
        if (!p.send({ topic: 't', value }, (err) => errors.push(err))) {
          const before = drains
          while (drains === before) await sleep(5)
        }
      }
      await p.flush()
    } finally {
      await p.close()
      await cluster.close()
    }
  }, 50)
  assert.deepEqual(seen, [])
  assert.ok(drains > 0, 'the buffer filled and drained at least once')
  assert.equal(errors.length, total)
  assert.deepEqual(
    errors.filter((e) => e !== null),
    [],
  )
  assert.ok(
    warnings.some((m) => /'drain' listener threw/.test(m) && /a listener bug/.test(m)),
    warnings.join('; '),
  )
})

/**
 * The documented bounds hold whatever the network does: send()'s wait to be accepted
 * (metadata + memory) ends at max.block.ms against a server that accepts and never answers, or
 * answers garbage; close() is not held by a record waiting for a topic that does not exist. The
 * checks tell apart bounds far apart (max.block.ms against timeouts 10 and 20 times larger),
 * never a tight wall-clock figure.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { describe, test } from 'node:test'
import { ProducerClosedError, TimeoutError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from './support.js'

/** A TCP server on loopback that does `onSocket` with each connection. */
async function server(
  onSocket: (s: Socket) => void,
): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const srv: Server = createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
    onSocket(s)
  })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    },
  }
}

const MAX_BLOCK_MS = 1000
const REQUEST_TIMEOUT_MS = 20_000
/**
 * Room for a loaded machine's scheduling: the waits it tells apart are max.block.ms (1 s) and
 * socket.connection.setup.timeout.ms (10 s) or request.timeout.ms (20 s), where the wait ended
 * before the fix (9.9 s and 20.7 s).
 */
const SLACK = 5

async function acceptanceTime(bootstrapServers: string): Promise<{ err: unknown; ms: number }> {
  const p = new Producer({
    ...QUICK,
    bootstrapServers,
    maxBlockMs: MAX_BLOCK_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    deliveryTimeoutMs: REQUEST_TIMEOUT_MS,
  })
  const started = performance.now()
  try {
    await p.send({ topic: 't', value: 'v' })
    return { err: null, ms: performance.now() - started }
  } catch (err) {
    return { err, ms: performance.now() - started }
  } finally {
    await p.close({ timeoutMs: 0 })
  }
}

describe('max.block.ms is a bound', () => {
  test('a server that accepts and never answers: ERR_METADATA_TIMEOUT at max.block.ms, not at request.timeout.ms', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const silent = await server(() => {})
    try {
      const { err, ms } = await acceptanceTime(silent.address)
      assert.ok(err instanceof TimeoutError, `got ${err}`)
      assert.equal(err.code, 'ERR_METADATA_TIMEOUT')
      assert.match(err.message, /no broker could be reached to get metadata for topic 't'/)
      assert.ok(ms >= MAX_BLOCK_MS - 50, `not before max.block.ms (${ms} ms)`)
      assert.ok(
        ms < SLACK * MAX_BLOCK_MS,
        `about max.block.ms, not the 10 s connection setup timeout (${ms} ms)`,
      )
    } finally {
      await silent.close()
    }
  })

  test('a server that answers random bytes: ERR_METADATA_TIMEOUT at max.block.ms', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const garbage = await server((s) => {
      s.on('data', () => s.write(randomBytes(64)))
    })
    try {
      const { err, ms } = await acceptanceTime(garbage.address)
      assert.ok(err instanceof TimeoutError, `got ${err}`)
      assert.equal(err.code, 'ERR_METADATA_TIMEOUT')
      assert.ok(ms < SLACK * MAX_BLOCK_MS, `about max.block.ms, not request.timeout.ms (${ms} ms)`)
    } finally {
      await garbage.close()
    }
  })
})

describe('close() and records waiting for metadata', () => {
  test('a record for a topic that does not exist fails with ERR_PRODUCER_CLOSED at close, which is not held', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'real', partitions: 1 }] })
    // max.block.ms far beyond the test's timeout: a close held by the wait would fail the test.
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, maxBlockMs: 120_000 })
    try {
      await p.send({ topic: 'real', value: 'warm' })
      const missing = p.send({ topic: 'missing-x', value: 'v' })
      const real = p.send({ topic: 'real', value: 'still delivered' })
      await p.close()
      await assert.rejects(missing, (err: unknown) => {
        assert.ok(err instanceof ProducerClosedError, `got ${err}`)
        assert.match((err as Error).message, /waited for metadata of topic 'missing-x'.*it does not exist/)
        return true
      })
      const md = await real
      assert.ok(md.offset >= 0n)
    } finally {
      await cluster.close()
    }
  })

  test('records for a topic whose metadata is on its way when close() begins are delivered', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 'cold', partitions: 2 }] })
    const p = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      const sends = Array.from({ length: 50 }, (_, i) => p.send({ topic: 'cold', value: `v${i}` }))
      await p.close() // at once: no metadata yet
      const mds = await Promise.all(sends)
      assert.equal(mds.length, 50)
      assert.equal(cluster.log('cold', 0).length + cluster.log('cold', 1).length, 50)
    } finally {
      await cluster.close()
    }
  })
})

/** acks=0 against the fake: the broker sends no response; records still land, in order. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import {
  assertAllFulfilled,
  fulfilled,
  logValues,
  QUICK,
  records,
  sendAll,
  TEST_TIMEOUT,
  waitFor,
} from './support.js'

describe('acks=0', () => {
  test('no response is expected: sends resolve with offset -1, every record reaches the log once, in order', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }] })
    // acks=0 turns the default idempotence off, as in Java.
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      acks: 0,
      batchSize: 300,
    })
    try {
      const sent = await sendAll(producer, records('t', 'fire', 100, [0, 1]))
      assertAllFulfilled(sent)
      for (const s of fulfilled(sent)) {
        assert.equal(s.md.offset, -1n, `offset of ${s.value}`)
        assert.equal(s.md.partition, s.partition)
      }
      for (const p of [0, 1]) {
        const want = sent.filter((s) => s.partition === p).map((s) => s.value)
        await waitFor(() => cluster.log('t', p).length >= want.length, `${want.length} records in t-${p}`)
        assert.deepEqual(logValues(cluster, 't', p), want, `t-${p} holds each record once, in send order`)
        assert.ok(
          cluster.log('t', p).every((r) => r.producerId === -1n && r.sequence === -1),
          'no idempotence',
        )
      }
      const produces = cluster.requests.filter((r) => r.apiKey === ApiKey.Produce)
      assert.ok(produces.length > 1)
      assert.ok(
        produces.every((r) => r.acks === 0),
        'every Produce had acks=0',
      )
      assert.equal(cluster.broker(0).connectionCount, 1, 'no request waited for an answer and timed out')
      assert.equal(producer.metrics()['record-send-total'], 100)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

/**
 * The diagnostics channels against the fake broker: one send trace per record (start, end, then
 * error / asyncStart / asyncEnd as it settles, on both send paths), headers added by a start
 * subscriber reach the log, and batch / request / response / retry / error events.
 */
import assert from 'node:assert/strict'
import { channel, tracingChannel } from 'node:diagnostics_channel'
import { describe, test } from 'node:test'
import { CHANNELS, type SendContext } from '../src/index.js'
import { Producer } from '../src/producer/producer.js'
import { startFakeCluster } from './fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from './faults/support.js'

describe('diagnostics channels', () => {
  test('a trace per record on both send paths; headers from start; batch, request, response, retry and error events', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      brokers: 1,
      topics: [
        { name: 'ok', partitions: 1 },
        { name: 'bad', partitions: 1 },
      ],
    })
    cluster.failPartition('ok', 0, 6) // NOT_LEADER_OR_FOLLOWER once: one retry
    cluster.failPartition('bad', 0, 87, { times: Number.POSITIVE_INFINITY }) // INVALID_RECORD: fatal
    const events: string[] = []
    const label = (ctx: SendContext) => String(ctx.record.value)
    const send = tracingChannel<SendContext>(CHANNELS.send)
    const handlers = {
      start: (ctx: SendContext) => {
        events.push(`start ${label(ctx)}`)
        ctx.addHeader('traceparent', `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`)
        ctx.startedAt = 'here'
      },
      end: (ctx: SendContext) => events.push(`end ${label(ctx)}`),
      asyncStart: (ctx: SendContext) =>
        events.push(
          `asyncStart ${label(ctx)} ${ctx.result === undefined ? '-' : `offset ${ctx.result.offset}`}`,
        ),
      asyncEnd: (ctx: SendContext) => events.push(`asyncEnd ${label(ctx)} ${String(ctx.startedAt)}`),
      error: (ctx: SendContext) =>
        events.push(`error ${label(ctx)} ${(ctx.error as { code?: string }).code}`),
    }
    send.subscribe(handlers)
    const other: Record<string, unknown[]> = { batch: [], request: [], response: [], retry: [], error: [] }
    const listeners = Object.keys(other).map((name) => {
      const fn = (message: unknown) => other[name]!.push(message)
      channel(CHANNELS[name as keyof typeof CHANNELS]).subscribe(fn)
      return () => channel(CHANNELS[name as keyof typeof CHANNELS]).unsubscribe(fn)
    })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      clientId: 'dc',
      lingerMs: 0,
    })
    try {
      await producer.send({ topic: 'ok', partition: 0, value: 'p1', headers: { own: 'x' } })
      await new Promise<void>((resolve, reject) =>
        producer.send({ topic: 'ok', partition: 0, value: 'c1' }, (err) =>
          err === null ? resolve() : reject(err),
        ),
      )
      await assert.rejects(producer.send({ topic: 'bad', partition: 0, value: 'b1' }))
    } finally {
      send.unsubscribe(handlers)
      for (const off of listeners) off()
      await producer.close()
      await cluster.close()
    }
    assert.deepEqual(events, [
      'start p1',
      'end p1',
      'asyncStart p1 offset 0',
      'asyncEnd p1 here',
      'start c1',
      'end c1',
      'asyncStart c1 offset 1',
      'asyncEnd c1 here',
      'start b1',
      'end b1',
      'error b1 INVALID_RECORD',
      'asyncStart b1 -',
      'asyncEnd b1 here',
    ])
    // The header a subscriber added is on the record, after the record's own.
    const [first] = cluster.log('ok', 0)
    assert.deepEqual(
      first!.headers.map((h) => [h.key, h.value?.toString()]),
      [
        ['own', 'x'],
        ['traceparent', `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`],
      ],
    )
    assert.equal(other.retry!.length, 1)
    assert.deepEqual(
      (({ clientId, topic, partition, records, attempt }) => ({
        clientId,
        topic,
        partition,
        records,
        attempt,
      }))(other.retry![0] as Record<string, unknown>),
      { clientId: 'dc', topic: 'ok', partition: 0, records: 1, attempt: 1 },
    )
    assert.equal(other.error!.length, 1)
    assert.equal((other.error![0] as { topic: string }).topic, 'bad')
    // Batches: p1 twice (first try and retry), c1, b1; one request and one response each.
    assert.deepEqual(
      other.batch!.map(
        (b) => (b as { topic: string; attempt: number }).topic + (b as { attempt: number }).attempt,
      ),
      ['ok1', 'ok2', 'ok1', 'bad1'],
    )
    assert.equal(other.request!.length, 4)
    assert.equal(other.response!.length, 4)
    for (const r of other.response as { node: string; latencyMs: number; records: number }[]) {
      assert.equal(r.node, 'node-0')
      assert.ok(r.latencyMs >= 0 && r.records === 1)
    }
  })

  test('without subscribers nothing is published and the record goes out as it is', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      assert.equal(tracingChannel(CHANNELS.send).hasSubscribers, false)
      await producer.send({ topic: 't', value: 'v', headers: [['a', 'b']] })
      assert.deepEqual(
        cluster.log('t', 0)[0]!.headers.map((h) => h.key),
        ['a'],
      )
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

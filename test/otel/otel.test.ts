/**
 * sluice/otel with the OpenTelemetry SDK's in-memory exporter, against the fake broker: a
 * PRODUCER span per record with the messaging attributes, the caller's span as parent, the
 * W3C traceparent of the span in the record's headers, errors on the span, sendBatch's size.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { instrumentSluice } from '../../src/otel/index.js'
import { Producer } from '../../src/producer/producer.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const contextManager = new AsyncLocalStorageContextManager()

before(() => {
  context.setGlobalContextManager(contextManager.enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
})
after(() => {
  context.disable()
  propagation.disable()
})

describe('sluice/otel', () => {
  test('a PRODUCER span per record, child of the caller, traceparent in the headers, offsets and errors', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      brokers: 1,
      topics: [
        { name: 'orders', partitions: 2 },
        { name: 'bad', partitions: 1 },
      ],
    })
    cluster.failPartition('bad', 0, 87, { times: Number.POSITIVE_INFINITY }) // INVALID_RECORD
    const uninstall = instrumentSluice({ tracerProvider: provider })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      clientId: 'otel-test',
    })
    const parent = provider.getTracer('test').startSpan('handle request')
    try {
      await context.with(trace.setSpan(context.active(), parent), async () => {
        await producer.send({ topic: 'orders', partition: 1, key: 'order-1', value: 'a' })
        await assert.rejects(producer.send({ topic: 'bad', value: 'b' }))
      })
      const results = await producer.sendBatch([
        { topic: 'orders', partition: 0, value: 'c' },
        { topic: 'orders', partition: 0, value: 'd' },
        { topic: 'orders', partition: 0, value: 'e' },
      ])
      assert.ok(results.every((r) => r.status === 'fulfilled'))
    } finally {
      parent.end()
      uninstall()
      await producer.close()
      await cluster.close()
    }
    const spans = exporter.getFinishedSpans().filter((s) => s.name !== 'handle request')
    assert.equal(spans.length, 5)
    const [first, failed, ...batch] = spans
    assert.equal(first!.name, 'send orders')
    assert.equal(first!.kind, SpanKind.PRODUCER)
    assert.equal(first!.parentSpanContext?.spanId, parent.spanContext().spanId)
    assert.equal(first!.spanContext().traceId, parent.spanContext().traceId)
    assert.deepEqual(first!.attributes, {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'orders',
      'messaging.client.id': 'otel-test',
      'messaging.destination.partition.id': '1',
      'messaging.kafka.message.key': 'order-1',
      'messaging.kafka.offset': 0,
    })
    assert.equal(first!.status.code, SpanStatusCode.UNSET)
    // The consumer side can continue the trace from the record's traceparent.
    const record = cluster.log('orders', 1)[0]!
    const traceparent = record.headers.find((h) => h.key === 'traceparent')?.value?.toString()
    assert.equal(traceparent, `00-${first!.spanContext().traceId}-${first!.spanContext().spanId}-01`)

    assert.equal(failed!.name, 'send bad')
    assert.equal(failed!.status.code, SpanStatusCode.ERROR)
    assert.equal(failed!.attributes['error.type'], 'INVALID_RECORD')
    assert.equal(failed!.events[0]?.name, 'exception')
    assert.equal(failed!.parentSpanContext?.spanId, parent.spanContext().spanId)

    assert.deepEqual(
      batch.map((s) => [
        s.attributes['messaging.batch.message_count'],
        s.attributes['messaging.kafka.offset'],
      ]),
      [
        [3, 0],
        [3, 1],
        [3, 2],
      ],
    )
    assert.ok(
      batch.every((s) => s.parentSpanContext === undefined),
      'no active span: root spans',
    )
  })

  test("a send callback runs in the caller's context, as a promise continuation does", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    exporter.reset()
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const uninstall = instrumentSluice({ tracerProvider: provider })
    // lingerMs: the two records share a batch, so both callbacks run from one broker answer.
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers, lingerMs: 50 })
    const tracer = provider.getTracer('test')
    const a = tracer.startSpan('request a')
    const b = tracer.startSpan('request b')
    const seen = (span: typeof a) =>
      context.with(
        trace.setSpan(context.active(), span),
        () =>
          new Promise<string | undefined>((resolve, reject) =>
            producer.send({ topic: 't', partition: 0, value: 'v' }, (err) =>
              err === null ? resolve(trace.getActiveSpan()?.spanContext().spanId) : reject(err),
            ),
          ),
      )
    try {
      const [inA, inB] = await Promise.all([seen(a), seen(b)])
      assert.equal(inA, a.spanContext().spanId)
      assert.equal(inB, b.spanContext().spanId)
    } finally {
      a.end()
      b.end()
      uninstall()
      await producer.close()
      await cluster.close()
    }
  })

  test('uninstalled, nothing is traced and no header is added', { timeout: TEST_TIMEOUT }, async () => {
    exporter.reset()
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const uninstall = instrumentSluice({ tracerProvider: provider, propagate: false })
    const producer = new Producer({ ...QUICK, bootstrapServers: cluster.bootstrapServers })
    try {
      await producer.send({ topic: 't', value: 'traced, not propagated' })
      uninstall()
      await producer.send({ topic: 't', value: 'not traced' })
    } finally {
      await producer.close()
      await cluster.close()
    }
    assert.equal(exporter.getFinishedSpans().length, 1)
    assert.deepEqual(
      cluster.log('t', 0).map((r) => r.headers.length),
      [0, 0],
    )
  })
})

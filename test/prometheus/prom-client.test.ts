/**
 * sluice/prometheus: prom-client collectors that read the producers' metrics at scrape time.
 * Against the fake broker, with ten 17-byte records in one 231-byte batch (see
 * test/metrics/known-workload.ts for the arithmetic).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Registry } from 'prom-client'
import { Producer } from '../../src/producer/producer.js'
import { registerProducerMetrics } from '../../src/prometheus/index.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'
import { tenRecords } from '../metrics/known-workload.js'

type Json = Awaited<ReturnType<Registry['getMetricsAsJSON']>>

function value(json: Json, name: string, labels: Record<string, string>): number | undefined {
  const family = json.find((f) => f.name === name)
  assert.ok(family !== undefined, `no family ${name}`)
  const v = (family.values as { labels: Record<string, string | number>; value: number }[]).find((x) =>
    Object.entries(labels).every(([k, want]) => x.labels[k] === want),
  )
  return v?.value
}

describe('sluice/prometheus', () => {
  test('two producers in one registry: counters and gauges per client_id, topic and node_id, read at scrape time', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const registry = new Registry()
    const a = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      clientId: 'a',
      lingerMs: 5000,
    })
    const b = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      clientId: 'b',
      lingerMs: 5000,
    })
    const offA = registerProducerMetrics(a, { registry })
    const offB = registerProducerMetrics(b, { registry })
    try {
      let json = await registry.getMetricsAsJSON()
      assert.equal(value(json, 'kafka_producer_record_send_total', { client_id: 'a' }), 0)
      assert.equal(json.find((f) => f.name === 'kafka_producer_record_send_total')?.type, 'counter')
      assert.equal(json.find((f) => f.name === 'kafka_producer_record_send_rate')?.type, 'gauge')

      await tenRecords(a, 't')
      await tenRecords(b, 't')
      await tenRecords(b, 't')
      json = await registry.getMetricsAsJSON()
      assert.equal(value(json, 'kafka_producer_record_send_total', { client_id: 'a' }), 10)
      assert.equal(value(json, 'kafka_producer_record_send_total', { client_id: 'b' }), 20)
      assert.equal(value(json, 'kafka_producer_topic_byte_total', { client_id: 'a', topic: 't' }), 231)
      assert.equal(value(json, 'kafka_producer_topic_byte_total', { client_id: 'b', topic: 't' }), 462)
      assert.equal(value(json, 'kafka_producer_batch_size_max', { client_id: 'b' }), 231)
      assert.equal(value(json, 'kafka_producer_record_size_max', { client_id: 'a' }), 17)
      const latency = value(json, 'kafka_producer_node_request_latency_max', {
        client_id: 'a',
        node_id: 'node-0',
      })
      assert.equal(latency, a.metrics()['request-latency-max'])
      // Every metric of both producers is a sample, and nothing else is.
      const samples = json.reduce((n, f) => n + f.values.length, 0)
      assert.equal(samples, a.allMetrics().length + b.allMetrics().length)
      const text = await registry.metrics()
      assert.match(text, /^kafka_producer_record_send_total\{client_id="b"\} 20$/m)

      offA()
      json = await registry.getMetricsAsJSON()
      assert.equal(
        value(json, 'kafka_producer_record_send_total', { client_id: 'a' }),
        undefined,
        'a is gone',
      )
      assert.equal(value(json, 'kafka_producer_record_send_total', { client_id: 'b' }), 20)
      offB()
      assert.deepEqual(await registry.getMetricsAsJSON(), [], 'the collectors went with the last producer')
      // And the registry takes producers again afterwards.
      const offAgain = registerProducerMetrics(a, { registry, prefix: 'orders_kafka_' })
      json = await registry.getMetricsAsJSON()
      assert.equal(value(json, 'orders_kafka_record_send_total', { client_id: 'a' }), 10)
      assert.throws(() => registerProducerMetrics(b, { registry }), /prefix 'orders_kafka_'/)
      offAgain()
    } finally {
      await a.close()
      await b.close()
      await cluster.close()
    }
  })
})

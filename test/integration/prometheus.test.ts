/**
 * metricsText() served over HTTP while producing to a real broker, scraped and read by the
 * Prometheus project's own OpenMetrics parser: the text obeys the format, and its values are the
 * metrics' (the delivered records counted by Kafka's own reader too).
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { OPENMETRICS_CONTENT_TYPE, Producer } from '../../src/index.js'
import { registerProducerMetrics } from '../../src/prometheus/index.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { type ParsedFamily, parseOpenMetrics, parsePrometheusText } from '../helpers/openmetrics-parser.js'
import { scrape } from '../helpers/scrape.js'

function sample(families: ParsedFamily[], name: string, labels: Record<string, string>): number | string {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value
    }
  }
  assert.fail(`no sample ${name} ${JSON.stringify(labels)}`)
}

test('a scrape of metricsText() parses as OpenMetrics and holds the producer metrics', async () => {
  const topic = uniqueTopic('prometheus')
  await createTopic(topic, 3)
  const producer = new Producer({ bootstrapServers: testBootstrap(), clientId: 'prom-test', lingerMs: 5 })
  const registry = new Registry()
  const unregister = registerProducerMetrics(producer, { registry })
  const server = createServer((req, res) => {
    if (req.url === '/prom-client') {
      registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType })
        res.end(text)
      })
      return
    }
    res.writeHead(200, { 'content-type': OPENMETRICS_CONTENT_TYPE })
    res.end(producer.metricsText())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  try {
    // A scrape before any record: the averages without data are NaN, which the format allows.
    const before = await parseOpenMetrics((await scrape(port)).body)
    assert.equal(sample(before, 'kafka_producer_record_send_total', { client_id: 'prom-test' }), 0)
    assert.equal(sample(before, 'kafka_producer_batch_size_avg', { client_id: 'prom-test' }), 'NaN')

    await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.send({ topic, key: `k${i}`, value: `v${i}` })),
    )
    const { contentType, body } = await scrape(port)
    assert.equal(contentType, OPENMETRICS_CONTENT_TYPE)
    const families = await parseOpenMetrics(body)
    const all = producer.allMetrics()
    const types = new Map(families.map((f) => [f.name, f.type]))
    assert.equal(types.get('kafka_producer_record_send'), 'counter')
    assert.equal(types.get('kafka_producer_record_send_rate'), 'gauge')
    assert.equal(types.get('kafka_producer_topic_byte'), 'counter')
    assert.equal(types.get('kafka_producer_node_request_latency_avg'), 'gauge')
    const client = { client_id: 'prom-test' }
    // record-send counts every Produce request's records: a retried batch (a fresh topic's first
    // NOT_LEADER_OR_FOLLOWER, say) counts again, as in Java.
    const retried = Number(sample(families, 'kafka_producer_record_retry_total', client))
    assert.equal(sample(families, 'kafka_producer_record_send_total', client), 300 + retried)
    assert.equal(
      sample(families, 'kafka_producer_topic_record_send_total', { ...client, topic }),
      300 + Number(sample(families, 'kafka_producer_topic_record_retry_total', { ...client, topic })),
    )
    assert.equal(sample(families, 'kafka_producer_record_error_total', client), 0)
    const bytes = all.find(
      (m) => m.group === 'producer-topic-metrics' && m.name === 'byte-total' && m.tags.topic === topic,
    )
    assert.equal(sample(families, 'kafka_producer_topic_byte_total', { ...client, topic }), bytes!.value)
    // One sample per metric, nothing lost or doubled on the way.
    assert.equal(
      families.reduce((n, f) => n + f.samples.length, 0),
      all.length,
    )
    // The same through prom-client, in Prometheus' text format.
    const viaClient = await parsePrometheusText((await scrape(port, '/prom-client')).body)
    assert.equal(sample(viaClient, 'kafka_producer_record_send_total', client), 300 + retried)
    assert.equal(sample(viaClient, 'kafka_producer_topic_byte_total', { ...client, topic }), bytes!.value)
    assert.equal(
      viaClient.reduce((n, f) => n + f.samples.length, 0),
      all.length,
    )
    const read = await readTopic(testBootstrap(), topic)
    assert.equal(read.length, 300, "Kafka's reader finds each record once")
  } finally {
    unregister()
    server.close()
    await producer.close()
  }
})

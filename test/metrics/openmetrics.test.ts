/** The OpenMetrics text: names, types, labels, escaping and the special values, by hand. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { toOpenMetrics } from '../../src/metrics/openmetrics.js'

const metric = (
  group: string,
  name: string,
  tags: Record<string, string>,
  value: number,
  description = 'd',
) => ({
  group,
  name,
  tags,
  description,
  value,
})

describe('toOpenMetrics', () => {
  test('counters from -total, gauges otherwise; families grouped, labels sorted; # EOF last', () => {
    const text = toOpenMetrics([
      metric(
        'producer-metrics',
        'record-send-total',
        { 'client-id': 'c' },
        10,
        'The total number of records sent.',
      ),
      metric('producer-metrics', 'record-send-rate', { 'client-id': 'c' }, 0.5),
      metric('producer-topic-metrics', 'record-send-total', { topic: 't1', 'client-id': 'c' }, 4),
      metric(
        'producer-node-metrics',
        'request-latency-avg',
        { 'node-id': 'node-1', 'client-id': 'c' },
        Number.NaN,
      ),
      metric('producer-topic-metrics', 'record-send-total', { topic: 't2', 'client-id': 'c' }, 6),
    ])
    assert.equal(
      text,
      [
        '# TYPE kafka_producer_record_send counter',
        '# HELP kafka_producer_record_send The total number of records sent.',
        'kafka_producer_record_send_total{client_id="c"} 10',
        '# TYPE kafka_producer_record_send_rate gauge',
        '# HELP kafka_producer_record_send_rate d',
        'kafka_producer_record_send_rate{client_id="c"} 0.5',
        '# TYPE kafka_producer_topic_record_send counter',
        '# HELP kafka_producer_topic_record_send d',
        'kafka_producer_topic_record_send_total{client_id="c",topic="t1"} 4',
        'kafka_producer_topic_record_send_total{client_id="c",topic="t2"} 6',
        '# TYPE kafka_producer_node_request_latency_avg gauge',
        '# HELP kafka_producer_node_request_latency_avg d',
        'kafka_producer_node_request_latency_avg{client_id="c",node_id="node-1"} NaN',
        '# EOF',
        '',
      ].join('\n'),
    )
  })

  test('label values and help text are escaped; infinities are +Inf / -Inf', () => {
    const text = toOpenMetrics([
      metric(
        'producer-topic-metrics',
        'byte-rate',
        { topic: 'a"b\\c\nd' },
        Number.POSITIVE_INFINITY,
        'line\\one\ntwo',
      ),
      metric('producer-metrics', 'x-max', {}, Number.NEGATIVE_INFINITY),
    ])
    assert.ok(text.includes('# HELP kafka_producer_topic_byte_rate line\\\\one\\ntwo\n'))
    assert.ok(text.includes('kafka_producer_topic_byte_rate{topic="a\\"b\\\\c\\nd"} +Inf\n'))
    assert.ok(text.includes('kafka_producer_x_max -Inf\n'))
  })
})

/**
 * The sampled stats against hand computations of Kafka's arithmetic (SampledStat, Rate.windowSize):
 * window 1000 ms, 2 samples, explicit times.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MetricsRegistry, metricKey } from '../../src/metrics/registry.js'
import { Cumulative, LastValue, Rate, SampledStat } from '../../src/metrics/stats.js'

const CONFIG = { windowMs: 1000, samples: 2 }

describe('SampledStat', () => {
  test('avg and max are NaN before any value, as in Java', () => {
    assert.ok(Number.isNaN(new SampledStat('avg', CONFIG).measure(0)))
    assert.ok(Number.isNaN(new SampledStat('max', CONFIG).measure(0)))
    assert.equal(new SampledStat('sum', CONFIG).measure(0), 0)
  })

  test('avg over two samples: (2 + 4 + 9) / 3', () => {
    const avg = new SampledStat('avg', CONFIG)
    avg.record(2, 0)
    avg.record(4, 500)
    avg.record(9, 1200) // a new sample: the first one's window ended at 1000
    assert.equal(avg.measure(1500), 5)
  })

  test('a third window reuses the oldest sample: 5 and 7 then 9 leaves 7 + 9', () => {
    const sum = new SampledStat('sum', CONFIG)
    sum.record(5, 0)
    sum.record(7, 1000)
    sum.record(9, 2000) // sample 0 is reset at 2000
    assert.equal(sum.measure(2500), 16)
  })

  test('samples older than samples x window are purged before measuring', () => {
    const sum = new SampledStat('sum', CONFIG)
    sum.record(5, 0)
    sum.record(7, 1000)
    assert.equal(sum.measure(1999), 12)
    assert.equal(sum.measure(2000), 7, 'the sample begun at 0 is 2000 ms old')
    assert.equal(sum.measure(3000), 0)
  })

  test('max keeps the largest within the samples; a negative value is a maximum too', () => {
    const max = new SampledStat('max', CONFIG)
    max.record(-3, 0)
    assert.equal(max.measure(10), -3)
    max.record(8, 100)
    max.record(2, 1100)
    assert.equal(max.measure(1200), 8)
    assert.equal(max.measure(2100), 2, 'the 8 aged out with its sample')
  })

  test('count counts recordings, not values', () => {
    const count = new SampledStat('count', CONFIG)
    count.record(100, 0)
    count.record(100, 10)
    assert.equal(count.measure(20), 2)
  })
})

describe('Rate', () => {
  test('less than samples-1 full windows elapsed: the missing windows are added (30 / 1.1 s)', () => {
    const rate = new Rate(CONFIG)
    rate.record(10, 0)
    rate.record(20, 50)
    // elapsed 100 ms: 0 full windows < 1, so the window counts 100 + 1000 ms.
    assert.equal(rate.windowSizeMs(100), 1100)
    assert.equal(rate.measure(100), 30 / 1.1)
  })

  test('one full window elapsed: 30 over 1 s', () => {
    const rate = new Rate(CONFIG)
    rate.record(10, 0)
    rate.record(20, 500)
    assert.equal(rate.measure(1000), 30)
  })

  test('after a roll-over: 7 + 9 over the 1500 ms since the oldest live sample began', () => {
    const rate = new Rate(CONFIG)
    rate.record(5, 0)
    rate.record(7, 1000)
    rate.record(9, 2000)
    assert.equal(rate.windowSizeMs(2500), 1500)
    assert.equal(rate.measure(2500), 16 / 1.5)
  })

  test('a count rate: 4 recordings over 2 s', () => {
    const rate = new Rate({ windowMs: 1000, samples: 3 }, { count: true })
    for (const t of [0, 300, 900, 1500]) rate.record(1000, t)
    assert.equal(rate.measure(2000), 2)
  })

  test('a ratio of times: 0.5 s of nanoseconds waited per second is 0.5', () => {
    const ratio = new Rate(CONFIG, { unitMs: 1e-6 })
    ratio.record(5e8, 0)
    assert.equal(ratio.measure(1000), 0.5)
  })

  test('nothing recorded: 0, and the window is never 0 ms', () => {
    const rate = new Rate({ windowMs: 1000, samples: 1 })
    assert.equal(rate.measure(0), 0)
    assert.equal(rate.windowSizeMs(0), 1)
  })
})

describe('cumulative and last value', () => {
  test('a cumulative sum or count never forgets', () => {
    const sum = new Cumulative()
    const count = new Cumulative({ count: true })
    for (const v of [3, 4, 5]) {
      sum.record(v)
      count.record(v)
    }
    assert.equal(sum.measure(), 12)
    assert.equal(count.measure(), 3)
  })

  test('last value', () => {
    const v = new LastValue()
    assert.ok(Number.isNaN(v.measure()))
    v.record(4)
    v.record(2)
    assert.equal(v.measure(), 2)
  })
})

describe('MetricsRegistry', () => {
  test('a sensor records into each stat; a meter is a rate and a total; parents record too', () => {
    let now = 0
    const r = new MetricsRegistry(CONFIG, () => now)
    const parent = r.sensor('g', { 'client-id': 'c' }).meter('b', 'rate', 'total')
    const child = r
      .sensor('g-node', { 'client-id': 'c', 'node-id': 'node-1' }, [parent])
      .avg('x-avg', 'avg')
      .max('x-max', 'max')
    child.record(4, 0)
    child.record(6, 100)
    now = 1000
    assert.equal(r.value('g-node', 'x-avg', { 'client-id': 'c', 'node-id': 'node-1' }), 5)
    assert.equal(r.value('g-node', 'x-max', { 'node-id': 'node-1', 'client-id': 'c' }), 6)
    assert.equal(r.value('g', 'b-total', { 'client-id': 'c' }), 10)
    assert.equal(r.value('g', 'b-rate', { 'client-id': 'c' }), 10)
    assert.deepEqual(
      r.snapshot().map((m) => metricKey(m)),
      [
        'g:b-rate:{client-id=c}',
        'g:b-total:{client-id=c}',
        'g-node:x-avg:{client-id=c, node-id=node-1}',
        'g-node:x-max:{client-id=c, node-id=node-1}',
      ],
    )
  })

  test('the same metric twice is a bug, refused', () => {
    const r = new MetricsRegistry(CONFIG)
    r.register({ name: 'a', group: 'g', tags: {}, description: '' }, () => 1)
    assert.throws(
      () => r.register({ name: 'a', group: 'g', tags: {}, description: '' }, () => 2),
      /already registered/,
    )
  })
})

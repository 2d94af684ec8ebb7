import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  BuiltInPartitioner,
  type BuiltInPartitionerOptions,
  type LoadStatsCluster,
  type LoadStatsQueue,
} from '../../src/producer/partitioner.js'
import { partitionForKey } from '../../src/protocol/murmur2.js'

/** A seeded generator of integers in [0, 2^31) (mulberry32), so distributions are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) >>> 1
  }
}

/** Returns the given values in turn (then fails: a test must not draw more than it planned). */
function scripted(values: number[]): () => number {
  let i = 0
  return () => {
    assert.ok(i < values.length, 'drew more random numbers than scripted')
    return values[i++]!
  }
}

function cluster(leaders: Record<string, number[]>, brokers = [1, 2, 3]): LoadStatsCluster {
  const ids = new Set(brokers)
  return {
    topic: (name) => {
      const l = leaders[name]
      return l === undefined ? undefined : { partitions: l.map((leader) => ({ leader })) }
    },
    brokers: { has: (id) => ids.has(id) },
  }
}

function queues(topic: string, sizes: number[]): LoadStatsQueue[] {
  return sizes.map((n, partition) => ({ topic, partition, waitingCount: n }))
}

/** Forces a new sticky choice `n` times and counts where it lands. */
function draws(p: BuiltInPartitioner, partitions: number, n: number, available: number[]): number[] {
  const counts = new Array<number>(partitions).fill(0)
  for (let i = 0; i < n; i++) {
    const sticky = p.partition('t', null, partitions, available)
    counts[sticky]!++
    p.onAppend('t', sticky, 100, partitions, available, true)
  }
  return counts
}

/** A partitioner that already knows topics `t`, `a` and `b` (load stats skip unknown topics). */
function make(batchSize: number, options: BuiltInPartitionerOptions = {}): BuiltInPartitioner {
  const p = new BuiltInPartitioner(batchSize, false, options)
  for (const topic of ['t', 'a', 'b']) p.updatePartitionLoadStats(topic, null, [])
  return p
}

test('keyed records use murmur2, whatever the sticky state and load stats', () => {
  const p = make(100, { random: scripted([5]) })
  p.updatePartitionLoadStats(
    't',
    [0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  )
  assert.equal(p.partition('t', null, 12, []), 0)
  for (let i = 0; i < 50; i++) {
    const key = Buffer.from(`order-${i}`)
    assert.equal(p.partition('t', key, 12, []), partitionForKey(key, 12))
  }
})

test('partitioner.ignore.keys sends keyed records to the sticky partition', () => {
  const p = new BuiltInPartitioner(100, true, { random: scripted([7]) })
  const a = p.partition('t', Buffer.from('a'), 50, [])
  assert.equal(a, 7)
  for (let i = 0; i < 20; i++) assert.equal(p.partition('t', Buffer.from(`k${i}`), 50, []), a)
})

test('the sticky partition switches once batch.size bytes were produced to it', () => {
  // Uniform choice (no load stats): available[random % available.length].
  const p = make(1000, { random: scripted([4, 2]) })
  const available = [1, 3, 5]
  assert.equal(p.partition('t', null, 6, available), 3)
  p.onAppend('t', 3, 600, 6, available)
  assert.equal(p.partition('t', null, 6, available), 3)
  p.onAppend('t', 3, 399, 6, available)
  assert.equal(p.partition('t', null, 6, available), 3, '999 bytes: not yet')
  p.onAppend('t', 3, 1, 6, available)
  assert.equal(p.partition('t', null, 6, available), 5, '1000 bytes: switched')
  assert.equal(p.stickyPartition('t'), 5)
})

test('appends to other partitions do not count towards the switch', () => {
  const p = make(100, { random: scripted([0]) })
  assert.equal(p.partition('t', null, 4, [0, 1, 2, 3]), 0)
  p.onAppend('t', 2, 1000, 4, [0, 1, 2, 3])
  p.onAppend('other', 0, 1000, 4, [0, 1, 2, 3])
  assert.equal(p.partition('t', null, 4, [0, 1, 2, 3]), 0)
})

test('without available partitions the choice is among all partitions', () => {
  const p = make(10, { random: scripted([13]) })
  assert.equal(p.partition('t', null, 5, []), 3)
})

test('the switch waits while the last batch is not full, and happens at 2 x batch.size regardless', () => {
  let full = false
  const asked: string[] = []
  const p = make(1000, {
    random: scripted([0, 1, 2, 3]),
    allBatchesFull: (topic, partition) => {
      asked.push(`${topic}-${partition}`)
      return full
    },
  })
  const available = [0, 1, 2, 3]
  assert.equal(p.partition('t', null, 4, available), 0)
  p.onAppend('t', 0, 1200, 4, available)
  assert.equal(p.partition('t', null, 4, available), 0, 'held back: the batch is still filling')
  p.onAppend('t', 0, 700, 4, available)
  assert.equal(p.partition('t', null, 4, available), 0, '1900 bytes, still held back')
  p.onAppend('t', 0, 100, 4, available)
  assert.equal(p.partition('t', null, 4, available), 1, '2000 bytes: switched')
  assert.ok(asked.every((a) => a === 't-0'))

  // The held-back switch completes on the next record once the batch is full or drained.
  p.onAppend('t', 1, 1500, 4, available)
  assert.equal(p.partition('t', null, 4, available), 1)
  full = true
  assert.equal(p.partition('t', null, 4, available), 2, 'deferred switch')
  // enableSwitch given explicitly wins over the predicate.
  full = false
  p.onAppend('t', 2, 1000, 4, available, true)
  assert.equal(p.partition('t', null, 4, available), 3)
})

test('the predicate is not consulted below batch.size (cheap hot path)', () => {
  let calls = 0
  const p = make(1000, {
    random: scripted([0]),
    allBatchesFull: () => {
      calls++
      return true
    },
  })
  for (let i = 0; i < 9; i++) {
    p.partition('t', null, 2, [0, 1])
    p.onAppend('t', 0, 100, 2, [0, 1])
  }
  assert.equal(calls, 0)
})

test('load stats: queue sizes 0 3 1 give the table 4 5 8 (Java example)', () => {
  // random % 8: 0..3 -> index 0, 4 -> index 1, 5..7 -> index 2.
  const expected = [10, 10, 10, 10, 11, 12, 12, 12]
  for (let r = 0; r < 8; r++) {
    const p = make(100, { random: scripted([r + 8 * 1000]) })
    p.updatePartitionLoadStats('t', [0, 3, 1], [10, 11, 12])
    assert.equal(p.partition('t', null, 20, []), expected[r], `random ${r}`)
  }
})

test('load stats leave the caller arrays unchanged and honour the logical length', () => {
  const sizes = [5, 0, 7, 7]
  const ids = [0, 1, 2, 3]
  const p = make(100, { random: scripted([1, 6]) })
  // Only partitions 0 and 1 count: weights 1 and 6 -> table 1 7.
  p.updatePartitionLoadStats('t', sizes, ids, 2)
  assert.deepEqual(sizes, [5, 0, 7, 7])
  assert.equal(p.partition('t', null, 4, [0, 1, 2, 3]), 1)
  p.onAppend('t', 1, 100, 4, [0, 1, 2, 3])
  assert.equal(p.partition('t', null, 4, [0, 1, 2, 3]), 1)
})

test('adaptive: an empty queue is chosen far more often than a long one', () => {
  const p = make(100, { random: seeded(42) })
  p.updateLoadStats(queues('t', [0, 9, 4, 9]), cluster({ t: [1, 2, 3, 1] }))
  const counts = draws(p, 4, 20_000, [0, 1, 2, 3])
  // Weights 10 1 6 1 (of 18).
  assert.ok(counts[0]! > 8 * counts[1]!, `counts ${counts}`)
  assert.ok(counts[0]! > 8 * counts[3]!, `counts ${counts}`)
  assert.ok(counts[2]! > 4 * counts[1]!, `counts ${counts}`)
  assert.ok(counts[0]! > counts[2]!, `counts ${counts}`)
  const share0 = counts[0]! / 20_000
  assert.ok(Math.abs(share0 - 10 / 18) < 0.02, `share of partition 0: ${share0}`)
})

test('adaptive partitioning disabled: uniform whatever the queues', () => {
  const p = make(100, { random: seeded(7), adaptive: false })
  p.updateLoadStats(queues('t', [0, 50, 50, 50]), cluster({ t: [1, 1, 1, 1] }))
  p.updatePartitionLoadStats('t', [0, 50, 50, 50], [0, 1, 2, 3])
  const counts = draws(p, 4, 20_000, [0, 1, 2, 3])
  for (const c of counts) assert.ok(Math.abs(c / 20_000 - 0.25) < 0.02, `counts ${counts}`)
})

test('equal queues and every partition present: uniform among available partitions', () => {
  // Uniform picks available[random % 3] = 2 for random 0; a load table would give ids[0] = 0.
  const p = make(100, { random: scripted([0]) })
  p.updateLoadStats(queues('t', [2, 2, 2]), cluster({ t: [1, 1, 1] }))
  assert.equal(p.partition('t', null, 3, [2, 1, 0]), 2)
})

test('no stats until every partition of the topic has a queue (Java waits for all)', () => {
  const p = make(100, { random: scripted([0]) })
  const q = queues('t', [5, 0, 5])
  p.updateLoadStats(q, cluster({ t: [1, 1, 1, 1] }))
  // Stats would be table 1 7 8 over [0 1 2]: random 0 -> partition 0. Uniform: available[0] = 3.
  assert.equal(p.partition('t', null, 4, [3, 2, 1, 0]), 3)
})

test('partitions without a leader are left out of the load stats', () => {
  const p = make(100, { random: seeded(3) })
  p.updateLoadStats(queues('t', [0, 0, 3, 3]), cluster({ t: [1, -1, 2, 9] }))
  // Partition 1 has no leader, partition 3's leader (9) is not a known broker.
  const counts = draws(p, 4, 5_000, [0, 1, 2, 3])
  assert.equal(counts[1], 0)
  assert.equal(counts[3], 0)
  assert.ok(counts[0]! > 2 * counts[2]!, `counts ${counts}`)
})

test('partitioner.availability.timeout.ms leaves out partitions whose leader could not be drained', () => {
  const p = make(100, { random: seeded(11), availabilityTimeoutMs: 1000 })
  const c = cluster({ t: [1, 2, 1, 2] })
  p.updateNodeLatencyStats(1, 0, true)
  p.updateNodeLatencyStats(2, 0, true)
  p.updateNodeLatencyStats(2, 1500, false) // broker 2 has had data waiting for 1500 ms
  p.updateNodeLatencyStats(1, 1500, true)
  p.updateLoadStats(queues('t', [3, 3, 3, 0]), c)
  // Partition 1 (broker 2, data queued) is out; partition 3 (broker 2, empty queue) stays, as in Java.
  let counts = draws(p, 4, 5_000, [0, 1, 2, 3])
  assert.equal(counts[1], 0, `counts ${counts}`)
  assert.ok(counts[0]! > 0 && counts[2]! > 0 && counts[3]! > 0, `counts ${counts}`)

  // Broker 2 drains again: partition 1 is back.
  p.updateNodeLatencyStats(2, 1600, true)
  p.updateLoadStats(queues('t', [3, 3, 3, 0]), c)
  counts = draws(p, 4, 5_000, [0, 1, 2, 3])
  assert.ok(counts[1]! > 0, `counts ${counts}`)
})

test('exactly at the availability timeout a partition still counts', () => {
  const p = make(100, { random: seeded(5), availabilityTimeoutMs: 1000 })
  p.updateNodeLatencyStats(2, 0, true)
  p.updateNodeLatencyStats(2, 1000, false)
  p.updateLoadStats(queues('t', [1, 1]), cluster({ t: [1, 2] }))
  const counts = draws(p, 2, 2_000, [0, 1])
  assert.ok(counts[0]! > 0 && counts[1]! > 0, `counts ${counts}`)
})

test('without partitioner.availability.timeout.ms latency is ignored', () => {
  const p = make(100, { random: seeded(9) })
  p.updateNodeLatencyStats(2, 0, true)
  p.updateNodeLatencyStats(2, 100_000, false)
  p.updateLoadStats(queues('t', [1, 1]), cluster({ t: [1, 2] }))
  const counts = draws(p, 2, 2_000, [0, 1])
  assert.ok(counts[1]! > 500, `counts ${counts}`)
})

test('load stats per topic: interleaved queues of several topics', () => {
  const p = make(100, { random: seeded(21) })
  const q: LoadStatsQueue[] = [
    { topic: 'a', partition: 0, waitingCount: 0 },
    { topic: 'b', partition: 0, waitingCount: 8 },
    { topic: 'a', partition: 1, waitingCount: 8 },
    { topic: 'b', partition: 1, waitingCount: 0 },
  ]
  p.updateLoadStats(q, cluster({ a: [1, 1], b: [1, 1] }))
  const counts = { a: [0, 0], b: [0, 0] }
  for (let i = 0; i < 4000; i++) {
    for (const topic of ['a', 'b'] as const) {
      const s = p.partition(topic, null, 2, [0, 1])
      counts[topic][s]!++
      p.onAppend(topic, s, 100, 2, [0, 1], true)
    }
  }
  assert.ok(counts.a[0]! > 5 * counts.a[1]!, `a ${counts.a}`)
  assert.ok(counts.b[1]! > 5 * counts.b[0]!, `b ${counts.b}`)
})

test('with one partition the sticky partition stays', () => {
  const p = make(10)
  for (let i = 0; i < 10; i++) {
    assert.equal(p.partition('t', null, 1, [0]), 0)
    p.onAppend('t', 0, 50, 1, [0])
  }
})

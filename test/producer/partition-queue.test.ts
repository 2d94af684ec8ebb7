/** PartitionQueue: the one place a batch changes state, and the order batches wait in. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { PartitionQueue } from '../../src/producer/partition-queue.js'
import { ProducerBatch } from '../../src/producer/producer-batch.js'

function batch(createdMs: number, baseSequence = -1): ProducerBatch {
  const b = new ProducerBatch('t', 0, createdMs, 1024)
  b.tryAppend(createdMs, null, Buffer.from(`v${createdMs}`), [], null, 1024)
  b.baseSequence = baseSequence
  return b
}

const created = (q: PartitionQueue): number[] => {
  const out: number[] = []
  for (const b of q.takeWaiting()) out.push(b.createdMs)
  return out
}

describe('PartitionQueue', () => {
  test('a batch opened behind another seals it; the open one takes records', () => {
    const q = new PartitionQueue('t', 0)
    const a = batch(1)
    const b = batch(2)
    q.push(a)
    assert.equal(a.state, 'queued')
    q.push(b)
    assert.deepEqual([a.state, b.state], ['sealed', 'queued'])
    assert.equal(q.head, a)
    assert.equal(q.last, b)
    assert.equal(q.waitingCount, 2)
  })

  test('takeHead moves the head into flight in one step and counts the attempt', () => {
    const q = new PartitionQueue('t', 0)
    const a = batch(1, 0)
    q.push(a)
    const taken = q.takeHead()
    assert.equal(taken, a)
    assert.equal(a.state, 'in-flight')
    assert.equal(a.attempts, 1)
    assert.equal(q.waitingCount, 0)
    assert.equal(q.inFlightCount, 1)
    assert.ok(q.hasInFlightSequence(0))
    assert.throws(() => q.takeHead(), /bug: takeHead on the empty queue/)
  })

  test('a retried batch goes back in sequence order, ahead of batches sent after it', () => {
    const q = new PartitionQueue('t', 0)
    const [a, b, c] = [batch(1, 0), batch(2, 1), batch(3, 2)]
    for (const x of [a, b, c]) q.push(x)
    q.takeHead()
    q.takeHead() // a and b in flight, c waiting
    q.requeue(b, 50)
    q.requeue(a, 60)
    assert.deepEqual([a.state, b.state, c.state], ['retry-wait', 'retry-wait', 'queued'])
    assert.equal(b.retryAt, 50)
    assert.deepEqual(created(q), [1, 2, 3])
  })

  test('without sequences, a retried batch goes after the batches sent before it and before the unsent', () => {
    const q = new PartitionQueue('t', 0)
    const [a, b, c] = [batch(1), batch(2), batch(3)]
    for (const x of [a, b, c]) q.push(x)
    q.takeHead()
    q.takeHead()
    q.requeue(a, 0)
    q.requeue(b, 0)
    assert.deepEqual(created(q), [1, 2, 3])
  })

  test('settle: from waiting or in flight, once; a second settle says so', () => {
    const q = new PartitionQueue('t', 0)
    const [a, b] = [batch(1), batch(2)]
    q.push(a)
    q.push(b)
    q.takeHead()
    assert.equal(q.settle(b), true, 'a waiting batch')
    assert.equal(q.settle(a), true, 'an in-flight batch')
    assert.deepEqual([a.state, b.state], ['done', 'done'])
    assert.equal(q.settle(a), false)
    assert.equal(q.waitingCount + q.inFlightCount, 0)
  })

  test('moves from the wrong state are bugs and say so', () => {
    const q = new PartitionQueue('t', 0)
    const a = batch(1)
    q.push(a)
    assert.throws(() => q.requeue(a, 0), /bug: requeue of a queued batch of t-0 \(expected in-flight\)/)
    assert.throws(() => q.push(a.state === 'queued' ? q.takeHead() : a), /bug: push of a in-flight batch/)
  })

  test('replace: a split batch gives way to its parts, which wait in its place', () => {
    const q = new PartitionQueue('t', 0)
    const whole = batch(1, 10)
    const later = batch(2, 20)
    q.push(whole)
    q.push(later)
    q.takeHead()
    const parts = [batch(1, 10), batch(1, 15)]
    q.replace(whole, parts)
    assert.equal(whole.state, 'done')
    assert.deepEqual(
      parts.map((p) => p.state),
      ['retry-wait', 'retry-wait'],
    )
    assert.equal(q.inFlightCount, 0)
    assert.deepEqual(
      q.takeWaiting().map((b) => b.baseSequence),
      [10, 15, 20],
    )
  })

  test('takeUnsent removes only the batches never sent, keeping the order of the rest', () => {
    const q = new PartitionQueue('t', 0)
    const [a, b, c] = [batch(1, 0), batch(2, 1), batch(3, 2)]
    for (const x of [a, b, c]) q.push(x)
    q.takeHead()
    q.requeue(a, 0)
    assert.deepEqual(
      q.takeUnsent().map((x) => x.createdMs),
      [2, 3],
    )
    assert.equal(q.head, a)
    assert.equal(q.waitingCount, 1)
  })
})

/**
 * Completion routing on the caller's side: outcomes reported by a worker, in any order, settle
 * each record once; a worker that ends fails the rest with its error; errors keep their class.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BrokerError, KafkaError, TimeoutError, WorkerExitedError } from '../../src/errors.js'
import { CompletionTable } from '../../src/workers/completions.js'
import { receivedError, sendableError } from '../../src/workers/errors.js'

test('ids settle once each, in any order, and the ring grows past its size', () => {
  const t = new CompletionTable()
  const settled = new Map<number, number>()
  const ids: number[] = []
  for (let i = 0; i < 5000; i++) {
    ids.push(t.add(() => settled.set(i, (settled.get(i) ?? 0) + 1), 10))
  }
  assert.equal(t.outstanding, 5000)
  assert.equal(t.bytes, 50_000)
  // Settle the odd ids first (one slow partition holds the even ones), then add more.
  for (const id of ids) if (id % 2 === 1) (t.take(id) as () => void)()
  for (let i = 5000; i < 9000; i++) ids.push(t.add(() => settled.set(i, (settled.get(i) ?? 0) + 1), 1))
  for (const id of ids) {
    const c = t.take(id)
    if (c !== undefined) (c as () => void)()
  }
  assert.equal(t.take(ids[0]!), undefined, 'a second report of an id does nothing')
  assert.equal(settled.size, 9000)
  assert.ok([...settled.values()].every((n) => n === 1))
  assert.equal(t.outstanding, 0)
  assert.equal(t.bytes, 0)
})

test('takeAll hands over every unsettled completion once, oldest first', () => {
  const t = new CompletionTable()
  const order: number[] = []
  for (let i = 0; i < 10; i++) t.add(() => order.push(i), 1)
  t.take(3)
  t.take(0)
  for (const c of t.takeAll()) (c as () => void)()
  assert.deepEqual(order, [1, 2, 4, 5, 6, 7, 8, 9])
  assert.equal(t.takeAll().length, 0)
  assert.equal(t.outstanding, 0)
})

test('an error crosses the thread boundary as the same class with its fields', () => {
  const cases: KafkaError[] = [
    new TimeoutError('delivery timed out', 'ERR_DELIVERY_TIMEOUT', { retriable: false, maybeWritten: true }),
    new BrokerError('NOT_LEADER_OR_FOLLOWER', 6, true, 'not the leader'),
    new WorkerExitedError('worker thread 1 exited'),
  ]
  for (const e of cases) {
    const back = receivedError(structuredClone(sendableError(e)))
    assert.ok(back instanceof KafkaError)
    assert.equal(back.constructor, e.constructor)
    assert.equal(back.name, e.name)
    assert.equal(back.message, e.message)
    assert.equal(back.code, e.code)
    assert.equal(back.retriable, e.retriable)
    assert.equal(back.errorCode, e.errorCode)
    assert.equal(back.maybeWritten, e.maybeWritten)
  }
  const plain = receivedError(sendableError(new TypeError('boom')))
  assert.ok(plain instanceof KafkaError, 'anything else becomes a KafkaError')
  assert.equal(plain.message, 'boom')
})

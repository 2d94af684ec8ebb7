import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BuiltInPartitioner } from '../../src/producer/partitioner.js'
import { partitionForKey } from '../../src/protocol/murmur2.js'

test('keyed records use murmur2, whatever the sticky state', () => {
  const p = new BuiltInPartitioner(100, false)
  const key = Buffer.from('order-1')
  assert.equal(p.partition('t', key, 12, []), partitionForKey(key, 12))
})

test('partitioner.ignore.keys sends keyed records to the sticky partition', () => {
  const p = new BuiltInPartitioner(100, true)
  const a = p.partition('t', Buffer.from('a'), 50, [])
  for (let i = 0; i < 20; i++) assert.equal(p.partition('t', Buffer.from(`k${i}`), 50, []), a)
})

test('the sticky partition changes after batch.size bytes, to another available partition', () => {
  const p = new BuiltInPartitioner(1000, false)
  const available = [1, 3, 5]
  const first = p.partition('t', null, 6, available)
  assert.ok(available.includes(first))
  p.onAppend('t', first, 600, 6, available)
  assert.equal(p.partition('t', null, 6, available), first)
  p.onAppend('t', first, 500, 6, available)
  const second = p.partition('t', null, 6, available)
  assert.notEqual(second, first)
  assert.ok(available.includes(second))
})

test('with one partition the sticky partition stays', () => {
  const p = new BuiltInPartitioner(10, false)
  for (let i = 0; i < 10; i++) {
    assert.equal(p.partition('t', null, 1, [0]), 0)
    p.onAppend('t', 0, 50, 1, [0])
  }
})

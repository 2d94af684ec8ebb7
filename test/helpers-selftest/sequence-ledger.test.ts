/** The exactly-once check of the failover tests finds each kind of problem and names it. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SequenceLedger } from '../helpers/sequence-ledger.js'

/** Two partitions, `n` records each, acknowledged at offsets 0..n-1. */
function ledger(n: number): SequenceLedger {
  const l = new SequenceLedger(2, n)
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 2; p++) {
      const seq = l.next(p)
      l.settle(p, seq, null, { topic: 't', partition: p, offset: BigInt(seq), timestamp: 0 })
    }
  }
  return l
}

function read(l: SequenceLedger, records: [number, number, string | null][]): string[] {
  const check = l.check()
  for (const [p, o, v] of records) check.visit(p, o, v)
  return check.finish()
}

const clean = (p: number, n: number): [number, number, string][] =>
  Array.from({ length: n }, (_, i): [number, number, string] => [p, i, String(i)])

test('everything once, in order, at the acknowledged offsets: no problems', () => {
  assert.deepEqual(read(ledger(3), [...clean(0, 3), ...clean(1, 3)]), [])
})

test('a missing record, a missing tail and a duplicate are each counted and located', () => {
  const problems = read(ledger(4), [
    [0, 0, '0'],
    [0, 1, '2'], // seq 1 missing (and 2 read at another offset)
    [0, 2, '3'],
    [0, 3, '3'], // seq 3 again
    [1, 0, '0'],
    [1, 1, '1'], // seq 2..3 never read
  ])
  assert.equal(problems.length, 3)
  assert.match(
    problems[0]!,
    /^3 records missing, first: partition 0: seq 1\.\.1 .*; partition 1: seq 2\.\.3 at the end$/,
  )
  assert.match(
    problems[2]!,
    /^2 records read at another offset than acknowledged, first: partition 0 seq 2: read at offset 1, acknowledged at 2/,
  )
  assert.match(problems[1]!, /^1 records read again .*partition 0 offset 3: seq 3 after seq 3$/)
})

test('records out of send order and records never sent are problems', () => {
  const problems = read(ledger(2), [
    [0, 0, '1'],
    [0, 1, '0'],
    [1, 0, '0'],
    [1, 1, '1'],
    [1, 2, 'junk'],
    [1, 3, '7'],
    [2, 0, '0'],
  ])
  assert.ok(problems.some((p) => p.startsWith('1 records missing, first: partition 0: seq 0..0')))
  assert.ok(problems.some((p) => p.startsWith('1 records read again')))
  assert.ok(problems.some((p) => p.startsWith('3 records never sent')))
})

test('failed sends are counted with their first errors; a second acknowledgement is a bug', () => {
  const l = new SequenceLedger(1, 3)
  const a = l.next(0)
  const b = l.next(0)
  l.settle(0, a, null, { topic: 't', partition: 0, offset: 0n, timestamp: 0 })
  l.settle(0, b, new Error('boom'), null)
  assert.equal(l.sent, 2)
  assert.equal(l.acked, 1)
  assert.equal(l.failed, 1)
  assert.equal(l.firstFailures[0]?.error.message, 'boom')
  assert.throws(() => l.settle(0, a, null, { topic: 't', partition: 0, offset: 0n, timestamp: 0 }), /twice/)
})

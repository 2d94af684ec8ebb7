/**
 * Sequence bookkeeping near Int32 max (the broker wraps sequences to 0 after 2^31 - 1) and the
 * transaction state machine's allowed transitions (the Java TransactionManager's table).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ProducerBatch } from '../../src/producer/producer-batch.js'
import {
  addSequence,
  isAfter,
  lastSequenceOf,
  PartitionSequences,
  SEQUENCE_WRAP,
} from '../../src/producer/txn/sequences.js'
import { isTransitionValid, type TxnState } from '../../src/producer/txn/states.js'
import { decodeRecordBatch } from '../../src/records/record-batch-decoder.js'

const MAX = SEQUENCE_WRAP - 1

function batchOf(n: number): ProducerBatch {
  const b = new ProducerBatch('t', 0, Date.now(), 16384)
  for (let i = 0; i < n; i++) b.tryAppend(Date.now(), null, Buffer.from(`v${i}`), [], null, 16384)
  b.state = 'sealed' // closed to records, as the sender seals a batch before framing it
  return b
}

describe('sequences wrap around after Int32 max', () => {
  test('addSequence, lastSequenceOf and isAfter across the wrap', () => {
    assert.equal(addSequence(MAX, 1), 0)
    assert.equal(addSequence(MAX - 2, 10), 7)
    const b = batchOf(5)
    b.setProducerState(7n, 0, MAX - 1, false)
    assert.equal(lastSequenceOf(b), 2)
    assert.ok(isAfter(3, MAX))
    assert.ok(!isAfter(MAX, 3))
    assert.ok(!isAfter(5, 5))
  })

  test('a batch stamped across the wrap is framed with its base sequence, and the next follows from 0', () => {
    const seq = new PartitionSequences()
    seq.nextSequence = MAX - 2
    const a = batchOf(5)
    a.setProducerState(9n, 3, seq.nextSequence, false)
    seq.nextSequence = addSequence(seq.nextSequence, a.recordCount)
    seq.add(a)
    assert.equal(seq.nextSequence, 2)
    const decoded = decodeRecordBatch(a.encode())
    assert.equal(decoded.baseSequence, MAX - 2)
    assert.equal(decoded.producerId, 9n)
    assert.equal(decoded.producerEpoch, 3)
  })

  test('closing the gap of a failed batch moves later batches down across the wrap', () => {
    const seq = new PartitionSequences()
    const failed = batchOf(4)
    failed.setProducerState(1n, 0, MAX - 1, true)
    const next = batchOf(3)
    next.setProducerState(1n, 0, addSequence(MAX - 1, 4), true)
    seq.add(failed)
    seq.add(next)
    seq.nextSequence = addSequence(next.baseSequence, 3)
    seq.closeGap(failed)
    assert.equal(next.baseSequence, MAX - 1)
    assert.equal(seq.nextSequence, addSequence(MAX - 1, 3))
    assert.ok(next.resequenced)
  })

  test('a new epoch rewrites unfinished batches from 0, in order (KIP-360)', () => {
    const seq = new PartitionSequences()
    const a = batchOf(2)
    const b = batchOf(3)
    a.setProducerState(1n, 0, MAX, false)
    b.setProducerState(1n, 0, 1, false)
    seq.add(a)
    seq.add(b)
    seq.startAtBeginning(1n, 1)
    assert.deepEqual([a.baseSequence, a.producerEpoch, b.baseSequence, b.producerEpoch], [0, 1, 2, 1])
    assert.equal(seq.nextSequence, 5)
    assert.equal(seq.lastAckedSequence, -1)
    assert.equal(decodeRecordBatch(b.encode()).baseSequence, 2)
  })
})

describe('transaction states', () => {
  const ALL: TxnState[] = [
    'UNINITIALIZED',
    'INITIALIZING',
    'READY',
    'IN_TRANSACTION',
    'COMMITTING_TRANSACTION',
    'ABORTING_TRANSACTION',
    'ABORTABLE_ERROR',
    'FATAL_ERROR',
  ]
  // The Java producer's TransactionManager.State.isTransitionValid, as a table.
  const JAVA: Record<TxnState, TxnState[]> = {
    UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
    INITIALIZING: ['UNINITIALIZED', 'ABORTING_TRANSACTION'],
    READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
    IN_TRANSACTION: ['READY'],
    COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
    ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
    ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR', 'INITIALIZING'],
    FATAL_ERROR: ALL,
  }
  for (const to of ALL) {
    test(`into ${to}`, () => {
      for (const from of ALL) {
        assert.equal(isTransitionValid(from, to), JAVA[to].includes(from), `${from} -> ${to}`)
      }
    })
  }
})

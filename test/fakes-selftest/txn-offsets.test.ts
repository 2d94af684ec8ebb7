/**
 * Offsets committed inside transactions: AddOffsetsToTxn + TxnOffsetCommit (v4 and older) or the
 * implicit add of TxnOffsetCommit v5+, applied when the transaction commits and dropped when it
 * aborts; the errors of the group coordinator.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import {
  type FakeCluster,
  FakeError,
  OFFSETS_TOPIC,
  offsetsPartitionFor,
  startFakeCluster,
} from '../fakes/fake-broker.js'
import { openConnection } from './client.js'
import { addOffsets, commitOffsets, endTxn, identity, offsetCodes } from './txn-client.js'

let cluster: FakeCluster | undefined
const conns: BrokerConnection[] = []
afterEach(async () => {
  for (const c of conns.splice(0)) c.close()
  await cluster?.close()
  cluster = undefined
})

async function start(): Promise<BrokerConnection> {
  cluster = await startFakeCluster({ topics: [{ name: 'in', partitions: 3 }] })
  const c = await openConnection(cluster.broker(0).port)
  conns.push(c)
  return c
}

const offset = (partition: number, value: bigint) => ({ topic: 'in', partition, offset: value })

describe('fake transactional offsets', () => {
  test('AddOffsetsToTxn then TxnOffsetCommit v4: pending until commit, then committed', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    assert.equal((await addOffsets(c, 'tx', id, 'g')).errorCode, 0)
    assert.deepEqual(cluster!.transaction('tx')!.partitions, [
      { topic: OFFSETS_TOPIC, partition: offsetsPartitionFor('g') },
    ])
    const res = await commitOffsets(c, 'tx', id, 'g', [offset(0, 10n), offset(2, 7n)], 4)
    assert.deepEqual(offsetCodes(res), [0, 0])
    assert.deepEqual(cluster!.committedOffsets('g'), [])
    assert.deepEqual(cluster!.pendingOffsets('g'), [
      {
        producerId: id.producerId,
        offsets: [
          { topic: 'in', partition: 0, offset: 10n, leaderEpoch: -1, metadata: null },
          { topic: 'in', partition: 2, offset: 7n, leaderEpoch: -1, metadata: null },
        ],
      },
    ])
    assert.equal((await endTxn(c, 'tx', id, true, 4)).errorCode, 0)
    assert.deepEqual(
      cluster!.committedOffsets('g').map((o) => [o.partition, o.offset]),
      [
        [0, 10n],
        [2, 7n],
      ],
    )
    assert.deepEqual(cluster!.pendingOffsets('g'), [])
    const req = cluster!.requests.find((r) => r.apiKey === ApiKey.TxnOffsetCommit)!
    assert.deepEqual([req.transactionalId, req.groupId, req.partitions.length], ['tx', 'g', 2])
  })

  test('an aborted transaction drops its offsets; committed ones stay', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    await addOffsets(c, 'tx', id, 'g')
    await commitOffsets(c, 'tx', id, 'g', [offset(0, 1n)], 4)
    await endTxn(c, 'tx', id, true, 4)
    await addOffsets(c, 'tx', id, 'g')
    await commitOffsets(c, 'tx', id, 'g', [offset(0, 2n)], 4)
    await endTxn(c, 'tx', id, false, 4)
    assert.deepEqual(
      cluster!.committedOffsets('g').map((o) => o.offset),
      [1n],
    )
    assert.deepEqual(cluster!.pendingOffsets('g'), [])
  })

  test('without AddOffsetsToTxn: TRANSACTION_ABORTABLE (v4), INVALID_TXN_STATE (v3); fenced: INVALID_PRODUCER_EPOCH', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    assert.deepEqual(offsetCodes(await commitOffsets(c, 'tx', id, 'g', [offset(0, 1n)], 4)), [
      FakeError.TRANSACTION_ABORTABLE,
    ])
    assert.deepEqual(offsetCodes(await commitOffsets(c, 'tx', id, 'g', [offset(0, 1n)], 3)), [
      FakeError.INVALID_TXN_STATE,
    ])
    const fresh = await identity(c, 'tx')
    assert.deepEqual(offsetCodes(await commitOffsets(c, 'tx', id, 'g', [offset(0, 1n)], 4)), [
      FakeError.INVALID_PRODUCER_EPOCH,
    ])
    assert.equal((await addOffsets(c, 'tx', id, 'g')).errorCode, FakeError.PRODUCER_FENCED)
    assert.equal((await addOffsets(c, 'tx', id, 'g', 1)).errorCode, FakeError.INVALID_PRODUCER_EPOCH)
    assert.equal((await addOffsets(c, 'tx', fresh, 'g')).errorCode, 0)
    assert.deepEqual(cluster!.pendingOffsets('g'), [])
  })

  test('TxnOffsetCommit v5 adds the offsets partition itself; EndTxn v5 applies it', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    assert.deepEqual(offsetCodes(await commitOffsets(c, 'tx', id, 'g', [offset(1, 42n)], 5)), [0])
    const txn = cluster!.transaction('tx')!
    assert.deepEqual([txn.state, txn.clientTransactionVersion], ['Ongoing', 2])
    assert.equal((await endTxn(c, 'tx', id, true, 5)).errorCode, 0)
    assert.deepEqual(
      cluster!.committedOffsets('g').map((o) => [o.partition, o.offset]),
      [[1, 42n]],
    )
  })

  test('unknown topics and partitions, topic ids (v6), injected errors', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    const res = await commitOffsets(
      c,
      'tx',
      id,
      'g',
      [offset(0, 1n), offset(9, 1n), { topic: 'nope', partition: 0, offset: 1n }],
      5,
    )
    assert.deepEqual(offsetCodes(res), [
      0,
      FakeError.UNKNOWN_TOPIC_OR_PARTITION,
      FakeError.UNKNOWN_TOPIC_OR_PARTITION,
    ])
    const topicId = cluster!.topic('in')!.topicId
    const byId = await commitOffsets(
      c,
      'tx',
      id,
      'g',
      [{ topic: 'in', topicId, partition: 2, offset: 5n }],
      6,
    )
    assert.deepEqual(offsetCodes(byId), [0])
    assert.deepEqual(Buffer.from(byId.topics[0]!.topicId), topicId)
    const unknownId = await commitOffsets(
      c,
      'tx',
      id,
      'g',
      [{ topic: 'x', topicId: Buffer.alloc(16, 1), partition: 0, offset: 1n }],
      6,
    )
    assert.deepEqual(offsetCodes(unknownId), [FakeError.UNKNOWN_TOPIC_ID])

    cluster!.addRule({
      times: 1,
      errorFor: { api: 'txnOffsetCommit', topic: 'in', partition: 1, code: FakeError.ILLEGAL_GENERATION },
    })
    const injected = await commitOffsets(c, 'tx', id, 'g', [offset(0, 3n), offset(1, 3n)], 5)
    assert.deepEqual(offsetCodes(injected), [0, FakeError.ILLEGAL_GENERATION])
    await endTxn(c, 'tx', id, true, 5)
    assert.deepEqual(
      cluster!.committedOffsets('g').map((o) => [o.partition, o.offset]),
      [
        [0, 3n],
        [2, 5n],
      ],
    )
  })
})

/**
 * The fake transaction coordinator with a transactions-v1 client (EndTxn v4, Produce v11 and
 * older): InitProducerId and KIP-360, AddPartitionsToTxn, transactional produce, EndTxn and the
 * records' fates, fencing, CONCURRENT_TRANSACTIONS while markers are written, timeouts.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import {
  type FakeCluster,
  type FakeClusterOptions,
  FakeError,
  startFakeCluster,
} from '../fakes/fake-broker.js'
import { openConnection, partitionResult, produce, values } from './client.js'
import {
  addPartitions,
  addResults,
  endTxn,
  identity,
  initProducerId,
  type ProducerIdentity,
} from './txn-client.js'

let cluster: FakeCluster | undefined
const conns: BrokerConnection[] = []
afterEach(async () => {
  for (const c of conns.splice(0)) c.close()
  await cluster?.close()
  cluster = undefined
})

async function start(options: FakeClusterOptions = {}): Promise<BrokerConnection> {
  cluster = await startFakeCluster({ topics: [{ name: 't', partitions: 2 }], ...options })
  const c = await openConnection(cluster.broker(0).port)
  conns.push(c)
  return c
}

/** One transactional batch of `records` at `baseSequence`, sent with Produce `version`. */
async function sendTxn(
  c: BrokerConnection,
  id: ProducerIdentity,
  partition: number,
  baseSequence: number,
  records: string[],
  version = 11,
  transactionalId = 'tx',
): Promise<number> {
  const res = await produce(
    c,
    't',
    [
      {
        partition,
        batch: { ...id, baseSequence, transactional: true, records: records.map((value) => ({ value })) },
      },
    ],
    -1,
    { transactionalId, version },
  )
  return partitionResult(res, partition).errorCode
}

const fates = (partition: number) =>
  cluster!.log('t', partition).map((r) => [r.value?.toString(), r.txnState])

describe('fake transaction coordinator (transactions v1)', () => {
  test('InitProducerId: a new id at epoch 0, then bumps; KIP-360 fencing by id and epoch', async () => {
    const c = await start()
    const first = await identity(c, 'tx')
    assert.equal(first.producerEpoch, 0)
    const second = await identity(c, 'tx')
    assert.deepEqual(second, { producerId: first.producerId, producerEpoch: 1 })
    assert.deepEqual(cluster!.transaction('tx'), {
      transactionalId: 'tx',
      state: 'Empty',
      producerId: first.producerId,
      producerEpoch: 1,
      lastProducerEpoch: -1,
      partitions: [],
      transactionTimeoutMs: 60_000,
      startTimeMs: -1,
      clientTransactionVersion: 0,
    })
    // The current epoch bumps; the epoch before it is a retry that gets the same answer.
    const bumped = await initProducerId(c, 'tx', { current: second })
    assert.deepEqual([bumped.errorCode, bumped.producerEpoch], [0, 2])
    const retried = await initProducerId(c, 'tx', { current: second })
    assert.deepEqual([retried.errorCode, retried.producerEpoch], [0, 2])
    // Older epochs and other ids are fenced; InitProducerId v3 gets the old code.
    assert.equal((await initProducerId(c, 'tx', { current: first })).errorCode, FakeError.PRODUCER_FENCED)
    const other = { producerId: first.producerId + 100n, producerEpoch: 2 }
    assert.equal((await initProducerId(c, 'tx', { current: other })).errorCode, FakeError.PRODUCER_FENCED)
    assert.equal(
      (await initProducerId(c, 'tx', { current: first, version: 3 })).errorCode,
      FakeError.INVALID_PRODUCER_EPOCH,
    )
    // Requests Kafka refuses outright.
    assert.equal((await initProducerId(c, '')).errorCode, FakeError.INVALID_REQUEST)
    assert.equal(
      (await initProducerId(c, 'tx', { timeoutMs: 900_001 })).errorCode,
      FakeError.INVALID_TRANSACTION_TIMEOUT,
    )
    const half = { producerId: first.producerId, producerEpoch: -1 }
    assert.equal((await initProducerId(c, 'tx', { current: half })).errorCode, FakeError.INVALID_REQUEST)
    // Without a transactional id: a new producer id each time, from any broker.
    const idem = await initProducerId(c, null)
    assert.deepEqual([idem.errorCode, idem.producerEpoch], [0, 0])
    assert.notEqual(idem.producerId, first.producerId)
  })

  test('commit: records become committed, markers take offsets, read_committed sees them', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    const added = await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0, 1] }])
    assert.deepEqual(addResults(added), { 't-0': 0, 't-1': 0 })
    assert.equal(await sendTxn(c, id, 0, 0, ['a', 'b']), 0)
    assert.equal(await sendTxn(c, id, 1, 0, ['c']), 0)
    // A non-transactional record by someone else is visible at once, but not past the open
    // transaction's first offset (the last stable offset).
    await produce(c, 't', [{ partition: 0, batch: { records: [{ value: 'plain' }] } }])
    assert.deepEqual(fates(0), [
      ['a', 'ongoing'],
      ['b', 'ongoing'],
      ['plain', null],
    ])
    assert.deepEqual(cluster!.readCommitted('t', 0), [])
    assert.deepEqual(cluster!.transaction('tx')!.partitions, [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ])

    const ended = await endTxn(c, 'tx', id, true, 4)
    assert.deepEqual([ended.errorCode, ended.producerId, ended.producerEpoch], [0, -1n, -1])
    assert.deepEqual(fates(0), [
      ['a', 'committed'],
      ['b', 'committed'],
      ['plain', null],
    ])
    assert.deepEqual(values(cluster!.readCommitted('t', 0)), ['a', 'b', 'plain'])
    assert.deepEqual(cluster!.markers('t', 0), [{ offset: 3n, ...id, commit: true }])
    assert.deepEqual(cluster!.markers('t', 1), [{ offset: 1n, ...id, commit: true }])
    const txn = cluster!.transaction('tx')!
    assert.deepEqual([txn.state, txn.producerEpoch, txn.partitions], ['CompleteCommit', 0, []])

    // Transactions v1 keeps the epoch, and the sequences go on across transactions.
    await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0] }])
    assert.equal(await sendTxn(c, id, 0, 0, ['again']), FakeError.OUT_OF_ORDER_SEQUENCE_NUMBER)
    assert.equal(await sendTxn(c, id, 0, 2, ['d']), 0)
    assert.equal(
      partitionResult(await produce(c, 't', [{ partition: 0, batch: { records: [{ value: 'x' }] } }]), 0)
        .errorCode,
      0,
    )
    assert.equal((await endTxn(c, 'tx', id, false, 4)).errorCode, 0)
    assert.deepEqual(fates(0).slice(3), [
      ['d', 'aborted'],
      ['x', null],
    ])
    assert.deepEqual(values(cluster!.readCommitted('t', 0)), ['a', 'b', 'plain', 'x'])
  })

  test('EndTxn retries and wrong states answer as Kafka does', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    assert.equal((await endTxn(c, 'tx', id, true, 4)).errorCode, FakeError.INVALID_TXN_STATE)
    await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0] }])
    assert.equal((await endTxn(c, 'tx', id, true, 4)).errorCode, 0)
    // A retried commit succeeds again; an abort after the commit is a wrong state.
    assert.equal((await endTxn(c, 'tx', id, true, 4)).errorCode, 0)
    assert.equal((await endTxn(c, 'tx', id, false, 4)).errorCode, FakeError.INVALID_TXN_STATE)
    const wrongId = { producerId: id.producerId + 1n, producerEpoch: 0 }
    assert.equal((await endTxn(c, 'tx', wrongId, true, 4)).errorCode, FakeError.INVALID_PRODUCER_ID_MAPPING)
    assert.equal((await endTxn(c, 'nobody', id, true, 4)).errorCode, FakeError.INVALID_PRODUCER_ID_MAPPING)
    assert.equal(
      addResults(await addPartitions(c, 'nobody', id, [{ name: 't', partitions: [0] }]))['t-0'],
      FakeError.INVALID_PRODUCER_ID_MAPPING,
    )
  })

  test('AddPartitionsToTxn: an unknown partition fails the request, the others are not attempted', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    const res = await addPartitions(c, 'tx', id, [
      { name: 't', partitions: [0, 7] },
      { name: 'nope', partitions: [0] },
    ])
    assert.deepEqual(addResults(res), {
      't-0': FakeError.OPERATION_NOT_ATTEMPTED,
      't-7': FakeError.UNKNOWN_TOPIC_OR_PARTITION,
      'nope-0': FakeError.UNKNOWN_TOPIC_OR_PARTITION,
    })
    assert.equal(cluster!.transaction('tx')!.state, 'Empty')
    // An injected per-partition error does the same.
    cluster!.addRule({
      errorFor: {
        api: 'addPartitionsToTxn',
        topic: 't',
        partition: 1,
        code: FakeError.TOPIC_AUTHORIZATION_FAILED,
      },
    })
    const denied = await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0, 1] }])
    assert.deepEqual(addResults(denied), {
      't-0': FakeError.OPERATION_NOT_ATTEMPTED,
      't-1': FakeError.TOPIC_AUTHORIZATION_FAILED,
    })
    assert.deepEqual(addResults(await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0, 1] }])), {
      't-0': 0,
      't-1': 0,
    })
    const req = cluster!.requests.filter((r) => r.apiName === 'AddPartitionsToTxn').at(-1)!
    assert.equal(req.transactionalId, 'tx')
    assert.deepEqual(req.partitions, [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ])
  })

  test('a transactional batch for a partition not in the transaction is refused (verification)', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0] }])
    assert.equal(await sendTxn(c, id, 1, 0, ['v10'], 10), FakeError.INVALID_TXN_STATE)
    assert.equal(await sendTxn(c, id, 1, 0, ['v11'], 11), FakeError.TRANSACTION_ABORTABLE)
    assert.equal(
      await sendTxn(c, id, 1, 0, ['ghost'], 11, 'someone-else'),
      FakeError.INVALID_PRODUCER_ID_MAPPING,
    )
    assert.deepEqual(cluster!.log('t', 1), [])
    // Transactional records need a transactional id on the request.
    const anonymous = await produce(c, 't', [
      { partition: 0, batch: { ...id, baseSequence: 0, transactional: true, records: [{ value: 'x' }] } },
    ])
    assert.equal(partitionResult(anonymous, 0).errorCode, FakeError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    // An idempotent batch from a producer with a transaction open in the partition is refused.
    assert.equal(await sendTxn(c, id, 0, 0, ['in']), 0)
    const plain = await produce(c, 't', [
      { partition: 0, batch: { ...id, baseSequence: 1, records: [{ value: 'out' }] } },
    ])
    assert.equal(partitionResult(plain, 0).errorCode, FakeError.INVALID_TXN_STATE)
    assert.deepEqual(values(cluster!.log('t', 0)), ['in'])
  })

  test('without partition verification a transactions-v1 batch is appended unchecked', async () => {
    const c = await start({ partitionVerification: false })
    const id = await identity(c, 'tx')
    assert.equal(await sendTxn(c, id, 1, 0, ['hanging']), 0)
    assert.deepEqual(fates(1), [['hanging', 'ongoing']])
    assert.equal(cluster!.transaction('tx')!.state, 'Empty')
  })

  test('a new producer fences the ongoing transaction: aborted, CONCURRENT_TRANSACTIONS, then a new epoch', async () => {
    const c = await start({ transactionVersion: 1 })
    const old = await identity(c, 'tx')
    await addPartitions(c, 'tx', old, [{ name: 't', partitions: [0] }])
    assert.equal(await sendTxn(c, old, 0, 0, ['zombie']), 0)

    const fence = await initProducerId(c, 'tx')
    assert.equal(fence.errorCode, FakeError.CONCURRENT_TRANSACTIONS)
    assert.deepEqual(fates(0), [['zombie', 'aborted']])
    assert.deepEqual(cluster!.markers('t', 0), [
      { offset: 1n, producerId: old.producerId, producerEpoch: 1, commit: false },
    ])
    const fresh = await identity(c, 'tx')
    assert.deepEqual(fresh, { producerId: old.producerId, producerEpoch: 2 })

    // The old producer is fenced everywhere.
    assert.equal(await sendTxn(c, old, 0, 1, ['late']), FakeError.INVALID_PRODUCER_EPOCH)
    assert.equal(await sendTxn(c, old, 1, 0, ['late']), FakeError.INVALID_PRODUCER_EPOCH)
    assert.equal(
      addResults(await addPartitions(c, 'tx', old, [{ name: 't', partitions: [1] }]))['t-1'],
      FakeError.PRODUCER_FENCED,
    )
    assert.equal(
      addResults(await addPartitions(c, 'tx', old, [{ name: 't', partitions: [1] }], 1))['t-1'],
      FakeError.INVALID_PRODUCER_EPOCH,
    )
    assert.equal((await endTxn(c, 'tx', old, true, 4)).errorCode, FakeError.PRODUCER_FENCED)
    assert.equal((await endTxn(c, 'tx', old, true, 1)).errorCode, FakeError.INVALID_PRODUCER_EPOCH)
    // The new one starts its sequences at 0 at the new epoch.
    await addPartitions(c, 'tx', fresh, [{ name: 't', partitions: [0] }])
    assert.equal(await sendTxn(c, fresh, 0, 0, ['new']), 0)
    assert.equal((await endTxn(c, 'tx', fresh, true, 4)).errorCode, 0)
    assert.deepEqual(values(cluster!.readCommitted('t', 0)), ['new'])
  })

  test('CONCURRENT_TRANSACTIONS while the markers are being written, until they are', async () => {
    const c = await start({ transactionCompletionDelayMs: Number.POSITIVE_INFINITY })
    const id = await identity(c, 'tx')
    await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0] }])
    assert.equal(await sendTxn(c, id, 0, 0, ['a']), 0)
    assert.equal((await endTxn(c, 'tx', id, true, 4)).errorCode, 0)
    assert.equal(cluster!.transaction('tx')!.state, 'PrepareCommit')
    assert.deepEqual(fates(0), [['a', 'ongoing']])

    assert.equal((await endTxn(c, 'tx', id, true, 4)).errorCode, FakeError.CONCURRENT_TRANSACTIONS)
    assert.equal((await endTxn(c, 'tx', id, false, 4)).errorCode, FakeError.INVALID_TXN_STATE)
    assert.equal(
      addResults(await addPartitions(c, 'tx', id, [{ name: 't', partitions: [1] }]))['t-1'],
      FakeError.CONCURRENT_TRANSACTIONS,
    )
    assert.equal((await initProducerId(c, 'tx')).errorCode, FakeError.CONCURRENT_TRANSACTIONS)
    // A leader verifying a new partition for it gets the coordinator's answer as NOT_ENOUGH_REPLICAS.
    assert.equal(await sendTxn(c, id, 1, 1, ['b']), FakeError.NOT_ENOUGH_REPLICAS)

    assert.equal(cluster!.completeTransaction('tx'), true)
    assert.equal(cluster!.completeTransaction('tx'), false)
    assert.deepEqual(fates(0), [['a', 'committed']])
    assert.equal((await endTxn(c, 'tx', id, true, 4)).errorCode, 0)
  })

  test('a finite completion delay finishes on its own; close() stops a pending one', async () => {
    // Long enough that PrepareCommit is still there when the commit's answer is read, under load.
    const c = await start({ transactionCompletionDelayMs: 1_000 })
    const id = await identity(c, 'tx')
    await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0] }])
    await endTxn(c, 'tx', id, false, 4)
    let answer = (await endTxn(c, 'tx', id, false, 4)).errorCode
    for (let i = 0; i < 1000 && answer === FakeError.CONCURRENT_TRANSACTIONS; i++) {
      await new Promise((r) => setTimeout(r, 5))
      answer = (await endTxn(c, 'tx', id, false, 4)).errorCode
    }
    assert.equal(answer, 0)
    assert.equal(cluster!.transaction('tx')!.state, 'CompleteAbort')
    await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0] }])
    await endTxn(c, 'tx', id, true, 4)
    assert.equal(cluster!.transaction('tx')!.state, 'PrepareCommit')
    // afterEach closes the cluster with the timer pending: the test run would hang otherwise.
  })

  test('a transaction that times out is aborted and its producer fenced', async () => {
    const c = await start({ transactionVersion: 1 })
    const id = await identity(c, 'tx')
    await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0] }])
    assert.equal(await sendTxn(c, id, 0, 0, ['slow']), 0)
    assert.equal(cluster!.timeOutTransaction('tx'), true)
    assert.equal(cluster!.timeOutTransaction('tx'), false)
    assert.deepEqual(fates(0), [['slow', 'aborted']])
    const txn = cluster!.transaction('tx')!
    assert.deepEqual([txn.state, txn.producerEpoch], ['CompleteAbort', 1])
    assert.equal((await endTxn(c, 'tx', id, true, 4)).errorCode, FakeError.PRODUCER_FENCED)
    assert.equal(await sendTxn(c, id, 0, 1, ['more']), FakeError.INVALID_PRODUCER_EPOCH)
    // An expired transactional id is unknown: the producer has to start over.
    assert.equal(cluster!.expireTransactionalId('tx'), true)
    assert.equal(
      addResults(await addPartitions(c, 'tx', id, [{ name: 't', partitions: [0] }]))['t-0'],
      FakeError.INVALID_PRODUCER_ID_MAPPING,
    )
  })
})

/**
 * The fake transaction coordinator with a transactions-v2 client (KIP-890: EndTxn v5 bumps the
 * epoch, Produce v12 adds partitions itself), epoch exhaustion, the coordinator's own aborts at
 * each cluster transaction.version, and the features ApiVersions reports.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { BrokerConnection } from '../../src/network/broker-connection.js'
import { ApiVersions, type ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js'
import {
  type FakeCluster,
  type FakeClusterOptions,
  FakeError,
  startFakeCluster,
} from '../fakes/fake-broker.js'
import { openConnection, partitionResult, produce } from './client.js'
import { endTxn, identity, initProducerId, type ProducerIdentity } from './txn-client.js'

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

async function sendTxn(
  c: BrokerConnection,
  id: ProducerIdentity,
  partition: number,
  baseSequence: number,
  value: string,
  version = 12,
): Promise<number> {
  const batch = { ...id, baseSequence, transactional: true, records: [{ value }] }
  const res = await produce(c, 't', [{ partition, batch }], -1, { transactionalId: 'tx', version })
  return partitionResult(res, partition).errorCode
}

const fates = (partition: number) =>
  cluster!.log('t', partition).map((r) => [r.value?.toString(), r.txnState])

const features = (c: BrokerConnection, version = ApiVersions.maxVersion): Promise<ApiVersionsResponse> =>
  c.connection.send(ApiVersions, version, { clientSoftwareName: 'selftest', clientSoftwareVersion: '0' })

describe('fake transaction coordinator (transactions v2)', () => {
  test('Produce v12 adds the partition; EndTxn v5 bumps the epoch and returns it', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    assert.equal(await sendTxn(c, id, 0, 0, 'a'), 0)
    assert.equal(await sendTxn(c, id, 0, 1, 'b'), 0)
    const txn = cluster!.transaction('tx')!
    assert.deepEqual(
      [txn.state, txn.partitions, txn.clientTransactionVersion],
      ['Ongoing', [{ topic: 't', partition: 0 }], 2],
    )

    const ended = await endTxn(c, 'tx', id, true, 5)
    const next = { producerId: id.producerId, producerEpoch: id.producerEpoch + 1 }
    assert.deepEqual(
      [ended.errorCode, ended.producerId, ended.producerEpoch],
      [0, next.producerId, next.producerEpoch],
    )
    assert.deepEqual(fates(0), [
      ['a', 'committed'],
      ['b', 'committed'],
    ])
    assert.deepEqual(cluster!.markers('t', 0), [{ offset: 2n, ...next, commit: true }])
    // The marker's new epoch starts the sequences over; the old epoch is fenced.
    assert.equal(await sendTxn(c, next, 0, 3, 'gap'), FakeError.OUT_OF_ORDER_SEQUENCE_NUMBER)
    assert.equal(await sendTxn(c, id, 0, 2, 'stale'), FakeError.INVALID_PRODUCER_EPOCH)
    assert.equal(await sendTxn(c, next, 0, 0, 'c'), 0)
    const aborted = await endTxn(c, 'tx', next, false, 5)
    assert.deepEqual([aborted.errorCode, aborted.producerEpoch], [0, next.producerEpoch + 1])
    assert.deepEqual(fates(0).at(-1), ['c', 'aborted'])
  })

  test('EndTxn v5 retries and states, by epoch', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    const at = (producerEpoch: number) => ({ producerId: id.producerId, producerEpoch })
    const e = id.producerEpoch
    // Empty: commit is a wrong state, abort bumps.
    assert.equal((await endTxn(c, 'tx', id, true, 5)).errorCode, FakeError.INVALID_TXN_STATE)
    assert.deepEqual(
      [(await endTxn(c, 'tx', id, false, 5)).producerEpoch, cluster!.transaction('tx')!.state],
      [e + 1, 'CompleteAbort'],
    )
    // CompleteAbort: the abort retried with the old epoch is answered with the current identity.
    const retried = await endTxn(c, 'tx', at(e), false, 5)
    assert.deepEqual(
      [retried.errorCode, retried.producerId, retried.producerEpoch],
      [0, id.producerId, e + 1],
    )
    assert.equal((await endTxn(c, 'tx', at(e), true, 5)).errorCode, FakeError.INVALID_TXN_STATE)
    // A commit after it.
    assert.equal(await sendTxn(c, at(e + 1), 1, 0, 'x'), 0)
    assert.equal((await endTxn(c, 'tx', at(e + 1), true, 5)).producerEpoch, e + 2)
    assert.deepEqual([(await endTxn(c, 'tx', at(e + 1), true, 5)).errorCode], [0])
    assert.equal((await endTxn(c, 'tx', at(e + 1), false, 5)).errorCode, FakeError.INVALID_TXN_STATE)
    assert.equal((await endTxn(c, 'tx', at(e + 2), true, 5)).errorCode, FakeError.INVALID_TXN_STATE)
    // Anything older than a retry is fenced.
    assert.equal((await endTxn(c, 'tx', at(e), false, 5)).errorCode, FakeError.PRODUCER_FENCED)
  })

  test('while markers are written: a retry is CONCURRENT_TRANSACTIONS, a produce NOT_ENOUGH_REPLICAS', async () => {
    const c = await start({ transactionCompletionDelayMs: Number.POSITIVE_INFINITY })
    const id = await identity(c, 'tx')
    const next = { producerId: id.producerId, producerEpoch: id.producerEpoch + 1 }
    assert.equal(await sendTxn(c, id, 0, 0, 'a'), 0)
    assert.equal((await endTxn(c, 'tx', id, true, 5)).producerEpoch, next.producerEpoch)
    assert.equal((await endTxn(c, 'tx', id, true, 5)).errorCode, FakeError.CONCURRENT_TRANSACTIONS)
    assert.equal((await endTxn(c, 'tx', next, false, 5)).errorCode, FakeError.PRODUCER_FENCED)
    assert.equal(await sendTxn(c, next, 1, 0, 'early'), FakeError.NOT_ENOUGH_REPLICAS)
    cluster!.completeTransactions()
    assert.equal(await sendTxn(c, next, 1, 0, 'later'), 0)
    assert.deepEqual(fates(1), [['later', 'ongoing']])
  })

  test('exhausted epochs: EndTxn v5 and InitProducerId hand out a new producer id at epoch 0', async () => {
    const c = await start()
    const id = await identity(c, 'tx')
    cluster!.setTransactionEpoch('tx', 32766)
    const last = { producerId: id.producerId, producerEpoch: 32766 }
    assert.equal(await sendTxn(c, last, 0, 0, 'a'), 0)
    const ended = await endTxn(c, 'tx', last, true, 5)
    assert.equal(ended.errorCode, 0)
    assert.notEqual(ended.producerId, id.producerId)
    assert.equal(ended.producerEpoch, 0)
    assert.deepEqual(cluster!.markers('t', 0), [
      { offset: 1n, producerId: id.producerId, producerEpoch: 32767, commit: true },
    ])
    const txn = cluster!.transaction('tx')!
    assert.deepEqual([txn.producerId, txn.producerEpoch], [ended.producerId, 0])
    // The retry of that EndTxn, with the old id, gets the new identity again.
    const retried = await endTxn(c, 'tx', last, true, 5)
    assert.deepEqual([retried.errorCode, retried.producerId, retried.producerEpoch], [0, ended.producerId, 0])

    cluster!.setTransactionEpoch('tx', 32766)
    const rotated = await initProducerId(c, 'tx')
    assert.deepEqual([rotated.errorCode, rotated.producerEpoch], [0, 0])
    assert.notEqual(rotated.producerId, ended.producerId)
  })

  test('the coordinator ends a fenced or timed-out transaction with the cluster transaction.version', async () => {
    for (const [level, markerEpoch] of [
      [2, 2],
      [1, 1],
    ] as const) {
      const c = await start({ transactionVersion: level })
      const id = await identity(c, 'tx')
      assert.equal(await sendTxn(c, id, 0, 0, 'a', 11), FakeError.TRANSACTION_ABORTABLE)
      assert.equal(await sendTxn(c, id, 0, 0, 'a'), 0)
      assert.equal((await initProducerId(c, 'tx')).errorCode, FakeError.CONCURRENT_TRANSACTIONS)
      assert.deepEqual(cluster!.markers('t', 0)[0]!.producerEpoch, markerEpoch)
      assert.equal((await identity(c, 'tx')).producerEpoch, markerEpoch + 1)
      await cluster!.close()
      cluster = undefined
    }
  })

  test('ApiVersions reports the finalized transaction.version and its epoch', async () => {
    const c = await start()
    const v4 = await features(c)
    assert.deepEqual(
      v4.finalizedFeatures.find((f) => f.name === 'transaction.version'),
      {
        name: 'transaction.version',
        maxVersionLevel: 2,
        minVersionLevel: 2,
      },
    )
    assert.deepEqual(
      v4.supportedFeatures.find((f) => f.name === 'transaction.version'),
      {
        name: 'transaction.version',
        minVersion: 0,
        maxVersion: 2,
      },
    )
    const epoch = v4.finalizedFeaturesEpoch
    cluster!.setTransactionVersion(1)
    const downgraded = await features(c)
    assert.equal(
      downgraded.finalizedFeatures.find((f) => f.name === 'transaction.version')?.maxVersionLevel,
      1,
    )
    assert.ok(downgraded.finalizedFeaturesEpoch > epoch)
    cluster!.setTransactionVersion(0)
    const off = await features(c)
    assert.equal(
      off.finalizedFeatures.find((f) => f.name === 'transaction.version'),
      undefined,
    )
    assert.equal(cluster!.transactionVersion, 0)
    // Below v4 the features with minimum 0 are left out (KAFKA-17492).
    const v3 = await features(c, 3)
    assert.deepEqual(
      v3.supportedFeatures.map((f) => f.name),
      ['metadata.version'],
    )
    // EndTxn v5 is a transactions-v2 client whatever the cluster finalized, as in Kafka.
    const id = await identity(c, 'tx')
    assert.equal(await sendTxn(c, id, 0, 0, 'a'), 0)
    assert.equal((await endTxn(c, 'tx', id, true, 5)).producerEpoch, id.producerEpoch + 1)
  })
})

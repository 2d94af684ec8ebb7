/**
 * Transactions on real Apache Kafka: what a read_committed reader (Kafka's own consumer) sees
 * after commit and abort, fencing by a second producer with the same transactional.id, the
 * coordinator aborting the transaction of a producer killed mid-way, and consumer offsets
 * committed atomically with the output (checked with Kafka's Admin client). Each scenario runs on
 * the suite's broker (transaction.version 2, KIP-890) and on one formatted with
 * transaction.version 0 (the classic protocol with AddPartitionsToTxn / AddOffsetsToTxn); on
 * Kafka 3.x (run-tests.ts --compat --kafka-version), whose brokers have the classic protocol
 * only, on the suite's broker alone.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionStateError,
} from '../../src/errors.js'
import { type KafkaCluster, startKafka } from '../../src/local-kafka/cluster.js'
import { brokerKafkaVersion } from '../../src/local-kafka/distribution.js'
import { Producer } from '../../src/producer/producer.js'
import { kafkaAtLeast } from '../compat/support.js'
import { readTopic } from '../helpers/independent-reader.js'
import { runJava } from '../helpers/java.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures')

const values = (records: { value: Buffer | null }[]) => records.map((r) => r.value?.toString() ?? null)

async function committedOffsets(bootstrap: string, group: string): Promise<string[]> {
  const { stdout } = await runJava('GroupOffsets.java', [bootstrap, group])
  return stdout.split('\n').filter((l) => l.length > 0)
}

function scenarios(label: string, bootstrap: () => string) {
  describe(`transactions (${label})`, () => {
    it('committed records are visible to read_committed, aborted ones never', async () => {
      const b = bootstrap()
      const topic = uniqueTopic('txn')
      await createTopic(topic, 2, { bootstrap: b })
      const p = new Producer({ bootstrapServers: b, transactionalId: uniqueTopic('tid'), lingerMs: 5 })
      try {
        await p.initTransactions()
        p.beginTransaction()
        const sent = await Promise.all(
          ['c0', 'c1', 'c2'].map((v, i) => p.send({ topic, partition: i % 2, key: `k${i}`, value: v })),
        )
        assert.ok(sent.every((md) => md.offset >= 0n))
        await p.commitTransaction()

        p.beginTransaction()
        await Promise.all(['a0', 'a1'].map((v, i) => p.send({ topic, partition: i % 2, value: v })))
        await p.abortTransaction()

        await p.transaction(async (tx) => {
          await tx.send({ topic, partition: 0, value: 'helper-commit' })
        })
        await assert.rejects(
          p.transaction(async (tx) => {
            await tx.send({ topic, partition: 1, value: 'helper-abort' })
            throw new Error('work failed')
          }),
          /work failed/,
        )
        const m = p.metrics()
        for (const name of [
          'txn-init-time-ns-total',
          'txn-commit-time-ns-total',
          'txn-abort-time-ns-total',
        ]) {
          assert.ok((m[name] ?? 0) > 0, `${name} counted`)
        }
      } finally {
        await p.close()
      }
      const committed = await readTopic(b, topic, { isolationLevel: 'read_committed' })
      assert.deepEqual(values(committed).sort(), ['c0', 'c1', 'c2', 'helper-commit'])
      // read_uncommitted sees the aborted records too: they were written, then marked aborted.
      const all = await readTopic(b, topic)
      assert.deepEqual(values(all).sort(), ['a0', 'a1', 'c0', 'c1', 'c2', 'helper-abort', 'helper-commit'])
    })

    it('a second producer with the same transactional.id fences the first', async () => {
      const b = bootstrap()
      const topic = uniqueTopic('fence')
      await createTopic(topic, 1, { bootstrap: b })
      const id = uniqueTopic('tid')
      const first = new Producer({ bootstrapServers: b, transactionalId: id })
      const second = new Producer({ bootstrapServers: b, transactionalId: id })
      try {
        await first.initTransactions()
        first.beginTransaction()
        await first.send({ topic, value: 'zombie' })
        await second.initTransactions()
        await assert.rejects(first.commitTransaction(), ProducerFencedError)
        // Fatal: every later call fails the same way.
        assert.throws(() => first.beginTransaction(), ProducerFencedError)
        second.beginTransaction()
        await second.send({ topic, value: 'survivor' })
        await second.commitTransaction()
      } finally {
        await first.close()
        await second.close()
      }
      const committed = await readTopic(b, topic, { isolationLevel: 'read_committed' })
      assert.deepEqual(values(committed), ['survivor'])
    })

    it('read-process-write: offsets commit with the output, and abort with it', async () => {
      const b = bootstrap()
      const input = uniqueTopic('in')
      const output = uniqueTopic('out')
      const group = uniqueTopic('group')
      await createTopic(input, 2, { bootstrap: b })
      await createTopic(output, 1, { bootstrap: b })
      const p = new Producer({ bootstrapServers: b, transactionalId: uniqueTopic('tid') })
      try {
        await p.initTransactions()
        p.beginTransaction()
        await p.send({ topic: output, value: 'processed-1' })
        await p.sendOffsetsToTransaction(
          [
            { topic: input, partition: 0, offset: 42n },
            { topic: input, partition: 1, offset: 7 },
          ],
          { groupId: group },
        )
        await p.commitTransaction()
        assert.deepEqual(await committedOffsets(b, group), [`${input} 0 42`, `${input} 1 7`])

        p.beginTransaction()
        await p.send({ topic: output, value: 'processed-2' })
        await p.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 99n }], group)
        await p.abortTransaction()
      } finally {
        await p.close()
      }
      assert.deepEqual(await committedOffsets(b, group), [`${input} 0 42`, `${input} 1 7`])
      const committed = await readTopic(b, output, { isolationLevel: 'read_committed' })
      assert.deepEqual(values(committed), ['processed-1'])
    })

    it('a producer killed mid-transaction has its transaction aborted by the coordinator', async () => {
      const b = bootstrap()
      const topic = uniqueTopic('killed')
      await createTopic(topic, 1, { bootstrap: b })
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(FIXTURES, 'txn-child.ts'), b, topic, uniqueTopic('tid')],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      const sent = await new Promise<boolean>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('sent')) resolve(true)
        })
        child.on('exit', () => resolve(false))
      })
      assert.ok(sent, 'the child producer should have had its records acknowledged')
      child.kill('SIGKILL')
      // A record after the open transaction: a read_committed reader gets to it only once the
      // transaction is over (the last stable offset holds until then).
      const p = new Producer({ bootstrapServers: b })
      try {
        await p.send({ topic, partition: 0, value: 'after' })
      } finally {
        await p.close()
      }
      const deadline = Date.now() + 90_000
      let seen: (string | null)[] = []
      while (Date.now() < deadline) {
        seen = values(await readTopic(b, topic, { isolationLevel: 'read_committed', timeoutMs: 20_000 }))
        if (seen.includes('after')) break
        await new Promise((r) => setTimeout(r, 1000))
      }
      assert.deepEqual(
        seen,
        ['after'],
        'the killed producer’s records must be aborted, and nothing else lost',
      )
      const all = values(await readTopic(b, topic))
      assert.equal(all.filter((v) => v?.startsWith('doomed-')).length, 10)
    })

    it('misuse fails with TransactionStateError; a failed record makes the transaction abortable', async () => {
      const b = bootstrap()
      const topic = uniqueTopic('misuse')
      await createTopic(topic, 1, { bootstrap: b, configs: { 'max.message.bytes': '2000' } })
      const p = new Producer({ bootstrapServers: b, transactionalId: uniqueTopic('tid') })
      try {
        assert.throws(() => p.beginTransaction(), TransactionStateError)
        await p.initTransactions()
        await assert.rejects(p.send({ topic, value: 'outside' }), TransactionStateError)
        await assert.rejects(p.commitTransaction(), TransactionStateError)
        p.beginTransaction()
        assert.throws(() => p.beginTransaction(), TransactionStateError)
        const ok = p.send({ topic, value: 'fine' })
        // Larger than the topic's max.message.bytes: the broker refuses it for good.
        const tooBig = p.send({ topic, value: 'x'.repeat(5000) })
        await ok
        await assert.rejects(tooBig)
        await assert.rejects(p.commitTransaction(), TransactionAbortableError)
        const late = p.send({ topic, value: 'late' })
        await assert.rejects(late, TransactionAbortableError)
        await p.abortTransaction()
        // And the producer goes on.
        p.beginTransaction()
        await p.send({ topic, value: 'next' })
        await p.commitTransaction()
      } finally {
        await p.close()
      }
      const committed = await readTopic(b, topic, { isolationLevel: 'read_committed' })
      assert.deepEqual(values(committed), ['next'])
    })

    it('close() aborts the open transaction at once (no wait for transaction.timeout.ms)', async () => {
      const b = bootstrap()
      const topic = uniqueTopic('close')
      await createTopic(topic, 1, { bootstrap: b })
      const p = new Producer({ bootstrapServers: b, transactionalId: uniqueTopic('tid') })
      await p.initTransactions()
      await assert.rejects(p.initTransactions(), TransactionStateError)
      p.beginTransaction()
      await p.send({ topic, value: 'open-at-close' })
      await p.close()
      const plain = new Producer({ bootstrapServers: b })
      try {
        await p.send({ topic, value: 'after' }).catch(() => {})
        await plain.send({ topic, value: 'after' })
        await assert.rejects(plain.initTransactions(), TransactionStateError)
      } finally {
        await plain.close()
      }
      // With the transaction still open, the last stable offset would hold the reader before
      // 'after' (transaction.timeout.ms is 60 s here).
      const committed = await readTopic(b, topic, { isolationLevel: 'read_committed' })
      assert.deepEqual(values(committed), ['after'])
    })

    it('abort fails records not yet sent with TransactionAbortedError', async () => {
      const b = bootstrap()
      const topic = uniqueTopic('unsent')
      await createTopic(topic, 1, { bootstrap: b })
      const p = new Producer({ bootstrapServers: b, transactionalId: uniqueTopic('tid'), lingerMs: 60_000 })
      try {
        await p.initTransactions()
        p.beginTransaction()
        const pending = p.send({ topic, value: 'never' })
        const outcome = pending.then(
          () => 'delivered',
          (e: Error) => e,
        )
        await p.abortTransaction()
        // linger.ms keeps it from being sent before the abort.
        const r = await outcome
        assert.ok(r instanceof TransactionAbortedError, String(r))
      } finally {
        await p.close()
      }
      const committed = await readTopic(b, topic, { isolationLevel: 'read_committed' })
      assert.deepEqual(values(committed), [])
    })
  })
}

if (kafkaAtLeast(4, 0)) {
  scenarios('transaction.version 2, KIP-890', testBootstrap)

  let classic: KafkaCluster | null = null
  describe('classic transaction protocol broker', () => {
    before(async () => {
      classic = await startKafka({ name: `txn-v0-${process.pid}`, features: { 'transaction.version': 0 } })
    })
    after(async () => {
      await classic?.stop()
    })
    scenarios('transaction.version 0, AddPartitionsToTxn', () => classic!.bootstrapServers)
  })
} else {
  // Kafka 3.x has no transaction.version: its coordinators speak the classic protocol only.
  scenarios(`Kafka ${brokerKafkaVersion()}, classic protocol, AddPartitionsToTxn`, testBootstrap)
}

/** The caller's topic table: records wait behind the first answer in send order, an error releases them all, a refresh sees a grown topic. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type KafkaError, TimeoutError } from '../../src/errors.js'
import type { MetaPartition } from '../../src/workers/messages.js'
import { type TopicInfo, Topics } from '../../src/workers/topics.js'

const parts = (n: number, leaderless: number[] = []): MetaPartition[] =>
  Array.from({ length: n }, (_, partition) => ({
    partition,
    leader: leaderless.includes(partition) ? -1 : 1,
  }))

test('records wait in send order until the first answer; later records queue behind them; bytes are counted', async () => {
  let answer!: (a: readonly MetaPartition[] | KafkaError) => void
  let asked = 0
  const released: { topic: string; ids: number[]; info: TopicInfo | undefined; err: KafkaError | null }[] = []
  const topics = new Topics<{ id: number; size: number }>({
    ask: () => {
      asked++
      return new Promise((r) => (answer = r))
    },
    release: (topic, waiting, info, err) =>
      released.push({ topic, ids: waiting.map((w) => w.id), info, err }),
  })
  assert.equal(topics.ready('t'), undefined)
  topics.wait('t', { id: 1, size: 10 })
  topics.wait('t', { id: 2, size: 5 })
  assert.equal(asked, 1, 'one request per topic')
  assert.equal(topics.waitingBytes, 15)
  answer(parts(3, [1]))
  await topics.settled()
  assert.equal(topics.waitingBytes, 0)
  assert.deepEqual(released, [
    { topic: 't', ids: [1, 2], info: { count: 3, available: [0, 2], partitions: parts(3, [1]) }, err: null },
  ])
  assert.equal(topics.ready('t')?.count, 3)
})

test('a failed answer releases the waiting records with the error; the next record asks again', async () => {
  const err = new TimeoutError('no metadata', 'ERR_METADATA_TIMEOUT')
  let asked = 0
  const released: (KafkaError | null)[] = []
  const topics = new Topics<{ size: number }>({
    ask: async () => {
      asked++
      return err
    },
    release: (_t, waiting, _info, e) => {
      for (const _ of waiting) released.push(e)
    },
  })
  topics.wait('t', { size: 1 })
  topics.wait('t', { size: 1 })
  await topics.settled()
  assert.deepEqual(released, [err, err])
  topics.wait('t', { size: 1 })
  await topics.settled()
  assert.equal(asked, 2)
  assert.equal(released.length, 3)
})

test('releaseAll fails what waits (close); refresh() picks up a grown topic', async () => {
  let n = 2
  const topics = new Topics<{ size: number }>({
    ask: async (topic) => (topic === 'never' ? new Promise(() => {}) : parts(n)),
    release: (_t, waiting, _info, e) => {
      for (const _ of waiting) failed.push(e)
    },
  })
  const failed: (KafkaError | null)[] = []
  assert.equal(await topics.fetch('t'), null)
  assert.equal(topics.info('t')?.count, 2)
  n = 4
  topics.refresh()
  await new Promise((r) => setImmediate(r))
  assert.equal(topics.info('t')?.count, 4)
  topics.wait('never', { size: 3 })
  topics.releaseAll((t) => new TimeoutError(`closed while waiting for ${t}`, 'ERR_CLOSE_TIMEOUT'))
  assert.equal(failed.length, 1)
  assert.match(failed[0]!.message, /never/)
  assert.equal(topics.waitingBytes, 0)
})

/**
 * PendingSends on its own: records waiting for their topic's metadata (per topic, in send
 * order) and for memory (one FIFO), with a fake host. Deadlines are set in the past or far
 * ahead, so nothing here depends on how fast the machine is.
 */
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { describe, test } from 'node:test'
import type { TopicMetadata } from '../../src/cluster/cluster-snapshot.js'
import { AbortError, BufferExhaustedError, KafkaError, TransactionAbortedError } from '../../src/errors.js'
import { type PendingSend, PendingSends, type PendingSendsHost } from '../../src/producer/pending-sends.js'
import type { RecordMetadata } from '../../src/producer/record.js'

const FAR = Date.now() + 3_600_000

function meta(name: string): TopicMetadata {
  return {
    name,
    errorCode: 0,
    partitions: [{ partition: 0, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1], errorCode: 0 }],
  } as unknown as TopicMetadata
}

interface Outcome {
  value: string
  error: Error | null
}

/** A host whose memory is `room` appends; every outcome is kept in order. */
class FakeHost implements PendingSendsHost {
  readonly bufferMemory = 1024
  readonly maxBlockMs = 1000
  room = Number.POSITIVE_INFINITY
  readonly appended: string[] = []
  readonly failed: Outcome[] = []
  readonly known = new Map<string, TopicMetadata>()
  readonly waits = new Map<string, { resolve: (m: TopicMetadata) => void; reject: (e: Error) => void }>()
  waitsForMemory = 0
  emptied = 0

  waitForTopic(topic: string): Promise<TopicMetadata> {
    return new Promise((resolve, reject) => this.waits.set(topic, { resolve, reject }))
  }
  topic(topic: string): TopicMetadata | undefined {
    return this.known.get(topic)
  }
  /** Serializes a record that waited unserialized: the value "bad" throws. */
  serialize(p: PendingSend): number {
    const v = p.record.value as string
    if (v.startsWith('bad')) throw new Error(`cannot serialize ${v}`)
    p.value = Buffer.from(v)
    return 10
  }
  append(p: PendingSend): boolean {
    if (this.room <= 0) return false
    this.room--
    this.appended.push(p.record.value as string)
    return true
  }
  fail(_completion: unknown, err: Error): void {
    this.failed.push({ value: (_completion as { value: string }).value, error: err })
  }
  onWaitForMemory(): void {
    this.waitsForMemory++
  }
  onMemoryQueueEmpty(): void {
    this.emptied++
  }
  /** The topic's metadata arrives. */
  arrive(topic: string): void {
    this.known.set(topic, meta(topic))
    this.waits.get(topic)!.resolve(meta(topic))
  }
}

/** Completions the way the producer makes them; `settled` keeps what the record was told. */
const settled = new Map<string, Error | RecordMetadata>()
function entry(
  topic: string,
  value: string,
  opts: { deadline?: number; signal?: AbortSignal; bytes?: number; serialized?: boolean } = {},
): PendingSend {
  const completion = Object.assign(
    (err: Error | null, md: RecordMetadata | null) => settled.set(value, err ?? md!),
    { value },
  )
  return {
    record: { topic, value },
    serialized: opts.serialized ?? true,
    key: null,
    value: opts.serialized === false ? null : Buffer.from(value),
    headers: [],
    timestamp: 0,
    completion,
    deadline: opts.deadline ?? FAR,
    signal: opts.signal,
    onAbort: null,
    waitStart: 0,
    bytes: opts.bytes ?? 1,
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r))

describe('records waiting for metadata', () => {
  test('are appended in send order once their topic is known; one metadata wait per topic', async () => {
    const host = new FakeHost()
    const q = new PendingSends(host)
    assert.ok(q.isEmpty)
    q.enqueueForMetadata('a', entry('a', 'a1'))
    q.enqueueForMetadata('b', entry('b', 'b1'))
    q.enqueueForMetadata('a', entry('a', 'a2'))
    assert.equal(host.waits.size, 2)
    assert.ok(q.waitingForMetadata('a') && q.waitingForMetadata('b') && !q.waitingForMetadata('c'))
    assert.ok(!q.isEmpty && !q.waitingForMemory)
    let empty = false
    const whenEmpty = q.whenEmpty().then(() => {
      empty = true
    })
    host.arrive('a')
    await tick()
    assert.deepEqual(host.appended, ['a1', 'a2'])
    assert.ok(!q.waitingForMetadata('a'))
    assert.equal(empty, false, 'b still waits')
    host.arrive('b')
    await whenEmpty
    assert.deepEqual(host.appended, ['a1', 'a2', 'b1'])
    assert.ok(q.isEmpty)
  })

  test('records that waited unserialized (for a serializer) are serialized in order when the wait ends; one that fails fails alone', async () => {
    const host = new FakeHost()
    const q = new PendingSends(host)
    q.enqueueForMetadata('a', entry('a', 'u1', { serialized: false, bytes: 4 }))
    q.enqueueForMetadata('a', entry('a', 'bad2', { serialized: false, bytes: 4 }))
    q.enqueueForMetadata('a', entry('a', 's3'))
    q.enqueueForMetadata('a', entry('a', 'u4', { serialized: false, bytes: 4 }))
    assert.equal(q.waitingBytes, 4 + 4 + 1 + 4)
    host.arrive('a')
    await q.whenEmpty()
    assert.deepEqual(host.appended, ['u1', 's3', 'u4'])
    assert.deepEqual(
      host.failed.map((f) => [f.value, f.error?.message]),
      [['bad2', 'cannot serialize bad2']],
    )
    assert.equal(q.waitingBytes, 0)
  })

  test('a record serialized after its wait counts its real size while it then waits for memory', async () => {
    const host = new FakeHost()
    host.room = 0
    const q = new PendingSends(host)
    q.enqueueForMetadata('a', entry('a', 'u1', { serialized: false, bytes: 4 }))
    host.arrive('a')
    await tick()
    assert.ok(q.waitingForMemory)
    assert.equal(q.waitingBytes, 10, 'the size FakeHost.serialize gave')
    host.room = 1
    q.serve()
    assert.deepEqual(host.appended, ['u1'])
    assert.equal(q.waitingBytes, 0)
  })

  test("fail with the metadata wait's error when the topic never comes (told to the host)", async () => {
    const host = new FakeHost()
    const q = new PendingSends(host)
    q.enqueueForMetadata('a', entry('a', 'x1'))
    q.enqueueForMetadata('a', entry('a', 'x2'))
    const err = new KafkaError("topic 'a' does not exist", 'ERR_TIMEOUT')
    host.waits.get('a')!.reject(err)
    await q.whenEmpty()
    assert.deepEqual(
      host.failed.map((f) => [f.value, f.error]),
      [
        ['x1', err],
        ['x2', err],
      ],
    )
    assert.ok(q.isEmpty)
  })

  test('a record whose metadata came while others wait for memory queues behind them', async () => {
    const host = new FakeHost()
    host.room = 0
    host.known.set('m', meta('m'))
    const q = new PendingSends(host)
    q.enqueueForMemory(entry('m', 'm1'))
    q.enqueueForMetadata('a', entry('a', 'a1'))
    host.arrive('a')
    await tick()
    assert.deepEqual(host.appended, [], 'a1 did not jump the memory queue')
    assert.ok(q.waitingForMemory)
    host.room = 2
    q.serve()
    assert.deepEqual(host.appended, ['m1', 'a1'])
    assert.ok(q.isEmpty)
  })
})

describe('records waiting for memory', () => {
  test('are served in FIFO order as memory comes back; the host hears when the queue empties', async () => {
    const host = new FakeHost()
    host.room = 0
    for (const t of ['t', 'u']) host.known.set(t, meta(t))
    const q = new PendingSends(host)
    q.enqueueForMemory(entry('t', 'r1'))
    q.enqueueForMemory(entry('u', 'r2'))
    q.enqueueForMemory(entry('t', 'r3'))
    assert.equal(host.waitsForMemory, 3)
    q.serve()
    assert.deepEqual(host.appended, [])
    host.room = 1
    q.serve()
    assert.deepEqual(host.appended, ['r1'])
    assert.equal(host.emptied, 0)
    const whenEmpty = q.whenEmpty()
    host.room = 5
    q.serve()
    await whenEmpty
    assert.deepEqual(host.appended, ['r1', 'r2', 'r3'])
    assert.equal(host.emptied, 1)
    assert.ok(q.isEmpty)
  })

  test('a record past its deadline fails with BufferExhaustedError; the next one is still served', () => {
    const host = new FakeHost()
    host.room = 0
    host.known.set('t', meta('t'))
    const q = new PendingSends(host)
    q.enqueueForMemory(entry('t', 'late', { deadline: Date.now() - 1 }))
    q.enqueueForMemory(entry('t', 'ok'))
    host.room = 1
    q.serve()
    assert.equal(host.failed.length, 1)
    assert.equal(host.failed[0]!.value, 'late')
    assert.ok(host.failed[0]!.error instanceof BufferExhaustedError)
    assert.match(host.failed[0]!.error!.message, /buffer\.memory=1024.*max\.block\.ms=1000/)
    assert.deepEqual(host.appended, ['ok'])
  })

  test('an append that throws fails that record alone', () => {
    const host = new FakeHost()
    host.known.set('t', meta('t'))
    const q = new PendingSends(host)
    host.room = 0
    q.enqueueForMemory(entry('t', 'bad'))
    q.enqueueForMemory(entry('t', 'good'))
    const append = host.append.bind(host)
    host.append = (p) => {
      if (p.record.value === 'bad') throw new KafkaError('partition out of range', 'ERR_INVALID_PARTITION')
      return append(p)
    }
    host.room = 1
    q.serve()
    assert.deepEqual(
      host.failed.map((f) => f.value),
      ['bad'],
    )
    assert.deepEqual(host.appended, ['good'])
  })
})

describe('failing everything pending', () => {
  test('failAll fails both queues without telling the host; the metadata wait goes on', async () => {
    const host = new FakeHost()
    host.room = 0
    host.known.set('m', meta('m'))
    const q = new PendingSends(host)
    q.enqueueForMetadata('a', entry('a', 'fa1'))
    q.enqueueForMemory(entry('m', 'fm1'))
    const err = new TransactionAbortedError()
    q.failAll(err)
    assert.equal(settled.get('fa1'), err)
    assert.equal(settled.get('fm1'), err)
    assert.equal(host.failed.length, 0)
    assert.ok(!q.waitingForMemory)
    assert.ok(!q.isEmpty, "a's metadata wait is still under way")
    host.arrive('a')
    await q.whenEmpty()
    assert.ok(q.isEmpty)
    assert.deepEqual(host.appended, [])
  })

  test('failWaitingForMemory leaves records waiting for metadata alone', async () => {
    const host = new FakeHost()
    host.room = 0
    host.known.set('m', meta('m'))
    const q = new PendingSends(host)
    q.enqueueForMetadata('a', entry('a', 'wa1'))
    q.enqueueForMemory(entry('m', 'wm1'))
    const err = new KafkaError('closed', 'ERR_CLOSE_TIMEOUT')
    q.failWaitingForMemory(err)
    assert.equal(settled.get('wm1'), err)
    assert.ok(!settled.has('wa1'))
    host.room = 1
    host.arrive('a')
    await q.whenEmpty()
    assert.deepEqual(host.appended, ['wa1'])
  })
})

describe('AbortSignal', () => {
  test('aborting a record waiting for metadata removes it; the others of its topic go on', async () => {
    const host = new FakeHost()
    const q = new PendingSends(host)
    const ac = new AbortController()
    q.enqueueForMetadata('a', entry('a', 'keep1'))
    q.enqueueForMetadata('a', entry('a', 'drop', { signal: ac.signal }))
    q.enqueueForMetadata('a', entry('a', 'keep2'))
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1)
    const reason = new Error('user gave up')
    ac.abort(reason)
    assert.equal(host.failed.length, 1)
    const err = host.failed[0]!.error!
    assert.ok(err instanceof AbortError && err instanceof KafkaError)
    assert.equal(err.name, 'AbortError')
    assert.equal(err.code, 'ERR_ABORTED')
    assert.equal(err.cause, reason)
    host.arrive('a')
    await q.whenEmpty()
    assert.deepEqual(host.appended, ['keep1', 'keep2'])
  })

  test('aborting the last record waiting for memory empties the queue: whenEmpty resolves', async () => {
    const host = new FakeHost()
    host.room = 0
    host.known.set('m', meta('m'))
    const q = new PendingSends(host)
    const ac = new AbortController()
    q.enqueueForMemory(entry('m', 'only', { signal: ac.signal }))
    const whenEmpty = q.whenEmpty()
    ac.abort()
    await whenEmpty
    assert.ok(q.isEmpty)
    assert.equal(host.emptied, 1)
    assert.equal(host.failed[0]!.value, 'only')
    assert.ok(host.failed[0]!.error instanceof AbortError)
  })

  test('aborting a record in the middle of the memory queue keeps the order of the rest', () => {
    const host = new FakeHost()
    host.room = 0
    host.known.set('m', meta('m'))
    const q = new PendingSends(host)
    const ac = new AbortController()
    q.enqueueForMemory(entry('m', 'q1'))
    q.enqueueForMemory(entry('m', 'q2', { signal: ac.signal }))
    q.enqueueForMemory(entry('m', 'q3'))
    ac.abort()
    host.room = 5
    q.serve()
    assert.deepEqual(host.appended, ['q1', 'q3'])
  })

  test('once appended, the record no longer listens: a later abort changes nothing', async () => {
    const host = new FakeHost()
    const q = new PendingSends(host)
    const ac = new AbortController()
    q.enqueueForMetadata('a', entry('a', 'in', { signal: ac.signal }))
    host.arrive('a')
    await q.whenEmpty()
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0)
    ac.abort()
    assert.deepEqual(host.appended, ['in'])
    assert.equal(host.failed.length, 0)
  })

  test('a record that fails while waiting stops listening too', () => {
    const host = new FakeHost()
    host.room = 0
    host.known.set('m', meta('m'))
    const q = new PendingSends(host)
    const ac = new AbortController()
    q.enqueueForMemory(entry('m', 'late', { deadline: Date.now() - 1, signal: ac.signal }))
    q.serve()
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0)
    assert.ok(host.failed[0]!.error instanceof BufferExhaustedError)
  })

  test('a record without a signal costs no listener', () => {
    const host = new FakeHost()
    host.room = 0
    host.known.set('m', meta('m'))
    const q = new PendingSends(host)
    const p = entry('m', 'plain')
    q.enqueueForMemory(p)
    assert.equal(p.onAbort, null)
    q.failWaitingForMemory(new Error('done')) // and no timer is left behind
  })
})

describe('the bound on what waits', () => {
  test('records waiting hold at most buffer.memory; beyond, a send fails at once, retriable, saying to wait for drain', () => {
    const host = new FakeHost() // buffer.memory 1024
    host.room = 0
    const q = new PendingSends(host)
    host.known.set('t', meta('t'))
    q.enqueueForMemory(entry('t', 'a', { bytes: 400 }))
    q.enqueueForMetadata('u', entry('u', 'b', { bytes: 400 }))
    assert.equal(q.waitingBytes, 800)
    let refused: unknown
    try {
      q.enqueueForMemory(entry('t', 'c', { bytes: 400 }))
    } catch (err) {
      refused = err
    }
    assert.ok(refused instanceof BufferExhaustedError)
    assert.equal(refused.retriable, true)
    assert.equal(refused.code, 'ERR_BUFFER_EXHAUSTED')
    assert.match(
      refused.message,
      /800 bytes of records already wait for metadata or memory, the bound of buffer.memory=1024/,
    )
    assert.match(refused.message, /Wait for 'drain'/)
    assert.throws(
      () => q.enqueueForMetadata('u', entry('u', 'd', { bytes: 400 })),
      (e) => e === refused,
      'one error for the run',
    )
    assert.equal(q.waitingBytes, 800, 'refused records are not counted')
    q.enqueueForMemory(entry('t', 'small', { bytes: 224 }))
    assert.equal(q.waitingBytes, 1024, 'up to the bound exactly')
    // Memory comes back: the records that leave the wait make room.
    host.room = 2
    q.serve()
    assert.deepEqual(host.appended, ['a', 'small'])
    assert.equal(q.waitingBytes, 400)
    q.enqueueForMemory(entry('t', 'e', { bytes: 400 }))
    assert.equal(q.waitingBytes, 800)
    q.failAll(new Error('closed'))
    assert.equal(q.waitingBytes, 0, 'failing everything frees the bound')
  })

  test('a record taken back by its signal frees its bytes', () => {
    const host = new FakeHost()
    host.room = 0
    const q = new PendingSends(host)
    host.known.set('t', meta('t'))
    const ac = new AbortController()
    q.enqueueForMemory(entry('t', 'a', { bytes: 1000, signal: ac.signal }))
    assert.throws(() => q.enqueueForMemory(entry('t', 'b', { bytes: 100 })), BufferExhaustedError)
    ac.abort()
    assert.equal(q.waitingBytes, 0)
    q.enqueueForMemory(entry('t', 'b', { bytes: 100 }))
    assert.equal(q.waitingBytes, 100)
    q.failAll(new Error('done'))
  })

  test('one record larger than the bound may wait alone (size limits are checked before)', () => {
    const host = new FakeHost()
    host.room = 0
    const q = new PendingSends(host)
    host.known.set('t', meta('t'))
    q.enqueueForMemory(entry('t', 'big', { bytes: 5000 }))
    assert.equal(q.waitingBytes, 5000)
    q.failAll(new Error('done'))
  })
})

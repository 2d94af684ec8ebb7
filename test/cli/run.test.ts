/**
 * The send loop against an in-memory producer and a simulated clock: counting, backpressure,
 * warmup, failures, transactions and throttling, without Kafka and without wall-clock timing.
 * (The end-to-end tests run the built CLI against a real broker.)
 */

import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, test } from 'node:test'
import { RangeKeys } from '../../src/cli/perf/keys.js'
import { MonotonicPayloads, RandomPayloads } from '../../src/cli/perf/payloads.js'
import { type PerfProducer, PerfRun, type RunOptions } from '../../src/cli/perf/run.js'
import { KafkaError } from '../../src/errors.js'
import type { ProducerRecord, SendCallback } from '../../src/producer/record.js'

class Clock {
  ms = 0
  readonly now = () => this.ms
  readonly sleeps: number[] = []
  readonly sleep = async (ms: number) => {
    this.sleeps.push(ms)
    this.ms += ms
  }
}

/**
 * Holds up to `capacity` records; send() returns false when that is reached, and the records
 * are acknowledged (after `latencyMs` on the clock) on the next turn of the event loop, followed
 * by 'drain'. `fail(i)` makes record i fail.
 */
class FakeProducer extends EventEmitter implements PerfProducer {
  readonly values: string[] = []
  readonly keys: (string | null)[] = []
  readonly ops: string[] = []
  readonly #pending: [number, SendCallback][] = []
  #scheduled = false
  #inTransaction = false
  maxPending = 0

  constructor(
    readonly clock: Clock,
    readonly capacity = Number.POSITIVE_INFINITY,
    readonly latencyMs = 0,
    readonly fail: (index: number) => boolean = () => false,
    readonly sendCostMs = 0,
  ) {
    super()
  }

  send(record: ProducerRecord, callback: SendCallback): boolean {
    assert.ok(this.#pending.length < this.capacity, 'send() called while the producer said it was full')
    if (this.ops.includes('begin')) assert.ok(this.#inTransaction, 'a send outside a transaction')
    this.values.push(Buffer.from(record.value as Uint8Array).toString())
    this.keys.push(record.key == null ? null : Buffer.from(record.key as Uint8Array).toString())
    this.ops.push('send')
    this.#pending.push([this.values.length - 1, callback])
    this.maxPending = Math.max(this.maxPending, this.#pending.length)
    this.clock.ms += this.sendCostMs
    const room = this.#pending.length < this.capacity
    if (!room) this.#schedule()
    return room
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#ackAll()
      this.emit('drain')
    })
  }

  #ackAll(): void {
    this.clock.ms += this.latencyMs
    for (const [index, cb] of this.#pending.splice(0)) {
      if (this.fail(index)) cb(new KafkaError(`record ${index} failed`, 'ERR_NETWORK'), null)
      else cb(null, { topic: 't', partition: 0, offset: BigInt(index), timestamp: 0 })
    }
  }

  async flush(): Promise<void> {
    this.ops.push('flush')
    this.#ackAll()
  }

  beginTransaction(): void {
    assert.equal(this.#inTransaction, false, 'begin inside a transaction')
    this.#inTransaction = true
    this.ops.push('begin')
  }

  async commitTransaction(): Promise<void> {
    assert.equal(this.#inTransaction, true, 'commit outside a transaction')
    this.#ackAll()
    this.#inTransaction = false
    this.ops.push('commit')
  }
}

function options(o: Partial<RunOptions> = {}): RunOptions {
  return {
    topic: 't',
    numRecords: 100,
    warmupRecords: 0,
    throughput: -1,
    reportingIntervalMs: 5000,
    transactionDurationMs: null,
    ...o,
  }
}

function newRun(clock: Clock, opts: RunOptions, lines: string[] = [], failures: Error[] = []): PerfRun {
  return new PerfRun(opts, {
    line: (l) => lines.push(l),
    failure: (e) => failures.push(e),
    now: clock.now,
    sleep: clock.sleep,
  })
}

describe('PerfRun', () => {
  test('sends --num-records records with the payloads, all acknowledged and counted', async () => {
    const clock = new Clock()
    const producer = new FakeProducer(clock, Number.POSITIVE_INFINITY, 4)
    const run = newRun(clock, options({ numRecords: 500 }))
    await run.run(producer, new MonotonicPayloads())
    assert.deepEqual(
      producer.values,
      Array.from({ length: 500 }, (_, i) => String(i)),
    )
    assert.equal(run.done, 500)
    assert.equal(run.failed, 0)
    const s = run.stats.summary(clock.ms)
    assert.equal(s.records, 500)
    assert.equal(
      s.bytes,
      producer.values.reduce((n, v) => n + v.length, 0),
    )
    assert.equal(s.latencyMs.avg, 4)
    assert.equal(s.latencyMs.p99, 4)
    assert.equal(producer.ops.at(-1), 'flush')
  })

  test('keys: none by default; with a key source, each record gets its key; bytes count the value only', async () => {
    const clock = new Clock()
    const plain = new FakeProducer(clock)
    await newRun(clock, options({ numRecords: 5 })).run(plain, new MonotonicPayloads())
    assert.deepEqual(plain.keys, [null, null, null, null, null])
    const keyed = new FakeProducer(clock)
    const run = newRun(clock, options({ numRecords: 12 }))
    await run.run(keyed, new RandomPayloads(10), new RangeKeys(5, 12))
    assert.deepEqual(keyed.keys, ['0', '1', '2', '3', '4', '0', '1', '2', '3', '4', '0', '1'])
    assert.equal(run.stats.summary(clock.ms).bytes, 12 * 10)
  })

  test("waits for 'drain' when send() returns false; never sends into a full producer", async () => {
    const clock = new Clock()
    const producer = new FakeProducer(clock, 64, 1)
    const run = newRun(clock, options({ numRecords: 10_000 }))
    await run.run(producer, new RandomPayloads(10))
    assert.equal(producer.values.length, 10_000)
    assert.equal(producer.maxPending, 64)
    assert.equal(run.stats.count, 10_000)
    assert.ok(run.peakInflight <= 64, `${run.peakInflight} callback slots for 64 records in flight`)
  })

  test('warmup: steady-state stats count only the records after --warmup-records', async () => {
    const clock = new Clock()
    const lines: string[] = []
    const producer = new FakeProducer(clock, 10, 1, () => false, 1)
    const run = newRun(
      clock,
      options({ numRecords: 1000, warmupRecords: 300, reportingIntervalMs: 100 }),
      lines,
    )
    await run.run(producer, new RandomPayloads(100))
    assert.equal(run.stats.count, 1000)
    assert.equal(run.steadyStats?.count, 700)
    assert.equal(run.steadyStats?.steadyState, true)
    // Window lines come from the overall stats during warmup, then from the steady-state stats.
    const firstSteady = lines.indexOf('In steady state.')
    assert.ok(firstSteady > 0, lines.join('\n'))
    assert.equal(lines.filter((l) => l === 'In steady state.').length, 1)
    assert.match(run.steadyStats!.totalLine(clock.ms), /^700 steady state records sent/)
    assert.match(run.stats.totalLine(clock.ms), /^1000 records sent/)
  })

  test('failed records are reported, not counted, and the run goes on', async () => {
    const clock = new Clock()
    const failures: Error[] = []
    const producer = new FakeProducer(clock, 7, 1, (i) => i % 10 === 3)
    const run = newRun(clock, options({ numRecords: 100 }), [], failures)
    await run.run(producer, new RandomPayloads(10))
    assert.equal(run.done, 100)
    assert.equal(run.failed, 10)
    assert.equal(failures.length, 10)
    assert.equal(failures[0]?.message, 'record 3 failed')
    assert.equal(run.stats.count, 90)
  })

  test('transactions: begin before the first send, commit once the duration has passed, commit the rest', async () => {
    const clock = new Clock()
    const producer = new FakeProducer(clock, Number.POSITIVE_INFINITY, 0, () => false, 1) // 1 ms per send
    const run = newRun(clock, options({ numRecords: 100, transactionDurationMs: 10 }))
    await run.run(producer, new RandomPayloads(10))
    // A transaction spans the sends made at t, t+1, ..., t+10 (11 records): commits after
    // records 10, 21, ..., 98, then one for record 99.
    const ops = producer.ops.join(' ')
    const eleven = Array(11).fill('send').join(' ')
    assert.ok(ops.startsWith(`begin ${eleven} commit begin ${eleven} commit`), ops)
    assert.equal(producer.ops.filter((o) => o === 'begin').length, 10)
    assert.equal(producer.ops.filter((o) => o === 'commit').length, 10)
    assert.ok(ops.endsWith('begin send commit flush'), ops)
    assert.equal(run.stats.count, 100)
  })

  test('without transactions the transaction methods are never called', async () => {
    const clock = new Clock()
    const producer = new FakeProducer(clock)
    await newRun(clock, options()).run(producer, new RandomPayloads(10))
    assert.deepEqual(new Set(producer.ops), new Set(['send', 'flush']))
  })

  for (const throughput of [200, 5000]) {
    test(`--throughput ${throughput}: the loop sleeps (on the simulated clock) to hold the rate`, async () => {
      const clock = new Clock()
      const producer = new FakeProducer(clock, 1000, 0, () => false, 0.0001)
      const numRecords = throughput * 3
      const run = newRun(clock, options({ numRecords, throughput }))
      await run.run(producer, new RandomPayloads(10))
      const rate = numRecords / (clock.ms / 1000)
      assert.ok(Math.abs(rate - throughput) / throughput < 0.02, `rate ${rate}`)
      assert.ok(clock.sleeps.length > 0 && clock.sleeps.every((ms) => ms >= 2))
    })
  }

  test('unthrottled: no sleeps at all', async () => {
    const clock = new Clock()
    const producer = new FakeProducer(clock, 100, 0, () => false, 0.001)
    await newRun(clock, options({ numRecords: 5000 })).run(producer, new RandomPayloads(10))
    assert.deepEqual(clock.sleeps, [])
  })
})

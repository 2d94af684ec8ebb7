/**
 * The send loop of `sluice perf`, as Kafka's ProducerPerformance.start runs it: send through the
 * callback path (waiting for 'drain' whenever send() returns false), throttle like its
 * ThroughputThrottler, begin/commit transactions every --transaction-duration-ms, and count
 * latencies from send() to acknowledgement.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { ProducerRecord, SendCallback } from '../../producer/record.js'
import { InflightSlots } from './inflight.js'
import { type KeySource, NO_KEYS } from './keys.js'
import type { PayloadSource } from './payloads.js'
import { PerfStats } from './stats.js'
import { ThroughputThrottler } from './throttler.js'

/** What the loop needs of a Producer (transactions only when they are asked for). */
export interface PerfProducer {
  send(record: ProducerRecord, callback: SendCallback): boolean
  once(event: 'drain', listener: () => void): unknown
  flush(): Promise<void>
  beginTransaction?(): void
  commitTransaction?(): Promise<void>
}

export interface RunOptions {
  topic: string
  numRecords: number
  warmupRecords: number
  /** Records/s; negative: unthrottled. */
  throughput: number
  reportingIntervalMs: number
  /** Commit every this many ms; null: no transactions. */
  transactionDurationMs: number | null
}

export interface RunHooks {
  /** Window lines and "In steady state." */
  line(text: string): void
  /** A failed record (the loop goes on, as Java's does). */
  failure(err: Error): void
  /** Monotonic milliseconds; performance.now by default. */
  now?: () => number
  /** Awaited sleep; timers/promises setTimeout by default. */
  sleep?: (ms: number) => Promise<void>
}

export interface RunProgress {
  /** Records acknowledged, successfully or not. */
  readonly done: number
  readonly failed: number
  readonly startMs: number
}

export class PerfRun implements RunProgress {
  readonly stats: PerfStats
  steadyStats: PerfStats | null = null
  done = 0
  failed = 0
  readonly startMs: number
  readonly #opts: RunOptions
  readonly #hooks: RunHooks
  readonly #now: () => number
  readonly #slots: InflightSlots

  constructor(opts: RunOptions, hooks: RunHooks) {
    this.#opts = opts
    this.#hooks = hooks
    this.#now = hooks.now ?? (() => performance.now())
    this.startMs = this.#now()
    this.stats = new PerfStats(this.startMs, opts.reportingIntervalMs, false, hooks.line)
    this.#slots = new InflightSlots((err, sentAt, bytes, steady) =>
      this.#acknowledged(err, sentAt, bytes, steady),
    )
  }

  #acknowledged(err: Error | null, sentAtMs: number, bytes: number, steady: boolean): void {
    this.done++
    if (err !== null) {
      // Java counts only successful records, so failures never inflate the figures.
      this.failed++
      this.#hooks.failure(err)
      return
    }
    const now = this.#now()
    const latency = now - sentAtMs
    this.stats.record(latency, bytes, now)
    if (steady) this.steadyStats?.record(latency, bytes, now)
  }

  /**
   * Sends every record and waits until all are acknowledged; returns when the loop ends. Each
   * record's key is taken after its value, as Java draws them (they may share one generator).
   */
  async run(producer: PerfProducer, payloads: PayloadSource, keys: KeySource = NO_KEYS): Promise<void> {
    const { topic, numRecords, warmupRecords, reportingIntervalMs } = this.#opts
    const txDuration = this.#opts.transactionDurationMs
    const sleepFor = this.#hooks.sleep ?? ((ms: number) => sleep(ms))
    const throttler = new ThroughputThrottler(this.#opts.throughput, this.startMs)
    let steady = false
    let inTransaction = 0
    let transactionStart = 0
    for (let i = 0; i < numRecords; i++) {
      const value = payloads.next(i)
      const key = keys.next(i)
      if (txDuration !== null && inTransaction === 0) {
        producer.beginTransaction!()
        transactionStart = this.#now()
      }
      const sentAt = this.#now()
      if (warmupRecords > 0 && i === warmupRecords) {
        // Java starts the steady-state stats at the first record after the warmup; from then on
        // they print the window lines.
        this.steadyStats = new PerfStats(sentAt, reportingIntervalMs, true, this.#hooks.line)
        this.stats.suppressPrinting()
        steady = true
      }
      // Java counts the value's bytes only, not the key's.
      const room = producer.send({ topic, key, value }, this.#slots.acquire(sentAt, value.length, steady))
      inTransaction++
      if (txDuration !== null && txDuration <= sentAt - transactionStart) {
        await producer.commitTransaction!()
        inTransaction = 0
      }
      if (!room) await waitForDrain(producer)
      if (throttler.shouldThrottle(i, sentAt)) {
        const ms = throttler.throttle()
        if (ms > 0) await sleepFor(ms)
      }
    }
    if (txDuration !== null && inTransaction > 0) await producer.commitTransaction!()
    await producer.flush()
  }

  /** Peak records in flight (callback slots created). */
  get peakInflight(): number {
    return this.#slots.capacity
  }
}

function waitForDrain(producer: PerfProducer): Promise<void> {
  return new Promise((resolve) => {
    producer.once('drain', resolve)
  })
}

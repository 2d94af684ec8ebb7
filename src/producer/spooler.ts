/**
 * The producer's side of the disk spool (`spool`): which failures send a record to the spool,
 * appending it and settling its send as spooled, and the replay of spooled records through the
 * producer's normal send path once the cluster answers again. The storage is src/spool/.
 */
import {
  BufferExhaustedError,
  CircuitOpenError,
  type KafkaError,
  NetworkError,
  RequestTimeoutError,
  SpoolFullError,
  SpoolIoError,
  TimeoutError,
  toKafkaError,
} from '../errors.js'
import type { Log } from '../logging.js'
import type { SpoolEntry, SpoolRecord } from '../spool/format.js'
import { acquireLockSync } from '../spool/lock.js'
import type { SpoolCause, SpoolSettings } from '../spool/settings.js'
import { Spool, type SpoolDamage, type SpoolStats } from '../spool/spool.js'
import type { Completion } from './producer-batch.js'
import type { RecordMetadata } from './record.js'

/** Entries handed to the send path per replay round. */
const REPLAY_ROUND = 1000
/** Backoff between replay attempts after one failed: from 1 s, doubling, up to 30 s. */
const REPLAY_BACKOFF_MS = 1000
const REPLAY_BACKOFF_MAX_MS = 30_000

/** What the spooler needs from the producer. */
export interface SpoolerHost {
  readonly log: Log
  /** Sends a spooled record through the normal path (no serializers, no interceptors). */
  send(entry: SpoolEntry, completion: (err: KafkaError | null) => void): void
  /** Whether replaying makes sense now (the breaker, if any, is closed; the producer is open). */
  mayReplay(): boolean
}

/** The spool's figures for health() and the metrics. */
export interface SpoolStatus extends SpoolStats {
  /** Records settled as spooled by this producer. */
  readonly spooledTotal: number
  /** Spooled records the replay delivered to Kafka through this producer. */
  readonly replayedRecordsTotal: number
  /** Whether the spool's files are open (false while opening, or after it failed to open). */
  readonly open: boolean
  /** Why the spool could not be opened or written, if it could not. */
  readonly error: string | null
}

/** Replay sends' completions: never spooled again when they fail (they are still in the spool). */
const replays = new WeakSet<object>()

export function isReplay(completion: Completion): boolean {
  return completion !== null && replays.has(completion)
}

/** `completion` (a replay's, wrapped by the breaker as a probe) is a replay's too. */
export function markReplay<C extends object>(completion: C): C {
  replays.add(completion)
  return completion
}

export class Spooler {
  readonly settings: SpoolSettings
  readonly #host: SpoolerHost
  readonly #on: ReadonlySet<SpoolCause>
  #spool: Spool | null = null
  readonly #opening: Promise<Spool | null>
  #openError: KafkaError | null = null
  /** Appends under way (close waits for them). */
  readonly #appending = new Set<Promise<unknown>>()
  /** Appends waiting for the spool to open: later ones queue behind them. */
  #waitingForOpen = 0
  #spooledTotal = 0
  #replayedTotal = 0
  #replaying = false
  #stopped = false
  #backoffMs = REPLAY_BACKOFF_MS
  #retryTimer: NodeJS.Timeout | null = null

  /** Takes the directory's lock at once (a SpoolLockedError from the constructor); opens the files in the background. */
  constructor(settings: SpoolSettings, host: SpoolerHost) {
    this.settings = settings
    this.#host = host
    this.#on = new Set(settings.on)
    const lock = acquireLockSync(settings.dir)
    this.#opening = Spool.open(
      {
        dir: settings.dir,
        maxBytes: settings.maxBytes,
        fsync: settings.fsync,
        fsyncIntervalMs: settings.fsyncIntervalMs,
        ...(settings.segmentBytes === null ? {} : { segmentBytes: settings.segmentBytes }),
        onDamage: (d) => this.#damaged(d),
      },
      lock,
    ).then(
      (spool) => {
        this.#spool = spool
        const s = spool.stats()
        if (lock.tookOverFrom !== null)
          host.log.warn(
            { dir: settings.dir, pid: lock.tookOverFrom.pid },
            'took over the spool lock of a process that is gone',
          )
        if (s.depth > 0) {
          host.log.info(
            { dir: settings.dir, depth: s.depth },
            'the spool holds records from before: replaying them',
          )
          this.kick()
        }
        return spool
      },
      (err: unknown) => {
        this.#openError = toKafkaError(err)
        host.log.error({ dir: settings.dir, error: this.#openError.message }, 'the spool could not be opened')
        return null
      },
    )
  }

  /** Whether a record that failed with `err` goes to the spool. */
  takes(err: unknown): boolean {
    const cause = spoolCause(err)
    return cause !== null && this.#on.has(cause)
  }

  /**
   * Appends `record` and settles `completion`: spooled (metadata with `spooled: true`, offset
   * -1), or, when it could not be appended, an error that says it was not spooled (SpoolFullError,
   * SpoolIoError) with `maybeWritten` from `failure`, the error that sent it here. Records enter
   * the spool in the order of these calls, also those made while it is still opening.
   */
  spool(record: SpoolRecord, completion: Completion, failure: KafkaError, settle: Settle): void {
    const done = this.#append(record).then(
      () => {
        this.#spooledTotal++
        this.#later()
        settle(completion, null, {
          topic: record.topic,
          partition: record.partition ?? -1,
          offset: -1n,
          timestamp: record.timestamp ?? -1,
          spooled: true,
        })
      },
      (err: unknown) => settle(completion, notSpooled(err, failure), null),
    )
    this.#appending.add(done)
    done.finally(() => this.#appending.delete(done)).catch(() => {})
  }

  /** Appends `record` now, or once the spool is open, behind the appends that waited for it. */
  #append(record: SpoolRecord): Promise<number> {
    const spool = this.#spool
    if (spool !== null && this.#waitingForOpen === 0) {
      try {
        return spool.append(record)
      } catch (err) {
        return Promise.reject(err)
      }
    }
    this.#waitingForOpen++
    return this.#opening.then((opened) => {
      this.#waitingForOpen--
      if (opened === null) throw this.#openError!
      return opened.append(record)
    })
  }

  /** The cluster may be answering (a batch was acknowledged): replay if there is anything to. */
  kick(): void {
    if (this.#replaying || this.#stopped || this.#retryTimer !== null) return
    const spool = this.#spool
    if (spool === null || spool.depth === 0) return
    if (!this.#host.mayReplay()) {
      this.#later()
      return
    }
    this.#replaying = true
    this.#replay(spool).then(
      (ok) => this.#replayEnded(ok),
      (err: unknown) => {
        this.#host.log.warn({ error: toKafkaError(err).message }, 'spool replay stopped')
        this.#replayEnded(false)
      },
    )
  }

  #replayEnded(ok: boolean): void {
    this.#replaying = false
    if (this.#stopped) return
    const depth = this.#spool?.depth ?? 0
    if (ok) {
      this.#backoffMs = REPLAY_BACKOFF_MS
      if (depth > 0) this.kick()
      return
    }
    // Try again later; a batch acknowledged meanwhile does not shorten the wait.
    this.#later()
    this.#backoffMs = Math.min(this.#backoffMs * 2, REPLAY_BACKOFF_MAX_MS)
  }

  /** A replay attempt after the backoff, unless one runs or is due already. */
  #later(): void {
    if (this.#replaying || this.#stopped || this.#retryTimer !== null) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.kick()
    }, this.#backoffMs)
    this.#retryTimer.unref()
  }

  /** Rounds of entries until the spool is empty (true) or a replayed record fails (false). */
  async #replay(spool: Spool): Promise<boolean> {
    for (;;) {
      if (this.#stopped) return true
      if (!this.#host.mayReplay()) return false
      const entries = await spool.read(REPLAY_ROUND)
      if (entries.length === 0) return true
      let failed: KafkaError | null = null
      await new Promise<void>((resolve) => {
        let left = entries.length
        for (const entry of entries) {
          const completion = (err: KafkaError | null) => {
            if (err === null) {
              spool.ack(entry.seq)
              this.#replayedTotal++
            } else failed ??= err
            if (--left === 0) resolve()
          }
          replays.add(completion)
          this.#host.send(entry, completion)
        }
      })
      if (failed !== null) {
        this.#host.log.warn(
          { error: (failed as KafkaError).message, depth: spool.stats().depth },
          'a replayed record failed: the replay starts over from the oldest record not acknowledged',
        )
        spool.rewind()
        return false
      }
    }
  }

  status(): SpoolStatus {
    const s = this.#spool?.stats()
    return {
      depth: s?.depth ?? 0,
      bytes: s?.bytes ?? 0,
      maxBytes: this.settings.maxBytes,
      segments: s?.segments ?? 0,
      appendedTotal: s?.appendedTotal ?? 0,
      replayedTotal: s?.replayedTotal ?? 0,
      damagedTotal: s?.damagedTotal ?? 0,
      spooledTotal: this.#spooledTotal,
      replayedRecordsTotal: this.#replayedTotal,
      open: this.#spool !== null,
      error: this.#openError?.message ?? null,
    }
  }

  /** No more replay rounds (those under way finish with the producer's flush). */
  stopReplay(): void {
    this.#stopped = true
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
  }

  /** Waits for appends under way, writes the commit point and releases the lock. */
  async close(): Promise<void> {
    this.stopReplay()
    await Promise.allSettled([...this.#appending])
    const spool = this.#spool ?? (await this.#opening)
    await spool?.close()
  }

  #damaged(d: SpoolDamage): void {
    const fields = { file: d.file, offset: d.offset, length: d.length, kind: d.kind }
    if (d.kind === 'torn') this.#host.log.warn(fields, 'the spool ended in a torn write: cut off')
    else this.#host.log.error(fields, 'damaged bytes in the spool: skipped, the entries around them are kept')
  }
}

export type Settle = (completion: Completion, err: KafkaError | null, md: RecordMetadata | null) => void

/** Which `spool.on` cause a failure is, or null if none. */
export function spoolCause(err: unknown): SpoolCause | null {
  if (err instanceof CircuitOpenError) return 'circuit-open'
  if (err instanceof BufferExhaustedError) return 'buffer-full'
  if (err instanceof TimeoutError) {
    if (err.code === 'ERR_DELIVERY_TIMEOUT') return 'delivery-timeout'
    if (err.code === 'ERR_METADATA_TIMEOUT') return 'unreachable'
    return null
  }
  if (err instanceof NetworkError || err instanceof RequestTimeoutError) return 'unreachable'
  return null
}

function notSpooled(err: unknown, failure: KafkaError): KafkaError {
  const e = toKafkaError(err)
  const why = `${e.message}; the record failed with: ${failure.message}`
  const options = { cause: failure, maybeWritten: failure.maybeWritten }
  if (e instanceof SpoolFullError) return new SpoolFullError(why, e.bytes, e.maxBytes, e.needed, options)
  return new SpoolIoError(why, options)
}

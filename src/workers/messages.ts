/** The messages between the caller's thread and a worker (postMessage, in order on one port). */
import type { SentError } from './errors.js'

/** What a worker is started with (workerData). */
export interface WorkerStart {
  /** Producer settings, camelCase, structured-clonable (no functions). */
  settings: Record<string, unknown>
  /** The levels the caller's logger has; the worker's log lines are sent back at those. */
  logLevels: string[]
}

export type ToWorker =
  | {
      t: 'records'
      /** Topic names new since the previous chunk; their ids follow the worker's known ones. */
      topics: string[]
      first: number
      buffer: ArrayBuffer
      length: number
    }
  | { t: 'meta'; req: number; topic: string }
  | { t: 'flush'; req: number }
  | { t: 'close'; req: number; timeoutMs: number }

export interface MetaPartition {
  partition: number
  leader: number
}

export type FromWorker =
  | {
      t: 'done'
      /** (id, topicId, partition, timestamp) per delivered record. */
      ok: Float64Array
      offsets: BigInt64Array
      failed: { ids: number[]; error: SentError }[]
    }
  | { t: 'meta'; req: number; partitions: MetaPartition[] | null; error: SentError | null }
  | { t: 'flushed'; req: number; error: SentError | null }
  | { t: 'closed'; req: number; error: SentError | null }
  | { t: 'log'; level: string; fields: Record<string, unknown>; message: string }

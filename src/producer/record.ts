import type { KafkaError } from '../errors.js'
/** A header value: text (sent as UTF-8), bytes, or null. */
export type HeaderValue = string | Uint8Array | null

/**
 * Record headers: an object (one value per key, or an array of values for a repeated key), or
 * an array of [key, value] pairs; order and repeated keys are kept as given.
 */
export type RecordHeaders =
  | Readonly<Record<string, HeaderValue | readonly HeaderValue[]>>
  | readonly (readonly [string, HeaderValue])[]

export interface ProducerRecord<K = unknown, V = unknown> {
  topic: string
  /** Explicit partition; otherwise the partitioner chooses. */
  partition?: number
  key?: K | null
  value: V | null
  headers?: RecordHeaders
  /** CreateTime in epoch ms (or a Date); defaults to now. */
  timestamp?: number | Date
}

export interface RecordMetadata {
  topic: string
  partition: number
  /** The record's offset; -1n when acks=0 (the broker tells nothing back). */
  offset: bigint
  /** CreateTime, or the broker's LogAppendTime when the topic uses it. */
  timestamp: number
  /**
   * Set (true) only with a disk spool (`spool`): the record could not be delivered and was
   * appended to the spool instead. It is NOT in Kafka yet: offset is -1n, partition the one the
   * record named or -1; the spool replays it later (at least once). See docs/DELIVERY.md.
   */
  spooled?: true
}

/** A record's outcome: `error` null and `metadata` set when written, else the reason (always a KafkaError). */
export type SendCallback = (error: KafkaError | null, metadata: RecordMetadata | null) => void

/** Options of `send()`. */
export interface SendOptions {
  /**
   * Aborts the record while it waits for its topic's metadata or for memory: it is removed and
   * fails with an AbortError. Once the record is in a batch the signal no longer affects it.
   */
  signal?: AbortSignal
}

/** Options of `flush()`. */
export interface FlushOptions {
  /** Stops waiting (flush() rejects with an AbortError); the records go on being sent. */
  signal?: AbortSignal
}

/** Options of `close()`. */
export interface CloseOptions {
  /** How long to wait for queued records before failing them; default: no limit. */
  timeoutMs?: number
  /** Aborting has the effect of `timeoutMs` passing: what is left fails and the sockets close. */
  signal?: AbortSignal
}

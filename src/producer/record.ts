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
}

export type SendCallback = (error: Error | null, metadata: RecordMetadata | null) => void

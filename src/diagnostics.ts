/**
 * node:diagnostics_channel channels, for tracing and instrumentation without a dependency. Each
 * is published only when something subscribes (one `hasSubscribers` check otherwise).
 *
 * - `sluice:producer:send`, a TracingChannel, one trace per record: `start` when send() takes
 *   it (after interceptors' onSend), `end` when send() returns, then `error` if it failed and
 *   `asyncStart` / `asyncEnd` around its callback or promise settling. The context is a
 *   SendContext: subscribers to `start` may add headers (a trace context, say) with addHeader().
 * - `sluice:producer:batch`: a batch goes into a Produce request (BatchEvent).
 * - `sluice:producer:request` / `sluice:producer:response`: a Produce request left / was
 *   answered (RequestEvent, ResponseEvent).
 * - `sluice:producer:retry` / `sluice:producer:error`: a batch is retried / failed for good
 *   (BatchOutcomeEvent).
 */
import { channel, tracingChannel } from 'node:diagnostics_channel'
import type { ProducerRecord, RecordMetadata } from './producer/record.js'

export const CHANNELS = {
  send: 'sluice:producer:send',
  batch: 'sluice:producer:batch',
  request: 'sluice:producer:request',
  response: 'sluice:producer:response',
  retry: 'sluice:producer:retry',
  error: 'sluice:producer:error',
} as const

/** The context of one record's trace on `sluice:producer:send`. */
export interface SendContext {
  readonly record: ProducerRecord
  readonly clientId: string
  /** Adds a header to the record as it is sent (from a `start` subscriber); the record object is not changed. */
  addHeader(key: string, value: string | Uint8Array): void
  /** Set before `asyncStart` when the broker acknowledged the record. */
  result?: RecordMetadata
  /** Set before `error` when the record failed. */
  error?: Error
  /** The number of records of the sendBatch() call this one came in; absent for send(). */
  batchSize?: number
  /** Free for subscribers (a span, say). */
  [key: string]: unknown
}

export interface BatchEvent {
  readonly clientId: string
  readonly topic: string
  readonly partition: number
  readonly records: number
  /** Bytes on the wire. */
  readonly bytes: number
  /** The Produce attempt this is, from 1. */
  readonly attempt: number
}

export interface RequestEvent {
  readonly clientId: string
  /** node-<id> */
  readonly node: string
  readonly batches: number
  readonly records: number
}

export interface ResponseEvent extends RequestEvent {
  readonly latencyMs: number
  readonly throttleTimeMs: number
}

export interface BatchOutcomeEvent {
  readonly clientId: string
  readonly topic: string
  readonly partition: number
  readonly records: number
  readonly attempt: number
  readonly error: Error
}

export const sendChannel = tracingChannel<SendContext>(CHANNELS.send)
export const batchChannel = channel(CHANNELS.batch)
export const requestChannel = channel(CHANNELS.request)
export const responseChannel = channel(CHANNELS.response)
export const retryChannel = channel(CHANNELS.retry)
export const errorChannel = channel(CHANNELS.error)

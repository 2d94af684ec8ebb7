/**
 * The producer's `spool` setting, resolved: where the spool lives, its bound, its fsync mode and
 * which failures send a record to it instead of failing it. See docs/DELIVERY.md, "Disk spool".
 */
import type { FsyncMode } from './spool.js'

/**
 * The failures that can send a record to the spool (`spool.on`):
 * - 'delivery-timeout': its batch was not acknowledged within `delivery.timeout.ms`
 *   (TimeoutError ERR_DELIVERY_TIMEOUT);
 * - 'unreachable': the cluster did not answer: its topic's metadata did not come within
 *   `max.block.ms` (ERR_METADATA_TIMEOUT), or its batch failed for good with a lost connection
 *   or a request timeout (ERR_NETWORK, ERR_REQUEST_TIMEOUT);
 * - 'buffer-full': `buffer.memory` stayed full for `max.block.ms` (ERR_BUFFER_EXHAUSTED);
 * - 'circuit-open': the circuit breaker refused it (ERR_CIRCUIT_OPEN).
 */
export type SpoolCause = 'delivery-timeout' | 'unreachable' | 'buffer-full' | 'circuit-open'

export const SPOOL_CAUSES: readonly SpoolCause[] = [
  'delivery-timeout',
  'unreachable',
  'buffer-full',
  'circuit-open',
]

export interface SpoolSettings {
  readonly dir: string
  readonly maxBytes: number
  readonly fsync: FsyncMode
  readonly fsyncIntervalMs: number
  readonly segmentBytes: number | null
  readonly on: readonly SpoolCause[]
}

/** What the user may pass as `spool`. */
export interface SpoolInput {
  /** The spool's directory (created if missing); one producer per directory. */
  dir: string
  /** The most bytes the spool's files may take; a record past it fails with SpoolFullError. */
  maxBytes: number
  /** 'always', 'interval' (default) or 'never'; see docs/DELIVERY.md. */
  fsync?: FsyncMode | undefined
  /** With fsync 'interval': how often, in ms; default 1000. */
  fsyncIntervalMs?: number | undefined
  /** Segment file size; default maxBytes / 8 within 64 KiB .. 16 MiB. */
  segmentBytes?: number | undefined
  /** Which failures spool a record; default all four. */
  on?: readonly SpoolCause[] | undefined
}

/**
 * `producer.health()`: what the producer knows about its cluster and itself, and a verdict with
 * its reasons. Read when asked (nothing is recorded per record); `assess` is pure, so its rules
 * are tested without a cluster. `sluice/health` serves it to liveness and readiness probes.
 */
import type { CircuitStatus } from './circuit-breaker.js'
import type { SpoolStatus } from './spooler.js'

export type HealthVerdict = 'ok' | 'degraded' | 'down'

/** Buffer use above this share of `buffer.memory` makes the producer degraded. */
export const BUFFER_DEGRADED_RATIO = 0.9

/** Metadata older than this many `metadata.max.age.ms` (while topics are in use) is stale. */
export const METADATA_STALE_FACTOR = 2

/** At most this many partitions without a leader are named in the reasons and the report. */
const LEADERLESS_LISTED = 20

export interface ProducerHealth {
  /** ok: nothing wrong known; degraded: working with a problem; down: records cannot be delivered now. */
  readonly verdict: HealthVerdict
  /** Why the verdict is not ok, one line each; empty when ok. */
  readonly reasons: readonly string[]
  /** When this was read (epoch ms). */
  readonly at: number
  readonly clientId: string
  readonly closed: boolean
  readonly brokers: {
    /** Brokers in the cluster metadata. */
    readonly known: number
    /** Addresses (host:port) with a connection open now. */
    readonly connected: readonly string[]
    /** When a connection attempt last succeeded / failed (epoch ms), null if never. */
    readonly lastConnectedAt: number | null
    readonly lastConnectFailedAt: number | null
    /** The last failed attempt's error message, null if none failed since the last success. */
    readonly lastConnectError: string | null
  }
  /** Age of the cluster metadata in ms; null before the first answer. */
  readonly metadataAgeMs: number | null
  readonly buffer: {
    readonly totalBytes: number
    /** Reserved by batches, as `buffer.memory` counts it. */
    readonly usedBytes: number
    /** usedBytes / totalBytes. */
    readonly usedRatio: number
    /** Records waiting for memory (waiting-threads). */
    readonly waitingForMemory: number
  }
  /** The last time a batch of each topic was acknowledged (epoch ms), by topic. */
  readonly lastProduced: Readonly<Record<string, number>>
  /** Partitions of the topics in use whose leader is unknown (`topic-partition`, at most 20). */
  readonly partitionsWithoutLeader: readonly string[]
  /** The circuit breaker's state; null without one. */
  readonly circuit: CircuitStatus | null
  /**
   * The disk spool: `depth` records waiting to be replayed, its bytes and bound, counts since the
   * start; null without one.
   */
  readonly spool: SpoolStatus | null
  /** The error that failed the producer for good (fenced, fatal), if any. */
  readonly fatalError: string | null
}

/** What `assess` reads; the producer fills it in from its parts. */
export interface HealthInputs {
  readonly now: number
  readonly clientId: string
  readonly closed: boolean
  readonly fatalError: string | null
  readonly knownBrokers: number
  readonly connected: readonly string[]
  readonly lastConnectedAt: number
  readonly lastConnectFailedAt: number
  readonly lastConnectError: string | null
  /** When the metadata was last answered (0: never). */
  readonly metadataUpdatedAt: number
  readonly metadataMaxAgeMs: number
  /** Topics in the metadata snapshot (the ones in use). */
  readonly topicsInUse: number
  readonly bufferTotalBytes: number
  readonly bufferAvailableBytes: number
  readonly waitingForMemory: number
  readonly lastProduced: ReadonlyMap<string, number>
  /** Partitions of the topics in use without a leader. */
  readonly partitionsWithoutLeader: readonly string[]
  readonly circuit: CircuitStatus | null
  readonly spool?: SpoolStatus | null
}

/**
 * The verdict and its reasons.
 * - down: the producer is closed or failed for good; the circuit breaker is open; or no broker
 *   is reachable (no connection open, and the last attempt failed).
 * - degraded: the breaker is half-open; the metadata is stale (older than 2 x
 *   `metadata.max.age.ms` while topics are in use); buffer use above 90%; partitions in use
 *   without a leader; records in the disk spool waiting to be replayed, the spool above 90% of
 *   `spool.maxBytes`, or a spool that could not be opened.
 * - ok: none of these. A producer that has not connected yet (it connects on its first send)
 *   is ok.
 */
export function assess(i: HealthInputs): ProducerHealth {
  const down: string[] = []
  const degraded: string[] = []
  if (i.closed) down.push('the producer is closed')
  if (i.fatalError !== null) down.push(`the producer failed for good: ${i.fatalError}`)
  const c = i.circuit
  if (c?.state === 'open') down.push(`the circuit breaker is open: ${c.reason ?? ''}`)
  else if (c?.state === 'half-open')
    degraded.push(`the circuit breaker is half-open: probing the cluster (${c.probesDelivered} delivered)`)
  const unreachable =
    !i.closed &&
    i.connected.length === 0 &&
    i.lastConnectFailedAt > 0 &&
    i.lastConnectFailedAt >= i.lastConnectedAt
  if (unreachable)
    down.push(
      `no broker reachable: no connection is open and the last attempt failed (${i.lastConnectError ?? 'unknown error'})`,
    )
  const age = i.metadataUpdatedAt > 0 ? i.now - i.metadataUpdatedAt : null
  if (age !== null && i.topicsInUse > 0 && age > METADATA_STALE_FACTOR * i.metadataMaxAgeMs)
    degraded.push(`the metadata is stale: ${age} ms old (metadata.max.age.ms=${i.metadataMaxAgeMs})`)
  const used = i.bufferTotalBytes - i.bufferAvailableBytes
  const ratio = i.bufferTotalBytes > 0 ? used / i.bufferTotalBytes : 0
  if (ratio > BUFFER_DEGRADED_RATIO)
    degraded.push(
      `the buffer is ${Math.round(ratio * 100)}% used (${used} of buffer.memory=${i.bufferTotalBytes} bytes)`,
    )
  const leaderless = i.partitionsWithoutLeader
  if (leaderless.length > 0) {
    const listed = leaderless.slice(0, LEADERLESS_LISTED).join(', ')
    const more =
      leaderless.length > LEADERLESS_LISTED ? ` and ${leaderless.length - LEADERLESS_LISTED} more` : ''
    degraded.push(`${leaderless.length} partition(s) without a leader: ${listed}${more}`)
  }
  const s = i.spool ?? null
  if (s !== null) {
    if (s.error !== null) degraded.push(`the disk spool could not be used: ${s.error}`)
    if (s.depth > 0) degraded.push(`${s.depth} record(s) in the disk spool waiting to be replayed`)
    if (s.bytes > BUFFER_DEGRADED_RATIO * s.maxBytes)
      degraded.push(
        `the disk spool is ${Math.round((s.bytes / s.maxBytes) * 100)}% full (spool.maxBytes=${s.maxBytes})`,
      )
  }
  const verdict: HealthVerdict = down.length > 0 ? 'down' : degraded.length > 0 ? 'degraded' : 'ok'
  return {
    verdict,
    reasons: [...down, ...degraded],
    at: i.now,
    clientId: i.clientId,
    closed: i.closed,
    brokers: {
      known: i.knownBrokers,
      connected: i.connected,
      lastConnectedAt: i.lastConnectedAt > 0 ? i.lastConnectedAt : null,
      lastConnectFailedAt: i.lastConnectFailedAt > 0 ? i.lastConnectFailedAt : null,
      lastConnectError: i.lastConnectFailedAt >= i.lastConnectedAt ? i.lastConnectError : null,
    },
    metadataAgeMs: age,
    buffer: {
      totalBytes: i.bufferTotalBytes,
      usedBytes: used,
      usedRatio: ratio,
      waitingForMemory: i.waitingForMemory,
    },
    lastProduced: Object.fromEntries(i.lastProduced),
    partitionsWithoutLeader: leaderless.slice(0, LEADERLESS_LISTED),
    circuit: c,
    spool: s,
    fatalError: i.fatalError,
  }
}

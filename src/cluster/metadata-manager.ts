import { setTimeout as sleep } from 'node:timers/promises'
import { BrokerError, isConnectionSetupRefusal, ProducerClosedError, TimeoutError } from '../errors.js'
import { errorFields, type Log } from '../logging.js'
import { backoffMs } from '../network/backoff.js'
import type { BrokerAddress, ConnectionPool } from '../network/connection-pool.js'
import { ErrorCode, errorForCode } from '../protocol/error-codes.js'
import { Metadata, type MetadataResponse } from '../protocol/messages/metadata.js'
import { timerDelay, untilDeadline } from '../timers.js'
import {
  type BrokerMetadata,
  ClusterSnapshot,
  type PartitionMetadata,
  type TopicMetadata,
} from './cluster-snapshot.js'

export interface MetadataManagerOptions {
  bootstrapServers: readonly BrokerAddress[]
  metadataMaxAgeMs: number
  /** Forget a topic not used for this long (`metadata.max.idle.ms`); absent: never. */
  metadataMaxIdleMs?: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  allowAutoCreateTopics: boolean
  /**
   * `metadata.recovery.strategy`: 'rebootstrap' (the default) goes back to the bootstrap
   * servers when no known broker answers; 'none' uses them only until the cluster is known.
   */
  recoveryStrategy?: 'none' | 'rebootstrap'
  log?: Log
}

/**
 * Keeps the producer's view of the cluster: brokers, and the partitions and leaders of the
 * topics it produces to. Refreshes on demand (coalesced: many callers share one request) and
 * every `metadata.max.age.ms`. A topic nobody has used (see `touch`) for `metadata.max.idle.ms`
 * is left out of the next refresh and dropped from the snapshot, as in Java's ProducerMetadata;
 * sending to it again fetches it again.
 */
export class MetadataManager {
  readonly #pool: ConnectionPool
  readonly #options: MetadataManagerOptions
  #snapshot = ClusterSnapshot.empty()
  /** Topics of interest, with when each was last used (epoch ms). */
  readonly #topics = new Map<string, number>()
  #inflight: Promise<ClusterSnapshot> | null = null
  #again = false
  #timer: NodeJS.Timeout | null = null
  /** Ends the backoff sleeps (closing() and close()). */
  readonly #abort = new AbortController()
  /** Ends every wait (close()). */
  readonly #shut = new AbortController()
  #closed = false
  /** close() has begun: waits for a topic get the answer under way (or one more), then fail. */
  #closing: Promise<unknown> | null = null
  #lastError: Error | null = null

  constructor(pool: ConnectionPool, options: MetadataManagerOptions) {
    this.#pool = pool
    this.#options = options
  }

  get snapshot(): ClusterSnapshot {
    return this.#snapshot
  }

  /** Fetches fresh metadata for every topic of interest. Concurrent calls share one request. */
  refresh(): Promise<ClusterSnapshot> {
    if (this.#closed) return Promise.reject(new ProducerClosedError())
    if (this.#inflight !== null) {
      // Whoever asks while a request is out may know something newer than that request: run
      // one more after it.
      this.#again = true
      return this.#inflight
    }
    const run = this.#fetch().finally(() => {
      this.#inflight = null
      if (this.#again && !this.#closed) {
        this.#again = false
        this.refresh().catch(() => {})
      }
    })
    this.#inflight = run
    return run
  }

  /**
   * Resolves with the topic's metadata once it is known with at least one partition; retries
   * with backoff until `deadline` (epoch ms), then fails naming the topic (or, when no broker
   * could be reached, the servers tried). The deadline is a bound whatever the network does: a
   * request with no answer is not waited for past it. Once closing() is called the wait gets
   * the answer then under way (or one more request) and, if the topic is still not usable,
   * fails with ProducerClosedError.
   */
  async waitForTopic(topic: string, deadline: number): Promise<TopicMetadata> {
    this.#topics.set(topic, Date.now())
    this.#scheduleAgeRefresh()
    const startedAt = Date.now()
    let attempts = 0
    for (;;) {
      const known = this.#snapshot.topic(topic)
      if (known !== undefined && known.partitions.length > 0 && known.errorCode === ErrorCode.NONE)
        return known
      if (known !== undefined && known.errorCode !== ErrorCode.NONE) {
        const info = errorForCode(known.errorCode)
        if (!info.retriable && known.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
          throw new BrokerError(
            info.name,
            known.errorCode,
            false,
            `metadata for topic '${topic}' failed: ${info.name}: ${info.message}`,
          )
        }
      }
      if (Date.now() >= deadline) throw this.#timeoutFor(topic, startedAt)
      if (this.#closing !== null) {
        await untilDeadline(this.#closing, deadline, this.#shut.signal)
        const last = this.#snapshot.topic(topic)
        if (last !== undefined && last.partitions.length > 0 && last.errorCode === ErrorCode.NONE) return last
        if (Date.now() >= deadline) throw this.#timeoutFor(topic, startedAt)
        throw new ProducerClosedError(
          `the producer closed while a record waited for metadata of topic '${topic}', which the cluster did not give (${this.#whyMissing(topic)})`,
        )
      }
      if (attempts > 0) {
        const wait = Math.min(
          backoffMs(this.#options.retryBackoffMs, this.#options.retryBackoffMaxMs, attempts - 1),
          deadline - Date.now(),
        )
        if (wait > 0) await sleep(wait, undefined, { signal: this.#abort.signal }).catch(() => {})
        if (this.#closed) throw new ProducerClosedError()
        if (this.#closing !== null) continue
      }
      attempts++
      await untilDeadline(this.refresh(), deadline, this.#shut.signal)
      if (this.#closed) throw new ProducerClosedError()
      // Refused credentials or an untrusted broker won't change by asking again: the record fails
      // now, not at max.block.ms (Java's metadata.maybeThrowFatalException).
      if (this.#lastError !== null && isConnectionSetupRefusal(this.#lastError)) throw this.#lastError
    }
  }

  /**
   * Marks a topic as in use at `now`, which keeps it from expiring (and brings back one that had,
   * as Java's sender does for a topic whose batches find no leader).
   */
  touch(topic: string, now: number): void {
    this.#topics.set(topic, now)
  }

  /**
   * close() has begun: metadata waits get the answer under way, or one more request, and no
   * further retry.
   */
  closing(): void {
    if (this.#closing !== null || this.#closed) return
    // After the request under way (it may predate a topic's first send), one that asks for
    // every topic waited for: the follow-up it started, if any, else a new one.
    const underWay = this.#inflight ?? Promise.resolve(this.#snapshot)
    this.#closing = underWay
      .catch(() => {})
      .then(() => (this.#closed ? undefined : (this.#inflight ?? this.refresh())))
      .catch(() => {})
    this.#abort.abort() // ends the backoff sleeps
  }

  #whyMissing(topic: string): string {
    if (this.#snapshot.brokers.size === 0) return 'no broker answered'
    const t = this.#snapshot.topic(topic)
    if (t === undefined || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return 'it does not exist'
    if (t.errorCode !== ErrorCode.NONE) return `the broker reports ${errorForCode(t.errorCode).name}`
    return 'it has no partitions'
  }

  #timeoutFor(topic: string, startedAt: number): TimeoutError {
    const waited = `${Date.now() - startedAt} ms`
    if (this.#snapshot.brokers.size === 0) {
      const servers = this.#options.bootstrapServers.map((s) => `${s.host}:${s.port}`).join(', ')
      const last = this.#lastError === null ? '' : ` (last error: ${this.#lastError.message})`
      return new TimeoutError(
        `no broker could be reached to get metadata for topic '${topic}' within ${waited}; tried bootstrap servers ${servers}${last}`,
        'ERR_METADATA_TIMEOUT',
        { cause: this.#lastError ?? undefined },
      )
    }
    const t = this.#snapshot.topic(topic)
    const why =
      t === undefined || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        ? 'the topic does not exist (and was not auto-created)'
        : t.errorCode !== ErrorCode.NONE
          ? `the broker reports ${errorForCode(t.errorCode).name}`
          : 'it has no partitions'
    return new TimeoutError(
      `topic '${topic}' not present in metadata after ${waited}: ${why}`,
      'ERR_METADATA_TIMEOUT',
    )
  }

  async #fetch(): Promise<ClusterSnapshot> {
    this.#expireIdleTopics()
    const candidates = this.#candidates()
    let lastError: Error | null = null
    for (const addr of candidates) {
      if (this.#closed) throw new ProducerClosedError()
      try {
        const conn = await this.#pool.get(addr)
        const res = await conn.send(Metadata, {
          topics: [...this.#topics.keys()].map((name) => ({ topicId: null, name })),
          allowAutoTopicCreation: this.#options.allowAutoCreateTopics,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        })
        const before = this.#snapshot.clusterId
        this.#snapshot = this.#merge(res)
        this.#lastError = null
        const log = this.#options.log
        if (log !== undefined) {
          if (before === null && this.#snapshot.clusterId !== null)
            log.info({ clusterId: this.#snapshot.clusterId }, 'cluster id')
          log.debug(
            {
              broker: `${addr.host}:${addr.port}`,
              brokers: this.#snapshot.brokers.size,
              topics: this.#topics.size,
            },
            'metadata updated',
          )
        }
        return this.#snapshot
      } catch (err) {
        lastError = err instanceof Error ? err : new Error(String(err))
        this.#options.log?.debug(
          { broker: `${addr.host}:${addr.port}`, ...errorFields(lastError) },
          'metadata request failed',
        )
      }
    }
    this.#lastError = lastError ?? new Error('no broker to ask for metadata')
    throw this.#lastError
  }

  // Known brokers with an open connection first, then the other known brokers, then the
  // bootstrap servers (which are also how the producer finds its way back after losing them all,
  // unless metadata.recovery.strategy is 'none', as in Java).
  #candidates(): BrokerAddress[] {
    const open: BrokerAddress[] = []
    const rest: BrokerAddress[] = []
    for (const b of this.#snapshot.brokers.values()) {
      ;(this.#pool.peek(b) !== null ? open : rest).push(b)
    }
    shuffle(rest)
    const known = this.#snapshot.brokers.size > 0
    const bootstrap =
      known && this.#options.recoveryStrategy === 'none' ? [] : [...this.#options.bootstrapServers]
    shuffle(bootstrap)
    // A failing broker is tried again only after its backoff; skip it when others are ready.
    const ready = (a: BrokerAddress) => this.#pool.readyAt(a) <= Date.now()
    const ordered = [...open, ...rest.filter(ready), ...bootstrap.filter(ready)]
    if (ordered.length > 0) return ordered
    return [...rest, ...bootstrap]
  }

  /**
   * Forgets the topics idle past metadata.max.idle.ms: out of the requests, and out of the
   * snapshot, so that the next send to one waits for fresh metadata instead of using stale.
   */
  #expireIdleTopics(): void {
    const maxIdle = this.#options.metadataMaxIdleMs
    if (maxIdle === undefined) return
    const now = Date.now()
    let topics: Map<string, TopicMetadata> | null = null
    for (const [topic, usedAt] of this.#topics) {
      if (now - usedAt < maxIdle) continue
      this.#topics.delete(topic)
      topics ??= new Map(this.#snapshot.topics)
      topics.delete(topic)
    }
    if (topics === null) return
    const snap = this.#snapshot
    this.#snapshot = new ClusterSnapshot(
      snap.brokers,
      topics,
      snap.clusterId,
      snap.controllerId,
      snap.updatedAt,
    )
  }

  #merge(res: MetadataResponse): ClusterSnapshot {
    const brokers = new Map<number, BrokerMetadata>()
    for (const b of res.brokers)
      brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })
    const topics = new Map(this.#snapshot.topics)
    for (const t of res.topics) {
      if (t.name === null) continue
      const partitions: PartitionMetadata[] = []
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          errorCode: p.errorCode,
        }
      }
      // A partition list with holes would break partition counting; treat the topic as unknown.
      const complete = partitions.length === t.partitions.length
      topics.set(t.name, {
        name: t.name,
        topicId: t.topicId ?? null,
        errorCode: complete ? t.errorCode : ErrorCode.LEADER_NOT_AVAILABLE,
        partitions: complete ? partitions : [],
      })
    }
    return new ClusterSnapshot(brokers, topics, res.clusterId ?? null, res.controllerId ?? -1, Date.now())
  }

  /**
   * KIP-951: a Produce response that names a partition's new leader (with a newer leader epoch)
   * updates the snapshot at once, so the retry goes to the right broker without waiting for a
   * metadata round trip. Returns whether anything changed.
   */
  applyLeaderHint(
    topic: string,
    partition: number,
    leaderId: number,
    leaderEpoch: number,
    endpoints: readonly { nodeId: number; host: string; port: number; rack: string | null }[],
  ): boolean {
    const snap = this.#snapshot
    const t = snap.topic(topic)
    const p = t?.partitions[partition]
    if (t === undefined || p === undefined || leaderId < 0 || leaderEpoch <= p.leaderEpoch) return false
    const brokers = new Map(snap.brokers)
    for (const e of endpoints)
      brokers.set(e.nodeId, { nodeId: e.nodeId, host: e.host, port: e.port, rack: e.rack })
    if (!brokers.has(leaderId)) return false
    const partitions = [...t.partitions]
    partitions[partition] = { ...p, leader: leaderId, leaderEpoch }
    const topics = new Map(snap.topics)
    topics.set(topic, { ...t, partitions })
    this.#snapshot = new ClusterSnapshot(brokers, topics, snap.clusterId, snap.controllerId, snap.updatedAt)
    return true
  }

  #scheduleAgeRefresh(): void {
    if (this.#timer !== null || this.#closed) return
    this.#timer = setInterval(() => {
      this.refresh().catch(() => {})
    }, timerDelay(this.#options.metadataMaxAgeMs))
    this.#timer.unref()
  }

  close(): void {
    this.#closed = true
    this.#abort.abort()
    this.#shut.abort()
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = a[i]!
    a[i] = a[j]!
    a[j] = t
  }
}

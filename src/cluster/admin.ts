import { AuthenticationError, ConfigError, NetworkError, TlsError } from '../errors.js'
import type { BrokerAddress } from '../network/connection-pool.js'
import { ConnectionPool } from '../network/connection-pool.js'
import { brokerError, ErrorCode } from '../protocol/error-codes.js'
import { CreateTopics } from '../protocol/messages/create-topics.js'
import { Metadata } from '../protocol/messages/metadata.js'
import type { ResolvedSecurity } from '../security/settings.js'

export interface NewTopic {
  name: string
  partitions: number
  replicationFactor?: number
  /**
   * Replicas of each partition by index, the preferred leader first; when given, `partitions`
   * must equal its length and `replicationFactor` is left out.
   */
  replicaAssignment?: readonly (readonly number[])[]
  configs?: Record<string, string>
}

/** A connection pool for one admin request, with the producer's TLS and SASL when given. */
function adminPool(timeoutMs: number, security: ResolvedSecurity | null): ConnectionPool {
  return new ConnectionPool({
    tls: security?.tls ?? null,
    sasl: security?.sasl ?? null,
    clientId: 'sluice-admin',
    requestTimeoutMs: timeoutMs + 5_000,
    connectTimeoutMs: 10_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 1_000,
  })
}

/** Runs `request` on the first bootstrap broker that answers; the pool is closed afterwards. */
async function onAnyBroker<T>(
  bootstrapServers: readonly BrokerAddress[],
  timeoutMs: number,
  security: ResolvedSecurity | null,
  what: string,
  request: (conn: Awaited<ReturnType<ConnectionPool['get']>>) => Promise<T>,
): Promise<T> {
  const pool = adminPool(timeoutMs, security)
  try {
    let lastError: unknown = null
    for (const addr of bootstrapServers) {
      let conn: Awaited<ReturnType<ConnectionPool['get']>>
      try {
        conn = await pool.get(addr)
      } catch (err) {
        // A refused login or TLS handshake is the answer: another broker would say the same.
        if (err instanceof AuthenticationError || err instanceof TlsError) throw err
        lastError = err
        continue
      }
      return await request(conn)
    }
    const why = lastError instanceof Error ? `: ${lastError.message}` : ''
    throw new NetworkError(
      `could not reach any of ${bootstrapServers.map((a) => `${a.host}:${a.port}`).join(', ')} to ${what}${why}`,
      { cause: lastError },
    )
  } finally {
    pool.close()
  }
}

/** What became of each topic asked for: created, or there already. */
export interface CreateTopicResult {
  name: string
  created: boolean
}

/**
 * Creates topics (for tests, benchmarks and the CLI; the producer never creates topics itself).
 * An existing topic is not an error (its result says `created: false`). Resolves once the
 * request has been accepted; callers that need the leaders elected wait for them through
 * metadata.
 */
export async function createTopics(
  bootstrapServers: readonly BrokerAddress[],
  topics: readonly NewTopic[],
  timeoutMs = 30_000,
  security: ResolvedSecurity | null = null,
): Promise<CreateTopicResult[]> {
  return onAnyBroker(bootstrapServers, timeoutMs, security, 'create topics', async (conn) => {
    const res = await conn.send(CreateTopics, {
      topics: topics.map((t) => ({
        name: t.name,
        // Kafka wants -1 for both when the assignment says where each partition goes.
        numPartitions: t.replicaAssignment === undefined ? t.partitions : -1,
        replicationFactor: t.replicaAssignment === undefined ? (t.replicationFactor ?? -1) : -1,
        assignments: (t.replicaAssignment ?? []).map((brokerIds, partitionIndex) => ({
          partitionIndex,
          brokerIds: [...brokerIds],
        })),
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs,
      validateOnly: false,
    })
    const results: CreateTopicResult[] = []
    for (const t of res.topics) {
      if (t.errorCode === ErrorCode.NONE || t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
        results.push({ name: t.name, created: t.errorCode === ErrorCode.NONE })
        continue
      }
      const detail = t.errorMessage ? `: ${t.errorMessage}` : ''
      throw brokerError(t.errorCode, `creating topic '${t.name}'${detail}`)
    }
    return results
  })
}

/** A topic as Metadata describes it. */
export interface TopicListing {
  name: string
  partitions: number
  /** Replicas of the first partition (Kafka's tools show the same). */
  replicationFactor: number
  internal: boolean
}

/**
 * Every topic the cluster lets us see (or those of `names` that exist; none is created), sorted
 * by name, with its partition count.
 */
export async function listTopics(
  bootstrapServers: readonly BrokerAddress[],
  timeoutMs = 30_000,
  security: ResolvedSecurity | null = null,
  names: readonly string[] | null = null,
): Promise<TopicListing[]> {
  return onAnyBroker(bootstrapServers, timeoutMs, security, 'list topics', async (conn) => {
    const res = await conn.send(Metadata, {
      topics: names === null ? null : names.map((name) => ({ topicId: null, name })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    })
    if (res.errorCode !== ErrorCode.NONE) throw brokerError(res.errorCode, 'listing topics')
    const listed: TopicListing[] = []
    for (const t of res.topics) {
      if (t.name === null) continue
      if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue
      const first = [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)[0]
      listed.push({
        name: t.name,
        partitions: t.partitions.length,
        replicationFactor: first?.replicaNodes.length ?? 0,
        internal: t.isInternal,
      })
    }
    return listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  })
}

/** Parses "host:port,host:port" (also [ipv6]:port). */
export function parseBrokerList(list: string): BrokerAddress[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s)
      if (m === null) throw new ConfigError('bootstrap.servers', `'${s}' is not host:port`)
      return { host: m[1]!, port: Number(m[2]) }
    })
}

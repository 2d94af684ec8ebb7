import { ConfigError, NetworkError } from '../errors.js'
import type { BrokerAddress } from '../network/connection-pool.js'
import { ConnectionPool } from '../network/connection-pool.js'
import { brokerError, ErrorCode } from '../protocol/error-codes.js'
import { CreateTopics } from '../protocol/messages/create-topics.js'
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

/**
 * Creates topics (for tests, benchmarks and the CLI; the producer never creates topics itself).
 * An existing topic is not an error. Resolves once the request has been accepted; callers that
 * need the leaders elected wait for them through metadata.
 */
export async function createTopics(
  bootstrapServers: readonly BrokerAddress[],
  topics: readonly NewTopic[],
  timeoutMs = 30_000,
  security: ResolvedSecurity | null = null,
): Promise<void> {
  const pool = new ConnectionPool({
    tls: security?.tls ?? null,
    sasl: security?.sasl ?? null,
    clientId: 'sluice-admin',
    requestTimeoutMs: timeoutMs + 5_000,
    connectTimeoutMs: 10_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 1_000,
  })
  try {
    let lastError: unknown = null
    for (const addr of bootstrapServers) {
      let conn: Awaited<ReturnType<ConnectionPool['get']>>
      try {
        conn = await pool.get(addr)
      } catch (err) {
        lastError = err
        continue
      }
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
      for (const t of res.topics) {
        if (t.errorCode === ErrorCode.NONE || t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) continue
        const detail = t.errorMessage ? `: ${t.errorMessage}` : ''
        throw brokerError(t.errorCode, `creating topic '${t.name}'${detail}`)
      }
      return
    }
    throw new NetworkError(
      `could not reach any of ${bootstrapServers.map((a) => `${a.host}:${a.port}`).join(', ')} to create topics`,
      { cause: lastError },
    )
  } finally {
    pool.close()
  }
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

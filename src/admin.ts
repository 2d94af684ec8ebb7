/**
 * Creating topics from an application, with the producer's own settings: the same
 * bootstrap.servers, security.protocol, ssl.* and sasl.* work here, checked the same way.
 * The cluster part is cluster/admin.ts.
 */
import { createTopics as createTopicsOn } from './cluster/admin.js'
import { ConfigError } from './errors.js'
import { resolveConfig } from './producer/config/index.js'
import type { ProducerConfigInput, ProducerProperties } from './producer/config/types.js'
import { resolveSecurity } from './security/settings.js'

/** A topic to create. */
export interface NewTopic {
  name: string
  /** Partitions; omitted: the broker's num.partitions. */
  partitions?: number
  /** Replicas of each partition; omitted: the broker's default.replication.factor. */
  replicationFactor?: number
  /** Topic settings, e.g. `{ 'cleanup.policy': 'compact', 'retention.ms': '86400000' }`. */
  configs?: Record<string, string>
}

export interface CreateTopicsOptions {
  /** How long the controller may take (CreateTopics' timeout; default 30000 ms). */
  timeoutMs?: number
}

/** One result per topic asked for: `created` false when it already existed (not an error). */
export interface CreatedTopic {
  name: string
  created: boolean
}

function positive(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw new ConfigError(option, `must be a whole number from 1, got ${String(value)}`)
  }
  return value
}

/**
 * Creates topics over the connection settings a Producer takes (`bootstrapServers` and any
 * TLS/SASL settings; the other producer settings are accepted and ignored). A topic that already
 * exists is left as it is. Rejects with a `BrokerError` naming the topic when the cluster refuses
 * one (e.g. `INVALID_REPLICATION_FACTOR`), a `ConfigError` for bad settings or topics, a
 * `NetworkError` when no broker is reachable.
 *
 * ```ts
 * await createTopics({ bootstrapServers: 'localhost:9092' }, [{ name: 'orders', partitions: 3 }])
 * ```
 */
export async function createTopics(
  settings: ProducerConfigInput | ProducerProperties,
  topics: readonly NewTopic[],
  options: CreateTopicsOptions = {},
): Promise<CreatedTopic[]> {
  const config = resolveConfig(settings)
  if (!Array.isArray(topics)) throw new ConfigError('topics', 'must be an array of { name, partitions, ... }')
  const checked = topics.map((t, i) => {
    if (typeof t !== 'object' || t === null)
      throw new ConfigError(`topics[${i}]`, 'must be an object with a name')
    if (typeof t.name !== 'string' || t.name === '') {
      throw new ConfigError(`topics[${i}].name`, 'must be a non-empty string')
    }
    const partitions = positive(t.partitions, `topics[${i}].partitions`)
    const replicationFactor = positive(t.replicationFactor, `topics[${i}].replicationFactor`)
    return {
      name: t.name,
      partitions: partitions ?? -1,
      ...(replicationFactor === undefined ? {} : { replicationFactor }),
      ...(t.configs === undefined ? {} : { configs: { ...t.configs } }),
    }
  })
  const timeoutMs = options.timeoutMs ?? 30_000
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
    throw new ConfigError('timeoutMs', `must be a whole number of milliseconds, got ${String(timeoutMs)}`)
  }
  const security = resolveSecurity(config)
  try {
    return await createTopicsOn(config.bootstrapServers, checked, timeoutMs, security)
  } finally {
    await security.sasl?.close?.()
  }
}

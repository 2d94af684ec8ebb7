/**
 * What kafkajs's connect() checks: that a broker can be reached with these settings (TCP, TLS,
 * ApiVersions, SASL). Sluice's producer connects lazily, so connect() opens one connection to the
 * first bootstrap server that answers and closes it. Each server is tried once per pass, and the
 * passes follow the retry settings (up to retries + 1, the backoff doubling from
 * initialRetryTime) like kafkajs's connect.
 */
import { parseBrokerList } from '../cluster/admin.js'
import { KafkaError } from '../errors.js'
import { ConnectionPool } from '../network/connection-pool.js'
import type { ProducerConfigInput } from '../producer/config/index.js'
import { resolveConfig } from '../producer/config/index.js'
import { resolveSecurity } from '../security/settings.js'
import type { RetryOptions } from './config.js'
import { toKafkaJSError } from './error-mapping.js'
import { KafkaJSNumberOfRetriesExceeded } from './errors.js'

export async function probe(settings: ProducerConfigInput, retry: RetryOptions): Promise<void> {
  let config: ReturnType<typeof resolveConfig>
  let security: ReturnType<typeof resolveSecurity>
  try {
    config = resolveConfig(settings)
    security = resolveSecurity(config, () => {})
  } catch (err) {
    throw toKafkaJSError(err)
  }
  const passes = Math.min(retry.retries ?? 5, 5) + 1
  let wait = retry.initialRetryTime ?? 300
  let last: unknown = null
  for (let pass = 0; pass < passes; pass++) {
    if (pass > 0) {
      await new Promise((r) => setTimeout(r, wait))
      wait = Math.min(wait * (retry.multiplier ?? 2), retry.maxRetryTime ?? 30_000)
    }
    for (const address of parseBrokerList(
      config.bootstrapServers.map((b) => `${b.host}:${b.port}`).join(','),
    )) {
      const pool = new ConnectionPool({
        tls: security.tls,
        sasl: security.sasl,
        clientId: config.clientId,
        requestTimeoutMs: config.requestTimeoutMs,
        connectTimeoutMs: config.socketConnectionSetupTimeoutMs,
        reconnectBackoffMs: 0,
        reconnectBackoffMaxMs: 0,
      })
      try {
        await pool.get(address)
        return
      } catch (err) {
        last = err
        // Refused credentials or TLS do not get better by retrying.
        if (err instanceof KafkaError && !err.retriable) throw toKafkaJSError(err)
      } finally {
        pool.close()
      }
    }
  }
  const mapped = toKafkaJSError(last)
  throw new KafkaJSNumberOfRetriesExceeded(mapped, { retryCount: passes - 1, retryTime: wait })
}

/**
 * kafkajs's client and producer options as Sluice settings (src/kafkajs/config.ts): each option
 * lands on the Sluice setting docs/KAFKAJS.md names, and Sluice's own validation accepts the
 * result.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type KafkaConfig,
  type ProducerConfig,
  retryBudgetMs,
  sluiceSettings,
  type Variant,
} from '../../src/kafkajs/config.js'
import { resolveConfig } from '../../src/producer/config/index.js'

const PLAIN: Variant = { acks: -1, compression: 'none', transactional: false }

function settings(client: Partial<KafkaConfig>, producer: ProducerConfig = {}, variant = PLAIN) {
  const s = sluiceSettings(
    { brokers: ['h1:9092', 'h2:9093'], ...client },
    producer,
    ['h1:9092', 'h2:9093'],
    variant,
    null,
    null,
  )
  const resolved = resolveConfig(s) // throws a ConfigError if Sluice refuses them
  return { s: s as unknown as Record<string, unknown>, resolved }
}

describe('kafkajs options as Sluice settings', () => {
  test("defaults: kafkajs's clientId, no idempotence, linger 0, auto-creation on, plaintext", () => {
    const { resolved } = settings({})
    assert.equal(resolved.clientId, 'kafkajs')
    assert.deepEqual(
      resolved.bootstrapServers.map((b) => `${b.host}:${b.port}`),
      ['h1:9092', 'h2:9093'],
    )
    assert.equal(resolved.enableIdempotence, false)
    assert.equal(resolved.lingerMs, 0)
    assert.equal(resolved.allowAutoCreateTopics, true)
    assert.equal(resolved.securityProtocol, 'PLAINTEXT')
    assert.equal(resolved.maxBlockMs, 9300, "kafkajs's default retries: 300 + 600 + 1200 + 2400 + 4800 ms")
  })

  test('the variant: acks, compression, and a transactional producer with its id and timeout', () => {
    const { resolved } = settings(
      {},
      { transactionalId: 'tx-1', transactionTimeout: 30_000 },
      {
        acks: -1,
        compression: 'zstd',
        transactional: true,
      },
    )
    assert.equal(resolved.compressionType, 'zstd')
    assert.equal(resolved.transactionalId, 'tx-1')
    assert.equal(resolved.transactionTimeoutMs, 30_000)
    assert.equal(resolved.enableIdempotence, true)
    const acks1 = settings({}, {}, { acks: 1, compression: 'gzip', transactional: false }).resolved
    assert.equal(acks1.acks, 1)
    assert.equal(acks1.transactionalId, null, 'a transactionalId is only for the transactional producer')
  })

  test('clientId, timeouts, retry, auto-creation, idempotence and in-flight limit', () => {
    const { resolved } = settings(
      {
        clientId: 'app',
        connectionTimeout: 3000,
        requestTimeout: 200_000,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
      },
      { allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, metadataMaxAge: 60_000 },
    )
    assert.equal(resolved.clientId, 'app')
    assert.equal(resolved.socketConnectionSetupTimeoutMs, 3000)
    assert.equal(resolved.requestTimeoutMs, 200_000)
    assert.equal(resolved.deliveryTimeoutMs, 200_000, 'delivery.timeout.ms grows to cover request.timeout.ms')
    assert.equal(resolved.retries, 3)
    assert.equal(resolved.retryBackoffMs, 100)
    assert.equal(resolved.retryBackoffMaxMs, 1000)
    assert.equal(resolved.allowAutoCreateTopics, false)
    assert.equal(resolved.enableIdempotence, true)
    assert.equal(resolved.maxInFlightRequestsPerConnection, 1)
    assert.equal(resolved.metadataMaxAgeMs, 60_000)
  })

  test('the producer retry overrides the client retry', () => {
    const { resolved } = settings({ retry: { retries: 8 } }, { retry: { retries: 2 } })
    assert.equal(resolved.retries, 2)
  })

  test('ssl and sasl: security.protocol from which are given, the sasl object as it is', () => {
    const sasl = { mechanism: 'scram-sha-512', username: 'u', password: 'p' }
    assert.equal(settings({ ssl: true }).resolved.securityProtocol, 'SSL')
    assert.equal(settings({ sasl }).resolved.securityProtocol, 'SASL_PLAINTEXT')
    const both = settings({ ssl: true, sasl })
    assert.equal(both.resolved.securityProtocol, 'SASL_SSL')
    assert.equal(both.s.sasl, sasl)
  })

  test('ssl: { ca, cert, key, passphrase, rejectUnauthorized: false } onto ssl.*', () => {
    const { s } = {
      s: sluiceSettings(
        {
          brokers: ['h:1'],
          ssl: { ca: ['CA'], cert: 'CERT', key: 'KEY', passphrase: 'pw', rejectUnauthorized: false },
        },
        {},
        ['h:1'],
        PLAIN,
        null,
        null,
      ) as unknown as Record<string, unknown>,
    }
    assert.deepEqual(s.sslTruststoreCertificates, ['CA'])
    assert.equal(s.sslKeystoreCertificateChain, 'CERT')
    assert.equal(s.sslKeystoreKey, 'KEY')
    assert.equal(s.sslKeyPassword, 'pw')
    assert.equal(s.sslEndpointIdentificationAlgorithm, '')
    assert.equal(s.securityProtocol, 'SSL')
  })

  test('the sluice option passes any Sluice setting, over the mapped ones', () => {
    const { resolved } = settings({}, { sluice: { lingerMs: 7, compressionType: 'lz4' } })
    assert.equal(resolved.lingerMs, 7)
    assert.equal(resolved.compressionType, 'lz4')
  })
})

describe('retryBudgetMs: how long kafkajs keeps retrying, as max.block.ms', () => {
  test("kafkajs's backoff summed, capped at 60 s, at least 1 s", () => {
    assert.equal(retryBudgetMs({}), 9300)
    assert.equal(retryBudgetMs({ retries: 2, initialRetryTime: 100 }), 1000)
    assert.equal(
      retryBudgetMs({ retries: 4, initialRetryTime: 1000, maxRetryTime: 2500 }),
      1000 + 2000 + 2500 + 2500,
    )
    assert.equal(retryBudgetMs({ retries: Number.MAX_SAFE_INTEGER }), 60_000)
    assert.equal(retryBudgetMs({ retries: 0 }), 1000)
  })
})

import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ConfigError, KafkaError } from '../../src/errors.js'
import { replaceConfigTable } from '../../src/producer/config/docs.js'
import {
  CONFIG_DEFINITIONS,
  type ProducerConfig,
  type ProducerConfigInput,
  type ProducerInterceptor,
  renderConfigTable,
  resolveConfig,
} from '../../src/producer/config/index.js'
import { Secret } from '../../src/security/secret.js'

const TEST_LOGGER = { info: () => {}, warn: () => {} }

const BOOT = { bootstrapServers: 'localhost:9092' }

function resolve(extra: Record<string, unknown>): ProducerConfig {
  return resolveConfig({ ...BOOT, ...extra })
}

/** Asserts resolving `input` throws a ConfigError for `option` whose message matches every pattern. */
function rejects(input: Record<string, unknown>, option: string, ...patterns: RegExp[]): ConfigError {
  let caught: unknown
  try {
    resolveConfig(input as unknown as ProducerConfigInput)
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`)
  assert.ok(caught instanceof KafkaError)
  assert.equal(caught.code, 'ERR_CONFIG')
  assert.equal(caught.option, option, caught.message)
  for (const p of patterns) assert.match(caught.message, p)
  return caught
}

/** Kafka 4.4's ProducerConfig defaults for the settings we share (checked against Kafka's jar in config-java.test.ts). */
const KAFKA_DEFAULTS: Omit<ProducerConfig, 'bootstrapServers' | 'clientId'> = {
  acks: -1,
  enableIdempotence: true,
  batchSize: 16384,
  lingerMs: 5,
  bufferMemory: 33554432,
  maxBlockMs: 60000,
  compressionType: 'none',
  compressionGzipLevel: -1,
  compressionLz4Level: 9,
  compressionZstdLevel: 3,
  maxInFlightRequestsPerConnection: 5,
  retries: 2147483647,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1000,
  reconnectBackoffMs: 50,
  reconnectBackoffMaxMs: 1000,
  requestTimeoutMs: 30000,
  deliveryTimeoutMs: 120000,
  maxRequestSize: 1048576,
  metadataMaxAgeMs: 300000,
  metadataMaxIdleMs: 300000,
  partitionerAdaptivePartitioningEnable: true,
  partitionerAvailabilityTimeoutMs: 0,
  partitionerIgnoreKeys: false,
  partitionerClass: null,
  sendBufferBytes: 131072,
  receiveBufferBytes: 32768,
  connectionsMaxIdleMs: 540000,
  socketConnectionSetupTimeoutMs: 10000,
  socketConnectionSetupTimeoutMaxMs: 30000,
  transactionalId: null,
  transactionTimeoutMs: 60000,
  keySerializer: 'buffer',
  valueSerializer: 'buffer',
  interceptorClasses: [],
  metadataRecoveryStrategy: 'rebootstrap',
  allowAutoCreateTopics: true,
  logger: null,
  circuitBreaker: null,
  spool: null,
  metricsSampleWindowMs: 30000,
  metricsNumSamples: 2,
  metricsRecordingLevel: 'INFO',
  securityProtocol: 'PLAINTEXT',
  sslProtocol: 'TLSv1.3',
  sslEnabledProtocols: ['TLSv1.2', 'TLSv1.3'],
  sslCipherSuites: [],
  sslEndpointIdentificationAlgorithm: 'https',
  sslTruststoreLocation: null,
  sslTruststoreType: null,
  sslTruststorePassword: null,
  sslTruststoreCertificates: null,
  sslKeystoreLocation: null,
  sslKeystoreType: null,
  sslKeystorePassword: null,
  sslKeystoreKey: null,
  sslKeystoreCertificateChain: null,
  sslKeyPassword: null,
  saslMechanism: 'GSSAPI',
  saslJaasConfig: null,
  sasl: null,
  saslLoginCallbackHandlerClass: null,
  saslOauthbearerTokenEndpointUrl: null,
  saslOauthbearerScope: null,
  saslOauthbearerClientCredentialsClientId: null,
  saslOauthbearerClientCredentialsClientSecret: null,
  saslOauthbearerHeaderUrlencode: false,
  saslOauthbearerSubClaimName: 'sub',
  saslOauthbearerScopeClaimName: 'scope',
  saslLoginConnectTimeoutMs: null,
  saslLoginReadTimeoutMs: null,
  saslLoginRetryBackoffMs: 100,
  saslLoginRetryBackoffMaxMs: 10000,
  saslLoginRefreshWindowFactor: 0.8,
  saslLoginRefreshWindowJitter: 0.05,
  saslLoginRefreshMinPeriodSeconds: 60,
  saslLoginRefreshBufferSeconds: 300,
}

const serializerFn = (data: unknown) => (data === null ? null : Buffer.from(String(data)))
const partitionerFn = () => 0
const interceptor: ProducerInterceptor = { onSend: (r) => r }
const tokenFn = () => ({ value: 'token' })
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";'

/** For every setting: a valid non-default input and what it resolves to. */
const SAMPLES: { [K in keyof ProducerConfig]: [input: unknown, resolved: unknown] } = {
  bootstrapServers: [
    'b1:9093,b2:9094',
    [
      { host: 'b1', port: 9093 },
      { host: 'b2', port: 9094 },
    ],
  ],
  clientId: ['my-app', 'my-app'],
  acks: [1, 1],
  enableIdempotence: [false, false],
  batchSize: [0, 0],
  lingerMs: [10, 10],
  bufferMemory: [65536, 65536],
  maxBlockMs: [0, 0],
  compressionType: ['zstd', 'zstd'],
  compressionGzipLevel: [9, 9],
  compressionLz4Level: [17, 17],
  compressionZstdLevel: [-131072, -131072],
  maxInFlightRequestsPerConnection: [1, 1],
  retries: [0, 0],
  retryBackoffMs: [7, 7],
  retryBackoffMaxMs: [70, 70],
  reconnectBackoffMs: [5, 5],
  reconnectBackoffMaxMs: [500, 500],
  requestTimeoutMs: [40000, 40000],
  deliveryTimeoutMs: [200000, 200000],
  maxRequestSize: [1, 1],
  metadataMaxAgeMs: [1000, 1000],
  metadataMaxIdleMs: [5000, 5000],
  partitionerAdaptivePartitioningEnable: [false, false],
  partitionerAvailabilityTimeoutMs: [100, 100],
  partitionerIgnoreKeys: [true, true],
  partitionerClass: [partitionerFn, partitionerFn],
  sendBufferBytes: [-1, -1],
  receiveBufferBytes: [-1, -1],
  connectionsMaxIdleMs: [-1, -1],
  socketConnectionSetupTimeoutMs: [1, 1],
  socketConnectionSetupTimeoutMaxMs: [2, 2],
  transactionalId: ['tx-1', 'tx-1'],
  transactionTimeoutMs: [1000, 1000],
  keySerializer: ['string', 'string'],
  valueSerializer: [serializerFn, serializerFn],
  interceptorClasses: [[interceptor], [interceptor]],
  metadataRecoveryStrategy: ['none', 'none'],
  allowAutoCreateTopics: [false, false],
  logger: [TEST_LOGGER, TEST_LOGGER],
  circuitBreaker: [{ cooldownMs: '500' }, { failureThreshold: 5, cooldownMs: 500, halfOpenProbes: 1 }],
  spool: [
    { dir: '/tmp/s', maxBytes: '1048576', fsync: 'never', on: ['circuit-open', 'circuit-open'] },
    {
      dir: '/tmp/s',
      maxBytes: 1048576,
      fsync: 'never',
      fsyncIntervalMs: 1000,
      segmentBytes: null,
      on: ['circuit-open'],
    },
  ],
  metricsSampleWindowMs: ['10000', 10000],
  metricsNumSamples: [3, 3],
  metricsRecordingLevel: ['DEBUG', 'DEBUG'],
  securityProtocol: ['sasl_ssl', 'SASL_SSL'],
  sslProtocol: ['TLSv1.2', 'TLSv1.2'],
  sslEnabledProtocols: ['TLSv1.3', ['TLSv1.3']],
  sslCipherSuites: [
    'TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256',
    ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256'],
  ],
  sslEndpointIdentificationAlgorithm: ['', ''],
  sslTruststoreLocation: ['/etc/ca.pem', '/etc/ca.pem'],
  sslTruststoreType: ['PEM', 'PEM'],
  sslTruststorePassword: ['trust-pw', 'trust-pw'],
  sslTruststoreCertificates: ['-----BEGIN CERTIFICATE-----', '-----BEGIN CERTIFICATE-----'],
  sslKeystoreLocation: ['/etc/client.p12', '/etc/client.p12'],
  sslKeystoreType: ['PKCS12', 'PKCS12'],
  sslKeystorePassword: ['store-pw', 'store-pw'],
  sslKeystoreKey: ['-----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----'],
  sslKeystoreCertificateChain: [
    ['-----BEGIN CERTIFICATE-----a', '-----BEGIN CERTIFICATE-----b'],
    ['-----BEGIN CERTIFICATE-----a', '-----BEGIN CERTIFICATE-----b'],
  ],
  sslKeyPassword: ['key-pw', 'key-pw'],
  saslMechanism: ['scram-sha-512', 'SCRAM-SHA-512'],
  saslJaasConfig: [JAAS, JAAS],
  sasl: [
    { mechanism: 'plain', username: 'u', password: 'p' },
    { mechanism: 'PLAIN', username: 'u', password: 'p' },
  ],
  saslLoginCallbackHandlerClass: [tokenFn, tokenFn],
  saslOauthbearerTokenEndpointUrl: ['https://idp.example/token', 'https://idp.example/token'],
  saslOauthbearerScope: ['kafka', 'kafka'],
  saslOauthbearerClientCredentialsClientId: ['svc', 'svc'],
  saslOauthbearerClientCredentialsClientSecret: ['client-secret', 'client-secret'],
  saslOauthbearerHeaderUrlencode: ['true', true],
  saslOauthbearerSubClaimName: ['client_id', 'client_id'],
  saslOauthbearerScopeClaimName: ['scp', 'scp'],
  saslLoginConnectTimeoutMs: [5000, 5000],
  saslLoginReadTimeoutMs: [6000, 6000],
  saslLoginRetryBackoffMs: [200, 200],
  saslLoginRetryBackoffMaxMs: [2000, 2000],
  saslLoginRefreshWindowFactor: ['0.9', 0.9],
  saslLoginRefreshWindowJitter: [0.1, 0.1],
  saslLoginRefreshMinPeriodSeconds: [30, 30],
  saslLoginRefreshBufferSeconds: [120, 120],
}

/** Secrets resolve to Secret objects; compare what they hold (and sasl's password inside). */
function revealed(value: unknown): unknown {
  if (value instanceof Secret) return value.reveal()
  if (value !== null && typeof value === 'object' && 'password' in value) {
    const o = value as { password: unknown }
    return { ...o, password: revealed(o.password) }
  }
  return value
}

describe('defaults', () => {
  test("every default is Kafka 4.x's", () => {
    const c = resolveConfig(BOOT)
    const { bootstrapServers, clientId, ...rest } = c
    assert.deepEqual(rest, KAFKA_DEFAULTS)
    assert.deepEqual(bootstrapServers, [{ host: 'localhost', port: 9092 }])
    assert.match(clientId, /^sluice-producer-\d+$/)
  })

  test('CONFIG_DEFINITIONS lists every resolved setting once, with its default', () => {
    const c = resolveConfig(BOOT)
    assert.deepEqual(CONFIG_DEFINITIONS.map((d) => d.camel).sort(), Object.keys(c).sort())
    assert.equal(new Set(CONFIG_DEFINITIONS.map((d) => d.name)).size, CONFIG_DEFINITIONS.length)
    for (const d of CONFIG_DEFINITIONS) {
      assert.ok(d.doc.length > 10 && d.valid.length > 0 && d.defaultText.length > 0, d.name)
      if (d.camel in KAFKA_DEFAULTS) {
        assert.deepEqual(d.default, KAFKA_DEFAULTS[d.camel as keyof typeof KAFKA_DEFAULTS], d.name)
      }
    }
  })

  test('client.id counts up per producer, and is derived from transactional.id when set', () => {
    const a = Number(resolveConfig(BOOT).clientId.split('-').pop())
    const b = Number(resolveConfig(BOOT).clientId.split('-').pop())
    assert.equal(b, a + 1)
    assert.equal(resolve({ transactionalId: 'orders' }).clientId, 'sluice-producer-orders')
    assert.equal(resolve({ clientId: '' }).clientId, '')
  })

  test('the resolved config and its lists are frozen', () => {
    const c = resolveConfig(BOOT)
    assert.ok(Object.isFrozen(c))
    assert.ok(Object.isFrozen(c.bootstrapServers) && Object.isFrozen(c.bootstrapServers[0]))
    assert.ok(Object.isFrozen(c.interceptorClasses))
    const list = [interceptor]
    const d = resolve({ interceptorClasses: list })
    list.pop()
    assert.equal(d.interceptorClasses.length, 1, 'a copy, not the caller array')
  })
})

describe('names', () => {
  for (const def of CONFIG_DEFINITIONS) {
    const [input, expected] = SAMPLES[def.camel as keyof ProducerConfig]
    test(`${def.name} and ${def.camel} both set ${def.camel}`, () => {
      for (const key of [def.name, def.camel]) {
        const c = resolveConfig({ ...(def.camel === 'bootstrapServers' ? {} : BOOT), [key]: input } as never)
        assert.deepEqual(revealed(c[def.camel as keyof ProducerConfig]), expected, key)
      }
    })
  }

  test('both spellings of one setting is an error, even with equal values', () => {
    rejects({ ...BOOT, lingerMs: 5, 'linger.ms': 5 }, 'linger.ms', /'lingerMs'/, /keep one/)
    rejects(
      { 'bootstrap.servers': 'a:1', bootstrapServers: 'a:1' },
      'bootstrapServers',
      /'bootstrap.servers'/,
    )
  })

  test('undefined counts as not set', () => {
    const c = resolve({ lingerMs: undefined, 'linger.ms': 7, enableIdempotence: undefined, acks: 1 })
    assert.equal(c.lingerMs, 7)
    assert.equal(c.enableIdempotence, false, 'idempotence was not set explicitly')
  })

  test('unknown keys are rejected with a suggestion in the same style', () => {
    rejects({ ...BOOT, lingerMss: 5 }, 'lingerMss', /unknown setting/, /did you mean 'lingerMs'\?/i)
    rejects({ ...BOOT, 'linger.mss': 5 }, 'linger.mss', /did you mean 'linger.ms'\?/i)
    rejects({ ...BOOT, linger_ms: 5 }, 'linger_ms', /did you mean 'linger.ms'\?/i)
    rejects({ ...BOOT, LingerMS: 5 }, 'LingerMS', /did you mean 'lingerMs'\?/i)
    rejects({ ...BOOT, 'bootstrap.server': 'a:1' }, 'bootstrap.server', /'bootstrap.servers'/)
    rejects(
      { ...BOOT, maxInFlightRequestPerConnection: 1 },
      'maxInFlightRequestPerConnection',
      /'maxInFlightRequestsPerConnection'/,
    )
    const far = rejects({ ...BOOT, colour: 'blue' }, 'colour', /unknown setting/, /CONFIGURATION\.md/)
    assert.doesNotMatch(far.message, /did you mean/i)
  })

  test('Java settings Sluice does not implement say so', () => {
    rejects({ ...BOOT, 'client.dns.lookup': 'use_all_dns_ips' }, 'client.dns.lookup', /does not support/)
  })

  test('bootstrap.servers is required', () => {
    rejects({}, 'bootstrap.servers', /required/)
    rejects({ lingerMs: 1 }, 'bootstrap.servers', /required/)
  })

  test('the input must be an object', () => {
    assert.throws(() => resolveConfig(null as never), ConfigError)
    assert.throws(() => resolveConfig([] as never), ConfigError)
  })

  test('ProducerConfigInput types both spellings', () => {
    const input: ProducerConfigInput = {
      bootstrapServers: ['a:1'],
      'linger.ms': 5,
      acks: 'all',
      'enable.idempotence': true,
    }
    // @ts-expect-error a number is not a compression type
    const bad: ProducerConfigInput = { compressionType: 5 }
    void bad
    assert.equal(resolveConfig(input).lingerMs, 5)
  })
})

describe('coercion from strings', () => {
  test('numbers, booleans, acks, lists and enums as a .properties file gives them', () => {
    const c = resolveConfig({
      'bootstrap.servers': ' a:1 , b:2 ',
      'linger.ms': ' 7 ',
      'batch.size': '+100',
      'compression.zstd.level': '-5',
      'enable.idempotence': 'TRUE',
      'partitioner.ignore.keys': 'false',
      acks: ' all ',
      'compression.type': 'lz4',
      'metadata.recovery.strategy': 'NONE',
      'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
      'value.serializer': 'json',
      'interceptor.classes': '',
      'client.id': ' app ',
    } as never)
    assert.deepEqual(c.bootstrapServers, [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ])
    assert.equal(c.lingerMs, 7)
    assert.equal(c.batchSize, 100)
    assert.equal(c.compressionZstdLevel, -5)
    assert.equal(c.enableIdempotence, true)
    assert.equal(c.partitionerIgnoreKeys, false)
    assert.equal(c.acks, -1)
    assert.equal(c.compressionType, 'lz4')
    assert.equal(c.metadataRecoveryStrategy, 'none')
    assert.equal(c.keySerializer, 'string')
    assert.equal(c.valueSerializer, 'json')
    assert.deepEqual(c.interceptorClasses, [])
    assert.equal(c.clientId, 'app')
  })

  test('acks accepts 0, 1, -1, all as numbers or strings', () => {
    for (const [v, want] of [
      [0, 0],
      ['0', 0],
      [1, 1],
      ['1', 1],
      [-1, -1],
      ['-1', -1],
      ['all', -1],
    ] as const) {
      assert.equal(resolve({ acks: v, enableIdempotence: false }).acks, want, String(v))
    }
    for (const v of [2, 'ALL', 'leader', true, null]) rejects({ ...BOOT, acks: v }, 'acks', /'all'/)
  })

  test('bigint is accepted for integers', () => {
    assert.equal(resolve({ bufferMemory: 65536n }).bufferMemory, 65536)
  })

  test('wrong types fail naming the option, the value and the fix', () => {
    rejects({ ...BOOT, 'linger.ms': 'soon' }, 'linger.ms', /string "soon"/, /integer >= 0/, /Pass a number/)
    rejects({ ...BOOT, lingerMs: 1.5 }, 'lingerMs', /number 1.5/, /whole number/)
    rejects({ ...BOOT, lingerMs: Number.NaN }, 'lingerMs', /NaN/)
    rejects({ ...BOOT, batchSize: '1e3' }, 'batchSize', /"1e3"/)
    rejects({ ...BOOT, batchSize: 2 ** 31 }, 'batchSize', /2147483648/)
    rejects({ ...BOOT, enableIdempotence: 'yes' }, 'enableIdempotence', /string "yes"/, /true or false/)
    rejects({ ...BOOT, enableIdempotence: 1 }, 'enableIdempotence', /number 1/)
    rejects({ ...BOOT, compressionType: 'GZIP' }, 'compressionType', /'gzip'/)
    rejects({ ...BOOT, clientId: 5 }, 'clientId', /a string/)
    rejects({ ...BOOT, transactionalId: ' ' }, 'transactionalId', /non-empty/)
    rejects({ ...BOOT, keySerializer: 'avro' }, 'keySerializer', /'buffer'/, /function/)
    rejects({ ...BOOT, valueSerializer: null }, 'valueSerializer', /null/)
    rejects({ ...BOOT, metadataRecoveryStrategy: 'retry' }, 'metadataRecoveryStrategy', /'rebootstrap'/)
    rejects({ ...BOOT, allowAutoCreateTopics: 'nope' }, 'allowAutoCreateTopics', /boolean/)
  })
})

describe('bootstrap.servers', () => {
  test('host:port, [ipv6]:port, arrays; duplicates dropped as Java does', () => {
    assert.deepEqual(
      resolveConfig({ bootstrapServers: ['[::1]:9092', 'kafka-1.example.com:19092', '10.0.0.1:1'] })
        .bootstrapServers,
      [
        { host: '::1', port: 9092 },
        { host: 'kafka-1.example.com', port: 19092 },
        { host: '10.0.0.1', port: 1 },
      ],
    )
    assert.deepEqual(resolveConfig({ bootstrapServers: '[fe80::1%eth0]:9092' }).bootstrapServers, [
      { host: 'fe80::1%eth0', port: 9092 },
    ])
    assert.deepEqual(resolveConfig({ bootstrapServers: 'a:1,a:1,A:1' }).bootstrapServers, [
      { host: 'a', port: 1 },
    ])
  })

  test('malformed entries name the entry and show the right form', () => {
    const cases: [unknown, RegExp][] = [
      ['localhost', /"localhost" has no port/],
      ['a:1,,b:2', /empty/],
      ['', /at least one broker/],
      [[], /at least one broker|'host:port'/],
      ['a:0', /valid port/],
      ['a:65536', /valid port/],
      ['a:port', /valid port/],
      ['::1:9092', /\[brackets\]/],
      ['[::1]9092', /\[ipv6\]:port/],
      ['[nothex]:9092', /IPv6/],
      ['bad host:1', /invalid host/],
      ['http://a:1', /invalid host/],
      [9092, /number 9092/],
      [['a:1', 2], /an array/],
    ]
    for (const [v, p] of cases)
      rejects({ bootstrapServers: v }, 'bootstrapServers', p, /\[::1\]:9092|'host:port'/)
  })
})

describe('ranges', () => {
  const cases: [string, unknown][] = [
    ['batch.size', -1],
    ['linger.ms', -1],
    ['buffer.memory', 0],
    ['max.block.ms', -1],
    ['compression.gzip.level', 0],
    ['compression.gzip.level', 10],
    ['compression.gzip.level', -2],
    ['compression.lz4.level', 0],
    ['compression.lz4.level', 18],
    ['compression.zstd.level', 23],
    ['compression.zstd.level', -131073],
    ['max.in.flight.requests.per.connection', 0],
    ['retries', -1],
    ['retry.backoff.ms', -1],
    ['retry.backoff.max.ms', -1],
    ['reconnect.backoff.ms', -1],
    ['reconnect.backoff.max.ms', -1],
    ['request.timeout.ms', -1],
    ['delivery.timeout.ms', -1],
    ['max.request.size', 0],
    ['metadata.max.age.ms', -1],
    ['metadata.max.idle.ms', 4999],
    ['partitioner.availability.timeout.ms', -1],
    ['send.buffer.bytes', -2],
    ['receive.buffer.bytes', -2],
    ['connections.max.idle.ms', -2],
    ['socket.connection.setup.timeout.ms', -1],
    ['socket.connection.setup.timeout.max.ms', -1],
    ['transaction.timeout.ms', -1],
    ['linger.ms', Number.MAX_SAFE_INTEGER + 2],
  ]
  for (const [name, v] of cases) {
    test(`${name}=${v} is out of range`, () => {
      rejects(
        { ...BOOT, enableIdempotence: false, [name]: v },
        name,
        new RegExp(`number ${v}`),
        /integer|-1 or/,
      )
    })
  }

  test('range edges are accepted', () => {
    const c = resolve({
      compressionGzipLevel: -1,
      compressionLz4Level: 1,
      compressionZstdLevel: 22,
      retries: 2147483647,
      batchSize: 0,
      lingerMs: 0,
      metadataMaxIdleMs: 5000,
    })
    assert.equal(c.compressionGzipLevel, -1)
    assert.equal(c.compressionLz4Level, 1)
    assert.equal(c.compressionZstdLevel, 22)
  })
})

describe('functions and objects', () => {
  test('partitioner.class takes a function or an object with partition()', () => {
    const obj = { partition: () => 1 }
    assert.equal(resolve({ partitionerClass: obj }).partitionerClass, obj)
    assert.equal(resolve({ partitionerClass: null }).partitionerClass, null)
    rejects({ ...BOOT, partitionerClass: {} }, 'partitionerClass', /partition\(\)/)
    rejects(
      { ...BOOT, 'partitioner.class': 'org.apache.kafka.clients.producer.RoundRobinPartitioner' },
      'partitioner.class',
      /Java class names cannot be loaded/,
    )
  })

  test('interceptor.classes takes an array of interceptor objects', () => {
    const ack: ProducerInterceptor = { onAcknowledgement: () => {}, close: () => {} }
    assert.deepEqual(resolve({ interceptorClasses: [interceptor, ack] }).interceptorClasses, [
      interceptor,
      ack,
    ])
    rejects({ ...BOOT, interceptorClasses: interceptor }, 'interceptorClasses', /an array/)
    rejects({ ...BOOT, interceptorClasses: [null] }, 'interceptorClasses[0]', /interceptor object/)
    rejects(
      { ...BOOT, interceptorClasses: [{}] },
      'interceptorClasses[0]',
      /onSend\(\) or onAcknowledgement\(\)/,
    )
    rejects(
      { ...BOOT, interceptorClasses: [{ onSend: 1 }] },
      'interceptorClasses[0]',
      /onSend to be a function/,
    )
    rejects({ ...BOOT, interceptorClasses: [interceptor, interceptor] }, 'interceptorClasses[1]', /once/)
    rejects(
      { ...BOOT, 'interceptor.classes': 'com.example.Audit' },
      'interceptor.classes',
      /Java class names/,
    )
  })
})

describe('cross-field rules', () => {
  test('delivery.timeout.ms set below linger.ms + request.timeout.ms is an error showing the numbers', () => {
    rejects(
      { ...BOOT, deliveryTimeoutMs: 30004 },
      'deliveryTimeoutMs',
      /is 30004/,
      /5 \+ 30000 = 30005/,
      /at least 30005/,
    )
    rejects(
      { ...BOOT, 'delivery.timeout.ms': 1000, 'linger.ms': 500, 'request.timeout.ms': 600 },
      'delivery.timeout.ms',
      /500 \+ 600 = 1100/,
    )
    assert.equal(resolve({ deliveryTimeoutMs: 30005 }).deliveryTimeoutMs, 30005, 'equal is fine')
  })

  test('batch.size larger than buffer.memory is refused, naming both and the one set', () => {
    rejects(
      { ...BOOT, batchSize: 2048, bufferMemory: 1024 },
      'batchSize',
      /is 2048, larger than bufferMemory=1024/,
      /at most 1024/,
    )
    rejects(
      { ...BOOT, 'buffer.memory': 1000 },
      'buffer.memory',
      /is 1000, smaller than batch.size=16384/,
      /no batch could ever be allocated/,
    )
    rejects({ ...BOOT, 'batch.size': 40_000_000 }, 'batch.size', /larger than buffer.memory=33554432/)
    assert.equal(resolve({ batchSize: 1024, bufferMemory: 1024 }).batchSize, 1024, 'equal is fine')
  })

  test('max.request.size set above buffer.memory is refused; its default above a small buffer.memory is not', () => {
    rejects(
      { ...BOOT, maxRequestSize: 4096, bufferMemory: 2048, batchSize: 1024 },
      'maxRequestSize',
      /is 4096, larger than bufferMemory=2048: a record between the two could never be buffered/,
    )
    // Records larger than buffer.memory then fail alone with RecordTooLargeError, as in Java.
    assert.equal(resolve({ bufferMemory: 1024, batchSize: 1024 }).maxRequestSize, 1048576)
  })

  test('the default delivery.timeout.ms grows to linger.ms + request.timeout.ms (Java)', () => {
    assert.equal(resolve({ lingerMs: 100000, requestTimeoutMs: 30000 }).deliveryTimeoutMs, 130000)
    assert.equal(resolve({ lingerMs: 100 }).deliveryTimeoutMs, 120000)
  })

  test('idempotence not set explicitly: conflicting acks or retries turn it off silently', () => {
    assert.equal(resolve({ acks: 1 }).enableIdempotence, false)
    assert.equal(resolve({ acks: 0 }).enableIdempotence, false)
    assert.equal(resolve({ retries: 0 }).enableIdempotence, false)
    assert.equal(resolve({ acks: 'all', retries: 1 }).enableIdempotence, true)
    assert.equal(resolve({ maxInFlightRequestsPerConnection: 5 }).enableIdempotence, true)
  })

  test('enable.idempotence=true set explicitly: conflicting acks or retries are errors', () => {
    rejects(
      { ...BOOT, enableIdempotence: true, acks: 1 },
      'acks',
      /acks=1 conflicts with enableIdempotence=true/,
      /'all'/,
    )
    rejects({ ...BOOT, 'enable.idempotence': 'true', acks: '0' }, 'acks', /enable.idempotence=false/)
    rejects({ ...BOOT, enableIdempotence: true, retries: 0 }, 'retries', /retries=0/, /retries above 0/)
    assert.equal(resolve({ enableIdempotence: true, acks: -1, retries: 3 }).enableIdempotence, true)
  })

  test('max.in.flight.requests.per.connection above 5 with idempotence is an error even by default (as Java)', () => {
    rejects(
      { ...BOOT, maxInFlightRequestsPerConnection: 6 },
      'maxInFlightRequestsPerConnection',
      /is 6/,
      /on by default/,
      /enable.idempotence=false/,
    )
    rejects(
      { ...BOOT, enableIdempotence: true, maxInFlightRequestsPerConnection: 6 },
      'maxInFlightRequestsPerConnection',
      /enableIdempotence=true/,
    )
    rejects(
      { ...BOOT, acks: 1, 'max.in.flight.requests.per.connection': 10 },
      'max.in.flight.requests.per.connection',
    )
    assert.equal(
      resolve({ enableIdempotence: false, maxInFlightRequestsPerConnection: 50 })
        .maxInFlightRequestsPerConnection,
      50,
    )
  })

  test('transactional.id requires idempotence, naming why it is off', () => {
    assert.equal(resolve({ transactionalId: 't' }).enableIdempotence, true)
    rejects(
      { ...BOOT, transactionalId: 't', enableIdempotence: false },
      'transactionalId',
      /enableIdempotence=false/,
    )
    rejects({ ...BOOT, 'transactional.id': 't', acks: 1 }, 'transactional.id', /because of acks=1/)
    rejects({ ...BOOT, transactionalId: 't', retries: 0 }, 'transactionalId', /because of retries=0/)
    assert.equal(resolve({ transactionalId: null, enableIdempotence: false }).transactionalId, null)
  })

  test('reconnect.backoff.max.ms follows reconnect.backoff.ms when only that is set (Java)', () => {
    assert.equal(resolve({ reconnectBackoffMs: 5000 }).reconnectBackoffMaxMs, 5000)
    assert.equal(resolve({ reconnectBackoffMs: 10 }).reconnectBackoffMaxMs, 10)
    assert.equal(resolve({ reconnectBackoffMs: 10, reconnectBackoffMaxMs: 2000 }).reconnectBackoffMaxMs, 2000)
    assert.equal(resolve({}).reconnectBackoffMaxMs, 1000)
  })
})

describe('docs', () => {
  test('docs/CONFIGURATION.md contains the current generated table', async () => {
    const path = join(import.meta.dirname, '..', '..', 'docs', 'CONFIGURATION.md')
    const doc = await readFile(path, 'utf8')
    const table = renderConfigTable()
    assert.ok(
      doc.includes(table),
      'docs/CONFIGURATION.md is out of date; regenerate it with\n' +
        `  node --import tsx -e "import('./src/producer/config/docs.ts').then(async (m) => { const fs = await import('node:fs'); const p = 'docs/CONFIGURATION.md'; fs.writeFileSync(p, m.replaceConfigTable(fs.readFileSync(p, 'utf8'))) })"`,
    )
    for (const d of CONFIG_DEFINITIONS)
      assert.ok(table.includes(`| \`${d.name}\` | \`${d.camel}\` |`), d.name)
    assert.equal(replaceConfigTable(doc), doc)
  })
})

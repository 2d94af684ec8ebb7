/**
 * TLS, mTLS and SASL against a real Apache Kafka (the secure local broker, one listener per way
 * of connecting): what Sluice produces is read back by Kafka's own console consumer over the
 * same listener with the same credentials; refused connections fail fast with a typed error
 * naming the broker; ACLs refuse what they should, for the records concerned only.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { inspect } from 'node:util'
import {
  type ProducerSettings as AllSettings,
  AuthenticationError,
  BrokerError,
  ConfigError,
  KafkaError,
  NetworkError,
  Producer,
  type RecordMetadata,
  TlsError,
} from '../../src/index.js'

/** Settings a test adds to the broker's address. */
type ProducerSettings = Omit<AllSettings, 'bootstrapServers' | 'bootstrap.servers'>

import {
  CLIENT_KEY_PASSWORD,
  CLIENT_P12_PASSWORD,
  makeJksTruststore,
} from '../../src/local-kafka/secure/certs.js'
import {
  ALLOWED_TOPIC_PREFIX,
  SECURE_USERS,
  type SecureBroker,
  type SecureListener,
  startSecureBroker,
} from '../../src/local-kafka/secure/secure-broker.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'
import {
  type ConsoleRecord,
  type ConsumerSecurity,
  consoleConsume,
  type JavaSaslMechanism,
} from '../helpers/secure-reader.js'

const RECORDS = 200
/** Connection failures must come from the connection, long before max.block.ms. */
const FAST = { 'socket.connection.setup.timeout.ms': 5000, 'max.block.ms': 15_000 } as const

let broker: SecureBroker

before(async () => {
  broker = await startSecureBroker()
})
after(async () => {
  await broker?.stop()
})

async function newTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = uniqueTopic(prefix)
  await createTopic(topic, partitions, { bootstrap: broker.bootstrap.PLAINTEXT })
  return topic
}

/**
 * The producer's SASL settings; OAUTHBEARER uses Java's unsecured login (an unsigned JWT whose
 * sub is the user), which the broker's default, unsecured validator accepts.
 */
function saslConfig(mechanism: JavaSaslMechanism, username: string, password: string) {
  if (mechanism === 'OAUTHBEARER') {
    return {
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${username}";`,
    } as ProducerSettings
  }
  return { sasl: { mechanism: mechanism.toLowerCase(), username, password } } as ProducerSettings
}

/** An unsecured JWS as Kafka's unsecured validator takes it: {"alg":"none"}, an empty signature. */
function unsecuredJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'none' })}.${part(claims)}.`
}

function saslReader(
  protocol: 'SASL_SSL' | 'SASL_PLAINTEXT',
  mechanism: JavaSaslMechanism,
  username: string,
): ConsumerSecurity {
  const password = SECURE_USERS[username as keyof typeof SECURE_USERS]
  return {
    securityProtocol: protocol,
    ...(protocol === 'SASL_SSL' ? { truststorePem: broker.certs.caCert } : {}),
    sasl: { mechanism, username, password },
  }
}

/**
 * Produces RECORDS keyed records over `listener` with idempotence (the default) and checks that
 * the console consumer, connecting as `reader`, reads exactly them back: same partitions,
 * offsets, keys and values, nothing lost or duplicated.
 */
async function produceAndReadBack(
  name: string,
  listener: SecureListener,
  config: ProducerSettings,
  reader: ConsumerSecurity,
): Promise<{ fields: Record<string, unknown>; message: string }[]> {
  const topic = await newTopic(`sec-${name}`)
  // Everything the producer logs, at every level: no secret may be in it.
  const logged: { fields: Record<string, unknown>; message: string }[] = []
  const capture = (fields: Record<string, unknown>, message: string) => logged.push({ fields, message })
  const producer = new Producer({
    bootstrapServers: broker.bootstrap[listener],
    lingerMs: 5,
    ...FAST,
    logger: { trace: capture, debug: capture, info: capture, warn: capture, error: capture },
    ...config,
  })
  let sent: { key: string; value: string; md: RecordMetadata }[]
  try {
    sent = await Promise.all(
      Array.from({ length: RECORDS }, async (_, i) => {
        const key = `key-${i % 17}`
        const value = `${name}-${i}`
        return { key, value, md: await producer.send({ topic, key, value }) }
      }),
    )
  } finally {
    await producer.close()
  }
  const logText = JSON.stringify(logged)
  assert.ok(logged.length > 0, 'the producer logged its connections')
  for (const secret of [
    ...Object.values(SECURE_USERS),
    CLIENT_KEY_PASSWORD,
    CLIENT_P12_PASSWORD,
    'oidc-client-secret',
  ])
    assert.ok(!logText.includes(secret), `a log line shows a secret: ${secret}`)
  const expected = sent
    .map((s) => ({ partition: s.md.partition, offset: s.md.offset, key: s.key, value: s.value }))
    .sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))
  const read: ConsoleRecord[] = await consoleConsume(broker.bootstrap[listener], topic, reader, {
    expect: RECORDS,
  })
  assert.equal(read.length, RECORDS)
  assert.deepEqual(read, expected)
  // Every partition's offsets are 0..n-1 (idempotence wrote each batch once).
  for (const p of new Set(read.map((r) => r.partition))) {
    const offsets: bigint[] = read.filter((r) => r.partition === p).map((r) => r.offset)
    assert.deepEqual(
      offsets,
      offsets.map((_, i) => BigInt(i)),
    )
  }
  return logged
}

describe('producing over a secure listener, read back by Kafka over the same listener', () => {
  test('SSL, trusting the CA from ssl.truststore.location', async () => {
    await produceAndReadBack(
      'ssl-file',
      'SSL',
      { 'security.protocol': 'SSL', 'ssl.truststore.location': broker.certs.caCert },
      { securityProtocol: 'SSL', truststorePem: broker.certs.caCert },
    )
  })

  test('SSL, trusting the CA from ssl.truststore.certificates (PEM text)', async () => {
    await produceAndReadBack(
      'ssl-text',
      'SSL',
      { 'security.protocol': 'SSL', 'ssl.truststore.certificates': broker.certs.caPem },
      { securityProtocol: 'SSL', truststorePem: broker.certs.caCert },
    )
  })

  test("a certificate for another host is accepted with ssl.endpoint.identification.algorithm='' (and a warning)", async () => {
    // With a logger, the warning is the logger's (at warn), not process.emitWarning's.
    const logged = await produceAndReadBack(
      'no-hostname-check',
      'WRONGHOST',
      {
        'security.protocol': 'SSL',
        'ssl.truststore.location': broker.certs.caCert,
        'ssl.endpoint.identification.algorithm': '',
      },
      {
        securityProtocol: 'SSL',
        truststorePem: broker.certs.caCert,
        properties: { 'ssl.endpoint.identification.algorithm': '' },
      },
    )
    const warning = logged.find((l) => l.fields.code === 'SLUICE_TLS_HOSTNAME_CHECK_OFF')
    assert.ok(warning !== undefined, 'the producer logged the hostname-check warning')
    assert.match(warning.message, /man in the middle/)
  })

  const mtlsReader = (): ConsumerSecurity => ({
    securityProtocol: 'SSL',
    truststorePem: broker.certs.caCert,
    keystorePem: broker.certs.clientPem,
  })

  test('mTLS with a PEM keystore file (key and certificate)', async () => {
    await produceAndReadBack(
      'mtls-pem',
      'MTLS',
      {
        'security.protocol': 'SSL',
        'ssl.truststore.location': broker.certs.caCert,
        'ssl.keystore.location': broker.certs.clientPem,
      },
      mtlsReader(),
    )
  })

  test('mTLS with an encrypted key (ssl.keystore.key + ssl.keystore.certificate.chain + ssl.key.password)', async () => {
    await produceAndReadBack(
      'mtls-encrypted',
      'MTLS',
      {
        'security.protocol': 'SSL',
        'ssl.truststore.location': broker.certs.caCert,
        'ssl.keystore.key': readFileSync(broker.certs.clientKeyEncrypted, 'utf8'),
        'ssl.keystore.certificate.chain': readFileSync(broker.certs.clientCert, 'utf8'),
        'ssl.key.password': CLIENT_KEY_PASSWORD,
      },
      mtlsReader(),
    )
  })

  test('mTLS with a PKCS#12 keystore', async () => {
    await produceAndReadBack(
      'mtls-p12',
      'MTLS',
      {
        'security.protocol': 'SSL',
        'ssl.truststore.location': broker.certs.caCert,
        'ssl.keystore.location': broker.certs.clientP12,
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.password': CLIENT_P12_PASSWORD,
      },
      mtlsReader(),
    )
  })

  test('SASL_PLAINTEXT with PLAIN', async () => {
    await produceAndReadBack(
      'plain-plaintext',
      'SASL_PLAINTEXT',
      { 'security.protocol': 'SASL_PLAINTEXT', ...saslConfig('PLAIN', 'alice', SECURE_USERS.alice) },
      saslReader('SASL_PLAINTEXT', 'PLAIN', 'alice'),
    )
  })

  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const) {
    test(`SASL_SSL with ${mechanism}`, async () => {
      await produceAndReadBack(
        `${mechanism.toLowerCase()}-ssl`,
        'SASL_SSL',
        {
          'security.protocol': 'SASL_SSL',
          'ssl.truststore.location': broker.certs.caCert,
          ...saslConfig(mechanism, 'alice', SECURE_USERS.alice),
        },
        saslReader('SASL_SSL', mechanism, 'alice'),
      )
    })
  }
})

/** The error a single send over `listener` with `config` fails with (it must fail). */
async function sendFailure(listener: SecureListener, config: ProducerSettings): Promise<KafkaError> {
  const topic = await newTopic('sec-refused', 1)
  const producer = new Producer({ bootstrapServers: broker.bootstrap[listener], ...FAST, ...config })
  try {
    await producer.send({ topic, key: 'k', value: 'v' })
  } catch (err) {
    assert.ok(err instanceof KafkaError, inspect(err))
    // Refused by the broker, not waited out: never the metadata timeout of max.block.ms.
    assert.notEqual(err.code, 'ERR_METADATA_TIMEOUT', inspect(err))
    return err
  } finally {
    await producer.close({ timeoutMs: 5000 }).catch(() => {})
  }
  assert.fail(`the send over ${listener} succeeded`)
}

function assertNamesBroker(err: Error, listener: SecureListener): void {
  assert.ok(
    err.message.includes(broker.bootstrap[listener]),
    `'${err.message}' names ${broker.bootstrap[listener]}`,
  )
}

function assertHidden(err: Error, secret: string): void {
  const views = [
    err.message,
    err.stack ?? '',
    JSON.stringify(err),
    inspect(err, { depth: 10 }),
    String(err),
    inspect(err.cause, { depth: 10 }),
  ]
  for (const view of views) assert.ok(!view.includes(secret), `the password shows in: ${view}`)
}

describe('refused connections fail fast with a typed error naming the broker', () => {
  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    test(`a wrong ${mechanism} password: AuthenticationError SASL_AUTHENTICATION_FAILED, password never shown`, async () => {
      const password = `wrong-${mechanism}-pw-7f3a9`
      const err = await sendFailure('SASL_SSL', {
        'security.protocol': 'SASL_SSL',
        'ssl.truststore.location': broker.certs.caCert,
        ...saslConfig(mechanism, 'alice', password),
      })
      assert.ok(err instanceof AuthenticationError, inspect(err))
      assert.equal(err.code, 'SASL_AUTHENTICATION_FAILED')
      assert.equal(err.errorCode, 58)
      assertNamesBroker(err, 'SASL_SSL')
      assertHidden(err, password)
    })
  }

  test('a mechanism the broker does not enable: AuthenticationError UNSUPPORTED_SASL_MECHANISM', async () => {
    const custom = {
      name: 'FOO-BAR',
      start: () => () => {
        throw new Error('the broker should not have let FOO-BAR start')
      },
    }
    const err = await sendFailure('SASL_PLAINTEXT', {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': custom,
    })
    assert.ok(err instanceof AuthenticationError, inspect(err))
    assert.equal(err.code, 'UNSUPPORTED_SASL_MECHANISM')
    assertNamesBroker(err, 'SASL_PLAINTEXT')
    assert.match(err.message, /FOO-BAR/)
    // The broker's list, in its order.
    const enabled = /it enables (.*)\. Set sasl\.mechanism/.exec(err.message)?.[1]?.split(', ')
    assert.deepEqual(enabled?.sort(), ['OAUTHBEARER', 'PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])
  })

  const ssl = (): ProducerSettings => ({
    'security.protocol': 'SSL',
    'ssl.truststore.location': broker.certs.caCert,
  })

  test('an expired broker certificate: TlsError saying so', async () => {
    const err = await sendFailure('EXPIRED', ssl())
    assert.ok(err instanceof TlsError, inspect(err))
    assert.equal(err.code, 'ERR_TLS')
    assert.match(err.message, /expired/)
    assertNamesBroker(err, 'EXPIRED')
  })

  test('a certificate for another host: TlsError about the host name', async () => {
    const err = await sendFailure('WRONGHOST', ssl())
    assert.ok(err instanceof TlsError, inspect(err))
    assert.match(err.message, /host name/)
    assert.match(err.message, /ERR_TLS_CERT_ALTNAME_INVALID/)
    assertNamesBroker(err, 'WRONGHOST')
  })

  test('a certificate from a CA not in the trust store: TlsError', async () => {
    const err = await sendFailure('UNTRUSTED', ssl())
    assert.ok(err instanceof TlsError, inspect(err))
    assert.match(err.message, /trust store/)
    assertNamesBroker(err, 'UNTRUSTED')
  })

  test('the system CAs do not trust the test CA: TlsError', async () => {
    const err = await sendFailure('SSL', { 'security.protocol': 'SSL' })
    assert.ok(err instanceof TlsError, inspect(err))
    assertNamesBroker(err, 'SSL')
  })

  test('mTLS without a client certificate: TlsError saying the broker wants one', async () => {
    const err = await sendFailure('MTLS', ssl())
    assert.ok(err instanceof TlsError, inspect(err))
    assert.match(err.message, /client certificate/)
    assertNamesBroker(err, 'MTLS')
  })

  test('a plaintext client on the TLS port: TlsError (the client sees a TLS record)', async () => {
    const err = await sendFailure('SSL', { 'security.protocol': 'PLAINTEXT' })
    assert.ok(err instanceof TlsError, inspect(err))
    assertNamesBroker(err, 'SSL')
  })

  // A plaintext Kafka listener hangs up on a ClientHello (an oversized request to it), as a broker
  // over its connection quota does: retried like any dropped connection, so the send fails at
  // max.block.ms, and the error says what the port probably is.
  test('a TLS client on the plaintext port: a TlsError, after the broker hung up 3 handshakes, naming security.protocol', async () => {
    const err = await sendFailure('PLAINTEXT', ssl())
    assert.ok(err instanceof TlsError, inspect(err))
    assert.equal(err.retriable, false)
    assertNamesBroker(err, 'PLAINTEXT')
    assert.match(err.message, /probably not a TLS listener\. Check security\.protocol/)
    // Each hang-up on its own is retriable (a broker over its connection quota does the same).
    assert.ok(err.cause instanceof NetworkError, inspect(err))
    assert.match(err.cause.message, /the port may not speak TLS/)
  })

  test('a JKS truststore is a ConfigError at construction that says how to convert it', async () => {
    const jks = await makeJksTruststore(broker.certs)
    assert.throws(
      () =>
        new Producer({
          bootstrapServers: broker.bootstrap.SSL,
          'security.protocol': 'SSL',
          'ssl.truststore.location': jks,
        }),
      (err: unknown) =>
        err instanceof ConfigError && /JKS/.test(err.message) && /keytool -importkeystore/.test(err.message),
    )
  })
})

describe('OAUTHBEARER against the broker’s unsecured validator', () => {
  /** Kafka's unsecured validator wants sub, iat and exp (seconds), iat not in the future. */
  function tokenFor(sub: string, { iatOffsetS = 0, lifetimeS = 3600 } = {}): string {
    const now = Math.floor(Date.now() / 1000)
    return unsecuredJwt({ sub, iat: now + iatOffsetS, exp: now + iatOffsetS + lifetimeS, scope: 'kafka' })
  }

  test('OIDC client credentials from a token endpoint on loopback (Basic auth, scope), read back by Kafka', async () => {
    const requests: { authorization: string | undefined; body: string }[] = []
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        requests.push({ authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() })
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ access_token: tokenFor('alice'), token_type: 'Bearer', expires_in: 3600 }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      await produceAndReadBack(
        'oidc-ssl',
        'SASL_SSL',
        {
          'security.protocol': 'SASL_SSL',
          'ssl.truststore.location': broker.certs.caCert,
          'sasl.mechanism': 'OAUTHBEARER',
          'sasl.oauthbearer.token.endpoint.url': `http://127.0.0.1:${port}/oauth2/token`,
          'sasl.oauthbearer.client.credentials.client.id': 'sluice-test',
          'sasl.oauthbearer.client.credentials.client.secret': 'oidc-client-secret',
          'sasl.oauthbearer.scope': 'kafka',
        },
        saslReader('SASL_SSL', 'OAUTHBEARER', 'alice'),
      )
    } finally {
      server.close()
    }
    assert.ok(requests.length >= 1, 'the token endpoint was asked')
    for (const r of requests) {
      assert.equal(
        r.authorization,
        `Basic ${Buffer.from('sluice-test:oidc-client-secret').toString('base64')}`,
      )
      assert.deepEqual(Object.fromEntries(new URLSearchParams(r.body)), {
        grant_type: 'client_credentials',
        scope: 'kafka',
      })
    }
  })

  test('a token provider callback (kafkajs oauthBearerProvider) over SASL_PLAINTEXT, read back by Kafka', async () => {
    let calls = 0
    await produceAndReadBack(
      'oauth-callback',
      'SASL_PLAINTEXT',
      {
        'security.protocol': 'SASL_PLAINTEXT',
        sasl: {
          mechanism: 'oauthbearer',
          oauthBearerProvider: async () => {
            calls++
            return { value: tokenFor('alice') }
          },
        },
      },
      saslReader('SASL_PLAINTEXT', 'OAUTHBEARER', 'alice'),
    )
    assert.ok(calls >= 1)
  })

  test('a token the broker refuses (issued an hour in the future) is an AuthenticationError naming the broker; the token shows nowhere', async () => {
    const token = tokenFor('alice', { iatOffsetS: 3600 })
    const err = await sendFailure('SASL_SSL', {
      'security.protocol': 'SASL_SSL',
      'ssl.truststore.location': broker.certs.caCert,
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) },
    })
    assert.ok(err instanceof AuthenticationError, inspect(err))
    assertNamesBroker(err, 'SASL_SSL')
    assertHidden(err, token)
    assertHidden(err, token.split('.')[1]!)
  })
})

describe('ACLs', () => {
  test('restricted may write sec-allowed-* only: the other topic’s records fail alone with TOPIC_AUTHORIZATION_FAILED', async () => {
    const allowed = await newTopic(`${ALLOWED_TOPIC_PREFIX}x`, 2)
    const denied = await newTopic('sec-denied', 2)
    const producer = new Producer({
      bootstrapServers: broker.bootstrap.SASL_SSL,
      lingerMs: 5,
      ...FAST,
      'security.protocol': 'SASL_SSL',
      'ssl.truststore.location': broker.certs.caCert,
      ...saslConfig('SCRAM-SHA-512', 'restricted', SECURE_USERS.restricted),
    })
    let results: PromiseSettledResult<RecordMetadata>[]
    try {
      results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          producer.send({ topic: i % 2 === 0 ? allowed : denied, key: `k${i}`, value: `v${i}` }),
        ),
      )
    } finally {
      await producer.close()
    }
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!
      if (i % 2 === 0) {
        assert.equal(r.status, 'fulfilled', inspect(r))
      } else {
        assert.equal(r.status, 'rejected')
        const err = (r as PromiseRejectedResult).reason
        assert.ok(err instanceof BrokerError, inspect(err))
        assert.equal(err.code, 'TOPIC_AUTHORIZATION_FAILED')
        assert.ok(err.message.includes(denied), err.message)
      }
    }
    const read = await consoleConsume(
      broker.bootstrap.SASL_SSL,
      allowed,
      saslReader('SASL_SSL', 'PLAIN', 'admin'),
      { expect: 20 },
    )
    assert.deepEqual(
      read.map((r) => r.value).sort(),
      Array.from({ length: 20 }, (_, i) => `v${2 * i}`).sort(),
    )
  })

  test('nowrite (Describe only) with idempotence: CLUSTER_AUTHORIZATION_FAILED naming IdempotentWrite', async () => {
    const topic = await newTopic('sec-nowrite', 1)
    const producer = new Producer({
      bootstrapServers: broker.bootstrap.SASL_PLAINTEXT,
      ...FAST,
      'security.protocol': 'SASL_PLAINTEXT',
      ...saslConfig('PLAIN', 'nowrite', SECURE_USERS.nowrite),
    })
    try {
      const err = await producer.send({ topic, key: 'k', value: 'v' }).then(
        () => assert.fail('nowrite could write'),
        (e: unknown) => e,
      )
      assert.ok(err instanceof KafkaError, inspect(err))
      assert.equal(err.code, 'CLUSTER_AUTHORIZATION_FAILED', inspect(err))
      assert.match(err.message, /IdempotentWrite/)
      assert.match(err.message, /enable\.idempotence=false/)
    } finally {
      await producer.close({ timeoutMs: 5000 }).catch(() => {})
    }
  })
})

describe('re-authentication (KIP-368) while producing', () => {
  const TOTAL = 20_000
  const DURATION_MS = 10_000

  /**
   * Sends TOTAL records over the REAUTH listener (sessions of broker.reauthMs) at an even pace
   * for DURATION_MS with the callback API, honouring 'drain', then flushes.
   */
  async function pacedProduce(producer: Producer, topic: string, name: string) {
    const acked: (RecordMetadata | undefined)[] = new Array(TOTAL)
    const errors: Error[] = []
    const start = Date.now()
    let i = 0
    while (i < TOTAL) {
      const due = Math.min(TOTAL, Math.ceil(((Date.now() - start) / DURATION_MS) * TOTAL))
      let room = true
      while (i < due && room) {
        const n = i++
        room = producer.send({ topic, key: `k-${n % 50}`, value: `${name}-${n}` }, (err, md) => {
          if (err !== null) errors.push(err)
          else acked[n] = md!
        })
      }
      if (!room) await new Promise<void>((resolve) => producer.once('drain', resolve))
      else await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await producer.flush()
    return { acked, errors, elapsedMs: Date.now() - start }
  }

  for (const mechanism of ['PLAIN', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const) {
    test(`${mechanism}: ${TOTAL} records over ~10 s of 3 s sessions, all acked and read back once, in order, on one connection`, async (t) => {
      const name = `reauth-${mechanism.toLowerCase()}`
      const topic = await newTopic(`sec-${name}`, 3)
      const brokerBefore = await broker.reauthentications()
      const producer = new Producer({
        bootstrapServers: broker.bootstrap.REAUTH,
        lingerMs: 5,
        ...FAST,
        'security.protocol': 'SASL_PLAINTEXT',
        ...saslConfig(mechanism, 'alice', SECURE_USERS.alice),
      })
      let result: Awaited<ReturnType<typeof pacedProduce>>
      let metrics: Readonly<Record<string, number>>
      try {
        result = await pacedProduce(producer, topic, name)
        metrics = producer.metrics()
      } finally {
        await producer.close()
      }
      const brokerAfter = await broker.reauthentications()
      const pick = (prefix: string) =>
        Object.fromEntries(Object.entries(metrics).filter(([k]) => k.startsWith(prefix)))
      t.diagnostic(
        `produced in ${result.elapsedMs} ms; broker successful-reauthentication-total ${brokerBefore} -> ${brokerAfter}`,
      )
      t.diagnostic(`producer connection metrics: ${JSON.stringify(pick('connection-'))}`)
      t.diagnostic(
        `producer authentication metrics: ${JSON.stringify({ ...pick('successful-'), ...pick('failed-') })}`,
      )

      assert.deepEqual(result.errors, [])
      assert.equal(result.acked.filter((md) => md !== undefined).length, TOTAL)
      assert.ok(
        brokerAfter - brokerBefore >= 2,
        `the broker re-authenticated ${brokerAfter - brokerBefore} times`,
      )
      assert.ok(metrics['successful-reauthentication-total']! >= 2, JSON.stringify(metrics))
      assert.equal(metrics['failed-reauthentication-total'], 0)
      // Sessions were renewed in place: no reconnect per re-authentication.
      assert.equal(metrics['connection-creation-total'], 1, JSON.stringify(metrics))

      const expected = result.acked
        .map((md, n) => ({
          partition: md!.partition,
          offset: md!.offset,
          key: `k-${n % 50}`,
          value: `${name}-${n}`,
        }))
        .sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))
      const read: ConsoleRecord[] = await consoleConsume(
        broker.bootstrap.REAUTH,
        topic,
        saslReader('SASL_PLAINTEXT', mechanism, 'alice'),
        { expect: TOTAL },
      )
      assert.equal(read.length, TOTAL)
      assert.deepEqual(read, expected)
      for (const p of [0, 1, 2]) {
        const inPartition: ConsoleRecord[] = read.filter((r) => r.partition === p)
        const sendOrder: number[] = inPartition.map((r) => Number(r.value!.slice(name.length + 1)))
        assert.deepEqual(
          sendOrder,
          [...sendOrder].sort((a, b) => a - b),
          `partition ${p} is in send order`,
        )
        assert.deepEqual(
          inPartition.map((r) => r.offset),
          inPartition.map((_, i) => BigInt(i)),
        )
      }
    })
  }
})

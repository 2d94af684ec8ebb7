/**
 * Secrets never show. Each secret setting, given a distinctive value, must not appear in
 * util.inspect of the producer, JSON or String() of the resolved config, the ConfigError for a
 * value of the wrong type or a setting the protocol does not use, nor any error from a failed
 * connection.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { format, inspect } from 'node:util'
import { ConfigError } from '../../src/errors.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import { Producer } from '../../src/producer/producer.js'
import { Secret } from '../../src/security/secret.js'
import { type FakeCluster, startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'
import { makeTestCerts, type TestCerts } from '../helpers/test-certs.js'

let certs: TestCerts
let tlsCluster: FakeCluster
let saslCluster: FakeCluster

before(async () => {
  certs = await makeTestCerts()
  // Brokers that refuse every connection: an untrusted certificate, and a SASL user table
  // without the users below.
  tlsCluster = await startFakeCluster({
    topics: [{ name: 't', partitions: 1 }],
    tls: { key: certs.serverKeyPem, cert: certs.untrustedCertPem },
  })
  saslCluster = await startFakeCluster({ topics: [{ name: 't', partitions: 1 }], sasl: { users: {} } })
})
after(async () => {
  await tlsCluster.close()
  await saslCluster.close()
  await certs.remove()
})

interface SecretCase {
  /** The dotted name. */
  setting: string
  /** The distinctive text that must never show. */
  secret: () => string
  /** A config in which the setting is valid (the producer may still refuse it for another reason). */
  valid: () => Record<string, unknown>
  /** A config giving the secret in a value of the wrong type. */
  wrongType: () => Record<string, unknown>
  /** The setting with security.protocol PLAINTEXT. */
  misuse: () => Record<string, unknown>
  /** A cluster that refuses the connection, for `valid()`. */
  refusingCluster: () => FakeCluster
}

const TRUST = () => ({ sslTruststoreCertificates: certs.caPem })
const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="Jaas-Pw-Tz71";'
const SASL_PW = 'Sasl-Obj-Pw-Kq38'
const CLIENT_SECRET = 'OAuth-Client-Secret-Hv52'
const TRUSTSTORE_PW = 'Truststore-Pw-Ne64'
/** The base64 body line of a PEM key: distinctive text of ssl.keystore.key. */
const keyBody = (pem: string) => pem.split('\n')[1]!

const CASES: SecretCase[] = [
  {
    setting: 'ssl.key.password',
    secret: () => certs.keyPassword,
    valid: () => ({
      securityProtocol: 'SSL',
      ...TRUST(),
      sslKeystoreKey: certs.clientEncryptedKeyPem,
      sslKeystoreCertificateChain: certs.clientCertPem,
      'ssl.key.password': certs.keyPassword,
    }),
    wrongType: () => ({ securityProtocol: 'SSL', 'ssl.key.password': [certs.keyPassword] }),
    misuse: () => ({ 'ssl.key.password': certs.keyPassword }),
    refusingCluster: () => tlsCluster,
  },
  {
    setting: 'ssl.keystore.password',
    secret: () => certs.keystorePassword,
    valid: () => ({
      securityProtocol: 'SSL',
      ...TRUST(),
      sslKeystoreLocation: certs.clientP12File,
      'ssl.keystore.password': certs.keystorePassword,
    }),
    wrongType: () => ({
      securityProtocol: 'SSL',
      'ssl.keystore.password': { value: certs.keystorePassword },
    }),
    misuse: () => ({ 'ssl.keystore.password': certs.keystorePassword }),
    refusingCluster: () => tlsCluster,
  },
  {
    setting: 'ssl.truststore.password',
    secret: () => TRUSTSTORE_PW,
    valid: () => ({ securityProtocol: 'SSL', ...TRUST(), 'ssl.truststore.password': TRUSTSTORE_PW }),
    wrongType: () => ({ securityProtocol: 'SSL', sslTruststorePassword: [TRUSTSTORE_PW] }),
    misuse: () => ({ sslTruststorePassword: TRUSTSTORE_PW }),
    refusingCluster: () => tlsCluster,
  },
  {
    setting: 'ssl.keystore.key',
    secret: () => keyBody(certs.clientKeyPem),
    valid: () => ({
      securityProtocol: 'SSL',
      ...TRUST(),
      'ssl.keystore.key': certs.clientKeyPem,
      sslKeystoreCertificateChain: certs.clientCertPem,
    }),
    wrongType: () => ({ securityProtocol: 'SSL', sslKeystoreKey: [certs.clientKeyPem] }),
    misuse: () => ({ sslKeystoreKey: certs.clientKeyPem }),
    refusingCluster: () => tlsCluster,
  },
  {
    setting: 'sasl.jaas.config',
    secret: () => 'Jaas-Pw-Tz71',
    valid: () => ({ securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'PLAIN', 'sasl.jaas.config': JAAS }),
    wrongType: () => ({ securityProtocol: 'SASL_PLAINTEXT', saslJaasConfig: { text: JAAS } }),
    misuse: () => ({ 'sasl.jaas.config': JAAS }),
    refusingCluster: () => saslCluster,
  },
  {
    setting: 'sasl.password',
    secret: () => SASL_PW,
    valid: () => ({
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'plain', username: 'alice', password: SASL_PW },
    }),
    wrongType: () => ({
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'plain', username: 'alice', password: [SASL_PW] },
    }),
    misuse: () => ({ sasl: { mechanism: 'plain', username: 'alice', password: SASL_PW } }),
    refusingCluster: () => saslCluster,
  },
  {
    setting: 'sasl.oauthbearer.client.credentials.client.secret',
    secret: () => CLIENT_SECRET,
    // Set beside PLAIN (the OAUTHBEARER mechanism is another change's), where it is kept unused.
    valid: () => ({
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'plain', username: 'alice', password: SASL_PW },
      'sasl.oauthbearer.client.credentials.client.secret': CLIENT_SECRET,
    }),
    wrongType: () => ({
      securityProtocol: 'SASL_SSL',
      saslOauthbearerClientCredentialsClientSecret: { secret: CLIENT_SECRET },
    }),
    misuse: () => ({ saslOauthbearerClientCredentialsClientSecret: CLIENT_SECRET }),
    refusingCluster: () => saslCluster,
  },
]

/** Every way an object or error is commonly shown. */
function views(thing: unknown): string[] {
  const out = [
    inspect(thing, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    inspect(thing, { depth: Number.POSITIVE_INFINITY, customInspect: false }),
    format('%o %O %s %j', thing, thing, thing, thing),
    String(thing),
  ]
  try {
    out.push(JSON.stringify(thing) ?? '')
  } catch {
    // Cyclic: inspect covers it.
  }
  if (thing instanceof Error) {
    out.push(thing.message, String(thing.stack))
    let cause: unknown = thing.cause
    while (cause instanceof Error) {
      out.push(cause.message, String(cause.stack))
      cause = cause.cause
    }
  }
  return out
}

function assertHidden(secret: string, what: string, ...things: unknown[]): void {
  for (const thing of things)
    for (const v of views(thing))
      assert.ok(!v.includes(secret), `${what} shows the secret: ${v.slice(0, 300)}`)
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

const BOOTSTRAP = { bootstrapServers: '127.0.0.1:1' }

describe('secrets never show', () => {
  for (const c of CASES) {
    describe(c.setting, () => {
      test('not in the resolved config: util.inspect, JSON.stringify, String()', () => {
        const config = resolveConfig({ ...BOOTSTRAP, ...c.valid() })
        assertHidden(c.secret(), 'the resolved config', config)
        for (const value of Object.values(config)) assertHidden(c.secret(), 'a config value', value)
        assert.ok(!`${Object.values(config).join(',')}`.includes(c.secret()))
      })

      test('not in util.inspect(producer), nor in a ConfigError if the producer refuses the settings', async () => {
        let producer: Producer | undefined
        const err = thrown(() => {
          producer = new Producer({ ...BOOTSTRAP, ...c.valid() })
        })
        try {
          if (producer !== undefined) assertHidden(c.secret(), 'the producer', producer, producer.config)
          // JAAS is another change's: until it lands, sasl.jaas.config is refused at construction.
          else assertHidden(c.secret(), 'the construction error', err)
        } finally {
          await producer?.close()
        }
      })

      test('not in the ConfigError for a value of the wrong type', () => {
        const err = thrown(() => new Producer({ ...BOOTSTRAP, ...c.wrongType() }))
        assert.ok(err instanceof ConfigError, String(err))
        assertHidden(c.secret(), 'the ConfigError', err)
      })

      test('not in the ConfigError for a setting security.protocol PLAINTEXT does not use', () => {
        const err = thrown(() => new Producer({ ...BOOTSTRAP, ...c.misuse() }))
        assert.ok(err instanceof ConfigError, String(err))
        assert.match(err.message, /security\.protocol is PLAINTEXT/)
        assertHidden(c.secret(), 'the ConfigError', err)
      })

      test('not in the error of a refused connection', { timeout: TEST_TIMEOUT }, async () => {
        const cluster = c.refusingCluster()
        let producer: Producer
        try {
          producer = new Producer({
            ...QUICK,
            maxBlockMs: 2_000,
            ...c.valid(),
            bootstrapServers: cluster.bootstrapServers,
          })
        } catch (err) {
          assertHidden(c.secret(), 'the construction error', err)
          return
        }
        try {
          const err = await producer.send({ topic: 't', value: 'x' }).then(
            () => assert.fail('the broker was meant to refuse'),
            (e: unknown) => e,
          )
          assertHidden(c.secret(), 'the send error', err, producer)
        } finally {
          await producer.close()
        }
      })
    })
  }
})

describe('Secret', () => {
  test('shows [secret] in every form; reveal() gives the value', () => {
    for (const value of ['Plain-Text-Secret-1', Buffer.from('Buffer-Secret-2')]) {
      const s = new Secret(value)
      const text = value.toString()
      assert.equal(String(s), '[secret]')
      assert.equal(`${s}`, '[secret]')
      assert.equal(JSON.stringify({ s }), '{"s":"[secret]"}')
      assert.equal(inspect(s), '[secret]')
      assertHidden(text, 'a Secret', s, { nested: { s } }, [s])
      assert.equal(s.reveal(), text)
      assert.deepEqual(s.revealBytes(), Buffer.from(text))
      assert.equal(s.isEmpty, false)
    }
    assert.equal(new Secret('').isEmpty, true)
  })

  test('a Secret passed as a setting is kept as it is', () => {
    const s = new Secret('Given-As-Secret-3')
    const config = resolveConfig({ ...BOOTSTRAP, securityProtocol: 'SSL', sslKeyPassword: s })
    assert.equal(config.sslKeyPassword, s)
  })
})

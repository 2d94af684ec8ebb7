/**
 * resolveSecurity: which settings go with which security.protocol, how the SASL mechanism is
 * chosen, and the TLS options the ssl.* settings become. Each mistake is a ConfigError from
 * `new Producer()`, naming the option (by its dotted name) and the fix.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ConfigError } from '../../src/errors.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import { PlainMechanism } from '../../src/security/sasl/plain.js'
import { ScramMechanism } from '../../src/security/sasl/scram.js'
import { resolveSecurity } from '../../src/security/settings.js'
import { openSslCipherName } from '../../src/security/tls/cipher-suites.js'
import { makeTestCerts, type TestCerts } from '../helpers/test-certs.js'

let certs: TestCerts
before(async () => {
  certs = await makeTestCerts()
})
after(async () => {
  await certs.remove()
})

function resolve(input: Record<string, unknown>) {
  return resolveSecurity(resolveConfig({ bootstrapServers: 'localhost:9092', ...input }))
}

function configError(input: Record<string, unknown>, option: string, message?: RegExp): ConfigError {
  let thrown: unknown
  try {
    resolve(input)
  } catch (err) {
    thrown = err
  }
  assert.ok(thrown instanceof ConfigError, `expected a ConfigError, got ${String(thrown)}`)
  assert.equal(thrown.option, option, thrown.message)
  if (message !== undefined) assert.match(thrown.message, message)
  return thrown
}

const PLAIN_SASL = { mechanism: 'plain', username: 'u', password: 'p' }

describe('security.protocol', () => {
  test('PLAINTEXT (the default): no TLS, no SASL', () => {
    assert.deepEqual(resolve({}), { tls: null, sasl: null })
  })

  test('any case, camelCase or dotted', () => {
    for (const input of [
      { securityProtocol: 'ssl' },
      { 'security.protocol': 'SSL' },
      { 'security.protocol': ' Ssl ' },
    ]) {
      const r = resolve(input)
      assert.ok(r.tls !== null)
      assert.equal(r.sasl, null)
    }
    const sasl = resolve({ 'security.protocol': 'sasl_ssl', sasl: PLAIN_SASL })
    assert.ok(sasl.tls !== null)
    assert.ok(sasl.sasl instanceof PlainMechanism)
  })

  test('an unknown protocol names the choices', () => {
    assert.throws(
      () => resolve({ securityProtocol: 'TLS' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError)
        assert.match(e.message, /PLAINTEXT/)
        assert.match(e.message, /SASL_SSL/)
        return true
      },
    )
  })
})

describe('settings that the protocol would ignore are refused', () => {
  const sslSettings: [string, string, unknown][] = [
    ['sslTruststoreLocation', 'ssl.truststore.location', '/tmp/ca.pem'],
    ['sslTruststoreType', 'ssl.truststore.type', 'PEM'],
    ['sslTruststorePassword', 'ssl.truststore.password', 'pw'],
    ['sslTruststoreCertificates', 'ssl.truststore.certificates', '-----BEGIN CERTIFICATE-----'],
    ['sslKeystoreLocation', 'ssl.keystore.location', '/tmp/ks.pem'],
    ['sslKeystoreType', 'ssl.keystore.type', 'PKCS12'],
    ['sslKeystorePassword', 'ssl.keystore.password', 'pw'],
    ['sslKeystoreKey', 'ssl.keystore.key', 'key'],
    ['sslKeystoreCertificateChain', 'ssl.keystore.certificate.chain', 'chain'],
    ['sslKeyPassword', 'ssl.key.password', 'pw'],
    ['sslCipherSuites', 'ssl.cipher.suites', 'TLS_AES_128_GCM_SHA256'],
  ]
  for (const protocol of ['PLAINTEXT', 'SASL_PLAINTEXT']) {
    for (const [camel, dotted, value] of sslSettings) {
      test(`${dotted} with ${protocol} (as ${camel} and as ${dotted})`, () => {
        const sasl = protocol === 'SASL_PLAINTEXT' ? { sasl: PLAIN_SASL } : {}
        for (const key of [camel, dotted]) {
          const err = configError({ securityProtocol: protocol, ...sasl, [key]: value }, dotted)
          assert.match(err.message, new RegExp(`security\\.protocol is ${protocol}`))
          assert.match(err.message, /SSL or SASL_SSL/)
        }
      })
    }
  }

  const saslSettings: [string, string, unknown][] = [
    ['sasl', 'sasl', PLAIN_SASL],
    [
      'saslJaasConfig',
      'sasl.jaas.config',
      'org.apache.kafka.common.security.plain.PlainLoginModule required;',
    ],
    ['saslLoginCallbackHandlerClass', 'sasl.login.callback.handler.class', async () => ({ value: 't' })],
    ['saslOauthbearerTokenEndpointUrl', 'sasl.oauthbearer.token.endpoint.url', 'https://idp.invalid/token'],
    ['saslOauthbearerScope', 'sasl.oauthbearer.scope', 'kafka'],
    ['saslOauthbearerClientCredentialsClientId', 'sasl.oauthbearer.client.credentials.client.id', 'id'],
    [
      'saslOauthbearerClientCredentialsClientSecret',
      'sasl.oauthbearer.client.credentials.client.secret',
      's',
    ],
  ]
  for (const protocol of ['PLAINTEXT', 'SSL']) {
    for (const [camel, dotted, value] of saslSettings) {
      test(`${dotted} with ${protocol}`, () => {
        for (const key of [camel, dotted]) {
          const err = configError({ securityProtocol: protocol, [key]: value }, dotted)
          assert.match(err.message, /SASL_SSL or SASL_PLAINTEXT/)
        }
      })
    }
  }

  test('a mechanism object as sasl.mechanism with PLAINTEXT', () => {
    const mine = { name: 'X', start: () => () => null }
    configError({ saslMechanism: mine }, 'sasl.mechanism', /SASL_SSL or SASL_PLAINTEXT/)
  })

  test('settings with a default are not refused (ssl.protocol, ssl.endpoint.identification.algorithm)', () => {
    assert.deepEqual(resolve({ sslProtocol: 'TLSv1.2', sslEndpointIdentificationAlgorithm: 'https' }), {
      tls: null,
      sasl: null,
    })
  })
})

describe('the SASL mechanism', () => {
  test("GSSAPI (Java's default, also when nothing is set) is refused, naming the built-in ones", () => {
    configError({ securityProtocol: 'SASL_PLAINTEXT' }, 'sasl.mechanism', /GSSAPI.*does not support/)
    configError(
      { securityProtocol: 'SASL_SSL', 'sasl.mechanism': 'gssapi' },
      'sasl.mechanism',
      /PLAIN, SCRAM-SHA-256/,
    )
  })

  test('sasl (object) and sasl.mechanism both set: refused', () => {
    for (const key of ['saslMechanism', 'sasl.mechanism']) {
      configError(
        { securityProtocol: 'SASL_PLAINTEXT', sasl: PLAIN_SASL, [key]: 'PLAIN' },
        'sasl',
        /sasl\.mechanism/,
      )
    }
  })

  test('sasl (object) and sasl.jaas.config both set: refused', () => {
    configError(
      {
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: PLAIN_SASL,
        saslJaasConfig: 'org.apache.kafka.common.security.plain.PlainLoginModule required;',
      },
      'sasl',
      /sasl\.jaas\.config/,
    )
  })

  test('the sasl object: mechanism names in any case give the built-in mechanisms', () => {
    const plain = resolve({ securityProtocol: 'SASL_PLAINTEXT', sasl: { ...PLAIN_SASL, mechanism: 'PlAiN' } })
    assert.ok(plain.sasl instanceof PlainMechanism)
    for (const [given, name] of [
      ['scram-sha-256', 'SCRAM-SHA-256'],
      ['SCRAM-SHA-512', 'SCRAM-SHA-512'],
    ] as const) {
      const r = resolve({ securityProtocol: 'SASL_SSL', sasl: { ...PLAIN_SASL, mechanism: given } })
      assert.ok(r.sasl instanceof ScramMechanism)
      assert.equal(r.sasl.name, name)
    }
  })

  test('the sasl object needs username and password for PLAIN and SCRAM', () => {
    configError(
      { securityProtocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'plain', password: 'p' } },
      'sasl.username',
    )
    configError(
      { securityProtocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'scram-sha-256', username: 'u' } },
      'sasl.password',
    )
  })

  test('an unknown field of the sasl object is refused', () => {
    assert.throws(
      () => resolve({ securityProtocol: 'SASL_PLAINTEXT', sasl: { ...PLAIN_SASL, user: 'u' } }),
      (e: unknown) => e instanceof ConfigError && e.option === 'sasl.user',
    )
  })

  test('PLAIN by sasl.mechanism without sasl.jaas.config: refused with an example', () => {
    configError(
      { securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'PLAIN' },
      'sasl.jaas.config',
      /PlainLoginModule/,
    )
  })

  test('a mechanism that is not built in: refused, pointing at mechanism objects', () => {
    configError(
      { securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'AWS_MSK_IAM' },
      'sasl.mechanism',
      /\{ name, start/,
    )
  })

  test("an unknown mechanism in the sasl object names the option 'sasl'", () => {
    configError(
      { securityProtocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'aws', username: 'u', password: 'p' } },
      'sasl',
      /'aws' is not built in/i,
    )
  })

  test('an OAUTHBEARER token function and a token endpoint together: refused, naming both', () => {
    const callback = async () => ({ value: 'a.b.c' })
    configError(
      {
        securityProtocol: 'SASL_SSL',
        saslMechanism: 'OAUTHBEARER',
        saslLoginCallbackHandlerClass: callback,
        saslOauthbearerTokenEndpointUrl: 'https://idp.example.invalid/token',
        saslOauthbearerClientCredentialsClientId: 'id',
        saslOauthbearerClientCredentialsClientSecret: 'secret',
      },
      'sasl.oauthbearer.token.endpoint.url',
      /sasl\.login\.callback\.handler\.class are both set/,
    )
    configError(
      {
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'oauthbearer', oauthBearerProvider: callback },
        saslOauthbearerTokenEndpointUrl: 'https://idp.example.invalid/token',
      },
      'sasl.oauthbearer.token.endpoint.url',
      /oauthBearerProvider are both set/,
    )
  })

  test('a mechanism object is used as it is, as sasl.mechanism or as sasl', () => {
    const mine = { name: 'AWS_MSK_IAM', start: () => () => null }
    assert.equal(resolve({ securityProtocol: 'SASL_SSL', saslMechanism: mine }).sasl, mine)
    assert.equal(resolve({ securityProtocol: 'SASL_SSL', 'sasl.mechanism': mine }).sasl, mine)
    assert.equal(resolve({ securityProtocol: 'SASL_SSL', sasl: mine }).sasl, mine)
  })
})

describe('the TLS options', () => {
  test('defaults: verify the broker, TLSv1.2 to TLSv1.3, the system CAs, host names checked', () => {
    const { tls } = resolve({ securityProtocol: 'SSL' })
    assert.ok(tls !== null)
    assert.equal(tls.rejectUnauthorized, true)
    assert.equal(tls.minVersion, 'TLSv1.2')
    assert.equal(tls.maxVersion, 'TLSv1.3')
    assert.equal(tls.ca, undefined)
    assert.equal(tls.checkServerIdentity, undefined)
  })

  test('ssl.protocol=TLSv1.2 caps the version; ssl.enabled.protocols=TLSv1.3 raises the floor', () => {
    assert.equal(resolve({ securityProtocol: 'SSL', sslProtocol: 'TLSv1.2' }).tls!.maxVersion, 'TLSv1.2')
    const only13 = resolve({ securityProtocol: 'SSL', 'ssl.enabled.protocols': 'TLSv1.3' }).tls!
    assert.equal(only13.minVersion, 'TLSv1.3')
    assert.equal(only13.maxVersion, 'TLSv1.3')
  })

  test('an old or unknown TLS version is refused', () => {
    configError(
      { securityProtocol: 'SSL', sslEnabledProtocols: 'TLSv1.1,TLSv1.2' },
      'ssl.enabled.protocols',
      /TLSv1\.1/,
    )
    configError(
      { securityProtocol: 'SSL', sslProtocol: 'TLSv1.2', sslEnabledProtocols: ['TLSv1.3'] },
      'ssl.protocol',
    )
  })

  test('cipher suites: IANA names become OpenSSL names; unknown ones are refused', () => {
    assert.equal(openSslCipherName('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), 'ECDHE-RSA-AES128-GCM-SHA256')
    assert.equal(
      openSslCipherName('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'),
      'ECDHE-ECDSA-AES256-GCM-SHA384',
    )
    assert.equal(
      openSslCipherName('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'),
      'ECDHE-RSA-CHACHA20-POLY1305',
    )
    assert.equal(openSslCipherName('TLS_AES_128_GCM_SHA256'), 'TLS_AES_128_GCM_SHA256')
    const tls = resolve({
      securityProtocol: 'SSL',
      sslCipherSuites: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ECDHE-ECDSA-AES256-GCM-SHA384',
    }).tls!
    assert.equal(tls.ciphers, 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384')
    configError(
      { securityProtocol: 'SSL', sslCipherSuites: 'TLS_NOT_A_SUITE' },
      'ssl.cipher.suites',
      /TLS_NOT_A_SUITE/,
    )
  })

  test("ssl.endpoint.identification.algorithm='' turns the host name check off (certificates still verified)", () => {
    const tls = resolve({ securityProtocol: 'SSL', 'ssl.endpoint.identification.algorithm': '' }).tls!
    assert.equal(typeof tls.checkServerIdentity, 'function')
    assert.equal(tls.rejectUnauthorized, true)
    configError(
      { securityProtocol: 'SSL', sslEndpointIdentificationAlgorithm: 'ldaps' },
      'sslEndpointIdentificationAlgorithm',
    )
  })

  test('truststore: PEM text or file, not both; the certificates are what is trusted', () => {
    assert.deepEqual(resolve({ securityProtocol: 'SSL', sslTruststoreCertificates: certs.caPem }).tls!.ca, [
      certs.caPem.trim(),
    ])
    assert.deepEqual(resolve({ securityProtocol: 'SSL', sslTruststoreLocation: certs.caFile }).tls!.ca, [
      certs.caPem.trim(),
    ])
    const both = resolve({
      securityProtocol: 'SSL',
      sslTruststoreCertificates: [certs.caPem, certs.otherCaPem],
    }).tls!
    assert.equal((both.ca as string[]).length, 2)
    configError(
      {
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
        sslTruststoreLocation: certs.caFile,
      },
      'ssl.truststore.certificates',
      /both set/,
    )
    configError(
      { securityProtocol: 'SSL', sslTruststoreCertificates: 'not pem' },
      'ssl.truststore.certificates',
    )
  })

  test('a PKCS12 truststore: refused with the openssl command that converts it', () => {
    configError(
      { securityProtocol: 'SSL', sslTruststoreLocation: certs.clientP12File },
      'ssl.truststore.location',
      /openssl pkcs12 .* -nokeys/,
    )
  })

  test('a declared store type that does not match the file is refused', () => {
    configError(
      { securityProtocol: 'SSL', sslKeystoreLocation: certs.clientKeystoreFile, sslKeystoreType: 'PKCS12' },
      'ssl.keystore.location',
      /ssl\.keystore\.type is PKCS12/,
    )
  })

  test('keystore: inline key and chain go together, and not with a keystore file', () => {
    configError(
      { securityProtocol: 'SSL', sslKeystoreKey: certs.clientKeyPem },
      'ssl.keystore.certificate.chain',
    )
    configError(
      { securityProtocol: 'SSL', sslKeystoreCertificateChain: certs.clientCertPem },
      'ssl.keystore.key',
    )
    configError(
      {
        securityProtocol: 'SSL',
        sslKeystoreKey: certs.clientKeyPem,
        sslKeystoreCertificateChain: certs.clientCertPem,
        sslKeystoreLocation: certs.clientKeystoreFile,
      },
      'ssl.keystore.key',
      /both set/,
    )
    const tls = resolve({
      securityProtocol: 'SSL',
      sslKeystoreKey: certs.clientKeyPem,
      sslKeystoreCertificateChain: certs.clientCertPem,
    }).tls!
    assert.equal(tls.key, certs.clientKeyPem.trim())
    assert.equal(tls.cert, certs.clientCertPem.trim())
  })

  test('a PEM keystore file without a key, or with two: refused', () => {
    configError(
      { securityProtocol: 'SSL', sslKeystoreLocation: certs.caFile },
      'ssl.keystore.location',
      /0 key/,
    )
  })
})

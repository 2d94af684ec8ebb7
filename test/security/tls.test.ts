/**
 * security.protocol SSL against fake brokers that listen with TLS (certificates made by openssl
 * in test/helpers/test-certs.ts): trust from a PEM file or PEM text, every way a broker
 * certificate is refused (expired, another host, an untrusted CA, and for every broker in the
 * metadata, not only the bootstrap one), the host name check turned off, plaintext and TLS
 * crossed, mTLS with each form of client key, key material refused at construction, protocol
 * versions, and SNI.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { TlsOptions } from 'node:tls'
import { inspect } from 'node:util'
import { ConfigError, type KafkaError, TlsError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { type FakeCluster, type FakeClusterOptions, startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'
import { makeTestCerts, type TestCerts } from '../helpers/test-certs.js'

let certs: TestCerts

before(async () => {
  certs = await makeTestCerts()
})
after(async () => {
  await certs.remove()
})

/** Long enough that a refusal reported as a metadata timeout would fail the test by its timeout. */
const SLOW_METADATA = { maxBlockMs: 120_000, deliveryTimeoutMs: 120_000 }

function serverTls(cert?: string, extra: TlsOptions = {}): TlsOptions {
  return { key: certs.serverKeyPem, cert: cert ?? certs.serverCertPem, ...extra }
}

const MTLS = (): TlsOptions =>
  serverTls(undefined, { requestCert: true, rejectUnauthorized: true, ca: certs.caPem })

async function withTlsCluster(
  options: FakeClusterOptions,
  body: (cluster: FakeCluster) => Promise<void>,
): Promise<void> {
  const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }], ...options })
  try {
    await body(cluster)
  } finally {
    await cluster.close()
  }
}

async function produceOne(config: Record<string, unknown>): Promise<void> {
  const producer = new Producer({ ...QUICK, ...config } as never)
  try {
    await producer.send({ topic: 't', partition: 0, value: 'tls' })
  } finally {
    await producer.close()
  }
}

async function refusal(config: Record<string, unknown>): Promise<Error> {
  const producer = new Producer({ ...QUICK, ...SLOW_METADATA, ...config } as never)
  try {
    return await producer.send({ topic: 't', partition: 0, value: 'x' }).then(
      () => assert.fail('the record was sent'),
      (e: unknown) => e as Error,
    )
  } finally {
    await producer.close()
  }
}

function constructionError(config: Record<string, unknown>): ConfigError {
  try {
    new Producer({ bootstrapServers: '127.0.0.1:1', ...config } as never)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `${(err as Error).name}: ${(err as Error).message}`)
    return err
  }
  assert.fail('the producer was constructed')
}

describe('TLS: trusting the broker', () => {
  test('SSL with ssl.truststore.location (PEM file): records acknowledged', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: serverTls() }, async (cluster) => {
      await produceOne({
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SSL',
        sslTruststoreLocation: certs.caFile,
      })
      assert.equal(cluster.log('t', 0).length, 1)
      assert.deepEqual(cluster.broker(0).tlsClientErrors, [])
    })
  })

  test('SSL with ssl.truststore.certificates (PEM text), Java-style names', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: serverTls() }, async (cluster) => {
      await produceOne({
        'bootstrap.servers': cluster.bootstrapServers,
        'security.protocol': 'SSL',
        'ssl.truststore.certificates': certs.caPem,
      })
      assert.equal(cluster.log('t', 0).length, 1)
    })
  })

  test('an expired broker certificate: TlsError about expiry naming the broker, at once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: serverTls(certs.expiredCertPem) }, async (cluster) => {
      const err = await refusal({
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
      })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
      assert.equal((err as KafkaError).retriable, false)
      assert.match(err.message, /expired/)
      assert.ok(err.message.includes(cluster.broker(0).address), err.message)
    })
  })

  test('a certificate for another host: TlsError about the host name', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: serverTls(certs.wrongHostCertPem) }, async (cluster) => {
      const err = await refusal({
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
      })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
      assert.match(err.message, /another host name|host name/)
      assert.match(err.message, /ssl\.endpoint\.identification\.algorithm/)
      assert.ok(err.message.includes(cluster.broker(0).address), err.message)
    })
  })

  test("ssl.endpoint.identification.algorithm='' connects to it, warning once (SLUICE_TLS_HOSTNAME_CHECK_OFF)", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error) => {
      if ((w as Error & { code?: string }).code === 'SLUICE_TLS_HOSTNAME_CHECK_OFF') warnings.push(w)
    }
    process.on('warning', onWarning)
    try {
      await withTlsCluster({ tls: serverTls(certs.wrongHostCertPem) }, async (cluster) => {
        const config = {
          bootstrapServers: cluster.bootstrapServers,
          securityProtocol: 'SSL',
          sslTruststoreCertificates: certs.caPem,
          sslEndpointIdentificationAlgorithm: '',
        }
        await produceOne(config)
        await produceOne(config)
        assert.equal(cluster.log('t', 0).length, 2)
      })
      await new Promise((r) => setImmediate(r))
      assert.equal(warnings.length, 1, 'warned once for two producers')
    } finally {
      process.off('warning', onWarning)
    }
  })

  test('with the host name check off, an untrusted certificate is still refused', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: serverTls(certs.untrustedCertPem) }, async (cluster) => {
      const err = await refusal({
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
        sslEndpointIdentificationAlgorithm: '',
      })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
    })
  })

  test('a certificate from an untrusted CA: TlsError naming the truststore settings', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: serverTls(certs.untrustedCertPem) }, async (cluster) => {
      const err = await refusal({
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
      })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
      assert.match(err.message, /trust store|truststore/)
      assert.ok(err.message.includes(cluster.broker(0).address), err.message)
    })
  })

  test('no truststore set: the system CAs do not trust a private CA', { timeout: TEST_TIMEOUT }, async () => {
    await withTlsCluster({ tls: serverTls() }, async (cluster) => {
      const err = await refusal({ bootstrapServers: cluster.bootstrapServers, securityProtocol: 'SSL' })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
    })
  })

  test("every broker's advertised host is checked, not only the bootstrap one", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // Broker 0 (bootstrap) has a good certificate; broker 1, which leads partition 1, one for another host.
    await withTlsCluster(
      {
        brokers: 2,
        topics: [{ name: 't', partitions: 2 }],
        tls: (nodeId) => serverTls(nodeId === 0 ? certs.serverCertPem : certs.wrongHostCertPem),
      },
      async (cluster) => {
        cluster.moveLeader('t', 0, 0)
        cluster.moveLeader('t', 1, 1)
        const producer = new Producer({
          ...QUICK,
          ...SLOW_METADATA,
          bootstrapServers: cluster.broker(0).address,
          securityProtocol: 'SSL',
          sslTruststoreCertificates: certs.caPem,
        })
        try {
          await producer.send({ topic: 't', partition: 0, value: 'to-0' })
          const err = await producer.send({ topic: 't', partition: 1, value: 'to-1' }).then(
            () => assert.fail('sent to a broker whose certificate is for another host'),
            (e: unknown) => e as Error,
          )
          assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
          assert.ok(err.message.includes(cluster.broker(1).address), err.message)
          assert.match(err.message, /host name/)
        } finally {
          await producer.close()
        }
        assert.equal(cluster.log('t', 1).length, 0)
      },
    )
  })

  test('a broker advertised under a name its certificate lacks is refused for that name', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // The certificate is for localhost and 127.0.0.1; Metadata advertises 'localhost' for the
    // broker when bootstrapped through 127.0.0.1, and a certificate for broker-advertised.test
    // is refused for 'localhost'.
    await withTlsCluster(
      { tls: serverTls(certs.advertisedCertPem), advertisedHost: 'localhost' },
      async (cluster) => {
        const err = await refusal({
          bootstrapServers: cluster.broker(0).address,
          securityProtocol: 'SSL',
          sslTruststoreCertificates: certs.caPem,
        })
        assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
        assert.match(err.message, /host name/)
      },
    )
  })
})

describe('TLS: plaintext and TLS crossed', () => {
  test('a plaintext client to a TLS listener that answers with a TLS alert (as Kafka does): TlsError', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // Kafka's SSL listener answers bytes that are not TLS with an alert record.
    const alert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a])
    const server: Server = createServer((s) => {
      s.once('data', () => s.end(alert))
      s.on('error', () => {})
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const port = (server.address() as { port: number }).port
      const err = await refusal({ bootstrapServers: `127.0.0.1:${port}` })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
      assert.match(err.message, /answered with TLS/)
      assert.match(err.message, /security\.protocol/)
    } finally {
      server.close()
    }
  })

  test('a TLS client to a plaintext listener: a clear TlsError, no endless retry', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({}, async (cluster) => {
      const err = await refusal({
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
      })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
      assert.match(err.message, /not a TLS listener|may not speak TLS/)
      assert.match(err.message, /security\.protocol/)
    })
  })

  test('a TLS client to a plaintext server that answers: TlsError naming security.protocol', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const server: Server = createServer((s) => {
      s.once('data', () => s.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 1])))
      s.on('error', () => {})
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const port = (server.address() as { port: number }).port
      const err = await refusal({
        bootstrapServers: `127.0.0.1:${port}`,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
      })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
      assert.match(err.message, /security\.protocol/)
    } finally {
      server.close()
    }
  })
})

describe('mTLS: the client identity', () => {
  const base = (cluster: FakeCluster) => ({
    bootstrapServers: cluster.bootstrapServers,
    securityProtocol: 'SSL' as const,
    sslTruststoreCertificates: certs.caPem,
  })

  test('PEM keystore file (key and chain in one file)', { timeout: TEST_TIMEOUT }, async () => {
    await withTlsCluster({ tls: MTLS() }, async (cluster) => {
      await produceOne({ ...base(cluster), sslKeystoreLocation: certs.clientKeystoreFile })
      assert.equal(cluster.log('t', 0).length, 1)
    })
  })

  test('inline ssl.keystore.key and ssl.keystore.certificate.chain', { timeout: TEST_TIMEOUT }, async () => {
    await withTlsCluster({ tls: MTLS() }, async (cluster) => {
      await produceOne({
        ...base(cluster),
        sslKeystoreKey: certs.clientKeyPem,
        sslKeystoreCertificateChain: certs.clientCertPem,
      })
      assert.equal(cluster.log('t', 0).length, 1)
    })
  })

  test('encrypted PKCS#8 key with ssl.key.password (inline and in a PEM file)', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: MTLS() }, async (cluster) => {
      await produceOne({
        ...base(cluster),
        sslKeystoreKey: certs.clientEncryptedKeyPem,
        sslKeystoreCertificateChain: certs.clientCertPem,
        sslKeyPassword: certs.keyPassword,
      })
      await produceOne({
        ...base(cluster),
        'ssl.keystore.location': certs.clientEncryptedKeystoreFile,
        'ssl.key.password': certs.keyPassword,
      })
      assert.equal(cluster.log('t', 0).length, 2)
    })
  })

  test('PKCS#12 keystore with ssl.keystore.password (type read from the file, and declared)', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: MTLS() }, async (cluster) => {
      await produceOne({
        ...base(cluster),
        sslKeystoreLocation: certs.clientP12File,
        sslKeystorePassword: certs.keystorePassword,
      })
      await produceOne({
        ...base(cluster),
        sslKeystoreLocation: certs.clientP12File,
        sslKeystoreType: 'PKCS12',
        sslKeystorePassword: certs.keystorePassword,
      })
      assert.equal(cluster.log('t', 0).length, 2)
    })
  })

  test('no client certificate for a broker that requires one: TlsError suggesting the keystore', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: MTLS() }, async (cluster) => {
      const err = await refusal(base(cluster))
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
      assert.match(err.message, /client certificate/)
    })
  })

  test('a client certificate the broker does not trust: the failure names the client certificate', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // Kafka refuses an untrusted client certificate with a TLS alert (a TlsError here, like the
    // missing certificate above). Node's TLS server checks it after the handshake and closes
    // without an alert, which the client can't tell from a broker going away: it retries, and
    // the failure at max.block.ms gives the likely cause.
    await withTlsCluster(
      { tls: serverTls(undefined, { requestCert: true, rejectUnauthorized: true, ca: certs.otherCaPem }) },
      async (cluster) => {
        const producer = new Producer({
          ...QUICK,
          maxBlockMs: 5_000,
          ...base(cluster),
          sslKeystoreLocation: certs.clientKeystoreFile,
        })
        try {
          const err = await producer.send({ topic: 't', value: 'x' }).then(
            () => assert.fail('sent with an untrusted client certificate'),
            (e: unknown) => e as Error,
          )
          assert.match(err.message, /client certificate/, err.message)
          assert.match(err.message, /ssl\.keystore/, err.message)
        } finally {
          await producer.close()
        }
      },
    )
  })
})

describe('key material refused at construction', () => {
  test('a wrong ssl.key.password: ConfigError naming ssl.key.password, without the password', () => {
    const wrong = 'Not-The-Key-Pw-93'
    for (const config of [
      {
        sslKeystoreKey: certs.clientEncryptedKeyPem,
        sslKeystoreCertificateChain: certs.clientCertPem,
        sslKeyPassword: wrong,
      },
      { sslKeystoreLocation: certs.clientEncryptedKeystoreFile, sslKeyPassword: wrong },
    ]) {
      const err = constructionError({
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
        ...config,
      })
      assert.equal(err.option, 'ssl.key.password')
      for (const shown of [err.message, String(err.stack), inspect(err), JSON.stringify(err)]) {
        assert.ok(!shown.includes(wrong), shown)
        assert.ok(!shown.includes(certs.keyPassword), shown)
      }
    }
  })

  test('an encrypted key without ssl.key.password: ConfigError naming ssl.key.password', () => {
    const err = constructionError({
      securityProtocol: 'SSL',
      sslKeystoreKey: certs.clientEncryptedKeyPem,
      sslKeystoreCertificateChain: certs.clientCertPem,
    })
    assert.equal(err.option, 'ssl.key.password')
  })

  test('a wrong ssl.keystore.password for a PKCS#12 keystore: ConfigError naming it, without the password', () => {
    const err = constructionError({
      securityProtocol: 'SSL',
      sslKeystoreLocation: certs.clientP12File,
      sslKeystorePassword: 'Bad-P12-Pw-55',
    })
    assert.equal(err.option, 'ssl.keystore.password')
    assert.ok(!err.message.includes('Bad-P12-Pw-55'))
    assert.ok(!err.message.includes(certs.keystorePassword))
  })

  test('a JKS keystore: ConfigError telling how to convert it with keytool and openssl', () => {
    const ks = constructionError({ securityProtocol: 'SSL', sslKeystoreLocation: certs.jksFile })
    assert.equal(ks.option, 'ssl.keystore.location')
    assert.match(ks.message, /JKS/)
    assert.match(ks.message, /keytool -importkeystore/)
    const ts = constructionError({ securityProtocol: 'SSL', sslTruststoreLocation: certs.jksFile })
    assert.equal(ts.option, 'ssl.truststore.location')
    assert.match(ts.message, /keytool -importkeystore/)
    assert.match(ts.message, /openssl pkcs12/)
  })

  test('a truststore file that does not exist: ConfigError naming the path', () => {
    const err = constructionError({ securityProtocol: 'SSL', sslTruststoreLocation: `${certs.dir}/nope.pem` })
    assert.equal(err.option, 'ssl.truststore.location')
    assert.match(err.message, /no such file/)
  })

  test('a key that does not match the certificate chain: ConfigError', () => {
    const err = constructionError({
      securityProtocol: 'SSL',
      sslKeystoreKey: certs.serverKeyPem,
      sslKeystoreCertificateChain: certs.clientCertPem,
    })
    assert.equal(err.option, 'ssl.keystore.key')
  })
})

describe('TLS versions and SNI', () => {
  test('ssl.enabled.protocols=TLSv1.3 against a broker that speaks at most TLSv1.2: TlsError', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withTlsCluster({ tls: serverTls(undefined, { maxVersion: 'TLSv1.2' }) }, async (cluster) => {
      const err = await refusal({
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
        sslEnabledProtocols: 'TLSv1.3',
      })
      assert.ok(err instanceof TlsError, `${err.name}: ${err.message}`)
      assert.match(err.message, /ssl\.enabled\.protocols/)
    })
  })

  test('ssl.protocol=TLSv1.2 against a TLSv1.2 broker works', { timeout: TEST_TIMEOUT }, async () => {
    await withTlsCluster({ tls: serverTls(undefined, { maxVersion: 'TLSv1.2' }) }, async (cluster) => {
      await produceOne({
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
        sslProtocol: 'TLSv1.2',
      })
    })
  })

  test("SNI: 'localhost' when connecting to localhost, none for 127.0.0.1", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // The bootstrap connection goes to localhost; Metadata advertises 127.0.0.1, where the
    // producer then connects for Produce.
    await withTlsCluster({ tls: serverTls() }, async (cluster) => {
      await produceOne({
        bootstrapServers: `localhost:${cluster.broker(0).port}`,
        securityProtocol: 'SSL',
        sslTruststoreCertificates: certs.caPem,
      })
      const names = cluster.broker(0).servernames
      assert.equal(names[0], 'localhost')
      assert.ok(names.length >= 2, `connections: ${names.length}`)
      assert.ok(
        names.slice(1).every((n) => n === false),
        `later names: ${names.slice(1)}`,
      )
    })
  })
})

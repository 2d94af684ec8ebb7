/**
 * kafkajs's `ssl` and `sasl` options through sluice/kafkajs, against the fake broker listening
 * with TLS (and SASL PLAIN): a CA given as `ca`, a client certificate as `cert` / `key`,
 * SASL_SSL with kafkajs's sasl object, `rejectUnauthorized: false` (host name check off), and the
 * kafkajs errors for a wrong password and an untrusted certificate.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { TlsOptions } from 'node:tls'
import {
  Kafka,
  type KafkaConfig,
  KafkaJSConnectionError,
  KafkaJSSASLAuthenticationError,
  logLevel,
} from '../../src/kafkajs/index.js'
import { type FakeClusterOptions, startFakeCluster } from '../fakes/fake-broker.js'
import { makeTestCerts, type TestCerts } from '../helpers/test-certs.js'

let certs: TestCerts

before(async () => {
  certs = await makeTestCerts()
})
after(async () => {
  await certs.remove()
})

const server = (extra: TlsOptions = {}): TlsOptions => ({
  key: certs.serverKeyPem,
  cert: certs.serverCertPem,
  ...extra,
})

/** Connects and sends one message with these client settings to a fake broker with `options`. */
async function sendOne(options: FakeClusterOptions, client: Omit<KafkaConfig, 'brokers'>): Promise<number> {
  const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }], ...options })
  const producer = new Kafka({
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    ...client,
    brokers: [cluster.bootstrapServers],
  }).producer()
  try {
    await producer.connect()
    await producer.send({ topic: 't', messages: [{ value: 'secure' }] })
    return cluster.log('t', 0).length
  } finally {
    await producer.disconnect()
    await cluster.close()
  }
}

describe('ssl and sasl as kafkajs takes them', () => {
  test('ssl: { ca } trusts the broker signed by that CA', async () => {
    assert.equal(await sendOne({ tls: server() }, { ssl: { ca: [certs.caPem] } }), 1)
  })

  test('ssl: { ca, cert, key } presents the client certificate to a broker that requires one', async () => {
    const mtls = server({ requestCert: true, rejectUnauthorized: true, ca: certs.caPem })
    const ssl = { ca: [certs.caPem], cert: certs.clientCertPem, key: certs.clientKeyPem }
    assert.equal(await sendOne({ tls: mtls }, { ssl }), 1)
    await assert.rejects(sendOne({ tls: mtls }, { ssl: { ca: [certs.caPem] } }))
  })

  test('ssl + sasl { mechanism: plain }: SASL_SSL', async () => {
    const options = { tls: server(), sasl: { users: { alice: 'alice-secret' } } }
    const sasl = { mechanism: 'plain', username: 'alice', password: 'alice-secret' }
    assert.equal(await sendOne(options, { ssl: { ca: [certs.caPem] }, sasl }), 1)
  })

  test('a wrong password: connect() rejects with KafkaJSSASLAuthenticationError, not retriable', async () => {
    const options = { tls: server(), sasl: { users: { alice: 'alice-secret' } } }
    const sasl = { mechanism: 'plain', username: 'alice', password: 'wrong' }
    await assert.rejects(sendOne(options, { ssl: { ca: [certs.caPem] }, sasl }), (e: unknown) => {
      assert.ok(e instanceof KafkaJSSASLAuthenticationError, String(e))
      assert.equal(e.retriable, false)
      return true
    })
  })

  test('ssl: true (the system CAs) refuses a broker signed by a private CA: KafkaJSConnectionError, not retriable', async () => {
    await assert.rejects(sendOne({ tls: server() }, { ssl: true }), (e: unknown) => {
      assert.ok(e instanceof KafkaJSConnectionError, String(e))
      assert.equal(e.retriable, false)
      return true
    })
  })

  test('rejectUnauthorized: false accepts a certificate for another host name (the chain is still checked)', async () => {
    const wrongHost = server({ cert: certs.wrongHostCertPem })
    await assert.rejects(sendOne({ tls: wrongHost }, { ssl: { ca: [certs.caPem] } }), KafkaJSConnectionError)
    assert.equal(
      await sendOne({ tls: wrongHost }, { ssl: { ca: [certs.caPem], rejectUnauthorized: false } }),
      1,
    )
  })
})

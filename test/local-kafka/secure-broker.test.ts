/** The secure local broker: every listener accepts connections, each TLS one with its certificate. */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { connect as tcpConnect } from 'node:net'
import { after, before, test } from 'node:test'
import { connect as tlsConnect } from 'node:tls'
import { probeMetadata } from '../../src/local-kafka/metadata-probe.js'
import {
  SECURE_LISTENERS,
  type SecureBroker,
  type SecureListener,
  startSecureBroker,
} from '../../src/local-kafka/secure/secure-broker.js'
import { Producer } from '../../src/producer/producer.js'
import { createTopic, uniqueTopic } from '../helpers/kafka.js'
import { consoleConsume } from '../helpers/secure-reader.js'

let broker: SecureBroker

before(async () => {
  broker = await startSecureBroker()
})
after(async () => {
  await broker?.stop()
})

function hostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':')
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) }
}

function acceptsTcp(address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(hostPort(address), () => {
      socket.destroy()
      resolve()
    })
    socket.once('error', reject)
  })
}

/** The certificate a TLS listener presents (not verified here: some are meant to fail). */
function presentedCertificate(address: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { ...hostPort(address), rejectUnauthorized: false, servername: 'localhost' },
      () => {
        const raw = socket.getPeerX509Certificate()
        socket.destroy()
        if (raw === undefined) reject(new Error(`${address} presented no certificate`))
        else resolve(raw)
      },
    )
    socket.once('error', reject)
  })
}

test('every listener accepts TCP connections on its own port', async () => {
  const names: SecureListener[] = ['PLAINTEXT', ...SECURE_LISTENERS.map((l) => l.name)]
  assert.deepEqual(Object.keys(broker.bootstrap).sort(), [...names].sort())
  const ports = new Set(Object.values(broker.bootstrap).map((a) => hostPort(a).port))
  assert.equal(ports.size, names.length)
  for (const name of names) await acceptsTcp(broker.bootstrap[name])
})

test('PLAINTEXT answers Metadata and advertises itself', async () => {
  const { host, port } = hostPort(broker.bootstrap.PLAINTEXT)
  const brokers = await probeMetadata(host, port)
  assert.deepEqual(brokers, [{ nodeId: 1, host, port }])
})

test('each TLS listener presents the certificate it was given', async () => {
  const c = broker.certs
  const expected: [SecureListener, string][] = [
    ['SSL', c.brokerCert],
    ['MTLS', c.brokerCert],
    ['SASL_SSL', c.brokerCert],
    ['EXPIRED', c.expiredCert],
    ['WRONGHOST', c.wrongHostCert],
    ['UNTRUSTED', c.untrustedBrokerCert],
  ]
  for (const [listener, file] of expected) {
    const presented = await presentedCertificate(broker.bootstrap[listener])
    assert.equal(presented.fingerprint256, new X509Certificate(readFileSync(file)).fingerprint256, listener)
  }
})

test('the re-authentication counter reads over JMX, zero before any client', async () => {
  assert.equal(await broker.reauthentications(), 0)
  assert.equal(await broker.reauthentications('SASL_PLAINTEXT'), 0)
  assert.match(broker.jmxUrl, /^service:jmx:rmi:\/\/\/jndi\/rmi:\/\/127\.0\.0\.1:\d+\/jmxrmi$/)
})

// Sluice does not speak OAUTHBEARER here; Kafka's own client checks the listeners accept it.
test("OAUTHBEARER (Kafka's unsecured tokens) is enabled on the SASL listeners: Kafka's consumer reads as alice", async () => {
  const topic = uniqueTopic('sec-oauth')
  await createTopic(topic, 1, { bootstrap: broker.bootstrap.PLAINTEXT })
  const producer = new Producer({ bootstrapServers: broker.bootstrap.PLAINTEXT })
  try {
    await Promise.all(['a', 'b', 'c'].map((value) => producer.send({ topic, key: 'k', value })))
  } finally {
    await producer.close()
  }
  for (const listener of ['SASL_PLAINTEXT', 'SASL_SSL'] as const) {
    const read = await consoleConsume(
      broker.bootstrap[listener],
      topic,
      {
        securityProtocol: listener,
        ...(listener === 'SASL_SSL' ? { truststorePem: broker.certs.caCert } : {}),
        sasl: { mechanism: 'OAUTHBEARER', username: 'alice', password: '' },
      },
      { expect: 3 },
    )
    assert.deepEqual(
      read.map((r) => r.value),
      ['a', 'b', 'c'],
      listener,
    )
  }
})

test("the ACLs hold for Kafka's own client too: nowrite may not read", async () => {
  const topic = uniqueTopic('sec-acl')
  await createTopic(topic, 1, { bootstrap: broker.bootstrap.PLAINTEXT })
  await assert.rejects(
    consoleConsume(
      broker.bootstrap.SASL_PLAINTEXT,
      topic,
      {
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'SCRAM-SHA-256', username: 'nowrite', password: 'nowrite-secret' },
      },
      { idleTimeoutMs: 4000 },
    ),
    /AuthorizationException|not authorized/i,
  )
})

// Last: one broker at a time on this machine, so the stop is checked on the same one.
test('stop removes the broker data and the certificates, and is idempotent', async () => {
  const dirs = [broker.cluster.dir, broker.certs.dir]
  assert.ok(dirs.every((d) => existsSync(d)))
  await broker.stop()
  await broker.stop()
  assert.ok(dirs.every((d) => !existsSync(d)))
  assert.equal(broker.cluster.brokers[0]?.running, false)
})

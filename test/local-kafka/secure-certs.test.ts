/** makeCerts: every certificate checked with node:crypto (subject, SAN, validity, issuer, usage). */
import assert from 'node:assert/strict'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { after, before, test } from 'node:test'
import { createSecureContext } from 'node:tls'
import {
  type CertSet,
  CLIENT_KEY_PASSWORD,
  CLIENT_P12_PASSWORD,
  makeCerts,
} from '../../src/local-kafka/secure/certs.js'
import { pemBlocks } from '../../src/security/tls/key-material.js'

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'

let dir: string
let certs: CertSet

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-certs-'))
  certs = await makeCerts(join(dir, 'certs'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

const x509 = (file: string) => new X509Certificate(readFileSync(file))
const now = () => Date.now()

function assertCurrent(cert: X509Certificate): void {
  assert.ok(Date.parse(cert.validFrom) <= now(), `${cert.subject} valid from ${cert.validFrom}`)
  assert.ok(Date.parse(cert.validTo) > now() + 86_400_000, `${cert.subject} valid to ${cert.validTo}`)
}

function assertIssuedBy(cert: X509Certificate, ca: X509Certificate): void {
  assert.ok(cert.checkIssued(ca), `${cert.subject} names ${ca.subject} as issuer`)
  assert.ok(cert.verify(ca.publicKey), `${cert.subject} is signed by ${ca.subject}'s key`)
}

test('every path is absolute and inside the folder; caPem is the CA file', () => {
  for (const [name, value] of Object.entries(certs)) {
    if (name === 'caPem') continue
    assert.ok(isAbsolute(value), `${name} = ${value}`)
    assert.ok(value.startsWith(certs.dir), `${name} = ${value}`)
  }
  assert.equal(certs.caPem, readFileSync(certs.caCert, 'utf8'))
})

test('the two CAs are self-signed CA certificates, distinct', () => {
  const ca = x509(certs.caCert)
  const other = x509(certs.untrustedCaCert)
  for (const c of [ca, other]) {
    assert.equal(c.ca, true)
    assertIssuedBy(c, c)
    assertCurrent(c)
  }
  assert.notEqual(ca.fingerprint256, other.fingerprint256)
  assert.ok(!other.checkIssued(ca))
})

test('the broker certificate: localhost and 127.0.0.1, serverAuth, current, signed by the CA', () => {
  const cert = x509(certs.brokerCert)
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1')
  assert.equal(cert.checkHost('localhost'), 'localhost')
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1')
  assert.deepEqual(cert.keyUsage, [SERVER_AUTH])
  assert.equal(cert.ca, false)
  assertCurrent(cert)
  assertIssuedBy(cert, x509(certs.caCert))
  assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(certs.brokerKey))))
})

test('the expired certificate: same names and CA, valid only in the past', () => {
  const cert = x509(certs.expiredCert)
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1')
  assert.ok(Date.parse(cert.validTo) < now(), cert.validTo)
  assert.ok(Date.parse(cert.validFrom) < Date.parse(cert.validTo))
  assertIssuedBy(cert, x509(certs.caCert))
  assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(certs.expiredKey))))
})

test('the wrong-host certificate names only wrong.example.invalid', () => {
  const cert = x509(certs.wrongHostCert)
  assert.equal(cert.subjectAltName, 'DNS:wrong.example.invalid')
  assert.equal(cert.checkHost('localhost'), undefined)
  assert.equal(cert.checkIP('127.0.0.1'), undefined)
  assertCurrent(cert)
  assertIssuedBy(cert, x509(certs.caCert))
  assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(certs.wrongHostKey))))
})

test('the untrusted broker certificate is signed by the second CA only', () => {
  const cert = x509(certs.untrustedBrokerCert)
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1')
  assertCurrent(cert)
  assertIssuedBy(cert, x509(certs.untrustedCaCert))
  assert.ok(!cert.verify(x509(certs.caCert).publicKey))
  assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(certs.untrustedBrokerKey))))
})

test('the client certificate: CN=alice-client, clientAuth, signed by the CA', () => {
  const cert = x509(certs.clientCert)
  assert.equal(cert.subject, 'CN=alice-client')
  assert.deepEqual(cert.keyUsage, [CLIENT_AUTH])
  assert.equal(cert.subjectAltName, undefined)
  assertCurrent(cert)
  assertIssuedBy(cert, x509(certs.caCert))
  assert.ok(cert.checkPrivateKey(createPrivateKey(readFileSync(certs.clientKey))))
})

test('keystore PEM files hold the key, then the certificate and its CA', () => {
  const cases: [string, string, string, string][] = [
    [certs.brokerKeystorePem, certs.brokerKey, certs.brokerCert, certs.caCert],
    [certs.expiredKeystorePem, certs.expiredKey, certs.expiredCert, certs.caCert],
    [certs.wrongHostKeystorePem, certs.wrongHostKey, certs.wrongHostCert, certs.caCert],
    [certs.untrustedKeystorePem, certs.untrustedBrokerKey, certs.untrustedBrokerCert, certs.untrustedCaCert],
  ]
  for (const [file, key, cert, ca] of cases) {
    const text = readFileSync(file, 'utf8')
    assert.ok(text.indexOf('PRIVATE KEY') < text.indexOf('CERTIFICATE'), file)
    const blocks = pemBlocks(text)
    assert.deepEqual(blocks.keys, pemBlocks(readFileSync(key, 'utf8')).keys)
    assert.deepEqual(blocks.certificates, [
      ...pemBlocks(readFileSync(cert, 'utf8')).certificates,
      ...pemBlocks(readFileSync(ca, 'utf8')).certificates,
    ])
  }
  const client = pemBlocks(readFileSync(certs.clientPem, 'utf8'))
  assert.deepEqual(client.keys, pemBlocks(readFileSync(certs.clientKey, 'utf8')).keys)
  assert.deepEqual(client.certificates, pemBlocks(readFileSync(certs.clientCert, 'utf8')).certificates)
})

test('the encrypted client key is PKCS#8 that only CLIENT_KEY_PASSWORD opens', () => {
  const pem = readFileSync(certs.clientKeyEncrypted, 'utf8')
  assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
  assert.throws(() => createPrivateKey({ key: pem, passphrase: 'wrong' }))
  const key = createPrivateKey({ key: pem, passphrase: CLIENT_KEY_PASSWORD })
  assert.ok(x509(certs.clientCert).checkPrivateKey(key))
})

test('node:tls opens the PKCS#12 with CLIENT_P12_PASSWORD, and refuses another', () => {
  const pfx = readFileSync(certs.clientP12)
  createSecureContext({ pfx, passphrase: CLIENT_P12_PASSWORD })
  assert.throws(() => createSecureContext({ pfx, passphrase: 'wrong' }))
})

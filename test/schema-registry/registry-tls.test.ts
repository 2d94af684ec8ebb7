/**
 * SchemaRegistryClient over TLS against the real registry: Apicurio Registry serving HTTPS only
 * (Quarkus's ssl-port with PEM certificate files from test/helpers/test-certs.ts), and a second
 * one that requires a client certificate (mutual TLS; Quarkus 2.16 fixes client-auth at build
 * time, so the helper runs a build made with it). Fails, never skips, when either registry
 * cannot be built or started.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { AvroDeserializer, AvroSerializer } from '../../src/schema-registry/avro.js'
import { SchemaRegistryClient, type SchemaRegistryOptions } from '../../src/schema-registry/client.js'
import { SchemaRegistryError } from '../../src/schema-registry/errors.js'
import { type RunningRegistry, startSchemaRegistry } from '../helpers/schema-registry.js'
import { makeTestCerts, type TestCerts } from '../helpers/test-certs.js'

// The first run on a machine builds the registry with Maven (twice: with and without client-auth).
const TIMEOUT = 900_000

const user = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'sluice.test',
  fields: [{ name: 'name', type: 'string' }],
})

const subject = (what: string) => `${what}-${randomUUID()}-value`

async function refused(p: Promise<unknown>, message: RegExp): Promise<SchemaRegistryError> {
  let caught: unknown
  await assert.rejects(p, (err: unknown) => {
    caught = err
    return true
  })
  assert.ok(caught instanceof SchemaRegistryError, `not a SchemaRegistryError: ${String(caught)}`)
  assert.equal(caught.code, 'ERR_SCHEMA_REGISTRY_TLS', caught.message)
  assert.equal(caught.retriable, false)
  assert.match(caught.message, message)
  return caught
}

describe('SchemaRegistryClient against Apicurio Registry over TLS', { timeout: TIMEOUT }, () => {
  let certs: TestCerts
  let registry: RunningRegistry
  let mtlsRegistry: RunningRegistry
  const clients: SchemaRegistryClient[] = []
  const client = (url: string, o: Omit<SchemaRegistryOptions, 'url'>) => {
    const c = new SchemaRegistryClient({ url, retryBackoffMs: 1, retryBackoffMaxMs: 5, ...o })
    clients.push(c)
    return c
  }
  let clientCert: { certFile: string; keyFile: string }

  before(
    async () => {
      certs = await makeTestCerts()
      const server = { certFile: join(certs.dir, 'server.pem'), keyFile: join(certs.dir, 'server.key') }
      clientCert = { certFile: join(certs.dir, 'client.pem'), keyFile: join(certs.dir, 'client.key') }
      // Started together; both are stopped in after() whichever failed.
      const [plain, mutual] = await Promise.allSettled([
        startSchemaRegistry({ tls: { ...server, caFile: certs.caFile } }),
        startSchemaRegistry({
          tls: { ...server, caFile: certs.caFile, clientAuth: { caFile: certs.caFile, ...clientCert } },
        }),
      ])
      if (plain.status === 'fulfilled') registry = plain.value
      if (mutual.status === 'fulfilled') mtlsRegistry = mutual.value
      for (const s of [plain, mutual]) if (s.status === 'rejected') throw s.reason
    },
    { timeout: TIMEOUT },
  )

  after(async () => {
    for (const c of clients) c.close()
    await Promise.all([registry?.stop(), mtlsRegistry?.stop()])
    await certs?.remove()
  })

  test('the registry serves HTTPS only', () => {
    assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7$/)
  })

  test('register, lookup and fetch by id over TLS, trusting the test CA (tls.caFile or tls.ca)', async () => {
    const s = subject('tls')
    const c = client(registry.url, { tls: { caFile: certs.caFile } })
    const id = await c.register(s, { schema: user })
    const other = client(registry.url.replace('127.0.0.1', 'localhost'), { tls: { ca: certs.caPem } })
    const found = await other.lookup(s, { schema: user })
    assert.equal(found.id, id)
    assert.equal(found.version, 1)
    assert.deepEqual(JSON.parse((await other.getById(id)).schema), JSON.parse(user))
    await registry.setCompatibility(s, 'BACKWARD')
    assert.deepEqual(await c.getVersions(s), [1])
  })

  test('refused, once and not retriable, when the CA is not trusted', async () => {
    const s = subject('untrusted')
    await refused(
      client(registry.url, { retries: 3, tls: { ca: certs.otherCaPem } }).register(s, { schema: user }),
      /^POST \/subjects\/.*: TLS connection to schema registry at https:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7 refused: its certificate was not issued by a CA in the trust store \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. Set tls\.ca or tls\.caFile/,
    )
    // Node's own CAs do not trust it either.
    await refused(client(registry.url, { retries: 3 }).getSubjects(), /not issued by a CA in the trust store/)
    // Nothing was registered by the refused call.
    const trusted = client(registry.url, { tls: { caFile: certs.caFile } })
    assert.ok(!(await trusted.getSubjects()).includes(s))
  })

  test('the host name is checked: another servername is refused unless rejectUnauthorized is false', async () => {
    await refused(
      client(registry.url, { tls: { caFile: certs.caFile, servername: 'wrong-host.test' } }).getSubjects(),
      /its certificate is for another host name \(ERR_TLS_CERT_ALTNAME_INVALID: Host: wrong-host\.test\. is not in the cert's altnames: DNS:localhost, IP Address:127\.0\.0\.1\)/,
    )
    const lax = client(registry.url, {
      tls: { caFile: certs.caFile, servername: 'wrong-host.test', rejectUnauthorized: false },
    })
    assert.ok(Array.isArray(await lax.getSubjects()))
  })

  describe('mutual TLS (quarkus.http.ssl.client-auth=required)', () => {
    test('without a client certificate: refused, naming the missing client certificate', async () => {
      await refused(
        client(mtlsRegistry.url, { retries: 3, tls: { caFile: certs.caFile } }).getSubjects(),
        /TLS handshake with schema registry at https:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7 failed: .*bad certificate \(ERR_SSL_(?:SSLV3|SSL\/TLS)_ALERT_BAD_CERTIFICATE\)\. The registry may require a client certificate: set tls\.cert and tls\.key/,
      )
    })

    test('with a client certificate signed by a CA the registry does not trust: refused', async () => {
      await refused(
        client(mtlsRegistry.url, {
          retries: 3,
          tls: { caFile: certs.caFile, cert: certs.untrustedCertPem, key: certs.serverKeyPem },
        }).getSubjects(),
        /failed: .*certificate unknown \(ERR_SSL_(?:SSLV3|SSL\/TLS)_ALERT_CERTIFICATE_UNKNOWN\)\. The registry refused the client certificate/,
      )
    })

    test('with the client certificate (files or PEM text): register and lookup', async () => {
      const s = subject('mtls')
      const c = client(mtlsRegistry.url, { tls: { caFile: certs.caFile, ...clientCert } })
      const id = await c.register(s, { schema: user })
      const other = client(mtlsRegistry.url, {
        tls: {
          ca: certs.caPem,
          cert: certs.clientCertPem,
          key: certs.clientEncryptedKeyPem,
          passphrase: certs.keyPassword,
        },
      })
      assert.equal((await other.lookup(s, { schema: user })).id, id)
      assert.ok((await other.getSubjects()).includes(s))
    })

    test('an Avro serializer and deserializer work through a client over mutual TLS', async () => {
      const registry = client(mtlsRegistry.url, { tls: { caFile: certs.caFile, ...clientCert } })
      const topic = `users-${randomUUID()}`
      const avro = new AvroSerializer({ registry, schema: user })
      await avro.prepare(topic)
      const bytes = avro.serializer({ name: 'Ann' }, topic) as Uint8Array
      const reader = new AvroDeserializer(
        client(mtlsRegistry.url, { tls: { caFile: certs.caFile, keyFile: certs.clientKeystoreFile } }),
      )
      assert.deepEqual({ ...((await reader.deserialize(bytes)) as object) }, { name: 'Ann' })
    })
  })
})

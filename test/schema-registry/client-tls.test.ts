/**
 * SchemaRegistryClient over TLS against node:https servers on loopback, with certificates made by
 * openssl (test/helpers/test-certs.ts): a trusted CA (text or file), every way the registry's
 * certificate is refused (not trusted, another host, expired) as a non-retriable
 * ERR_SCHEMA_REGISTRY_TLS tried once, the checks relaxed (rejectUnauthorized, servername), mutual
 * TLS with each form of client key, retries, timeouts and keep-alive over TLS, close(), and the
 * tls option's mistakes as ConfigErrors. The real registry over TLS: registry-tls.test.ts.
 */
import assert from 'node:assert/strict'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, afterEach, before, describe, test } from 'node:test'
import type { TLSSocket, TlsOptions } from 'node:tls'
import { ConfigError } from '../../src/errors.js'
import { SchemaRegistryClient, type SchemaRegistryOptions } from '../../src/schema-registry/client.js'
import { SchemaRegistryError } from '../../src/schema-registry/errors.js'
import type { SchemaRegistryTls } from '../../src/schema-registry/tls.js'
import { Secret } from '../../src/security/secret.js'
import { makeTestCerts, type TestCerts } from '../helpers/test-certs.js'

let certs: TestCerts

before(async () => {
  certs = await makeTestCerts()
})
after(async () => {
  await certs.remove()
})

interface Seen {
  method: string
  url: string
  body: string
  /** The CN of the client certificate, when one was given. */
  clientCn: string | undefined
}

type Handler = (req: Seen, res: ServerResponse) => void

interface Registry {
  server: Server
  port: number
  seen: Seen[]
  /** TCP connections accepted, and TLS handshakes that completed. */
  connections: number
  handshakes: number
  /** The server's side of each TLS connection. */
  sockets: TLSSocket[]
  handler: Handler
}

const open: Registry[] = []
const clients: SchemaRegistryClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const r of open.splice(0)) {
    r.server.closeAllConnections()
    await new Promise((done) => r.server.close(done))
  }
})

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
  res.end(JSON.stringify(body))
}

async function registry(tls: TlsOptions = {}): Promise<Registry> {
  const r: Registry = {
    server: undefined as unknown as Server,
    port: 0,
    seen: [],
    connections: 0,
    handshakes: 0,
    sockets: [],
    handler: (_req, res) => json(res, 200, ['s']),
  }
  r.server = createServer(
    { key: certs.serverKeyPem, cert: certs.serverCertPem, ...tls },
    (req: IncomingMessage, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (c: string) => {
        body += c
      })
      req.on('end', () => {
        const peer = (req.socket as TLSSocket).getPeerCertificate()
        const clientCn = peer?.subject?.CN
        const s = {
          method: req.method ?? '',
          url: req.url ?? '',
          body,
          clientCn: typeof clientCn === 'string' ? clientCn : undefined,
        }
        r.seen.push(s)
        r.handler(s, res)
      })
    },
  )
  r.server.on('connection', () => r.connections++)
  r.server.on('secureConnection', (socket: TLSSocket) => {
    r.handshakes++
    r.sockets.push(socket)
  })
  // A refused handshake is the server's tlsClientError; nothing to do with it here.
  r.server.on('tlsClientError', () => {})
  await new Promise<void>((done) => r.server.listen(0, '127.0.0.1', done))
  r.port = (r.server.address() as AddressInfo).port
  open.push(r)
  return r
}

const QUICK: Partial<SchemaRegistryOptions> = { retryBackoffMs: 1, retryBackoffMaxMs: 2 }

function client(
  r: Registry,
  tls: SchemaRegistryTls | undefined,
  o: Partial<SchemaRegistryOptions> = {},
  host = '127.0.0.1',
): SchemaRegistryClient {
  const c = new SchemaRegistryClient({
    url: `https://${host}:${r.port}`,
    ...QUICK,
    ...(tls === undefined ? {} : { tls }),
    ...o,
  })
  clients.push(c)
  return c
}

async function rejection(p: Promise<unknown>): Promise<SchemaRegistryError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof SchemaRegistryError, String(err))
    return err
  }
  assert.fail('did not reject')
}

/** A refused TLS connection: ERR_SCHEMA_REGISTRY_TLS, not retriable, and not tried again. */
async function refusedTls(r: Registry, p: Promise<unknown>, message: RegExp): Promise<SchemaRegistryError> {
  const err = await rejection(p)
  assert.equal(err.code, 'ERR_SCHEMA_REGISTRY_TLS', err.message)
  assert.equal(err.retriable, false)
  assert.equal(err.status, -1)
  assert.match(err.message, message)
  assert.equal(r.seen.length, 0, 'no request reached the handler')
  assert.equal(r.connections, 1, 'tried once, though retries is 3')
  return err
}

describe('the registry certificate', () => {
  test('trusted through tls.ca (text, Buffer or array) or tls.caFile, by IP and by host name', async () => {
    const r = await registry()
    assert.deepEqual(await client(r, { ca: certs.caPem }).getSubjects(), ['s'])
    assert.deepEqual(await client(r, { ca: Buffer.from(certs.caPem) }).getSubjects(), ['s'])
    assert.deepEqual(await client(r, { ca: [certs.otherCaPem, certs.caPem] }).getSubjects(), ['s'])
    assert.deepEqual(await client(r, { caFile: certs.caFile }, {}, 'localhost').getSubjects(), ['s'])
  })

  test("not signed by a trusted CA: refused once, naming the cause and tls.ca; Node's CAs alone do not trust it", async () => {
    const r = await registry()
    const err = await refusedTls(
      r,
      client(r, { ca: certs.otherCaPem }, { retries: 3 }).getSubjects(),
      /TLS connection to schema registry at https:\/\/127\.0\.0\.1:\d+ refused: its certificate was not issued by a CA in the trust store \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. Set tls\.ca or tls\.caFile/,
    )
    assert.match(err.message, /^GET \/subjects: /)
    assert.equal((err.cause as { code?: string }).code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    const r2 = await registry()
    await refusedTls(r2, client(r2, undefined, { retries: 3 }).getSubjects(), /not issued by a CA/)
  })

  test('a certificate for another host is refused; servername or rejectUnauthorized false accept it', async () => {
    const r = await registry({ cert: certs.wrongHostCertPem })
    await refusedTls(
      r,
      client(r, { ca: certs.caPem }, { retries: 3 }, 'localhost').register('s', { schema: '"string"' }),
      /refused: its certificate is for another host name \(ERR_TLS_CERT_ALTNAME_INVALID: .*wrong-host\.test.*\)\. .*tls\.servername/,
    )
    r.handler = (_req, res) => json(res, 200, { id: 4 })
    assert.equal(
      await client(r, { ca: certs.caPem, servername: 'wrong-host.test' }).register('s', {
        schema: '"string"',
      }),
      4,
    )
    const warnings: (Error & { code?: string })[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    try {
      assert.equal(
        await client(r, { ca: certs.caPem, rejectUnauthorized: false }).register('s', { schema: '"string"' }),
        4,
      )
      client(r, { rejectUnauthorized: false })
      await new Promise((done) => setImmediate(done))
    } finally {
      process.off('warning', onWarning)
    }
    // Once per process: the check off is worth one line, not one per client.
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['SLUICE_REGISTRY_TLS_UNVERIFIED'],
    )
  })

  test('an expired certificate is refused, saying so', async () => {
    const r = await registry({ cert: certs.expiredCertPem })
    await refusedTls(
      r,
      client(r, { ca: certs.caPem }, { retries: 3 }).getSubjects(),
      /its certificate has expired \(CERT_HAS_EXPIRED\)/,
    )
  })

  test('an https: URL to a plaintext port: a TLS error saying the port may not speak TLS', async () => {
    const server = createHttpServer((_req, res) => json(res, 200, []))
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    try {
      const port = (server.address() as AddressInfo).port
      const c = new SchemaRegistryClient({
        url: `https://127.0.0.1:${port}`,
        ...QUICK,
        tls: { ca: certs.caPem },
      })
      clients.push(c)
      const err = await rejection(c.getSubjects())
      assert.equal(err.code, 'ERR_SCHEMA_REGISTRY_TLS', err.message)
      assert.equal(err.retriable, false)
      assert.match(
        err.message,
        /^GET \/subjects: TLS handshake with schema registry at https:\/\/127\.0\.0\.1:\d+ failed: wrong version number \(EPROTO\)\. The port may not speak TLS/,
      )
    } finally {
      server.closeAllConnections()
      await new Promise((done) => server.close(done))
    }
  })
})

describe('mutual TLS', () => {
  const mtls = (): TlsOptions => ({ requestCert: true, rejectUnauthorized: true, ca: certs.caPem })

  test('a registry that requires a client certificate refuses a client without one, not retried', async () => {
    const r = await registry(mtls())
    const err = await rejection(client(r, { ca: certs.caPem }, { retries: 3 }).getSubjects())
    assert.equal(err.code, 'ERR_SCHEMA_REGISTRY_TLS', err.message)
    assert.equal(err.retriable, false)
    assert.match(
      err.message,
      /failed: tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)\. The registry may require a client certificate: set tls\.cert and tls\.key/,
    )
    assert.equal(r.seen.length, 0)
    assert.equal(r.connections, 1)
  })

  test('accepted with the client certificate as PEM text, as files, as one keystore file, or encrypted', async () => {
    const r = await registry(mtls())
    const forms: SchemaRegistryTls[] = [
      { ca: certs.caPem, cert: certs.clientCertPem, key: certs.clientKeyPem },
      { ca: certs.caPem, cert: Buffer.from(certs.clientCertPem), key: new Secret(certs.clientKeyPem) },
      {
        caFile: certs.caFile,
        certFile: join(certs.dir, 'client.pem'),
        keyFile: join(certs.dir, 'client.key'),
      },
      { caFile: certs.caFile, keyFile: certs.clientKeystoreFile },
      {
        ca: certs.caPem,
        cert: certs.clientCertPem,
        key: certs.clientEncryptedKeyPem,
        passphrase: certs.keyPassword,
      },
      {
        ca: certs.caPem,
        keyFile: certs.clientEncryptedKeystoreFile,
        passphrase: new Secret(certs.keyPassword),
      },
    ]
    for (const [i, tls] of forms.entries()) {
      assert.deepEqual(await client(r, tls).getSubjects(), ['s'], `form ${i}`)
    }
    assert.deepEqual(
      r.seen.map((s) => s.clientCn),
      forms.map(() => 'client'),
    )
  })
})

describe('requests over TLS', () => {
  test('one kept-alive connection serves request after request', async () => {
    const r = await registry()
    const c = client(r, { ca: certs.caPem })
    for (let i = 0; i < 5; i++) await c.getSubjects()
    assert.equal(r.seen.length, 5)
    assert.equal(r.handshakes, 1)
  })

  test('5xx answers are retried, then succeed; headers, JSON body and auth are sent', async () => {
    const r = await registry()
    const seenHeaders: IncomingMessage['headers'][] = []
    r.server.prependListener('request', (req: IncomingMessage) => seenHeaders.push(req.headers))
    r.handler = (req, res) =>
      r.seen.length <= 2
        ? json(res, 503, { error_code: 50003, message: 'busy' })
        : json(res, 200, { id: 8, q: req.url })
    const c = client(
      r,
      { ca: certs.caPem },
      { retries: 3, auth: { token: 'tkn' }, headers: { 'x-tenant': 'blue' } },
    )
    assert.equal(await c.register('a b', { schema: '"string"' }), 8)
    assert.equal(r.seen.length, 3)
    assert.equal(r.seen[2]?.url, '/subjects/a%20b/versions')
    assert.deepEqual(JSON.parse(r.seen[2]?.body ?? ''), { schema: '"string"' })
    assert.equal(seenHeaders[2]?.authorization, 'Bearer tkn')
    assert.equal(seenHeaders[2]?.['x-tenant'], 'blue')
    assert.equal(seenHeaders[2]?.['content-type'], 'application/vnd.schemaregistry.v1+json')
  })

  test('a request that outlives requestTimeoutMs is retried, and after the retries is unreachable', async () => {
    const r = await registry()
    r.handler = (_req, res) => {
      if (r.seen.length === 1) return // never answers
      json(res, 200, ['late'])
    }
    assert.deepEqual(
      await client(r, { ca: certs.caPem }, { requestTimeoutMs: 1_000, retries: 1 }).getSubjects(),
      ['late'],
    )
    assert.equal(r.seen.length, 2)

    r.handler = () => {}
    r.seen.length = 0
    const err = await rejection(
      client(r, { ca: certs.caPem }, { requestTimeoutMs: 1_000, retries: 1 }).getSubjects(),
    )
    assert.equal(err.code, 'ERR_SCHEMA_REGISTRY_UNREACHABLE')
    assert.equal(err.retriable, true)
    assert.match(err.message, /unreachable \(no answer within requestTimeoutMs \(1000 ms\)\)/)
    assert.equal(r.seen.length, 2)
  })

  test('a dropped connection is retried on a new one', async () => {
    const r = await registry()
    r.handler = (_req, res) => {
      if (r.seen.length === 1) {
        res.socket?.destroy()
        return
      }
      json(res, 200, { id: 2 })
    }
    assert.equal(await client(r, { ca: certs.caPem }, { retries: 1 }).register('s', { schema: '"int"' }), 2)
    assert.equal(r.handshakes, 2)
  })

  test('an aborted call rejects with the signal reason and is not retried', async () => {
    const r = await registry()
    r.handler = () => {}
    const ac = new AbortController()
    const p = client(r, { ca: certs.caPem }, { retries: 5 }).getSubjects({ signal: ac.signal })
    while (r.seen.length === 0) await new Promise((done) => setTimeout(done, 5))
    ac.abort(new Error('stop'))
    await assert.rejects(p, /stop/)
    assert.equal(r.seen.length, 1)
  })

  test('close() ends the connections: a waiting call and later ones reject, not retried', async () => {
    const r = await registry()
    const c = client(r, { ca: certs.caPem }, { retries: 5 })
    await c.getSubjects()
    r.handler = () => {}
    const waiting = c.getVersions('s')
    while (r.seen.length === 1) await new Promise((done) => setTimeout(done, 5))
    assert.equal(r.sockets.length, 1)
    let closedSockets = 0
    r.sockets[0]?.once('close', () => closedSockets++)
    c.close()
    c.close()
    const err = await rejection(waiting)
    assert.equal(err.code, 'ERR_SCHEMA_REGISTRY')
    assert.equal(err.retriable, false)
    assert.match(err.message, /is closed/)
    await assert.rejects(c.getSubjects(), /is closed/)
    while (closedSockets === 0) await new Promise((done) => setTimeout(done, 5))
    assert.equal(r.seen.length, 2)
  })
})

describe('tls option mistakes are ConfigErrors naming the option', () => {
  test('each mistake', () => {
    const cases: [string, SchemaRegistryTls | Record<string, unknown>, string][] = [
      ['http://localhost:1', { ca: 'x' }, 'tls'],
      ['https://localhost:1', { cafile: 'ca.pem' }, 'tls.cafile'],
      ['https://localhost:1', { ca: 'not a certificate' }, 'tls.ca'],
      ['https://localhost:1', { ca: 42 }, 'tls.ca'],
      ['https://localhost:1', { caFile: '/nonexistent/ca.pem' }, 'tls.caFile'],
      ['https://localhost:1', { ca: 'x', caFile: 'ca.pem' }, 'tls.caFile'],
      ['https://localhost:1', { cert: 'x', certFile: 'c.pem' }, 'tls.certFile'],
      ['https://localhost:1', { key: 'x', keyFile: 'k.pem' }, 'tls.keyFile'],
      ['https://localhost:1', { cert: 'CERT' }, 'tls.key'],
      ['https://localhost:1', { passphrase: 'p' }, 'tls.passphrase'],
      ['https://localhost:1', { rejectUnauthorized: 'no' }, 'tls.rejectUnauthorized'],
      ['https://localhost:1', { servername: '' }, 'tls.servername'],
    ]
    for (const [url, tls, option] of cases) {
      assert.throws(
        () => new SchemaRegistryClient({ url, tls: tls as SchemaRegistryTls }),
        (e: unknown) => e instanceof ConfigError && e.option === option,
        `${option}: ${JSON.stringify(tls)}`,
      )
    }
  })

  test('key material: a key without its certificate, an encrypted key, a wrong passphrase, a key for another certificate', () => {
    const url = 'https://localhost:1'
    const cases: [() => SchemaRegistryTls, string, RegExp][] = [
      [() => ({ key: certs.clientKeyPem }), 'tls.cert', /is needed too/],
      [
        () => ({ cert: certs.clientCertPem, key: certs.clientCertPem }),
        'tls.key',
        /exactly one PEM private key/,
      ],
      [
        () => ({ cert: certs.clientCertPem, key: certs.clientEncryptedKeyPem }),
        'tls.passphrase',
        /is needed: the private key in tls.key is encrypted/,
      ],
      [
        () => ({ keyFile: certs.clientEncryptedKeystoreFile, passphrase: 'wrong' }),
        'tls.passphrase',
        /does not decrypt the private key in tls.keyFile/,
      ],
      [
        () => ({ cert: certs.clientCertPem, key: certs.serverKeyPem }),
        'tls.key',
        /does not belong to the first certificate/,
      ],
      [
        () => ({ certFile: join(certs.dir, 'missing.pem'), key: certs.clientKeyPem }),
        'tls.certFile',
        /no such file/,
      ],
    ]
    for (const [tls, option, message] of cases) {
      assert.throws(
        () => new SchemaRegistryClient({ url, tls: tls() }),
        (e: unknown) => e instanceof ConfigError && e.option === option && message.test(e.message),
        option,
      )
    }
  })
})

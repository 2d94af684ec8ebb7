/**
 * The client credentials grant against a real HTTP server on 127.0.0.1 (Java's
 * HttpAccessTokenRetriever's request, retry and failure rules), and token files.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { AuthenticationError, ConfigError } from '../../src/errors.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import { basicAuthorization, javaUrlEncode, tokenEndpointSource } from '../../src/security/oauth/oidc.js'
import { oauthTokenSource } from '../../src/security/oauth/settings.js'
import { Secret } from '../../src/security/secret.js'

const SECRET = 'cl1ent-s3cret:with/odd+chars'
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`
const EXP = Math.floor(Date.now() / 1000) + 3600

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

type Handler = (req: Seen, res: ServerResponse) => void

let server: Server
let port = 0
let handler: Handler = (_req, res) => res.end()
const seen: Seen[] = []

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const s = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }
      seen.push(s)
      handler(s, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})

after(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

function reset(h: Handler): void {
  seen.length = 0
  handler = h
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

function source(overrides: Partial<Parameters<typeof tokenEndpointSource>[0]> = {}) {
  return tokenEndpointSource({
    url: new URL(`http://127.0.0.1:${port}/oauth2/token?tenant=x`),
    clientId: 'my-client',
    clientSecret: new Secret(SECRET),
    scope: 'kafka produce',
    subClaimName: 'sub',
    extensions: new Map(),
    connectTimeoutMs: 1000,
    readTimeoutMs: 1000,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 1000,
    ...overrides,
  })
}

describe('client credentials grant', () => {
  test('POST grant_type=client_credentials&scope=..., form content type, Basic client id:secret', async () => {
    reset((_req, res) =>
      json(res, 200, { access_token: jwt({ sub: 'svc-1', exp: EXP, iat: EXP - 3600 }), expires_in: 60 }),
    )
    const t = await source()()
    assert.equal(seen.length, 1)
    const req = seen[0]!
    assert.equal(req.method, 'POST')
    assert.equal(req.url, '/oauth2/token?tenant=x')
    assert.equal(req.body, 'grant_type=client_credentials&scope=kafka+produce')
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded')
    assert.equal(req.headers.accept, 'application/json')
    assert.equal(req.headers['cache-control'], 'no-cache')
    assert.equal(req.headers.authorization, `Basic ${Buffer.from(`my-client:${SECRET}`).toString('base64')}`)
    assert.equal(t.expiresAtMs, EXP * 1000, "the JWT's exp, not expires_in")
    assert.equal(t.startTimeMs, (EXP - 3600) * 1000)
    assert.equal(t.principal, 'svc-1')
  })

  test('no scope: grant_type only; an opaque token takes its expiry from expires_in', async () => {
    reset((_req, res) => json(res, 200, { access_token: 'opaque-abc', expires_in: 120 }))
    const before = Date.now()
    const t = await source({ scope: null })()
    assert.equal(seen[0]!.body, 'grant_type=client_credentials')
    assert.ok(t.expiresAtMs >= before + 120_000 && t.expiresAtMs <= Date.now() + 120_000)
    assert.equal(t.principal, null)
    assert.equal(t.value.reveal(), 'opaque-abc')
  })

  test('URL-encoding of the Basic credentials (sasl.oauthbearer.header.urlencode) and of the scope, as URLEncoder', () => {
    assert.equal(javaUrlEncode("a b*c~!'()é"), 'a+b*c%7E%21%27%28%29%C3%A9')
    assert.equal(
      basicAuthorization(' id ', new Secret('s:/+'), true),
      `Basic ${Buffer.from('id:s%3A%2F%2B').toString('base64')}`,
    )
  })

  test('sasl.oauthbearer.header.urlencode reaches the Basic header from the producer settings', async () => {
    reset((_req, res) => json(res, 200, { access_token: jwt({ sub: 'a', exp: EXP }) }))
    const settings = (urlencode: boolean) =>
      resolveConfig({
        bootstrapServers: 'localhost:9092',
        securityProtocol: 'SASL_SSL',
        saslMechanism: 'OAUTHBEARER',
        saslOauthbearerTokenEndpointUrl: `http://127.0.0.1:${port}/token`,
        saslOauthbearerClientCredentialsClientId: 'my client',
        saslOauthbearerClientCredentialsClientSecret: 's:/+',
        'sasl.oauthbearer.header.urlencode': urlencode,
      })
    await oauthTokenSource(settings(true))()
    await oauthTokenSource(settings(false))()
    assert.deepEqual(
      seen.map((r) => r.headers.authorization),
      [
        `Basic ${Buffer.from('my+client:s%3A%2F%2B').toString('base64')}`,
        `Basic ${Buffer.from('my client:s:/+').toString('base64')}`,
      ],
    )
  })

  test('500 twice, then a token: retried with backoff', async () => {
    let n = 0
    reset((_req, res) =>
      ++n <= 2
        ? json(res, 500, { error: 'server_error' })
        : json(res, 200, { access_token: jwt({ sub: 'a', exp: EXP }) }),
    )
    const t = await source()()
    assert.equal(seen.length, 3)
    assert.equal(t.principal, 'a')
  })

  test('401 fails at once with an AuthenticationError that shows the error, not the secret', async () => {
    reset((_req, res) => json(res, 401, { error: 'invalid_client', error_description: 'bad credentials' }))
    await assert.rejects(source()(), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError)
      assert.match(e.message, /HTTP 401/)
      assert.match(e.message, /invalid_client/)
      assert.match(e.message, /1 attempt\b/)
      assert.ok(e.message.includes(`http://127.0.0.1:${port}/oauth2/token`))
      assert.ok(!e.message.includes('tenant=x'), 'no query string')
      assert.ok(!e.message.includes(SECRET))
      assert.ok(!e.message.includes(Buffer.from(`my-client:${SECRET}`).toString('base64')))
      return true
    })
    assert.equal(seen.length, 1)
  })

  test("retries: waits doubling from retryBackoffMs, all within retryBackoffMaxMs of the first attempt (Java's Retry)", async () => {
    reset((_req, res) => json(res, 503, 'busy'))
    // A clock that only the waits move, so the schedule is exact whatever the machine's load.
    let clock = 0
    const waits: number[] = []
    const sleep = async (ms: number) => {
      waits.push(ms)
      clock += ms
    }
    await assert.rejects(
      source({ retryBackoffMs: 20, retryBackoffMaxMs: 200, now: () => clock, sleep })(),
      /after 5 attempts: the endpoint answered HTTP 503 busy/,
    )
    assert.deepEqual(waits, [20, 40, 80, 60])
    assert.equal(seen.length, 5)
  })

  test('a 200 without access_token fails at once, naming the fields, not their values', async () => {
    reset((_req, res) => json(res, 200, { id_token: 'eyJ-secret-id-token', token_type: 'Bearer' }))
    await assert.rejects(source()(), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError)
      assert.match(e.message, /no access_token \(its fields: id_token, token_type\)/)
      assert.ok(!e.message.includes('eyJ-secret-id-token'))
      return true
    })
    assert.equal(seen.length, 1)
  })

  test('a JWT without the sub claim is refused, as Java refuses it', async () => {
    reset((_req, res) => json(res, 200, { access_token: jwt({ client: 'a', exp: EXP }) }))
    await assert.rejects(source()(), /without a "sub" claim/)
    assert.equal(
      (await source({ subClaimName: 'client' })()).principal,
      'a',
      'sasl.oauthbearer.sub.claim.name',
    )
  })

  test('read timeout: an endpoint that never answers', async () => {
    reset(() => {})
    await assert.rejects(
      source({ readTimeoutMs: 100, retryBackoffMs: 50, retryBackoffMaxMs: 100 })(),
      (e: unknown) => {
        assert.ok(e instanceof AuthenticationError)
        assert.match(e.message, /sasl\.login\.read\.timeout\.ms \(100 ms\)/)
        return true
      },
    )
    assert.ok(seen.length >= 1)
  })

  test('a refused connection is retried, then reported', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const deadPort = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    await assert.rejects(
      source({ url: new URL(`http://127.0.0.1:${deadPort}/t`), retryBackoffMs: 10, retryBackoffMaxMs: 50 })(),
      /ECONNREFUSED/,
    )
  })
})

describe('token endpoint settings', () => {
  const base = {
    bootstrapServers: '127.0.0.1:9092',
    securityProtocol: 'SASL_PLAINTEXT',
    saslMechanism: 'OAUTHBEARER',
  } as const

  test('client id, secret, scope and extension_ options from the JAAS text', async () => {
    reset((_req, res) => json(res, 200, { access_token: jwt({ sub: 'svc', exp: EXP }) }))
    const t = await oauthTokenSource(
      resolveConfig({
        ...base,
        saslOauthbearerTokenEndpointUrl: `http://127.0.0.1:${port}/token`,
        saslJaasConfig: `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="jaas-id" clientSecret="${SECRET}" scope="s1" extension_logicalCluster="lkc-1";`,
      }),
    )()
    assert.equal(
      seen[0]!.headers.authorization,
      `Basic ${Buffer.from(`jaas-id:${SECRET}`).toString('base64')}`,
    )
    assert.equal(seen[0]!.body, 'grant_type=client_credentials&scope=s1')
    assert.deepEqual([...t.extensions], [['logicalCluster', 'lkc-1']])
  })

  test('client id and secret from the sasl.oauthbearer.client.credentials settings', async () => {
    reset((_req, res) => json(res, 200, { access_token: jwt({ sub: 'svc', exp: EXP }) }))
    await oauthTokenSource(
      resolveConfig({
        ...base,
        saslOauthbearerTokenEndpointUrl: `http://127.0.0.1:${port}/token`,
        saslOauthbearerClientCredentialsClientId: 'cfg-id',
        saslOauthbearerClientCredentialsClientSecret: SECRET,
        saslOauthbearerScope: 'a b',
      }),
    )()
    assert.equal(
      seen[0]!.headers.authorization,
      `Basic ${Buffer.from(`cfg-id:${SECRET}`).toString('base64')}`,
    )
    assert.equal(seen[0]!.body, 'grant_type=client_credentials&scope=a+b')
  })

  test('a missing client secret, or a URL of another protocol, is a ConfigError', () => {
    assert.throws(
      () =>
        oauthTokenSource(
          resolveConfig({
            ...base,
            saslOauthbearerTokenEndpointUrl: `http://127.0.0.1:${port}/token`,
            saslOauthbearerClientCredentialsClientId: 'id',
          }),
        ),
      (e: unknown) =>
        e instanceof ConfigError && e.option === 'sasl.oauthbearer.client.credentials.client.secret',
    )
    assert.throws(
      () =>
        oauthTokenSource(
          resolveConfig({
            ...base,
            saslOauthbearerTokenEndpointUrl: 'ftp://127.0.0.1/token',
            saslOauthbearerClientCredentialsClientId: 'id',
            saslOauthbearerClientCredentialsClientSecret: 's',
          }),
        ),
      /only http:, https: and file:/,
    )
  })

  test('file: a token file, read again at each fetch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-oauth-'))
    try {
      const file = join(dir, 'token.jwt')
      writeFileSync(file, `${jwt({ sub: 'one', exp: EXP })}\n`)
      const src = oauthTokenSource(
        resolveConfig({ ...base, saslOauthbearerTokenEndpointUrl: pathToFileURL(file).href }),
      )
      assert.equal((await src()).principal, 'one')
      writeFileSync(file, jwt({ sub: 'two', exp: EXP }))
      assert.equal((await src()).principal, 'two')
      writeFileSync(file, 'not a jwt')
      await assert.rejects(
        src(),
        (e: unknown) => e instanceof AuthenticationError && /not a bearer token/.test(e.message),
      )
      assert.throws(
        () =>
          oauthTokenSource(
            resolveConfig({
              ...base,
              saslOauthbearerTokenEndpointUrl: pathToFileURL(join(dir, 'none')).href,
            }),
          ),
        /does not exist/,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

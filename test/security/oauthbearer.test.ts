/**
 * The OAUTHBEARER client messages (RFC 7628, KIP-342), byte for byte as Java's
 * OAuthBearerClientInitialResponse writes them, and the error challenge path.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AuthenticationError, ConfigError } from '../../src/errors.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import type { OAuthToken } from '../../src/security/oauth/token.js'
import { saslFromSettings } from '../../src/security/sasl/from-settings.js'
import { initialResponse, OAuthBearerMechanism } from '../../src/security/sasl/oauthbearer.js'
import { Secret } from '../../src/security/secret.js'

const CTX = { host: '127.0.0.1', port: 9092, reauthentication: false }

function token(value: string, extensions: [string, string][] = []): OAuthToken {
  return {
    value: new Secret(value),
    expiresAtMs: Date.now() + 3_600_000,
    startTimeMs: null,
    principal: 'alice',
    extensions: new Map(extensions),
  }
}

function fixed(...tokens: OAuthToken[]): { current(): Promise<OAuthToken>; closed: boolean; close(): void } {
  let i = 0
  return {
    closed: false,
    current: async () => tokens[Math.min(i++, tokens.length - 1)]!,
    close() {
      this.closed = true
    },
  }
}

describe('OAUTHBEARER initial response', () => {
  test('without extensions: n,,^Aauth=Bearer <token>^A^A', () => {
    assert.equal(
      initialResponse(token('abc.def.ghi')).toString('latin1'),
      'n,,\x01auth=Bearer abc.def.ghi\x01\x01',
    )
  })

  test('with extensions, in order: each ^Aname=value before the closing ^A^A', () => {
    const bytes = initialResponse(
      token('abc.def.', [
        ['logicalCluster', 'lkc-123'],
        ['identityPoolId', 'pool 1'],
      ]),
    )
    assert.deepEqual(
      bytes,
      Buffer.from(
        'n,,\x01auth=Bearer abc.def.\x01logicalCluster=lkc-123\x01identityPoolId=pool 1\x01\x01',
        'latin1',
      ),
    )
  })

  test('the mechanism sends it first, then ends on an empty server message', async () => {
    const m = new OAuthBearerMechanism(fixed(token('t0k3n')))
    assert.equal(m.name, 'OAUTHBEARER')
    const step = await m.start(CTX)
    assert.deepEqual(await step(null), Buffer.from('n,,\x01auth=Bearer t0k3n\x01\x01'))
    assert.equal(await step(Buffer.alloc(0)), null)
  })

  test('each start() (a new connection or a re-authentication) asks for the current token', async () => {
    const m = new OAuthBearerMechanism(fixed(token('first'), token('second')))
    const a = await m.start(CTX)
    const b = await m.start({ ...CTX, reauthentication: true })
    assert.match((await a(null))!.toString(), /Bearer first/)
    assert.match((await b(null))!.toString(), /Bearer second/)
  })

  test('close() closes the token provider', () => {
    const p = fixed(token('x'))
    new OAuthBearerMechanism(p).close()
    assert.equal(p.closed, true)
  })
})

describe('OAUTHBEARER error challenge', () => {
  test('a JSON status is answered with ^A, then the exchange fails with an AuthenticationError showing it', async () => {
    const m = new OAuthBearerMechanism(fixed(token('secret-token-value')))
    const step = await m.start(CTX)
    await step(null)
    const status = '{"status":"invalid_token","scope":"kafka","openid-configuration":"http://127.0.0.1/x"}'
    const reply = await step(Buffer.from(status))
    assert.deepEqual(reply, Buffer.from([0x01]))
    await assert.rejects(
      async () => step(Buffer.alloc(0)),
      (e: unknown) => {
        assert.ok(e instanceof AuthenticationError)
        assert.ok(e.message.includes(status), e.message)
        assert.ok(e.message.includes('127.0.0.1:9092'))
        assert.ok(!e.message.includes('secret-token-value'))
        return true
      },
    )
  })

  test('a server message before the client speaks is refused', async () => {
    const step = await new OAuthBearerMechanism(fixed(token('x'))).start(CTX)
    assert.throws(() => step(Buffer.from('hello')), /spoke first/)
  })
})

describe('OAUTHBEARER settings', () => {
  const base = { bootstrapServers: '127.0.0.1:9092', securityProtocol: 'SASL_PLAINTEXT' } as const

  test('no token source: a ConfigError naming the three ways', () => {
    assert.throws(
      () => saslFromSettings(resolveConfig({ ...base, saslMechanism: 'OAUTHBEARER' })),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.includes('sasl.login.callback.handler.class') &&
        e.message.includes('sasl.oauthbearer.token.endpoint.url') &&
        e.message.includes('unsecuredLoginStringClaim_sub'),
    )
  })

  test('the sasl object with oauthBearerProvider, and sasl.login.callback.handler.class, build the mechanism', async () => {
    const provider = () => ({ value: 'tok', lifetimeMs: Date.now() + 60_000 })
    for (const m of [
      saslFromSettings(
        resolveConfig({ ...base, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: provider } }),
      ),
      saslFromSettings(
        resolveConfig({ ...base, saslMechanism: 'OAUTHBEARER', saslLoginCallbackHandlerClass: provider }),
      ),
    ]) {
      assert.ok(m instanceof OAuthBearerMechanism)
      const step = await m.start(CTX)
      assert.equal((await step(null))!.toString(), 'n,,\x01auth=Bearer tok\x01\x01')
      await m.close?.()
    }
  })

  test('a JAAS module for another mechanism names both', () => {
    assert.throws(
      () =>
        saslFromSettings(
          resolveConfig({
            ...base,
            saslMechanism: 'OAUTHBEARER',
            saslJaasConfig:
              'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="p4ss";',
          }),
        ),
      (e: unknown) =>
        e instanceof ConfigError &&
        /PlainLoginModule/.test(e.message) &&
        /OAuthBearerLoginModule/.test(e.message) &&
        !e.message.includes('p4ss'),
    )
  })

  test('clientId in JAAS without a token endpoint is a ConfigError', () => {
    assert.throws(
      () =>
        saslFromSettings(
          resolveConfig({
            ...base,
            saslMechanism: 'OAUTHBEARER',
            saslJaasConfig:
              'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="c" clientSecret="s3";',
          }),
        ),
      (e: unknown) => e instanceof ConfigError && e.option === 'sasl.oauthbearer.token.endpoint.url',
    )
  })
})

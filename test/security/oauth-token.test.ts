/**
 * OAuth tokens: the callback source (lifetime from lifetimeMs or the JWT's exp), Java's unsecured
 * login token, and the refreshing token with ExpiringCredentialRefreshingLogin's timing rules,
 * on a fake clock.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AuthenticationError, ConfigError } from '../../src/errors.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import { callbackTokenSource } from '../../src/security/oauth/callback.js'
import { decodeJwtClaims } from '../../src/security/oauth/jwt.js'
import {
  RefreshingToken,
  type RefreshSettings,
  type RefreshTimers,
  refreshAtMs,
} from '../../src/security/oauth/refreshing.js'
import { oauthTokenSource } from '../../src/security/oauth/settings.js'
import type { OAuthToken, TokenSource } from '../../src/security/oauth/token.js'
import { unsecuredToken } from '../../src/security/oauth/unsecured.js'
import { Secret } from '../../src/security/secret.js'

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
const jwt = (claims: Record<string, unknown>): string =>
  `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2ln`

const JAVA: RefreshSettings = {
  windowFactor: 0.8,
  windowJitter: 0.05,
  minPeriodSeconds: 60,
  bufferSeconds: 300,
}
const HOUR = 3_600_000

function tokenOf(expiresAtMs: number, startTimeMs: number | null = null, value = 'v'): OAuthToken {
  return { value: new Secret(value), expiresAtMs, startTimeMs, principal: 'p', extensions: new Map() }
}

describe('callback tokens', () => {
  const source = (cb: () => unknown) =>
    callbackTokenSource(cb as never, { setting: 'sasl.login.callback.handler.class', subClaimName: 'sub' })

  test('lifetime, start and principal from the JWT when the callback gives only the value', async () => {
    const t = await source(() => ({
      value: jwt({ sub: 'alice', exp: 2_000_000_000, iat: 1_999_990_000.5 }),
    }))()
    assert.equal(t.expiresAtMs, 2_000_000_000_000)
    assert.equal(t.startTimeMs, 1_999_990_000_500)
    assert.equal(t.principal, 'alice')
  })

  test('lifetimeMs, principalName, startTimeMs and extensions win over the claims', async () => {
    const t = await source(async () => ({
      value: jwt({ sub: 'alice', exp: 2_000_000_000 }),
      lifetimeMs: 1_900_000_000_000,
      principalName: 'bob',
      startTimeMs: 1_800_000_000_000,
      extensions: { logicalCluster: 'lkc-1' },
    }))()
    assert.equal(t.expiresAtMs, 1_900_000_000_000)
    assert.equal(t.principal, 'bob')
    assert.equal(t.startTimeMs, 1_800_000_000_000)
    assert.deepEqual([...t.extensions], [['logicalCluster', 'lkc-1']])
  })

  test('an opaque token with lifetimeMs is fine; without it, a clear AuthenticationError', async () => {
    const t = await source(() => ({ value: 'opaque-token', lifetimeMs: 1_900_000_000_000 }))()
    assert.equal(t.principal, null)
    await assert.rejects(source(() => ({ value: 'opaque-token' }))(), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError)
      assert.match(e.message, /no lifetimeMs.*not a JWT.*Return lifetimeMs/)
      assert.ok(!e.message.includes('opaque-token'))
      return true
    })
    await assert.rejects(source(() => ({ value: jwt({ sub: 'a' }) }))(), /no "exp" claim/)
    await assert.rejects(source(() => ({ value: `${b64({ alg: 'x' })}.AAAA.` }))(), /not JSON/)
  })

  test('bad values, bad extensions and a throwing callback are AuthenticationErrors', async () => {
    await assert.rejects(source(() => ({ value: '' }))(), AuthenticationError)
    await assert.rejects(source(() => ({ value: 'has space', lifetimeMs: 1 }))(), /not a bearer token/)
    await assert.rejects(
      source(() => ({ value: 'v', lifetimeMs: 2_000_000_000_000, extensions: { auth: 'x' } }))(),
      /reserved/,
    )
    await assert.rejects(
      source(() => {
        throw new Error('idp down')
      })(),
      (e: unknown) => e instanceof AuthenticationError && /idp down/.test(e.message),
    )
  })

  test('a lifetimeMs that reads as a duration is refused with a hint', async () => {
    await assert.rejects(source(() => ({ value: 'v', lifetimeMs: 3_600_000 }))(), /reads as a duration/)
  })

  test('an already expired token is an AuthenticationError when fetched', async () => {
    const tokens = new RefreshingToken(
      source(() => ({ value: jwt({ sub: 'a', exp: 1_000 }) })),
      JAVA,
    )
    await assert.rejects(
      tokens.current(),
      (e: unknown) => e instanceof AuthenticationError && /expired/.test(e.message),
    )
    tokens.close()
  })
})

describe("Java's unsecured login token", () => {
  test('header {"alg":"none"}, claims exp, iat and the options, empty signature', () => {
    const options = new Map([
      ['unsecuredLoginStringClaim_sub', 'alice'],
      ['unsecuredLoginNumberClaim_n', '1.5'],
      ['unsecuredLoginListClaim_scope', ',read,write'],
      ['unsecuredLoginLifetimeSeconds', '600'],
      ['unsecuredLoginExtension_traceId', 'abc'],
      ['unrelated', 'ignored'],
    ])
    const now = 1_700_000_000_123
    const t = unsecuredToken(options, now)
    const [header, claims, signature] = t.value.reveal().split('.')
    assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString()), { alg: 'none' })
    assert.equal(signature, '')
    const decoded = JSON.parse(Buffer.from(claims!, 'base64url').toString())
    assert.deepEqual(Object.keys(decoded), ['exp', 'iat', 'sub', 'n', 'scope'])
    assert.equal(decoded.iat, now / 1000)
    assert.equal(decoded.exp, now / 1000 + 600)
    assert.equal(decoded.sub, 'alice')
    assert.equal(decoded.n, 1.5)
    assert.deepEqual(decoded.scope, ['read', 'write'])
    assert.equal(t.expiresAtMs, now + 600_000)
    assert.equal(t.startTimeMs, now)
    assert.equal(t.principal, 'alice')
    assert.deepEqual([...t.extensions], [['traceId', 'abc']])
    assert.deepEqual(decodeJwtClaims(t.value.reveal()), decoded)
  })

  test('default lifetime 3600 s; another principal claim name', () => {
    const t = unsecuredToken(
      new Map([
        ['unsecuredLoginPrincipalClaimName', 'user'],
        ['unsecuredLoginStringClaim_user', 'bob'],
      ]),
      0,
    )
    assert.equal(t.expiresAtMs, 3_600_000)
    assert.equal(t.principal, 'bob')
  })

  test('refused as Java refuses: no principal, iat/exp set, bad numbers, extensions alone', () => {
    for (const options of [
      [['unsecuredLoginStringClaim_other', 'x']],
      [
        ['unsecuredLoginStringClaim_sub', 'a'],
        ['unsecuredLoginNumberClaim_exp', '5'],
      ],
      [
        ['unsecuredLoginStringClaim_sub', 'a'],
        ['unsecuredLoginNumberClaim_n', 'five'],
      ],
      [
        ['unsecuredLoginStringClaim_sub', 'a'],
        ['unsecuredLoginLifetimeSeconds', '1.5'],
      ],
      [['unsecuredLoginExtension_x', 'y']],
      [
        ['unsecuredLoginStringClaim_sub', 'a'],
        ['unsecuredLoginExtension_bad_name', 'y'],
      ],
    ] as [string, string][][]) {
      assert.throws(() => unsecuredToken(new Map(options), 0), ConfigError, JSON.stringify(options))
    }
  })

  test('sasl.jaas.config with unsecuredLogin options is the token source when nothing else is set', async () => {
    const c = resolveConfig({
      bootstrapServers: '127.0.0.1:9092',
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanism: 'OAUTHBEARER',
      saslJaasConfig:
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="svc";',
    })
    const t = await oauthTokenSource(c)()
    assert.equal(t.principal, 'svc')
    assert.ok(t.value.reveal().endsWith('.'))
  })
})

describe('refresh time (ExpiringCredentialRefreshingLogin.refreshMs)', () => {
  const now = 1_000_000_000_000

  test('windowFactor + jitter of the lifetime, from the start time', () => {
    assert.equal(refreshAtMs(now, tokenOf(now + HOUR), JAVA, 0), now + 0.8 * HOUR)
    assert.equal(refreshAtMs(now, tokenOf(now + HOUR), JAVA, 0.5), now + Math.trunc(0.825 * HOUR))
    assert.equal(refreshAtMs(now, tokenOf(now + HOUR, now - HOUR), JAVA, 0), now + 0.6 * HOUR)
  })

  test('no later than bufferSeconds before expiry', () => {
    // 0.8 of 1000 s is 800 s, past 1000 - 300.
    assert.equal(refreshAtMs(now, tokenOf(now + 1_000_000), JAVA, 0), now + 700_000)
  })

  test('no sooner than minPeriodSeconds from now', () => {
    // Issued long ago: 0.8 of its lifetime is in the past.
    assert.equal(refreshAtMs(now, tokenOf(now + HOUR, now - 10 * HOUR), JAVA, 0), now + 60_000)
  })

  test('a lifetime shorter than both limits: that fraction of the time left', () => {
    assert.equal(refreshAtMs(now, tokenOf(now + 300_000), JAVA, 0), now + 240_000)
    assert.equal(
      refreshAtMs(now, tokenOf(now + 300_000, now - 1_000_000), JAVA, 1),
      now + Math.trunc(0.85 * 300_000),
    )
  })

  test('an expired token: again in 10 s', () => {
    assert.equal(refreshAtMs(now, tokenOf(now - 1), JAVA, 0), now + 10_000)
  })
})

class FakeTimers implements RefreshTimers {
  t = 1_000_000_000_000
  readonly pending = new Map<number, { at: number; fn: () => void }>()
  #id = 0
  now(): number {
    return this.t
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#id
    this.pending.set(id, { at: this.t + ms, fn })
    return id
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number)
  }
  /** Moves the clock, firing due timers in order and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms
    for (;;) {
      const due = [...this.pending].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (due === undefined) break
      this.pending.delete(due[0])
      this.t = Math.max(this.t, due[1].at)
      due[1].fn()
      for (let i = 0; i < 20; i++) await Promise.resolve()
    }
    this.t = end
  }
}

describe('RefreshingToken', () => {
  function setup(results: (OAuthToken | Error)[]) {
    const timers = new FakeTimers()
    let calls = 0
    const source: TokenSource = async () => {
      const r = results[Math.min(calls++, results.length - 1)]!
      if (r instanceof Error) throw r
      return r
    }
    const errors: Error[] = []
    const tokens = new RefreshingToken(source, JAVA, {
      timers,
      random: () => 0,
      onRefreshError: (e) => errors.push(e),
    })
    return { timers, tokens, errors, calls: () => calls }
  }

  test('the first token is fetched lazily, then refreshed in the background at 80% of its lifetime', async () => {
    const t0 = 1_000_000_000_000
    const s = setup([tokenOf(t0 + HOUR, t0, 'one'), tokenOf(t0 + 2 * HOUR, null, 'two')])
    assert.equal(s.calls(), 0, 'nothing fetched before the first connection')
    assert.equal((await s.tokens.current()).value.reveal(), 'one')
    assert.equal(s.tokens.nextRefreshAtMs, t0 + 0.8 * HOUR)
    assert.equal((await s.tokens.current()).value.reveal(), 'one', 'cached')
    assert.equal(s.calls(), 1)
    await s.timers.advance(0.8 * HOUR - 1)
    assert.equal(s.calls(), 1)
    await s.timers.advance(1)
    assert.equal(s.calls(), 2)
    assert.equal((await s.tokens.current()).value.reveal(), 'two')
    s.tokens.close()
  })

  test('a failed refresh keeps the old token until it expires and retries every 10 s', async () => {
    const t0 = 1_000_000_000_000
    const s = setup([
      tokenOf(t0 + HOUR, t0, 'old'),
      new Error('idp down'),
      new Error('idp down'),
      tokenOf(t0 + 3 * HOUR, null, 'new'),
    ])
    await s.tokens.current()
    await s.timers.advance(0.8 * HOUR)
    assert.equal(s.calls(), 2)
    assert.equal(s.errors.length, 1)
    assert.ok(s.errors[0] instanceof AuthenticationError)
    assert.equal((await s.tokens.current()).value.reveal(), 'old', 'the old token stays in use')
    assert.equal(s.tokens.nextRefreshAtMs, s.timers.now() + 10_000)
    await s.timers.advance(10_000)
    assert.equal(s.calls(), 3)
    assert.equal((await s.tokens.current()).value.reveal(), 'old')
    await s.timers.advance(10_000)
    assert.equal(s.calls(), 4)
    assert.equal((await s.tokens.current()).value.reveal(), 'new')
    s.tokens.close()
  })

  test('once the old token expires, a connection fetches for itself and fails clearly', async () => {
    const t0 = 1_000_000_000_000
    const s = setup([tokenOf(t0 + 400_000, t0, 'old'), new Error('idp down')])
    await s.tokens.current()
    await s.timers.advance(400_000)
    await assert.rejects(
      s.tokens.current(),
      (e: unknown) => e instanceof AuthenticationError && /idp down/.test(e.message),
    )
    s.tokens.close()
  })

  test('concurrent connections share one fetch; close() stops the timer', async () => {
    const s = setup([tokenOf(1_000_000_000_000 + HOUR)])
    const [a, b] = await Promise.all([s.tokens.current(), s.tokens.current()])
    assert.equal(a, b)
    assert.equal(s.calls(), 1)
    assert.equal(s.timers.pending.size, 1)
    s.tokens.close()
    assert.equal(s.timers.pending.size, 0)
    await assert.rejects(s.tokens.current(), AuthenticationError)
  })

  test('the real timer is unref’d: a pending refresh does not hold the process open', async () => {
    const tokens = new RefreshingToken(async () => tokenOf(Date.now() + HOUR), JAVA)
    await tokens.current()
    assert.ok(tokens.nextRefreshAtMs !== null)
    tokens.close()
    assert.equal(tokens.nextRefreshAtMs, null)
  })
})

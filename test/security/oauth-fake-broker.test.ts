/**
 * OAUTHBEARER end to end against the in-process fake broker: the Producer authenticates with
 * tokens from its callback, re-authenticates (KIP-368) with the refreshed token, and fails with
 * the broker's error status when its token is refused.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { AuthenticationError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'

describe('OAUTHBEARER with the fake broker', () => {
  test('produces; re-authenticates with the refreshed token when the session ends', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const expiry = new Map<string, number>()
    let issued = 0
    const refusedExpired: string[] = []
    const cluster = await startFakeCluster({
      topics: [{ name: 't', partitions: 1 }],
      sasl: {
        users: {},
        sessionLifetimeMs: 1000,
        oauthBearer: (token, extensions) => {
          const exp = expiry.get(token)
          if (exp === undefined) return 'invalid_token'
          if (exp <= Date.now()) {
            refusedExpired.push(token)
            return 'invalid_token'
          }
          return extensions.traceId === 'e2e' ? null : 'invalid_request'
        },
      },
    })
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanism: 'OAUTHBEARER',
      // Tokens of 6 s: refreshed at 80-85% of that (the lifetime is below min period + buffer), so
      // the re-authentications before the refresh still have ~1 s of tok-1 left on a loaded machine.
      saslLoginCallbackHandlerClass: async () => {
        const value = `tok-${++issued}`
        const lifetimeMs = Date.now() + 6_000
        expiry.set(value, lifetimeMs)
        return { value, lifetimeMs, extensions: { traceId: 'e2e' } }
      },
    })
    try {
      await producer.send({ topic: 't', value: 'first' })
      const sasl = cluster.broker(0).sasl!
      assert.deepEqual(sasl.oauthTokens, ['tok-1'])
      assert.equal(sasl.authentications, 1)
      // Keep producing until a re-authentication has used a refreshed token.
      const deadline = Date.now() + 20_000
      let n = 0
      while (!(sasl.reauthentications > 0 && sasl.oauthTokens.slice(1).some((t) => t !== 'tok-1'))) {
        assert.ok(
          Date.now() < deadline,
          `no re-authentication with a new token: ${sasl.oauthTokens.join(', ')}`,
        )
        await producer.send({ topic: 't', value: `v${++n}` })
        await sleep(100)
      }
      await producer.send({ topic: 't', value: 'after' })
      assert.ok(issued >= 2, 'the callback was asked again in the background')
      assert.deepEqual(refusedExpired, [], 'no expired token was ever sent')
      assert.equal(sasl.failures, 0)
    } finally {
      await producer.close()
      await cluster.close()
    }
  })

  test('a refused token: the send fails with an AuthenticationError showing the status', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({
      topics: [{ name: 't', partitions: 1 }],
      sasl: { users: {}, oauthBearer: () => 'invalid_token' },
    })
    const producer = new Producer({
      ...QUICK,
      maxBlockMs: 2_000,
      bootstrapServers: cluster.bootstrapServers,
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanism: 'OAUTHBEARER',
      saslJaasConfig:
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";',
    })
    try {
      await assert.rejects(producer.send({ topic: 't', value: 'x' }), (e: unknown) => {
        const err = e instanceof AuthenticationError ? e : (e as Error).cause
        assert.ok(err instanceof AuthenticationError, `an AuthenticationError, got ${e}`)
        assert.match(err.message, /\{"status":"invalid_token"\}/)
        return true
      })
      const sasl = cluster.broker(0).sasl!
      assert.ok(sasl.failures >= 1)
      // The unsecured token: {"alg":"none"}, sub alice, empty signature.
      const [header, claims, signature] = sasl.oauthTokens[0]!.split('.')
      assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString()), { alg: 'none' })
      assert.equal(JSON.parse(Buffer.from(claims!, 'base64url').toString()).sub, 'alice')
      assert.equal(signature, '')
    } finally {
      await producer.close()
      await cluster.close()
    }
  })
})

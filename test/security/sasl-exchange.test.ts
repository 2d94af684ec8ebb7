/**
 * SASL through the Producer against the fake broker's SASL listener: PLAIN with the kafkajs-style
 * `sasl` object and with a mechanism object of the user's, refusals (wrong password, a mechanism
 * the broker does not enable, a broker without SASL) failing the record at once with an
 * AuthenticationError that never shows the password, and Kafka 0.10's framing (SaslHandshake v0,
 * raw tokens).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { inspect } from 'node:util'
import { AuthenticationError, type KafkaError, NetworkError } from '../../src/errors.js'
import { FrameDecoder } from '../../src/network/frame-decoder.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'
import { SaslAuthenticate } from '../../src/protocol/messages/sasl-authenticate.js'
import { SaslHandshake } from '../../src/protocol/messages/sasl-handshake.js'
import { runSaslExchange, type SaslTransport } from '../../src/security/sasl/exchange.js'
import type { SaslMechanism } from '../../src/security/sasl/mechanism.js'
import { type FakeCluster, startFakeCluster } from '../fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from '../faults/support.js'

const PASSWORD = 'Corr3ct-Horse-Battery'
const WRONG = 'Wr0ng-Staple-Secret-Xy'
const USERS = { alice: PASSWORD }

/** Long enough that a refusal reported as a metadata timeout would fail the test by its timeout. */
const SLOW_METADATA = { maxBlockMs: 120_000, deliveryTimeoutMs: 120_000 }

async function withCluster(
  options: Parameters<typeof startFakeCluster>[0],
  body: (cluster: FakeCluster) => Promise<void>,
): Promise<void> {
  const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 2 }], ...options })
  try {
    await body(cluster)
  } finally {
    await cluster.close()
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e as Error,
  )
}

function assertHidden(secret: string, ...things: unknown[]): void {
  for (const thing of things) {
    const views =
      thing instanceof Error
        ? [thing.message, String(thing.stack), JSON.stringify(thing), inspect(thing, { depth: 20 })]
        : [inspect(thing, { depth: 20, showHidden: true }), String(thing)]
    for (const v of views) assert.ok(!v.includes(secret), `the secret shows in: ${v.slice(0, 400)}`)
  }
}

describe('SASL/PLAIN through the Producer', () => {
  test('records are acknowledged on an authenticated connection', { timeout: TEST_TIMEOUT }, async () => {
    await withCluster({ sasl: { users: USERS } }, async (cluster) => {
      const producer = new Producer({
        ...QUICK,
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
      })
      try {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            producer.send({ topic: 't', partition: i % 2, value: `v${i}` }),
          ),
        )
        assert.equal(results.length, 20)
        assert.deepEqual(
          cluster.log('t', 0).map((r) => r.value?.toString()),
          ['v0', 'v2', 'v4', 'v6', 'v8', 'v10', 'v12', 'v14', 'v16', 'v18'],
        )
        const sasl = cluster.broker(0).sasl!
        assert.ok(sasl.authentications >= 1)
        assert.equal(sasl.failures, 0)
        assert.deepEqual(cluster.broker(0).protocolErrors, [])
        const m = producer.metrics()
        assert.equal(m['successful-authentication-total'], m['connection-creation-total'])
        assert.equal(m['failed-authentication-total'], 0)
        // The first requests of every connection: ApiVersions, then the SASL exchange.
        const byConnection = new Map<number, number[]>()
        for (const r of cluster.requests)
          byConnection.set(r.connectionId, [...(byConnection.get(r.connectionId) ?? []), r.apiKey])
        for (const keys of byConnection.values())
          assert.deepEqual(keys.slice(0, 3), [
            ApiKey.ApiVersions,
            ApiKey.SaslHandshake,
            ApiKey.SaslAuthenticate,
          ])
        assertHidden(PASSWORD, producer)
      } finally {
        await producer.close()
      }
    })
  })

  test('Java-style names: security.protocol and sasl as dotted settings with the object', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster({ sasl: { users: USERS } }, async (cluster) => {
      const producer = new Producer({
        ...QUICK,
        'bootstrap.servers': cluster.bootstrapServers,
        'security.protocol': 'sasl_plaintext',
        sasl: { mechanism: 'PLAIN', username: 'alice', password: PASSWORD },
      })
      try {
        await producer.send({ topic: 't', partition: 0, value: 'x' })
      } finally {
        await producer.close()
      }
    })
  })

  test('a wrong password: AuthenticationError SASL_AUTHENTICATION_FAILED at once, the password nowhere', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster({ sasl: { users: USERS } }, async (cluster) => {
      const producer = new Producer({
        ...QUICK,
        ...SLOW_METADATA,
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'plain', username: 'alice', password: WRONG },
      })
      try {
        const err = await rejection(producer.send({ topic: 't', partition: 0, value: 'x' }))
        assert.ok(err instanceof AuthenticationError, `${err.name}: ${err.message}`)
        assert.equal((err as KafkaError).code, 'SASL_AUTHENTICATION_FAILED')
        assert.equal((err as KafkaError).retriable, false)
        assert.match(err.message, new RegExp(cluster.broker(0).address.replace('.', '\\.')))
        assert.match(err.message, /Invalid username or password/)
        assertHidden(WRONG, err, producer)
        assertHidden(PASSWORD, err, producer)
        assert.equal(producer.metrics()['failed-authentication-total'], 1)
        assert.equal(cluster.broker(0).sasl!.failures, 1)
        assert.deepEqual(cluster.broker(0).protocolErrors, [], 'no request was sent before authentication')
        // A later record asks again (after the reconnect backoff) and fails the same way.
        const again = await rejection(producer.send({ topic: 't', partition: 0, value: 'y' }))
        assert.equal((again as KafkaError).code, 'SASL_AUTHENTICATION_FAILED')
        assert.equal(cluster.log('t', 0).length, 0)
      } finally {
        await producer.close()
      }
    })
  })

  test('an unknown user fails the same way as a wrong password', { timeout: TEST_TIMEOUT }, async () => {
    await withCluster({ sasl: { users: USERS } }, async (cluster) => {
      const producer = new Producer({
        ...QUICK,
        ...SLOW_METADATA,
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'plain', username: 'mallory', password: PASSWORD },
      })
      try {
        const err = await rejection(producer.send({ topic: 't', value: 'x' }))
        assert.equal((err as KafkaError).code, 'SASL_AUTHENTICATION_FAILED')
      } finally {
        await producer.close()
      }
    })
  })

  test("a mechanism the broker does not enable: UNSUPPORTED_SASL_MECHANISM listing the broker's", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster({ sasl: { users: USERS } }, async (cluster) => {
      cluster.broker(0).sasl!.mechanisms = ['PLAIN', 'SCRAM-SHA-512']
      const producer = new Producer({
        ...QUICK,
        ...SLOW_METADATA,
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD },
      })
      try {
        const err = await rejection(producer.send({ topic: 't', value: 'x' }))
        assert.ok(err instanceof AuthenticationError, `${err.name}: ${err.message}`)
        assert.equal((err as KafkaError).code, 'UNSUPPORTED_SASL_MECHANISM')
        assert.match(err.message, /SCRAM-SHA-256/)
        assert.match(err.message, /enables PLAIN, SCRAM-SHA-512/)
        assertHidden(PASSWORD, err, producer)
      } finally {
        await producer.close()
      }
    })
  })

  for (const form of ['sasl.mechanism', 'sasl'] as const) {
    test(`a mechanism object of the user's (${form}: { name: 'PLAIN', start })`, {
      timeout: TEST_TIMEOUT,
    }, async () => {
      await withCluster({ sasl: { users: USERS } }, async (cluster) => {
        const contexts: unknown[] = []
        let closed = 0
        const mine: SaslMechanism = {
          name: 'PLAIN',
          start(context) {
            contexts.push(context)
            let sent = false
            return async (server) => {
              if (sent) {
                assert.equal(server?.length, 0)
                return null
              }
              sent = true
              return Buffer.from(`\0alice\0${PASSWORD}`)
            }
          },
          close() {
            closed++
          },
        }
        const producer = new Producer({
          ...QUICK,
          bootstrapServers: cluster.bootstrapServers,
          securityProtocol: 'SASL_PLAINTEXT',
          ...(form === 'sasl' ? { sasl: mine } : { saslMechanism: mine }),
        })
        try {
          await producer.send({ topic: 't', partition: 1, value: 'mine' })
          assert.deepEqual(contexts[0], {
            host: '127.0.0.1',
            port: cluster.broker(0).port,
            reauthentication: false,
          })
        } finally {
          await producer.close()
        }
        assert.equal(closed, 1, "the mechanism's close() runs when the producer closes")
      })
    })
  }

  test("a user's mechanism that throws: AuthenticationError with its error as the cause", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster({ sasl: { users: USERS } }, async (cluster) => {
      const cause = new Error('token service unavailable')
      const producer = new Producer({
        ...QUICK,
        ...SLOW_METADATA,
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SASL_PLAINTEXT',
        saslMechanism: {
          name: 'PLAIN',
          start: () => () => {
            throw cause
          },
        },
      })
      try {
        const err = await rejection(producer.send({ topic: 't', value: 'x' }))
        assert.ok(err instanceof AuthenticationError, `${err.name}: ${err.message}`)
        assert.equal(err.cause, cause)
        assert.match(err.message, /token service unavailable/)
      } finally {
        await producer.close()
      }
    })
  })

  test('SASL_PLAINTEXT to a broker without SASL: a clear AuthenticationError at once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster({}, async (cluster) => {
      const producer = new Producer({
        ...QUICK,
        ...SLOW_METADATA,
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
      })
      try {
        const err = await rejection(producer.send({ topic: 't', value: 'x' }))
        assert.ok(err instanceof AuthenticationError, `${err.name}: ${err.message}`)
        assert.match(err.message, /does not offer SASL/)
        assert.match(err.message, /security\.protocol/)
        assertHidden(PASSWORD, err)
      } finally {
        await producer.close()
      }
    })
  })

  test('SaslHandshake v0 (no SaslAuthenticate): the token goes as a raw frame, records acknowledged', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster(
      {
        sasl: { users: USERS },
        apiVersions: { [SaslHandshake.apiKey]: { min: 0, max: 0 }, [SaslAuthenticate.apiKey]: null },
      },
      async (cluster) => {
        const producer = new Producer({
          ...QUICK,
          bootstrapServers: cluster.bootstrapServers,
          securityProtocol: 'SASL_PLAINTEXT',
          sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
        })
        try {
          await Promise.all(
            [0, 1, 2, 3].map((i) => producer.send({ topic: 't', partition: i % 2, value: `raw${i}` })),
          )
          assert.ok(cluster.broker(0).sasl!.authentications >= 1)
          assert.ok(cluster.requests.some((r) => r.apiKey === ApiKey.SaslHandshake && r.apiVersion === 0))
          assert.ok(!cluster.requests.some((r) => r.apiKey === ApiKey.SaslAuthenticate))
          assert.deepEqual(cluster.broker(0).protocolErrors, [])
        } finally {
          await producer.close()
        }
      },
    )
  })

  test('SaslHandshake v0 with a wrong password: the broker closes; an AuthenticationError, not a retry loop', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster(
      {
        sasl: { users: USERS },
        apiVersions: { [SaslHandshake.apiKey]: { min: 0, max: 0 }, [SaslAuthenticate.apiKey]: null },
      },
      async (cluster) => {
        const producer = new Producer({
          ...QUICK,
          ...SLOW_METADATA,
          bootstrapServers: cluster.bootstrapServers,
          securityProtocol: 'SASL_PLAINTEXT',
          sasl: { mechanism: 'plain', username: 'alice', password: WRONG },
        })
        try {
          const err = await rejection(producer.send({ topic: 't', value: 'x' }))
          assert.ok(err instanceof AuthenticationError, `${err.name}: ${err.message}`)
          assert.match(err.message, /closed the connection during SASL authentication/)
          assertHidden(WRONG, err)
        } finally {
          await producer.close()
        }
      },
    )
  })

  test('SaslHandshake v1 with SaslAuthenticate v0: no session lifetime, no re-authentication', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster(
      {
        sasl: { users: USERS, sessionLifetimeMs: 1_000 },
        apiVersions: { [SaslAuthenticate.apiKey]: { min: 0, max: 0 } },
      },
      async (cluster) => {
        const producer = new Producer({
          ...QUICK,
          bootstrapServers: cluster.bootstrapServers,
          securityProtocol: 'SASL_PLAINTEXT',
          sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
        })
        try {
          await producer.send({ topic: 't', value: 'a' })
          assert.ok(cluster.requests.some((r) => r.apiKey === ApiKey.SaslAuthenticate && r.apiVersion === 0))
          assert.equal(cluster.broker(0).sasl!.reauthentications, 0)
        } finally {
          await producer.close()
        }
      },
    )
  })
})

describe('connection setup deadline', () => {
  test('a broker that never answers SaslAuthenticate: the setup fails by socket.connection.setup.timeout.ms', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await withCluster({ sasl: { users: USERS } }, async (cluster) => {
      cluster.addRule({ apiKey: ApiKey.SaslAuthenticate, noResponse: true })
      const producer = new Producer({
        ...QUICK,
        maxBlockMs: 1_500,
        socketConnectionSetupTimeoutMs: 200,
        socketConnectionSetupTimeoutMaxMs: 200,
        requestTimeoutMs: 60_000,
        deliveryTimeoutMs: 60_000,
        bootstrapServers: cluster.bootstrapServers,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
      })
      try {
        const err = await rejection(producer.send({ topic: 't', value: 'x' }))
        // Not an AuthenticationError: a broker that is slow to answer may answer next time.
        assert.ok(!(err instanceof AuthenticationError), err.message)
        assert.match(err.message, /socket\.connection\.setup\.timeout\.ms/)
        assert.ok(cluster.broker(0).connectionCount >= 2, 'the setup was tried again')
        assert.equal(
          producer.metrics()['failed-authentication-total'],
          0,
          'a timeout is no failed authentication (Java)',
        )
      } finally {
        await producer.close()
      }
    })
  })
})

describe('runSaslExchange against a scripted broker', () => {
  function transport(answers: { handshake: { errorCode: number; mechanisms: string[] } }): SaslTransport {
    return {
      address: 'broker-1:9092',
      versionOf: (api) => (api.apiKey === SaslHandshake.apiKey ? 1 : 2),
      supports: () => true,
      send: async <_Req, Res>() => answers.handshake as Res,
      sendRaw: async () => Buffer.alloc(0),
      closedByBroker: false,
    }
  }
  const plain: SaslMechanism = { name: 'PLAIN', start: () => () => Buffer.from('x') }

  test('ILLEGAL_SASL_STATE on the handshake (a listener without SASL): the hint names security.protocol', async () => {
    const err = await rejection(
      runSaslExchange(
        transport({ handshake: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] } }),
        plain,
        {
          host: 'broker-1',
          port: 9092,
          reauthentication: false,
        },
      ),
    )
    assert.ok(err instanceof AuthenticationError)
    assert.equal((err as KafkaError).code, 'ILLEGAL_SASL_STATE')
    assert.match(err.message, /broker-1:9092/)
    assert.match(err.message, /security\.protocol/)
  })

  test('UNSUPPORTED_SASL_MECHANISM with no mechanisms enabled says none', async () => {
    const err = await rejection(
      runSaslExchange(
        transport({ handshake: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [] } }),
        plain,
        { host: 'broker-1', port: 9092, reauthentication: false },
      ),
    )
    assert.equal((err as KafkaError).code, 'UNSUPPORTED_SASL_MECHANISM')
    assert.match(err.message, /enables none/)
  })

  test('v0: a connection the broker closed after the raw token is a refusal; one closed here stays a NetworkError', async () => {
    for (const closedByBroker of [true, false]) {
      const t: SaslTransport = {
        address: 'broker-1:9092',
        versionOf: () => 0,
        supports: (api) => api.apiKey === SaslHandshake.apiKey,
        send: async <_Req, Res>() => ({ errorCode: 0, mechanisms: ['PLAIN'] }) as Res,
        sendRaw: async () => {
          throw new NetworkError('connection to broker-1:9092 was closed')
        },
        closedByBroker,
      }
      const err = await rejection(
        runSaslExchange(t, plain, { host: 'broker-1', port: 9092, reauthentication: false }),
      )
      assert.equal(err instanceof AuthenticationError, closedByBroker, err.message)
      assert.equal(err instanceof NetworkError, !closedByBroker, err.message)
    }
  })
})

describe('FrameDecoder and empty frames (the raw answer to a SASL v0 token)', () => {
  test('an empty frame at the end of a chunk, alone, or between frames', () => {
    const frames: string[] = []
    const d = new FrameDecoder(1024)
    const sized = (body: string) => {
      const b = Buffer.alloc(4 + body.length)
      b.writeInt32BE(body.length, 0)
      b.write(body, 4)
      return b
    }
    d.push(sized(''), (f) => frames.push(f.toString()))
    d.push(Buffer.concat([sized('ab'), sized('')]), (f) => frames.push(f.toString()))
    d.push(Buffer.concat([sized(''), sized('c')]), (f) => frames.push(f.toString()))
    assert.deepEqual(frames, ['', 'ab', '', '', 'c'])
  })
})

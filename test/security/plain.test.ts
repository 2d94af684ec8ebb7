/** SASL/PLAIN (RFC 4616) as Kafka's PlainSaslClient sends it: one message, empty authzid. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { inspect } from 'node:util'
import { PlainMechanism } from '../../src/security/sasl/plain.js'
import { Secret } from '../../src/security/secret.js'

describe('PLAIN', () => {
  test('the one message is exactly \\0user\\0pass', async () => {
    const step = await new PlainMechanism('user', new Secret('pass')).start()
    const first = await step(null)
    assert.deepEqual(first, Buffer.from('\0user\0pass', 'latin1'))
    assert.equal(await step(Buffer.alloc(0)), null, 'an empty server message ends the exchange')
  })

  test('UTF-8 names and passwords are sent as UTF-8', async () => {
    const step = await new PlainMechanism('usér', new Secret(Buffer.from('pässwörd', 'utf8'))).start()
    assert.deepEqual(await step(null), Buffer.from('\0usér\0pässwörd', 'utf8'))
  })

  test('a non-empty challenge fails the exchange', async () => {
    const step = await new PlainMechanism('user', new Secret('pass')).start()
    await step(null)
    await assert.rejects(async () => step(Buffer.from('more?')), /unexpected PLAIN challenge/)
  })

  test('each exchange (a re-authentication too) starts over and sends the message again', async () => {
    const m = new PlainMechanism('user', new Secret('pass'))
    assert.equal(m.name, 'PLAIN')
    for (let i = 0; i < 2; i++) {
      const step = await m.start()
      assert.deepEqual(await step(null), Buffer.from('\0user\0pass'))
      assert.equal(await step(Buffer.alloc(0)), null)
    }
  })

  test('the password does not show in util.inspect, JSON or String of the mechanism', () => {
    const m = new PlainMechanism('user', new Secret('Pl41n-Secret-Value'))
    for (const shown of [inspect(m, { depth: 10, showHidden: true }), JSON.stringify(m), String(m)]) {
      assert.ok(!shown.includes('Pl41n-Secret-Value'), shown)
    }
  })
})

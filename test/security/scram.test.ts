/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 (the client side): the RFC 7677 test vector byte for byte, a
 * SHA-512 exchange against a server computed here with node:crypto, and every way the broker's
 * messages can be refused. RFC 5802's vector is SCRAM-SHA-1, which Kafka does not offer.
 */
import assert from 'node:assert/strict'
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import type { SaslStep } from '../../src/security/sasl/mechanism.js'
import { ScramMechanism, type ScramName } from '../../src/security/sasl/scram.js'
import { Secret } from '../../src/security/secret.js'

const RFC7677 = {
  user: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
}

function mechanism(name: ScramName, user: string, password: string, nonce: string): ScramMechanism {
  return new ScramMechanism(name, user, new Secret(password), { nonce: () => nonce })
}

async function step(s: SaslStep, message: string | null): Promise<string | null> {
  const out = await s(message === null ? null : Buffer.from(message, 'utf8'))
  return out === null ? null : out.toString('utf8')
}

/** Starts an exchange and returns the step with the client-first message already taken. */
async function started(m: ScramMechanism): Promise<{ s: SaslStep; clientFirst: string }> {
  const s = await m.start()
  const clientFirst = await step(s, null)
  assert.ok(clientFirst !== null)
  return { s, clientFirst }
}

/** The server side of RFC 5802 for one exchange, computed independently of the client code. */
class TestScramServer {
  readonly #hash: 'sha256' | 'sha512'
  readonly #saltedPassword: Buffer
  readonly salt = randomBytes(16)
  readonly iterations: number
  readonly serverNonce = randomBytes(18).toString('base64')
  #authMessage = ''
  #clientFirstBare = ''
  #serverFirst = ''

  constructor(hash: 'sha256' | 'sha512', password: string, iterations = 4096) {
    this.#hash = hash
    this.iterations = iterations
    this.#saltedPassword = pbkdf2Sync(password, this.salt, iterations, hash === 'sha256' ? 32 : 64, hash)
  }

  #hmac(key: Buffer, data: string): Buffer {
    return createHmac(this.#hash, key).update(data).digest()
  }

  first(clientFirst: string): string {
    assert.ok(clientFirst.startsWith('n,,'), 'gs2 header without channel binding')
    this.#clientFirstBare = clientFirst.slice(3)
    const nonce = /(?:^|,)r=([^,]*)/.exec(this.#clientFirstBare)![1]!
    this.#serverFirst = `r=${nonce}${this.serverNonce},s=${this.salt.toString('base64')},i=${this.iterations}`
    return this.#serverFirst
  }

  /** Checks the client proof; returns the server-final message. */
  final(clientFinal: string): string {
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='))
    const proof = Buffer.from(clientFinal.slice(clientFinal.lastIndexOf(',p=') + 3), 'base64')
    this.#authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`
    const clientKey = this.#hmac(this.#saltedPassword, 'Client Key')
    const storedKey = createHash(this.#hash).update(clientKey).digest()
    const signature = this.#hmac(storedKey, this.#authMessage)
    const recovered = Buffer.from(proof.map((b, i) => b ^ signature[i]!))
    assert.deepEqual(createHash(this.#hash).update(recovered).digest(), storedKey, 'client proof verifies')
    const serverKey = this.#hmac(this.#saltedPassword, 'Server Key')
    return `v=${this.#hmac(serverKey, this.#authMessage).toString('base64')}`
  }
}

describe('SCRAM-SHA-256: RFC 7677 test vector', () => {
  test("client-first, client-final and the server signature are exactly the RFC's", async () => {
    const v = RFC7677
    const { s, clientFirst } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    assert.equal(clientFirst, v.clientFirst)
    assert.equal(await step(s, v.serverFirst), v.clientFinal)
    assert.equal(await step(s, v.serverFinal), null, 'the exchange ends once the signature verifies')
  })

  test('a wrong server signature fails the exchange', async () => {
    const v = RFC7677
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    await step(s, v.serverFirst)
    const bad = `v=${Buffer.alloc(32, 7).toString('base64')}`
    await assert.rejects(step(s, bad), /signature is wrong/)
  })

  test('a server-final without v= fails', async () => {
    const v = RFC7677
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    await step(s, v.serverFirst)
    await assert.rejects(step(s, 'x=1'), /signature is wrong/)
  })

  test('a wrong password makes a proof the server rejects (the client-final differs)', async () => {
    const v = RFC7677
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, 'pencil2', v.clientNonce))
    assert.notEqual(await step(s, v.serverFirst), v.clientFinal)
    // And with the RFC's server-final (made for 'pencil'), the client refuses the server too.
    await assert.rejects(step(s, v.serverFinal), /signature is wrong/)
  })
})

describe('SCRAM-SHA-512 round trip', () => {
  test('against a server computed with node:crypto', async () => {
    const server = new TestScramServer('sha512', 'hunter2-Ü')
    const m = new ScramMechanism('SCRAM-SHA-512', 'alice', new Secret('hunter2-Ü'))
    const { s, clientFirst } = await started(m)
    assert.match(clientFirst, /^n,,n=alice,r=[A-Za-z0-9_-]{16,}$/)
    const clientFinal = await step(s, server.first(clientFirst))
    assert.ok(clientFinal !== null)
    assert.match(clientFinal, /^c=biws,r=[^,]+,p=[A-Za-z0-9+/=]+$/)
    assert.equal(await step(s, server.final(clientFinal)), null)
  })

  test('each exchange uses a fresh nonce; the salted password is derived once per salt', async () => {
    const m = new ScramMechanism('SCRAM-SHA-512', 'alice', new Secret('pw'))
    const a = await started(m)
    const b = await started(m)
    assert.notEqual(a.clientFirst, b.clientFirst)
    const server = new TestScramServer('sha512', 'pw')
    for (const { s, clientFirst } of [a, b]) {
      const final = await step(s, server.first(clientFirst))
      assert.equal(await step(s, server.final(final!)), null)
    }
  })

  test('SCRAM-SHA-256 round trip with a higher iteration count', async () => {
    const server = new TestScramServer('sha256', 'pw', 8192)
    const { s, clientFirst } = await started(new ScramMechanism('SCRAM-SHA-256', 'bob', new Secret('pw')))
    const final = await step(s, server.first(clientFirst))
    assert.equal(await step(s, server.final(final!)), null)
  })
})

describe("SCRAM: refusing the server's messages", () => {
  const v = RFC7677

  test("a server nonce that does not start with the client's fails", async () => {
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    await assert.rejects(
      step(s, 'r=XXXXrOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
      /nonce does not extend/,
    )
  })

  test("a server nonce equal to the client's (nothing added) fails", async () => {
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    await assert.rejects(step(s, `r=${v.clientNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`), /nonce/)
  })

  for (const i of ['4095', '1', '0', '-5', 'abc', '']) {
    test(`iterations '${i}' fail (at least 4096)`, async () => {
      const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
      await assert.rejects(
        step(s, `r=${v.clientNonce}abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=${i}`),
        /iterations; at least 4096/,
      )
    })
  }

  test('a server-first without a salt fails', async () => {
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    await assert.rejects(step(s, `r=${v.clientNonce}abc,i=4096`), /no SCRAM salt/)
  })

  test('e= in the server-first message surfaces', async () => {
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    await assert.rejects(step(s, 'e=unknown-user'), /refused the SCRAM exchange: unknown-user/)
  })

  test('e= in the server-final message surfaces', async () => {
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    await step(s, v.serverFirst)
    await assert.rejects(step(s, 'e=invalid-proof'), /refused the SCRAM proof: invalid-proof/)
  })

  test('a message after the exchange ended fails', async () => {
    const { s } = await started(mechanism('SCRAM-SHA-256', v.user, v.password, v.clientNonce))
    await step(s, v.serverFirst)
    await step(s, v.serverFinal)
    await assert.rejects(step(s, 'v=abc'), /after the exchange ended/)
  })

  test('the password appears in no message and no error', async () => {
    const password = 'Sup3r-S3cret-Scram-Pw'
    const { s, clientFirst } = await started(mechanism('SCRAM-SHA-256', v.user, password, v.clientNonce))
    assert.ok(!clientFirst.includes(password))
    const final = await step(s, v.serverFirst)
    assert.ok(!final!.includes(password))
    const err = await step(s, v.serverFinal).then(
      () => assert.fail('a signature made for another password was accepted'),
      (e: unknown) => e as Error,
    )
    assert.ok(!`${err.message}\n${err.stack}`.includes(password))
  })
})

describe('SCRAM: user names', () => {
  test("',' and '=' in the user name are escaped as =2C and =3D", async () => {
    const { clientFirst } = await started(mechanism('SCRAM-SHA-256', 'a,b=c', 'pw', 'nonce123'))
    assert.equal(clientFirst, 'n,,n=a=2Cb=3Dc,r=nonce123')
  })

  test('=2C in a user name is escaped once (=3D2C), not taken as an escape', async () => {
    const { clientFirst } = await started(mechanism('SCRAM-SHA-256', 'x=2C', 'pw', 'n1'))
    assert.equal(clientFirst, 'n,,n=x=3D2C,r=n1')
  })

  test('tokenauth=true is sent as an extension (delegation tokens)', async () => {
    const m = new ScramMechanism('SCRAM-SHA-512', 'tokenid', new Secret('hmac'), {
      tokenAuth: true,
      nonce: () => 'n2',
    })
    const { clientFirst } = await started(m)
    assert.equal(clientFirst, 'n,,n=tokenid,r=n2,tokenauth=true')
  })

  test('the exchange with escaped names verifies against a server', async () => {
    const server = new TestScramServer('sha256', 'pw')
    const { s, clientFirst } = await started(new ScramMechanism('SCRAM-SHA-256', 'a,b=c', new Secret('pw')))
    const final = await step(s, server.first(clientFirst))
    assert.equal(await step(s, server.final(final!)), null)
  })
})

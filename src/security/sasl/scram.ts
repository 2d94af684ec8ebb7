import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import type { Secret } from '../secret.js'
import type { SaslMechanism, SaslStep } from './mechanism.js'

const pbkdf2Async = promisify(pbkdf2)

/** Kafka's ScramMechanism: the hash and the fewest iterations it accepts from a server. */
const HASHES = {
  'SCRAM-SHA-256': { hash: 'sha256', bytes: 32, minIterations: 4096 },
  'SCRAM-SHA-512': { hash: 'sha512', bytes: 64, minIterations: 4096 },
} as const

export type ScramName = keyof typeof HASHES

export function isScramName(name: string): name is ScramName {
  return name in HASHES
}

/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677), as Kafka's ScramSaslClient: no channel
 * binding (gs2 header `n,,`), the server's signature checked before the exchange counts as done.
 * PBKDF2 runs on libuv's thread pool, off the event loop; its result is kept per salt and
 * iteration count, so reconnecting to brokers that share credentials costs one derivation.
 */
export class ScramMechanism implements SaslMechanism {
  readonly name: ScramName
  readonly #username: string
  readonly #password: Secret
  readonly #nonce: () => string
  readonly #salted = new Map<string, Promise<Buffer>>()
  /** Extensions sent in the first message, e.g. `tokenauth=true` for delegation tokens. */
  readonly #extensions: string

  constructor(
    name: ScramName,
    username: string,
    password: Secret,
    options: { tokenAuth?: boolean; nonce?: () => string } = {},
  ) {
    this.name = name
    this.#username = username
    this.#password = password
    this.#nonce = options.nonce ?? (() => randomBytes(24).toString('base64url'))
    this.#extensions = options.tokenAuth === true ? ',tokenauth=true' : ''
  }

  start(): SaslStep {
    const { hash, bytes, minIterations } = HASHES[this.name]
    const clientNonce = this.#nonce()
    const clientFirstBare = `n=${saslName(this.#username)},r=${clientNonce}${this.#extensions}`
    let stage: 'first' | 'final' | 'verify' | 'done' = 'first'
    let expectedServerSignature: Buffer | null = null

    return async (serverMessage) => {
      switch (stage) {
        case 'first':
          stage = 'final'
          return Buffer.from(`n,,${clientFirstBare}`, 'utf8')
        case 'final': {
          stage = 'verify'
          const serverFirst = text(serverMessage)
          const attrs = parseAttributes(serverFirst)
          if (attrs.has('e')) throw new Error(`the broker refused the SCRAM exchange: ${attrs.get('e')}`)
          const nonce = attrs.get('r')
          const salt = attrs.get('s')
          const iterations = Number(attrs.get('i'))
          if (nonce === undefined || !nonce.startsWith(clientNonce) || nonce.length === clientNonce.length)
            throw new Error("the broker's SCRAM nonce does not extend the client's")
          if (salt === undefined) throw new Error('the broker sent no SCRAM salt')
          if (!Number.isInteger(iterations) || iterations < minIterations)
            throw new Error(
              `the broker asked for ${attrs.get('i')} SCRAM iterations; at least ${minIterations} are required`,
            )
          const saltedPassword = await this.#saltedPassword(hash, bytes, salt, iterations)
          const clientFinalWithoutProof = `c=biws,r=${nonce}`
          const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`
          const clientKey = hmac(hash, saltedPassword, 'Client Key')
          const storedKey = createHash(hash).update(clientKey).digest()
          const clientSignature = hmac(hash, storedKey, authMessage)
          const proof = Buffer.alloc(clientKey.length)
          for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!
          expectedServerSignature = hmac(hash, hmac(hash, saltedPassword, 'Server Key'), authMessage)
          return Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8')
        }
        case 'verify': {
          stage = 'done'
          const attrs = parseAttributes(text(serverMessage))
          if (attrs.has('e')) throw new Error(`the broker refused the SCRAM proof: ${attrs.get('e')}`)
          const v = attrs.get('v')
          const signature = v === undefined ? null : Buffer.from(v, 'base64')
          if (
            signature === null ||
            signature.length !== expectedServerSignature!.length ||
            !timingSafeEqual(signature, expectedServerSignature!)
          ) {
            throw new Error("the broker's SCRAM signature is wrong: it does not know this user's credentials")
          }
          return null
        }
        default:
          throw new Error('the broker sent a SCRAM message after the exchange ended')
      }
    }
  }

  #saltedPassword(hash: string, bytes: number, salt: string, iterations: number): Promise<Buffer> {
    const key = `${salt}/${iterations}`
    let p = this.#salted.get(key)
    if (p === undefined) {
      p = pbkdf2Async(this.#password.revealBytes(), Buffer.from(salt, 'base64'), iterations, bytes, hash)
      p.catch(() => this.#salted.delete(key))
      this.#salted.set(key, p)
    }
    return p
  }
}

function hmac(hash: string, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data, 'utf8').digest()
}

function text(message: Buffer | null): string {
  return message === null ? '' : message.toString('utf8')
}

/** RFC 5802 saslname: `=` and `,` escaped as `=3D` and `=2C`. */
function saslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>()
  for (const part of message.split(',')) {
    const eq = part.indexOf('=')
    if (eq === 1) attrs.set(part[0]!, part.slice(2))
  }
  return attrs
}

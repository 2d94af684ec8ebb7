/**
 * SASL on a fake broker, with Kafka's rules (SaslServerAuthenticator, KIP-368): before
 * authentication only ApiVersions and SaslHandshake; between a SaslHandshake and the end of its
 * exchange only SaslAuthenticate (also when re-authenticating an open connection); after the
 * session lifetime any request but a SaslHandshake closes the connection. After a SaslHandshake
 * v0 the client's token comes as a raw size-prefixed frame and the answer goes back the same
 * way (Kafka before 1.0). PLAIN only, against a table of users. A broken rule is thrown, which
 * the broker records in protocolErrors and answers by closing the connection, as Kafka does; a
 * failed authentication is answered, then the connection is closed, as Kafka does.
 *
 * Connections are keyed by `nodeId:connectionId`: one listener serves every broker of a cluster.
 */
import { ApiVersions } from '../../src/protocol/messages/api-versions.js'
import type {
  SaslAuthenticateRequest,
  SaslAuthenticateResponse,
} from '../../src/protocol/messages/sasl-authenticate.js'
import { SaslAuthenticate } from '../../src/protocol/messages/sasl-authenticate.js'
import type {
  SaslHandshakeRequest,
  SaslHandshakeResponse,
} from '../../src/protocol/messages/sasl-handshake.js'
import { SaslHandshake } from '../../src/protocol/messages/sasl-handshake.js'

export interface FakeSaslOptions {
  /** PLAIN users and their passwords. */
  users: Record<string, string>
  /** connections.max.reauth.ms: the session lifetime given in SaslAuthenticate v1+; 0: none. */
  sessionLifetimeMs?: number
  /**
   * Refuse re-authentications of open connections (as if the password had changed since the
   * connection authenticated); first authentications still succeed. Also settable on the listener.
   */
  rejectReauthentication?: boolean
  now?: () => number
}

type State = 'new' | 'handshaken' | 'raw-token' | 'authenticated' | 'reauthenticating' | 'failed'

interface ConnectionSasl {
  state: State
  expiresAt: number
}

export class FakeSaslListener {
  readonly #options: FakeSaslOptions
  readonly #connections = new Map<string, ConnectionSasl>()
  authentications = 0
  reauthentications = 0
  failures = 0
  reauthenticationFailures = 0
  /** Mechanisms the handshake offers (PLAIN is the only one that can succeed). */
  mechanisms: readonly string[] = ['PLAIN']
  rejectReauthentication: boolean

  constructor(options: FakeSaslOptions) {
    this.#options = options
    this.rejectReauthentication = options.rejectReauthentication ?? false
  }

  #now(): number {
    return (this.#options.now ?? Date.now)()
  }

  #of(key: string): ConnectionSasl {
    let c = this.#connections.get(key)
    if (c === undefined) {
      c = { state: 'new', expiresAt: Number.POSITIVE_INFINITY }
      this.#connections.set(key, c)
    }
    return c
  }

  /** Whether the connection's next frame is a raw token (after a SaslHandshake v0), not a request. */
  expectsRawToken(key: string): boolean {
    return this.#connections.get(key)?.state === 'raw-token'
  }

  /** Whether the connection failed to authenticate: the broker closes it after its answer. */
  failed(key: string): boolean {
    return this.#connections.get(key)?.state === 'failed'
  }

  /** Throws when a request of `apiKey` is not allowed on the connection now. */
  check(key: string, apiKey: number, apiName: string): void {
    const c = this.#of(key)
    switch (c.state) {
      case 'new':
        if (apiKey !== ApiVersions.apiKey && apiKey !== SaslHandshake.apiKey)
          throw new Error(`${apiName} before SASL authentication`)
        return
      case 'handshaken':
      case 'reauthenticating':
        if (apiKey !== SaslAuthenticate.apiKey) throw new Error(`${apiName} during a SASL exchange`)
        return
      case 'raw-token':
        throw new Error(`${apiName} where the raw SASL token was expected`)
      case 'failed':
        throw new Error(`${apiName} after a failed SASL authentication`)
      case 'authenticated':
        if (apiKey === SaslHandshake.apiKey) return
        if (apiKey === SaslAuthenticate.apiKey) throw new Error('SaslAuthenticate without a SaslHandshake')
        if (this.#now() > c.expiresAt) throw new Error(`${apiName} after the SASL session expired`)
    }
  }

  handshake(key: string, version: number, req: SaslHandshakeRequest): SaslHandshakeResponse {
    const c = this.#of(key)
    if (req.mechanism !== 'PLAIN' || !this.mechanisms.includes('PLAIN'))
      return { errorCode: 33, mechanisms: [...this.mechanisms] }
    if (c.state === 'authenticated') {
      if (version === 0) throw new Error('re-authentication with SaslHandshake v0')
      c.state = 'reauthenticating'
    } else {
      c.state = version === 0 ? 'raw-token' : 'handshaken'
    }
    return { errorCode: 0, mechanisms: [...this.mechanisms] }
  }

  /** A raw PLAIN token (after SaslHandshake v0): the raw answer (empty), or null to close. */
  rawToken(key: string, token: Buffer): Buffer | null {
    const c = this.#of(key)
    if (!this.#verify(c, token, false)) return null
    this.authentications++
    c.state = 'authenticated'
    c.expiresAt = Number.POSITIVE_INFINITY
    return Buffer.alloc(0)
  }

  authenticate(key: string, version: number, req: SaslAuthenticateRequest): SaslAuthenticateResponse {
    const c = this.#of(key)
    const none = { authBytes: new Uint8Array(0), sessionLifetimeMs: 0n }
    const reauthenticating = c.state === 'reauthenticating'
    if (!this.#verify(c, Buffer.from(req.authBytes), reauthenticating)) {
      return { ...none, errorCode: 58, errorMessage: 'Authentication failed: Invalid username or password' }
    }
    if (reauthenticating) this.reauthentications++
    else this.authentications++
    c.state = 'authenticated'
    const lifetime = this.#options.sessionLifetimeMs ?? 0
    c.expiresAt = lifetime > 0 ? this.#now() + lifetime : Number.POSITIVE_INFINITY
    return {
      ...none,
      errorCode: 0,
      errorMessage: null,
      sessionLifetimeMs: version >= 1 ? BigInt(lifetime) : 0n,
    }
  }

  #verify(c: ConnectionSasl, token: Buffer, reauthenticating: boolean): boolean {
    const [, user, password] = token.toString('utf8').split('\0')
    const ok =
      user !== undefined &&
      Object.hasOwn(this.#options.users, user) &&
      this.#options.users[user] === password &&
      !(reauthenticating && this.rejectReauthentication)
    if (!ok) {
      this.failures++
      if (reauthenticating) this.reauthenticationFailures++
      c.state = 'failed'
    }
    return ok
  }
}

/**
 * SASL on a fake broker, with Kafka's rules (SaslServerAuthenticator, KIP-368): before
 * authentication only ApiVersions and SaslHandshake; between a SaslHandshake and the end of its
 * exchange only SaslAuthenticate (also when re-authenticating an open connection); after the
 * session lifetime any request but a SaslHandshake closes the connection. PLAIN only, against a
 * table of users. A broken rule is thrown, which the broker records in protocolErrors and answers
 * by closing the connection, as Kafka does.
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
  now?: () => number
}

type State = 'new' | 'handshaken' | 'authenticated' | 'reauthenticating'

interface ConnectionSasl {
  state: State
  expiresAt: number
}

export class FakeSaslListener {
  readonly #options: FakeSaslOptions
  readonly #connections = new Map<number, ConnectionSasl>()
  authentications = 0
  reauthentications = 0
  failures = 0

  constructor(options: FakeSaslOptions) {
    this.#options = options
  }

  #now(): number {
    return (this.#options.now ?? Date.now)()
  }

  #of(connectionId: number): ConnectionSasl {
    let c = this.#connections.get(connectionId)
    if (c === undefined) {
      c = { state: 'new', expiresAt: Number.POSITIVE_INFINITY }
      this.#connections.set(connectionId, c)
    }
    return c
  }

  /** Throws when a request of `apiKey` is not allowed on the connection now. */
  check(connectionId: number, apiKey: number, apiName: string): void {
    const c = this.#of(connectionId)
    switch (c.state) {
      case 'new':
        if (apiKey !== ApiVersions.apiKey && apiKey !== SaslHandshake.apiKey)
          throw new Error(`${apiName} before SASL authentication`)
        return
      case 'handshaken':
      case 'reauthenticating':
        if (apiKey !== SaslAuthenticate.apiKey) throw new Error(`${apiName} during a SASL exchange`)
        return
      case 'authenticated':
        if (apiKey === SaslHandshake.apiKey) return
        if (apiKey === SaslAuthenticate.apiKey) throw new Error('SaslAuthenticate without a SaslHandshake')
        if (this.#now() > c.expiresAt) throw new Error(`${apiName} after the SASL session expired`)
    }
  }

  handshake(connectionId: number, req: SaslHandshakeRequest): SaslHandshakeResponse {
    const c = this.#of(connectionId)
    if (req.mechanism !== 'PLAIN') return { errorCode: 33, mechanisms: ['PLAIN'] }
    c.state = c.state === 'authenticated' ? 'reauthenticating' : 'handshaken'
    return { errorCode: 0, mechanisms: ['PLAIN'] }
  }

  authenticate(
    connectionId: number,
    version: number,
    req: SaslAuthenticateRequest,
  ): SaslAuthenticateResponse {
    const c = this.#of(connectionId)
    const [, user, password] = Buffer.from(req.authBytes).toString('utf8').split('\0')
    const none = { authBytes: new Uint8Array(0), sessionLifetimeMs: 0n }
    if (user === undefined || this.#options.users[user] !== password) {
      this.failures++
      c.state = 'new'
      return { ...none, errorCode: 58, errorMessage: 'Authentication failed: Invalid username or password' }
    }
    if (c.state === 'reauthenticating') this.reauthentications++
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
}

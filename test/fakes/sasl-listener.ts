/**
 * SASL on a fake broker, with Kafka's rules (SaslServerAuthenticator, KIP-368): before
 * authentication only ApiVersions and SaslHandshake; between a SaslHandshake and the end of its
 * exchange only SaslAuthenticate (also when re-authenticating an open connection); after the
 * session lifetime any request but a SaslHandshake closes the connection. PLAIN against a table
 * of users, and OAUTHBEARER when given a token check (Kafka's OAuthBearerSaslServer: a refused
 * token gets an error status challenge, the client's \x01 then fails the exchange). A broken rule is thrown, which the broker records in protocolErrors and answers
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
  /**
   * Enables OAUTHBEARER: checks each token (with its KIP-342 extensions); returns null to accept
   * it, or the error status to refuse it with (e.g. 'invalid_token').
   */
  oauthBearer?: (token: string, extensions: Record<string, string>) => string | null
}

type State = 'new' | 'handshaken' | 'authenticated' | 'reauthenticating'

interface ConnectionSasl {
  state: State
  expiresAt: number
  mechanism: string
  /** The OAUTHBEARER error status sent, awaiting the client's \x01. */
  oauthError: string | null
}

// OAuthBearerClientInitialResponse's grammar.
// biome-ignore lint/suspicious/noControlCharactersInRegex: \x01 separates OAUTHBEARER's fields
const OAUTH_INITIAL = /^n,(?:a=[^,]*)?,\u0001((?:[A-Za-z]+=[\x21-\x7E \t\r\n]+\u0001)*)\u0001$/

export class FakeSaslListener {
  readonly #options: FakeSaslOptions
  readonly #connections = new Map<number, ConnectionSasl>()
  authentications = 0
  reauthentications = 0
  failures = 0
  /** Every OAUTHBEARER token received, in order. */
  readonly oauthTokens: string[] = []

  constructor(options: FakeSaslOptions) {
    this.#options = options
  }

  #now(): number {
    return (this.#options.now ?? Date.now)()
  }

  #of(connectionId: number): ConnectionSasl {
    let c = this.#connections.get(connectionId)
    if (c === undefined) {
      c = { state: 'new', expiresAt: Number.POSITIVE_INFINITY, mechanism: '', oauthError: null }
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
    const mechanisms = this.#options.oauthBearer === undefined ? ['PLAIN'] : ['PLAIN', 'OAUTHBEARER']
    if (!mechanisms.includes(req.mechanism)) return { errorCode: 33, mechanisms }
    c.state = c.state === 'authenticated' ? 'reauthenticating' : 'handshaken'
    c.mechanism = req.mechanism
    c.oauthError = null
    return { errorCode: 0, mechanisms }
  }

  authenticate(
    connectionId: number,
    version: number,
    req: SaslAuthenticateRequest,
  ): SaslAuthenticateResponse {
    const c = this.#of(connectionId)
    const none = { authBytes: new Uint8Array(0), sessionLifetimeMs: 0n }
    if (c.mechanism === 'OAUTHBEARER') {
      const refused = this.#oauthBearer(c, Buffer.from(req.authBytes).toString('utf8'))
      if (refused === 'challenge') {
        return { ...none, errorCode: 0, errorMessage: null, authBytes: Buffer.from(c.oauthError!) }
      }
      if (refused !== null) {
        this.failures++
        c.state = 'new'
        return { ...none, errorCode: 58, errorMessage: refused }
      }
      return this.#authenticated(c, version)
    }
    const [, user, password] = Buffer.from(req.authBytes).toString('utf8').split('\0')
    if (user === undefined || this.#options.users[user] !== password) {
      this.failures++
      c.state = 'new'
      return { ...none, errorCode: 58, errorMessage: 'Authentication failed: Invalid username or password' }
    }
    return this.#authenticated(c, version)
  }

  /** null: accepted; 'challenge': refused with an error status; else the error message to fail with. */
  #oauthBearer(c: ConnectionSasl, message: string): string | null {
    if (message === '\x01' && c.oauthError !== null) return c.oauthError
    const m = OAUTH_INITIAL.exec(message)
    const pairs = m === null ? [] : m[1]!.split('\x01').filter((p) => p !== '')
    const fields = new Map(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]))
    const auth = /^bearer +([-_~+/.a-zA-Z0-9]+=*)$/i.exec(fields.get('auth') ?? '')
    if (m === null || auth === null) return 'Invalid OAUTHBEARER client first message'
    fields.delete('auth')
    this.oauthTokens.push(auth[1]!)
    const status = this.#options.oauthBearer!(auth[1]!, Object.fromEntries(fields))
    if (status === null) return null
    c.oauthError = JSON.stringify({ status })
    return 'challenge'
  }

  #authenticated(c: ConnectionSasl, version: number): SaslAuthenticateResponse {
    const none = { authBytes: new Uint8Array(0), sessionLifetimeMs: 0n }
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

/**
 * SASL on a fake broker, with Kafka's rules (SaslServerAuthenticator, KIP-368): before
 * authentication only ApiVersions and SaslHandshake; between a SaslHandshake and the end of its
 * exchange only SaslAuthenticate (also when re-authenticating an open connection); after the
 * session lifetime any request but a SaslHandshake closes the connection. After a SaslHandshake
 * v0 the client's token comes as a raw size-prefixed frame and the answer goes back the same
 * way (Kafka before 1.0). PLAIN against a table of users, and OAUTHBEARER when given a token
 * check (Kafka's OAuthBearerSaslServer: a refused token gets an error status challenge, the
 * client's \x01 then fails the exchange). A broken rule is thrown, which
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
  /**
   * Enables OAUTHBEARER: checks each token (with its KIP-342 extensions); returns null to accept
   * it, or the error status to refuse it with (e.g. 'invalid_token').
   */
  oauthBearer?: (token: string, extensions: Record<string, string>) => string | null
}

type State = 'new' | 'handshaken' | 'raw-token' | 'authenticated' | 'reauthenticating' | 'failed'

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
  readonly #connections = new Map<string, ConnectionSasl>()
  authentications = 0
  reauthentications = 0
  failures = 0
  reauthenticationFailures = 0
  /** Every OAUTHBEARER token received, in order. */
  readonly oauthTokens: string[] = []
  /** Mechanisms the handshake offers (PLAIN, and OAUTHBEARER with a token check, can succeed). */
  mechanisms: readonly string[]
  rejectReauthentication: boolean

  constructor(options: FakeSaslOptions) {
    this.#options = options
    this.mechanisms = options.oauthBearer === undefined ? ['PLAIN'] : ['PLAIN', 'OAUTHBEARER']
    this.rejectReauthentication = options.rejectReauthentication ?? false
  }

  #now(): number {
    return (this.#options.now ?? Date.now)()
  }

  #of(key: string): ConnectionSasl {
    let c = this.#connections.get(key)
    if (c === undefined) {
      c = { state: 'new', expiresAt: Number.POSITIVE_INFINITY, mechanism: '', oauthError: null }
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
    const usable =
      req.mechanism === 'PLAIN' ||
      (req.mechanism === 'OAUTHBEARER' && this.#options.oauthBearer !== undefined)
    if (!usable || !this.mechanisms.includes(req.mechanism))
      return { errorCode: 33, mechanisms: [...this.mechanisms] }
    c.mechanism = req.mechanism
    c.oauthError = null
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
    if (c.mechanism === 'OAUTHBEARER') {
      const refused = this.#oauthBearer(c, Buffer.from(req.authBytes).toString('utf8'))
      if (refused === 'challenge') {
        return { ...none, errorCode: 0, errorMessage: null, authBytes: Buffer.from(c.oauthError!) }
      }
      if (refused !== null) {
        this.#fail(c, reauthenticating)
        return { ...none, errorCode: 58, errorMessage: refused }
      }
    } else if (!this.#verify(c, Buffer.from(req.authBytes), reauthenticating)) {
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
    if (!ok) this.#fail(c, reauthenticating)
    return ok
  }

  #fail(c: ConnectionSasl, reauthenticating: boolean): void {
    this.failures++
    if (reauthenticating) this.reauthenticationFailures++
    c.state = 'failed'
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
}

/**
 * Tokens from sasl.oauthbearer.token.endpoint.url, as Java's HttpAccessTokenRetriever,
 * FileTokenRetriever and LoginAccessTokenValidator get them:
 *
 * - http: / https: — the OAuth client credentials grant: a POST of
 *   `grant_type=client_credentials[&scope=...]` (application/x-www-form-urlencoded) with the
 *   client id and secret in an HTTP Basic Authorization header, answered with JSON holding
 *   `access_token`. Attempts are retried with Java's Retry rules: waits of retryBackoffMs doubling
 *   each time, all within retryBackoffMaxMs of the first attempt; network errors, timeouts and HTTP
 *   statuses not known to be final (5xx, 408, 429, ...) are retried, while 400-407, 409-415, 501
 *   and 505 fail at once, as does a 200 whose body has no access_token.
 * - file: — a file holding the token, read (and trimmed) each time a token is wanted, so a token
 *   rewritten in place is picked up at the next refresh (Java reads it once).
 *
 * The token's expiry is its JWT `exp` claim (read, not verified), else the response's
 * `expires_in`; a JWT must name its principal in the claim sasl.oauthbearer.sub.claim.name, as
 * Java requires. No message shows the client secret, the token, or the endpoint's query string.
 */
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { AuthenticationError } from '../../errors.js'
import { timerDelay } from '../../timers.js'
import { Secret } from '../secret.js'
import { claimTimeMs, decodeJwtClaims, stringClaim } from './jwt.js'
import { bearerTokenProblem, type OAuthToken, type TokenSource } from './token.js'

export interface TokenEndpointOptions {
  /** An http: or https: URL. */
  readonly url: URL
  readonly clientId: string
  readonly clientSecret: Secret
  /** Sent as `scope` when not null or blank. */
  readonly scope: string | null
  /** sasl.oauthbearer.sub.claim.name. */
  readonly subClaimName: string
  /** SASL extensions sent with each token (the JAAS options extension_<name>). */
  readonly extensions: ReadonlyMap<string, string>
  /** 0: no limit. */
  readonly connectTimeoutMs: number
  /** The longest silence while waiting for the endpoint's answer; 0: no limit. */
  readonly readTimeoutMs: number
  readonly retryBackoffMs: number
  readonly retryBackoffMaxMs: number
  /**
   * URL-encode the client id and secret before the Basic header's base64, as RFC 6749 2.3.1 says.
   * Java's sasl.oauthbearer.header.urlencode, default false (many identity providers do not decode).
   */
  readonly urlencodeHeader?: boolean
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
}

// Statuses Java's HttpAccessTokenRetriever does not retry; any other failure is retried.
const FINAL_STATUSES = new Set([
  400, 401, 402, 403, 404, 405, 406, 407, 409, 410, 411, 412, 413, 414, 415, 501, 505,
])

const MAX_RESPONSE_BYTES = 1024 * 1024
const MAX_ERROR_TEXT = 1000

/** A failed attempt, and whether Java would try again. */
class AttemptError extends Error {
  readonly retriable: boolean
  constructor(message: string, retriable: boolean, options: { cause?: unknown } = {}) {
    super(message, options)
    this.retriable = retriable
  }
}

/** The endpoint as messages show it: no user info, no query. */
export function endpointForMessages(url: URL): string {
  return url.protocol === 'file:' ? url.pathname : `${url.protocol}//${url.host}${url.pathname}`
}

export function tokenEndpointSource(o: TokenEndpointOptions): TokenSource {
  const now = o.now ?? Date.now
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const where = endpointForMessages(o.url)
  return async () => {
    const headers = {
      Accept: 'application/json',
      Authorization: basicAuthorization(o.clientId, o.clientSecret, o.urlencodeHeader === true),
      'Cache-Control': 'no-cache',
      'Content-Type': 'application/x-www-form-urlencoded',
    }
    const scope = o.scope?.trim() ?? ''
    const body = `grant_type=client_credentials${scope === '' ? '' : `&scope=${javaUrlEncode(scope)}`}`
    // Java's Retry: attempts until retryBackoffMaxMs after the first, waits doubling from retryBackoffMs.
    const endMs = now() + o.retryBackoffMaxMs
    let attempt = 0
    let last: AttemptError | null = null
    while (now() <= endMs) {
      attempt++
      const requestedAtMs = now()
      try {
        const res = await post(o.url, headers, body, o.connectTimeoutMs, o.readTimeoutMs)
        return tokenFromResponse(res, requestedAtMs, o)
      } catch (err) {
        last =
          err instanceof AttemptError
            ? err
            : new AttemptError(`${(err as Error)?.message ?? String(err)}`, true, { cause: err })
        if (!last.retriable) break
        const waitMs = Math.min(o.retryBackoffMs * 2 ** (attempt - 1), endMs - now())
        if (waitMs <= 0) break
        await sleep(waitMs)
      }
    }
    throw new AuthenticationError(
      `OAUTHBEARER: no token from the token endpoint ${where} (sasl.oauthbearer.token.endpoint.url) after ` +
        `${attempt} attempt${attempt === 1 ? '' : 's'}: ${last?.message ?? 'no attempt was made'}`,
      undefined,
      last === null ? {} : { cause: last },
    )
  }
}

/** A token file (file: URL): read each time, trimmed, a JWT with exp and the sub claim. */
export function tokenFileSource(
  path: string,
  subClaimName: string,
  extensions: ReadonlyMap<string, string>,
): TokenSource {
  return async () => {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      throw new AuthenticationError(
        `OAUTHBEARER: the token file ${path} (sasl.oauthbearer.token.endpoint.url) cannot be read: ${(err as Error).message}`,
        undefined,
        { cause: err },
      )
    }
    try {
      return jwtAccessToken(text.trim(), subClaimName, null, extensions)
    } catch (err) {
      throw new AuthenticationError(
        `OAUTHBEARER: the token in ${path} (sasl.oauthbearer.token.endpoint.url) ${(err as Error).message}`,
      )
    }
  }
}

/** The Basic Authorization header (RFC 7617, standard base64), as Java formats it. */
export function basicAuthorization(clientId: string, clientSecret: Secret, urlencode: boolean): string {
  let id = clientId.trim()
  let secret = clientSecret.reveal().trim()
  if (urlencode) {
    id = javaUrlEncode(id)
    secret = javaUrlEncode(secret)
  }
  return `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`
}

/** java.net.URLEncoder: letters, digits and `.-*_` stay; space is `+`; all else %XX of UTF-8. */
export function javaUrlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
}

function tokenFromResponse(
  res: { status: number; body: string },
  requestedAtMs: number,
  o: TokenEndpointOptions,
): OAuthToken {
  if (res.status !== 200 && res.status !== 201) {
    const detail = errorText(res.body)
    const final = FINAL_STATUSES.has(res.status)
    throw new AttemptError(
      `the endpoint answered HTTP ${res.status}${detail === '' ? '' : ` ${detail}`}${final ? ' (not retried)' : ''}`,
      !final,
    )
  }
  if (res.body.trim() === '')
    throw new AttemptError(`the endpoint answered HTTP ${res.status} with an empty body`, true)
  let json: unknown
  try {
    json = JSON.parse(res.body)
  } catch {
    throw new AttemptError(`the endpoint's HTTP ${res.status} answer is not JSON`, false)
  }
  const fields =
    typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {}
  const accessToken = fields.access_token
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    // The keys only: the body could hold a token under another name.
    const keys = Object.keys(fields)
    throw new AttemptError(
      `the endpoint's answer has no access_token (its fields: ${keys.length === 0 ? 'none' : keys.slice(0, 20).join(', ')})`,
      false,
    )
  }
  const expiresIn = fields.expires_in
  const seconds = typeof expiresIn === 'string' && expiresIn.trim() !== '' ? Number(expiresIn) : expiresIn
  const fallback =
    typeof seconds === 'number' && Number.isFinite(seconds) ? requestedAtMs + seconds * 1000 : null
  try {
    return jwtAccessToken(accessToken.trim(), o.subClaimName, fallback, o.extensions)
  } catch (err) {
    throw new AttemptError(`the endpoint's access_token ${(err as Error).message}`, false)
  }
}

/**
 * The token with its expiry and principal read from its JWT claims (LoginAccessTokenValidator's
 * rules); an opaque token is taken only when the endpoint gave expires_in. Throws an Error whose
 * message continues "the token ...".
 */
export function jwtAccessToken(
  value: string,
  subClaimName: string,
  expiresInFallbackMs: number | null,
  extensions: ReadonlyMap<string, string>,
): OAuthToken {
  const problem = bearerTokenProblem(value)
  if (problem !== null) throw new Error(problem)
  let claims: Record<string, unknown>
  try {
    claims = decodeJwtClaims(value)
  } catch (err) {
    if (expiresInFallbackMs === null)
      throw new Error(`cannot be read: ${(err as Error).message}, and no expires_in came with it`)
    return {
      value: new Secret(value),
      expiresAtMs: expiresInFallbackMs,
      startTimeMs: null,
      principal: null,
      extensions,
    }
  }
  let expiresAtMs: number | null
  let startTimeMs: number | null
  let principal: string | null
  try {
    expiresAtMs = claimTimeMs(claims, 'exp') ?? expiresInFallbackMs
    startTimeMs = claimTimeMs(claims, 'iat')
    principal = stringClaim(claims, subClaimName)
  } catch (err) {
    throw new Error(`is a JWT, but ${(err as Error).message}`)
  }
  if (expiresAtMs === null) throw new Error('is a JWT without an "exp" claim, and no expires_in came with it')
  if (principal === null)
    throw new Error(
      `is a JWT without a "${subClaimName}" claim naming its principal (sasl.oauthbearer.sub.claim.name)`,
    )
  return { value: new Secret(value), expiresAtMs, startTimeMs, principal, extensions }
}

/** An OAuth error body (RFC 6749 5.2) as Java's formatErrorMessage shows it; never long. */
function errorText(body: string): string {
  const text = body.trim()
  if (text === '') return ''
  let shown = text
  try {
    const json = JSON.parse(text) as Record<string, unknown>
    if (json !== null && typeof json === 'object') {
      if (json.error !== undefined)
        shown = `{${JSON.stringify(json.error)} - ${JSON.stringify(json.error_description ?? '')}}`
      else if (json.errorCode !== undefined)
        shown = `{${JSON.stringify(json.errorCode)} - ${JSON.stringify(json.errorSummary ?? '')}}`
    }
  } catch {
    // Not JSON: shown as it is.
  }
  return shown.length > MAX_ERROR_TEXT
    ? `${shown.slice(0, MAX_ERROR_TEXT)}... (${shown.length} characters)`
    : shown
}

interface HttpAnswer {
  readonly status: number
  readonly body: string
}

/** One POST, with a connect timeout and a read (silence) timeout, on a connection of its own. */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  connectTimeoutMs: number,
  readTimeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false
    let connectTimer: NodeJS.Timeout | undefined
    const settle = (err: Error | null, answer?: HttpAnswer): void => {
      if (settled) return
      settled = true
      clearTimeout(connectTimer)
      if (err !== null) reject(err)
      else resolve(answer!)
    }
    const payload = Buffer.from(body, 'utf8')
    const request = url.protocol === 'https:' ? https.request : http.request
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(payload.length) }, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('the answer is larger than 1 MiB'))
          else chunks.push(chunk)
        })
        res.on('end', () =>
          settle(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', (err) => settle(err))
        res.on('close', () => settle(new Error('the connection closed before the answer was complete')))
      },
    )
    req.on('socket', (socket) => {
      const connected = (): void => {
        clearTimeout(connectTimer)
        if (readTimeoutMs > 0) {
          socket.setTimeout(readTimeoutMs, () =>
            req.destroy(new Error(`no answer within sasl.login.read.timeout.ms (${readTimeoutMs} ms)`)),
          )
        }
      }
      if (socket.connecting) {
        if (connectTimeoutMs > 0) {
          connectTimer = setTimeout(
            () =>
              req.destroy(
                new Error(`no connection within sasl.login.connect.timeout.ms (${connectTimeoutMs} ms)`),
              ),
            timerDelay(connectTimeoutMs),
          )
        }
        socket.once('connect', connected)
      } else connected()
    })
    req.on('error', (err) => settle(err))
    req.end(payload)
  })
}

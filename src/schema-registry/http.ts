/**
 * One JSON request to the registry with retries: 5xx, 408, 429 and network failures (refused
 * connection, reset, timeout) are tried again up to `retries` times, waiting
 * `retryBackoffMs * 2^attempt` (at most `retryBackoffMaxMs`, with +-20% jitter as Kafka's
 * clients use) between tries. A TLS failure (an untrusted or expired certificate, a host name
 * the certificate is not for, a refused client certificate) is not retried: it would fail the
 * same way each time.
 *
 * On node:http / node:https with one keep-alive agent per client, which carries the client's TLS
 * options (Node's fetch takes no CA or client certificate).
 */
import * as http from 'node:http'
import * as https from 'node:https'
import type { ConnectionOptions } from 'node:tls'
import { certificateProblem } from '../security/tls/tls-errors.js'
import { timerDelay } from '../timers.js'
import { codeFor, isRetriableStatus, SchemaRegistryError } from './errors.js'

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'

/** How long a kept-alive connection may sit idle before the agent closes it. */
const IDLE_SOCKET_MS = 30_000

export interface HttpSettings {
  baseUrl: string
  retries: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  requestTimeoutMs: number
  /** Called once per attempt, so a bearer token source is asked again after a refusal. */
  headers: () => Promise<Record<string, string>>
  /** The client's keep-alive agent (an https.Agent with its TLS options for an https: URL). */
  agent: http.Agent
  /** Whether `tls` gives a client certificate (for the hint when the registry refuses one). */
  clientCertificate: boolean
  /** Aborted when the client closes: requests in flight end, new ones are refused, with its reason. */
  closed: AbortSignal
}

/** A keep-alive agent for `protocol`; `tls` goes to every TLS connection it opens. */
export function createAgent(protocol: string, tls: ConnectionOptions): http.Agent {
  const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const }
  return protocol === 'https:' ? new https.Agent({ ...options, ...tls }) : new http.Agent(options)
}

export interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Starts with '/', path segments already encoded. */
  path: string
  body?: unknown
  signal?: AbortSignal | undefined
}

type Signals = readonly (AbortSignal | undefined)[]

/** Calls `fn` once when any of `signals` aborts (at once if one already has); returns the undo. */
function onAnyAbort(signals: Signals, fn: (reason: unknown) => void): () => void {
  const undo: (() => void)[] = []
  for (const s of signals) {
    if (s === undefined) continue
    if (s.aborted) {
      fn(s.reason)
      break
    }
    const listener = () => fn(s.reason)
    s.addEventListener('abort', listener, { once: true })
    undo.push(() => s.removeEventListener('abort', listener))
  }
  return () => {
    for (const u of undo) u()
  }
}

const sleep = (ms: number, signals: Signals) =>
  new Promise<void>((resolve, reject) => {
    let aborted = false
    const t = setTimeout(() => {
      stop()
      resolve()
    }, ms)
    // Assigned after onAnyAbort returns; a signal already aborted calls back before that.
    const stop = onAnyAbort(signals, (reason) => {
      aborted = true
      clearTimeout(t)
      reject(reason)
    })
    if (aborted) stop()
  })

export function backoffMs(settings: HttpSettings, attempt: number): number {
  const base = Math.min(settings.retryBackoffMs * 2 ** attempt, settings.retryBackoffMaxMs)
  return Math.round(base * (0.8 + Math.random() * 0.4))
}

interface Answer {
  status: number
  statusText: string
  text: string
}

class RequestTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within requestTimeoutMs (${ms} ms)`)
  }
}

/** One attempt: sends the request and reads the whole answer, within requestTimeoutMs. */
function exchange(
  settings: HttpSettings,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signals: Signals,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http
    const req = transport.request(url, { method, headers, agent: settings.agent })
    let settled = false
    let stopListening = () => {}
    const settle = (err: unknown, answer?: Answer) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      stopListening()
      if (err === undefined) resolve(answer!)
      else {
        reject(err)
        req.destroy()
      }
    }
    const timer = setTimeout(
      () => settle(new RequestTimeout(settings.requestTimeoutMs)),
      timerDelay(settings.requestTimeoutMs),
    )
    stopListening = onAnyAbort(signals, (reason) => settle(reason ?? new Error('aborted')))
    if (settled) stopListening()
    req.on('error', (err) => settle(err))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', (err) => settle(err))
      res.on('end', () => {
        // 'end' also follows an answer cut short; only a complete one counts.
        if (!res.complete) return settle(new Error('the connection closed before the answer was complete'))
        settle(undefined, {
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          text: Buffer.concat(chunks).toString('utf8'),
        })
      })
    })
    req.end(body)
  })
}

interface ErrorBody {
  error_code?: unknown
  message?: unknown
}

function errorFrom(res: Answer, what: string): SchemaRegistryError {
  let registryErrorCode = res.status
  let message = res.text.trim() || res.statusText
  try {
    const body = JSON.parse(res.text) as ErrorBody
    if (typeof body.error_code === 'number') registryErrorCode = body.error_code
    if (typeof body.message === 'string') message = body.message
  } catch {}
  return new SchemaRegistryError(
    `${what}: ${message} (HTTP ${res.status}, error_code ${registryErrorCode})`,
    codeFor(res.status, registryErrorCode),
    {
      status: res.status,
      registryErrorCode,
      retriable: isRetriableStatus(res.status),
    },
  )
}

const CLIENT_CERT = 'tls.cert and tls.key, or tls.certFile and tls.keyFile'

function tlsHint(code: string, reason: string, clientCertificate: boolean): string {
  // EPROTO carries its cause only in OpenSSL's reason ("wrong version number").
  const c = `${code} ${reason.toUpperCase().replaceAll(' ', '_')}`
  if (c.includes('CERT_HAS_EXPIRED') || c.includes('CERT_NOT_YET_VALID'))
    return "The registry's certificate must be renewed (or this host's clock is wrong)"
  const refused = ['UNKNOWN_CA', 'CERTIFICATE_UNKNOWN', 'BAD_CERTIFICATE', 'UNSUPPORTED_CERTIFICATE']
  if (clientCertificate && refused.some((r) => c.includes(r)))
    return 'The registry refused the client certificate: it must be signed by a CA in the registry truststore, for client authentication'
  if (c.includes('CERTIFICATE_REQUIRED') || c.includes('HANDSHAKE_FAILURE') || c.includes('BAD_CERTIFICATE'))
    return `The registry may require a client certificate: set ${CLIENT_CERT}`
  if (c.includes('WRONG_VERSION_NUMBER') || c.includes('PACKET_LENGTH_TOO_LONG'))
    return 'The port may not speak TLS: check that the URL should be https: and not http:'
  return "Set tls.ca or tls.caFile to the CA that signed the registry's certificate"
}

/** OpenSSL's reason in an error such as "...:SSL routines:ssl3_get_record:wrong version number:../deps/...". */
function opensslReason(message: string): string {
  return /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1]?.trim() ?? message.trim()
}

/**
 * A failure without an answer: a TLS refusal (ERR_SCHEMA_REGISTRY_TLS, not retriable) or an
 * unreachable registry (ERR_SCHEMA_REGISTRY_UNREACHABLE, retriable).
 */
function failureWithoutAnswer(settings: HttpSettings, what: string, err: unknown): SchemaRegistryError {
  const baseUrl = settings.baseUrl
  const e = err as Error & { code?: string; reason?: string }
  const code = typeof e?.code === 'string' ? e.code : ''
  const problem = certificateProblem(code)
  if (problem !== undefined) {
    const detail = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? `${code}: ${e.reason ?? e.message}` : code
    const fix =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? "Use a URL whose host is in the certificate's subject alternative names, or name that host in " +
          'tls.servername (tls.rejectUnauthorized: false turns every check off, which is unsafe)'
        : tlsHint(code, '', false)
    return new SchemaRegistryError(
      `${what}: TLS connection to schema registry at ${baseUrl} refused: ${problem} (${detail}). ${fix}.`,
      'ERR_SCHEMA_REGISTRY_TLS',
      { cause: err },
    )
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    const reason = opensslReason(e.message)
    return new SchemaRegistryError(
      `${what}: TLS handshake with schema registry at ${baseUrl} failed: ${reason} (${code}). ${tlsHint(code, reason, settings.clientCertificate)}.`,
      'ERR_SCHEMA_REGISTRY_TLS',
      { cause: err },
    )
  }
  const cause = (e as { cause?: unknown })?.cause ?? err
  return new SchemaRegistryError(
    `${what}: schema registry at ${baseUrl} unreachable (${(cause as Error)?.message ?? String(cause)})`,
    'ERR_SCHEMA_REGISTRY_UNREACHABLE',
    { retriable: true, cause: err },
  )
}

/** Sends the request, retrying as described above; resolves with the parsed JSON answer. */
export async function requestJson<T>(settings: HttpSettings, req: JsonRequest): Promise<T> {
  const url = new URL(settings.baseUrl + req.path)
  const what = `${req.method} ${req.path}`
  const signals = [req.signal, settings.closed]
  const body = req.body === undefined ? undefined : JSON.stringify(req.body)
  for (let attempt = 0; ; attempt++) {
    if (req.signal?.aborted) throw req.signal.reason
    if (settings.closed.aborted) throw settings.closed.reason
    // Outside the try: a token source that fails is its own error, not an unreachable registry.
    const headers: Record<string, string> = {
      accept: `${CONTENT_TYPE}, application/json`,
      ...(await settings.headers()),
    }
    if (body !== undefined) {
      headers['content-type'] = CONTENT_TYPE
      headers['content-length'] = String(Buffer.byteLength(body))
    }
    let error: SchemaRegistryError
    try {
      const res = await exchange(settings, url, req.method, headers, body, signals)
      if (res.status >= 200 && res.status < 300) {
        return (res.text === '' ? null : JSON.parse(res.text)) as T
      }
      error = errorFrom(res, what)
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason
      if (settings.closed.aborted) throw settings.closed.reason
      if (err instanceof SyntaxError) {
        throw new SchemaRegistryError(`${what}: the registry's answer is not JSON`, 'ERR_SCHEMA_REGISTRY', {
          cause: err,
        })
      }
      error = failureWithoutAnswer(settings, what, err)
    }
    if (!error.retriable || attempt >= settings.retries) throw error
    await sleep(backoffMs(settings, attempt), signals)
  }
}

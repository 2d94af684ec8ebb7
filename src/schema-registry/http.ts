/**
 * One JSON request to the registry with retries: 5xx, 408, 429 and network failures (refused
 * connection, reset, timeout) are tried again up to `retries` times, waiting
 * `retryBackoffMs * 2^attempt` (at most `retryBackoffMaxMs`, with +-20% jitter as Kafka's
 * clients use) between tries. Uses Node's built-in fetch.
 */
import { codeFor, isRetriableStatus, SchemaRegistryError } from './errors.js'

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'

export interface HttpSettings {
  baseUrl: string
  retries: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  requestTimeoutMs: number
  /** Called once per attempt, so a bearer token source is asked again after a refusal. */
  headers: () => Promise<Record<string, string>>
}

export interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Starts with '/', path segments already encoded. */
  path: string
  body?: unknown
  signal?: AbortSignal | undefined
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

export function backoffMs(settings: HttpSettings, attempt: number): number {
  const base = Math.min(settings.retryBackoffMs * 2 ** attempt, settings.retryBackoffMaxMs)
  return Math.round(base * (0.8 + Math.random() * 0.4))
}

interface ErrorBody {
  error_code?: unknown
  message?: unknown
}

async function errorFrom(res: Response, what: string): Promise<SchemaRegistryError> {
  const text = await res.text().catch(() => '')
  let registryErrorCode = res.status
  let message = text.trim() || res.statusText
  try {
    const body = JSON.parse(text) as ErrorBody
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

/** Sends the request, retrying as described above; resolves with the parsed JSON answer. */
export async function requestJson<T>(settings: HttpSettings, req: JsonRequest): Promise<T> {
  const url = settings.baseUrl + req.path
  const what = `${req.method} ${req.path}`
  for (let attempt = 0; ; attempt++) {
    // Outside the try: a token source that fails is its own error, not an unreachable registry.
    const headers: Record<string, string> = {
      accept: `${CONTENT_TYPE}, application/json`,
      ...(await settings.headers()),
    }
    let error: SchemaRegistryError
    try {
      const init: RequestInit = { method: req.method, headers }
      if (req.body !== undefined) {
        headers['content-type'] = CONTENT_TYPE
        init.body = JSON.stringify(req.body)
      }
      const timeout = AbortSignal.timeout(settings.requestTimeoutMs)
      init.signal = req.signal === undefined ? timeout : AbortSignal.any([req.signal, timeout])
      const res = await fetch(url, init)
      if (res.ok) {
        const text = await res.text()
        return (text === '' ? null : JSON.parse(text)) as T
      }
      error = await errorFrom(res, what)
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason
      if (err instanceof SchemaRegistryError) throw err
      if (err instanceof SyntaxError) {
        throw new SchemaRegistryError(`${what}: the registry's answer is not JSON`, 'ERR_SCHEMA_REGISTRY', {
          cause: err,
        })
      }
      const cause = (err as { cause?: unknown }).cause ?? err
      error = new SchemaRegistryError(
        `${what}: schema registry at ${settings.baseUrl} unreachable (${(cause as Error).message ?? String(cause)})`,
        'ERR_SCHEMA_REGISTRY_UNREACHABLE',
        { retriable: true, cause: err },
      )
    }
    if (!error.retriable || attempt >= settings.retries) throw error
    await sleep(backoffMs(settings, attempt), req.signal)
  }
}

/**
 * sluice/health: a Node HTTP request handler for liveness and readiness probes, over
 * `producer.health()`. No dependency beyond node:http's types; works with http.createServer and
 * express-style frameworks (a third `next` argument is called for paths it does not serve).
 *
 * ```ts
 * import { createServer } from 'node:http'
 * import { healthHandler } from 'sluice/health'
 * createServer(healthHandler(producer)).listen(8080) // GET /live, GET /ready
 * app.use('/health', healthHandler(producer))          // express: /health/live, /health/ready
 * ```
 *
 * - `/live`: 200 while the producer is open and has not failed for good, else 503. A liveness
 *   probe that fails restarts the process: only a producer that can't recover fails it.
 * - `/ready`: 200 unless the verdict is 'down' (the circuit breaker is open, no broker is
 *   reachable, closed or failed), else 503; with `degradedIsReady: false`, 'degraded' is 503 too.
 *
 * Both answer with the health JSON (`application/json`, `cache-control: no-store`); HEAD gets
 * the status and headers only; other methods get 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HealthVerdict, ProducerHealth } from '../producer/health.js'

export type { HealthVerdict, ProducerHealth } from '../producer/health.js'

/** What the handler reads: a Producer, or anything with its health(). */
export interface HealthSource {
  health(): ProducerHealth
}

export interface HealthHandlerOptions {
  /** The liveness path; default '/live'. */
  livePath?: string
  /** The readiness path; default '/ready'. */
  readyPath?: string
  /** Whether 'degraded' is ready (200); default true. */
  degradedIsReady?: boolean
}

/** The handler: (req, res) for node:http, (req, res, next) for express-style routers. */
export type HealthHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: unknown) => void,
) => void

/** Whether a health report passes the liveness probe. */
export function isLive(h: ProducerHealth): boolean {
  return !h.closed && h.fatalError === null
}

/** Whether a health report passes the readiness probe. */
export function isReady(h: ProducerHealth, degradedIsReady = true): boolean {
  const v: HealthVerdict = h.verdict
  return v === 'ok' || (v === 'degraded' && degradedIsReady)
}

export function healthHandler(source: HealthSource, options: HealthHandlerOptions = {}): HealthHandler {
  if (source === null || typeof source !== 'object' || typeof source.health !== 'function')
    throw new TypeError('healthHandler(producer): pass a Producer, or an object with a health() method')
  const livePath = options.livePath ?? '/live'
  const readyPath = options.readyPath ?? '/ready'
  const degradedIsReady = options.degradedIsReady ?? true
  return (req, res, next) => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    let path = q < 0 ? url : url.slice(0, q)
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
    const probe = path === livePath ? 'live' : path === readyPath ? 'ready' : null
    if (probe === null) {
      if (next !== undefined) {
        next()
        return
      }
      reply(res, req, 404, { error: `not found: serve ${livePath} or ${readyPath}` })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      reply(res, req, 405, { error: `method ${req.method} not allowed: use GET or HEAD` })
      return
    }
    let h: ProducerHealth
    try {
      h = source.health()
    } catch (err) {
      reply(res, req, 503, {
        verdict: 'down',
        reasons: [`health() threw: ${(err as Error)?.message ?? err}`],
      })
      return
    }
    const ok = probe === 'live' ? isLive(h) : isReady(h, degradedIsReady)
    reply(res, req, ok ? 200 : 503, h)
  }
}

function reply(res: ServerResponse, req: IncomingMessage, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.setHeader('content-length', Buffer.byteLength(text))
  res.end(req.method === 'HEAD' ? undefined : text)
}

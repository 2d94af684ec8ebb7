/**
 * A TCP proxy between the client and a Kafka broker (real or fake) that can cut, stall, delay
 * and drop on demand. Never the only evidence that something works.
 *
 *   const proxy = await startFaultProxy({ targetHost, targetPort, rewriteMetadata: true })
 *   proxy.bootstrapServers      // '127.0.0.1:<port>': give this to the client
 *   proxy.cutAll()              // destroy every open connection (both sides); new ones are accepted
 *   proxy.pause() / resume()    // hold all bytes in both directions / let them through, in order
 *   proxy.dropNextResponse(n=1) // swallow the next n response frames (any connection)
 *   proxy.cutMidResponse(apiKey?) // the next response (to that API) arrives half, then its connection is cut
 *   proxy.delayResponses(ms, apiKey?) // deliver each response (to that API) ms after it arrived; 0 turns it off
 *   proxy.releaseDelayed()      // deliver the responses being delayed now
 *   proxy.connections           // open client connections; connectionCount: accepted so far
 *   proxy.requestsSeen(apiKey)  // requests of that API forwarded so far (all connections)
 *   proxy.versionsSeen(apiKey)  // the versions those requests were sent at
 *   proxy.listeners             // proxy port per upstream 'host:port'
 *   await proxy.close()         // no handle left open
 *
 * A real broker advertises its own host:port in Metadata, so a plain proxy only sees the
 * bootstrap connection. With `rewriteMetadata`, Metadata and FindCoordinator responses (and
 * Produce v10+ NodeEndpoints, KIP-951) are decoded with the project's codec and every broker address is
 * replaced by a proxy listener for that broker, opened on first sight: all traffic then flows
 * through the proxy. To decode a response the proxy tracks, per connection, the API key and
 * version of each request by correlation id. Requests are forwarded as the bytes arrived;
 * responses frame by frame (re-encoded only when rewritten).
 *
 * With `capVersions` ({ [apiKey]: max }), ApiVersions responses offer at most that version of
 * each listed API, as an older broker would: the client's fallbacks then run against a real
 * broker, which still accepts the lower versions.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net'
import { FrameDecoder } from '../../src/network/frame-decoder.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { type ApiDescriptor, decodeResponse, encodeResponse } from '../../src/protocol/codec.js'
import { peekRequestHeader, readRequestHeader } from '../../src/protocol/header.js'
import { ApiVersions } from '../../src/protocol/messages/api-versions.js'
import { FindCoordinator } from '../../src/protocol/messages/find-coordinator.js'
import { Metadata } from '../../src/protocol/messages/metadata.js'
import { Produce } from '../../src/protocol/messages/produce.js'
import { Reader } from '../../src/protocol/reader.js'
import { Writer } from '../../src/protocol/writer.js'

export interface FaultProxyOptions {
  targetHost: string
  targetPort: number
  /** Rewrite broker addresses in responses so that every connection goes through the proxy. */
  rewriteMetadata?: boolean
  /** Where the listeners bind; default 127.0.0.1. */
  host?: string
  /** The highest version of an API (by key) that ApiVersions responses offer. */
  capVersions?: Readonly<Record<number, number>>
}

export interface FaultProxy {
  readonly host: string
  /** The listener for the target (the bootstrap address). */
  readonly port: number
  readonly bootstrapServers: string
  /** Client connections open now. */
  readonly connections: number
  /** Client connections accepted so far. */
  readonly connectionCount: number
  /** Proxy port per upstream 'host:port'. */
  readonly listeners: ReadonlyMap<string, number>
  /** Requests of `apiKey` seen so far, on every connection. */
  requestsSeen(apiKey: number): number
  /** The versions requests of `apiKey` were sent at so far. */
  versionsSeen(apiKey: number): ReadonlySet<number>
  cutAll(): void
  pause(): void
  resume(): void
  dropNextResponse(count?: number): void
  /**
   * The next response frame (to a request of `apiKey`; any when omitted) reaches the client only
   * in part, then that connection is cut. Calling again before it happened does not add a cut.
   */
  cutMidResponse(apiKey?: number): void
  /** Responses cut in the middle so far. */
  readonly midResponseCuts: number
  /** Holds each response (to requests of `apiKey`; all when omitted) for `ms` after it arrived. */
  delayResponses(ms: number, apiKey?: number): void
  /** Delivers at once the responses delayResponses holds now (later ones wait as set). */
  releaseDelayed(): void
  close(): Promise<void>
}

const MAX_FRAME = 512 * 1024 * 1024

interface Pipe {
  client: Socket
  upstream: Socket
  closed: boolean
  /** apiKey/version of requests awaiting a response, by correlation id. */
  pending: Map<number, { apiKey: number; apiVersion: number }>
  heldUp: Buffer[]
  heldDown: Buffer[]
  /** Responses are processed in arrival order. */
  down: Promise<void>
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new TcpFaultProxy(options)
  const port = await proxy.listenerFor(options.targetHost, options.targetPort)
  proxy.port = port
  return proxy
}

class TcpFaultProxy implements FaultProxy {
  readonly host: string
  port = 0
  readonly #rewrite: boolean
  readonly #caps: ReadonlyMap<number, number>
  readonly #servers: Server[] = []
  readonly #listeners = new Map<string, Promise<number>>()
  readonly #ports = new Map<string, number>()
  readonly #pipes = new Set<Pipe>()
  readonly #timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>()
  #accepted = 0
  readonly #requestsSeen = new Map<number, number>()
  readonly #versionsSeen = new Map<number, Set<number>>()
  #paused = false
  #dropCount = 0
  /** The API whose next response is cut in the middle; -1 any, null none. */
  #cutMid: number | null = null
  #midResponseCuts = 0
  #delayMs = 0
  /** The API whose responses are delayed; -1 all. */
  #delayApi = -1
  #closed = false

  constructor(options: FaultProxyOptions) {
    this.host = options.host ?? '127.0.0.1'
    this.#rewrite = options.rewriteMetadata ?? false
    this.#caps = new Map(Object.entries(options.capVersions ?? {}).map(([k, v]) => [Number(k), v]))
  }

  get bootstrapServers(): string {
    return `${this.host}:${this.port}`
  }

  get connections(): number {
    return this.#pipes.size
  }

  get connectionCount(): number {
    return this.#accepted
  }

  get listeners(): ReadonlyMap<string, number> {
    return this.#ports
  }

  requestsSeen(apiKey: number): number {
    return this.#requestsSeen.get(apiKey) ?? 0
  }

  versionsSeen(apiKey: number): ReadonlySet<number> {
    return this.#versionsSeen.get(apiKey) ?? new Set()
  }

  cutAll(): void {
    for (const p of this.#pipes) this.#end(p)
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
    for (const p of this.#pipes) {
      for (const b of p.heldUp.splice(0)) p.upstream.write(b)
      for (const b of p.heldDown.splice(0)) p.client.write(b)
    }
  }

  dropNextResponse(count = 1): void {
    this.#dropCount += count
  }

  cutMidResponse(apiKey?: number): void {
    this.#cutMid = apiKey ?? -1
  }

  get midResponseCuts(): number {
    return this.#midResponseCuts
  }

  delayResponses(ms: number, apiKey = -1): void {
    this.#delayMs = Math.max(0, ms)
    this.#delayApi = apiKey
  }

  releaseDelayed(): void {
    for (const t of this.#timers) {
      clearTimeout(t.timer)
      t.done()
    }
    this.#timers.clear()
  }

  async close(): Promise<void> {
    this.#closed = true
    this.cutAll()
    for (const t of this.#timers) {
      clearTimeout(t.timer)
      t.done()
    }
    this.#timers.clear()
    await Promise.all(this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }

  /** The proxy port forwarding to host:port, listening on first use. */
  listenerFor(host: string, port: number): Promise<number> {
    const key = `${host}:${port}`
    let p = this.#listeners.get(key)
    if (p === undefined) {
      p = this.#listen(host, port).then((local) => {
        this.#ports.set(key, local)
        return local
      })
      this.#listeners.set(key, p)
    }
    return p
  }

  async #listen(host: string, port: number): Promise<number> {
    if (this.#closed) throw new Error('the fault proxy is closed')
    const server = createServer((client) => this.#accept(client, host, port))
    this.#servers.push(server)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, this.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    return (server.address() as { port: number }).port
  }

  #accept(client: Socket, host: string, port: number): void {
    this.#accepted++
    client.setNoDelay(true)
    const upstream = netConnect({ host, port, noDelay: true })
    const pipe: Pipe = {
      client,
      upstream,
      closed: false,
      pending: new Map(),
      heldUp: [],
      heldDown: [],
      down: Promise.resolve(),
    }
    this.#pipes.add(pipe)
    let requests: FrameDecoder | null = new FrameDecoder(MAX_FRAME)
    client.on('data', (chunk: Buffer) => {
      try {
        requests?.push(chunk, (frame) => this.#track(pipe, frame))
      } catch {
        requests = null // not Kafka framing: forward without tracking
      }
      if (this.#paused) pipe.heldUp.push(chunk)
      else upstream.write(chunk)
    })
    const responses = new FrameDecoder(MAX_FRAME)
    upstream.on('data', (chunk: Buffer) => {
      try {
        responses.push(chunk, (frame) => {
          const copy = Buffer.from(frame)
          const arrived = Date.now()
          pipe.down = pipe.down.then(() => this.#respond(pipe, copy, arrived)).catch(() => this.#end(pipe))
        })
      } catch {
        this.#end(pipe)
      }
    })
    for (const s of [client, upstream]) {
      s.on('error', () => this.#end(pipe))
      s.on('close', () => this.#end(pipe))
    }
  }

  #track(pipe: Pipe, frame: Buffer): void {
    const head = peekRequestHeader(frame)
    this.#requestsSeen.set(head.apiKey, (this.#requestsSeen.get(head.apiKey) ?? 0) + 1)
    const versions = this.#versionsSeen.get(head.apiKey) ?? new Set<number>()
    this.#versionsSeen.set(head.apiKey, versions.add(head.apiVersion))
    if (head.apiKey === ApiKey.Produce && produceAcks(frame) === 0) return // no response comes
    pipe.pending.set(head.correlationId, { apiKey: head.apiKey, apiVersion: head.apiVersion })
  }

  async #respond(pipe: Pipe, frame: Buffer, arrived: number): Promise<void> {
    const correlationId = frame.readInt32BE(0)
    const request = pipe.pending.get(correlationId)
    pipe.pending.delete(correlationId)
    if (this.#dropCount > 0) {
      this.#dropCount--
      return
    }
    const delayed = this.#delayApi === -1 || this.#delayApi === request?.apiKey
    const wait = delayed ? arrived + this.#delayMs - Date.now() : 0
    if (wait > 0) await this.#sleep(wait)
    let out: Buffer | null = null
    // A response the codec cannot read is forwarded as it is: the client will say what is wrong.
    if ((this.#rewrite || this.#caps.size > 0) && request !== undefined) {
      out = await this.#rewritten(frame, correlationId, request).catch(() => null)
    }
    if (out === null) {
      out = Buffer.allocUnsafe(4 + frame.length)
      out.writeInt32BE(frame.length, 0)
      frame.copy(out, 4)
    }
    if (pipe.closed) return
    if (this.#cutMid !== null && !this.#paused && (this.#cutMid === -1 || this.#cutMid === request?.apiKey)) {
      this.#cutMid = null
      this.#midResponseCuts++
      this.#endAfter(pipe, out.subarray(0, Math.max(1, out.length >> 1)))
      return
    }
    if (this.#paused) pipe.heldDown.push(out)
    else pipe.client.write(out)
  }

  /** The response re-encoded with proxy addresses, or null to forward it as it is. */
  async #rewritten(
    frame: Buffer,
    correlationId: number,
    request: { apiKey: number; apiVersion: number },
  ): Promise<Buffer | null> {
    const { apiKey, apiVersion } = request
    if (apiKey === ApiKey.ApiVersions && this.#caps.size > 0) {
      const body = decodeResponse(ApiVersions, apiVersion, frame)
      for (const k of body.apiKeys) {
        const cap = this.#caps.get(k.apiKey)
        if (cap !== undefined && k.maxVersion > cap) k.maxVersion = Math.max(cap, k.minVersion)
      }
      return encode(ApiVersions, apiVersion, correlationId, body)
    }
    if (!this.#rewrite) return null
    if (apiKey === ApiKey.Metadata) {
      const body = decodeResponse(Metadata, apiVersion, frame)
      for (const b of body.brokers) {
        b.port = await this.listenerFor(b.host, b.port)
        b.host = this.host
      }
      return encode(Metadata, apiVersion, correlationId, body)
    }
    if (apiKey === ApiKey.FindCoordinator) {
      const body = decodeResponse(FindCoordinator, apiVersion, frame)
      if (body.host !== '' && body.port > 0) {
        body.port = await this.listenerFor(body.host, body.port)
        body.host = this.host
      }
      for (const c of body.coordinators) {
        if (c.host === '' || c.port <= 0) continue
        c.port = await this.listenerFor(c.host, c.port)
        c.host = this.host
      }
      return encode(FindCoordinator, apiVersion, correlationId, body)
    }
    if (apiKey === ApiKey.Produce && apiVersion >= 10) {
      const body = decodeResponse(Produce, apiVersion, frame)
      if (body.nodeEndpoints.length === 0) return null
      for (const e of body.nodeEndpoints) {
        e.port = await this.listenerFor(e.host, e.port)
        e.host = this.host
      }
      return encode(Produce, apiVersion, correlationId, body)
    }
    return null
  }

  #end(pipe: Pipe): void {
    if (pipe.closed) return
    pipe.closed = true
    this.#pipes.delete(pipe)
    pipe.heldUp.length = 0
    pipe.heldDown.length = 0
    pipe.client.destroy()
    pipe.upstream.destroy()
  }

  /** Like #end, but `partial` (and anything written before) reaches the client first. */
  #endAfter(pipe: Pipe, partial: Buffer): void {
    pipe.closed = true
    this.#pipes.delete(pipe)
    pipe.heldUp.length = 0
    pipe.heldDown.length = 0
    pipe.upstream.destroy()
    pipe.client.end(partial, () => pipe.client.destroy())
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry)
          resolve()
        }, ms),
        done: resolve,
      }
      this.#timers.add(entry)
    })
  }
}

function encode<Res>(
  api: ApiDescriptor<unknown, Res>,
  version: number,
  correlationId: number,
  body: Res,
): Buffer {
  const w = new Writer(4096)
  encodeResponse(w, api, version, correlationId, body)
  return w.toBuffer()
}

/** The acks of a Produce request frame (after the header: transactionalId, then acks). */
function produceAcks(frame: Buffer): number {
  const r = new Reader(frame)
  const flexible = frame.readInt16BE(2) >= Produce.flexibleFrom
  readRequestHeader(r, () => (flexible ? 2 : 1))
  if (flexible) r.compactString()
  else r.string()
  return r.int16()
}

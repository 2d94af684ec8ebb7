import { isIP, connect as netConnect, type Socket } from 'node:net'
import { type ConnectionOptions as TlsConnectOptions, connect as tlsConnect } from 'node:tls'
import { KafkaError, NetworkError, ProtocolError, RequestTimeoutError, TlsError } from '../errors.js'
import { type ApiDescriptor, decodeResponse, encodeRequest, readCorrelationId } from '../protocol/codec.js'
import { RequestWriter } from '../protocol/request-writer.js'
import { Writer } from '../protocol/writer.js'
import { handshakeClosed, looksLikeTls, tlsFailure } from '../security/tls/tls-errors.js'
import { timerDelay } from '../timers.js'
import { FrameDecoder } from './frame-decoder.js'

/** Network events of one connection, for the metrics. */
export interface ConnectionIo {
  requestSent(bytes: number, nowMs: number): void
  responseReceived(bytes: number, nowMs: number): void
  /** A socket read or write (network-io). */
  networkOp(nowMs: number): void
}

export interface ConnectionOptions {
  host: string
  port: number
  clientId: string | null
  /** Bound on each request's wait for its response (`request.timeout.ms`). */
  requestTimeoutMs: number
  /** Bound on the TCP connect (`socket.connection.setup.timeout.ms`). */
  connectTimeoutMs: number
  /**
   * `send.buffer.bytes` / `receive.buffer.bytes`. Node has no setter for SO_SNDBUF/SO_RCVBUF on
   * a client socket, so these are accepted but the kernel's autotuning applies.
   */
  sendBufferBytes?: number
  receiveBufferBytes?: number
  /** Largest response frame accepted before the stream is declared corrupt. */
  maxFrameBytes?: number
  /**
   * Close the connection once nothing has been sent or received for this long
   * (`connections.max.idle.ms`); negative or absent: never.
   */
  maxIdleMs?: number
  /** TLS settings (security.protocol SSL or SASL_SSL); absent or null: plaintext. */
  tls?: TlsOptions | null
  /** Told of each request written and each response read (the network metrics). */
  io?: ConnectionIo
}

/** node:tls options for a broker connection; host, port and SNI are filled in per broker. */
export type TlsOptions = Omit<TlsConnectOptions, 'host' | 'port' | 'socket' | 'servername'>

interface Pending {
  api: ApiDescriptor<unknown, unknown>
  version: number
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  deadline: number
}

const DEFAULT_MAX_FRAME = 512 * 1024 * 1024
const OUT_CAPACITY = 64 * 1024
/** Output buffers kept for reuse once the socket has written them (more are let go). */
const MAX_SPARE_OUT = 2

/**
 * One TCP connection to one broker. Requests are pipelined and matched to responses by
 * correlation id; writes made in the same tick are coalesced into one socket write. When the
 * connection fails, every pending request fails with a retriable NetworkError, and the
 * connection is dead for good: the owner opens a new one (see BrokerConnections).
 */
export class Connection {
  readonly host: string
  readonly port: number
  readonly #options: ConnectionOptions
  #socket: Socket | null = null
  readonly #pending = new Map<number, Pending>()
  #nextCorrelationId = 0
  /** Requests encoded this tick, written together (record batches in place, not copied). */
  #out = new RequestWriter(OUT_CAPACITY)
  /** Output buffers the socket has finished with, to encode into again instead of copying. */
  readonly #spareOut: RequestWriter[] = []
  #flushScheduled = false
  /** Requests that expect no response (acks=0), settled when their bytes reach the socket. */
  #unanswered: { resolve: (v: undefined) => void; reject: (err: Error) => void }[] = []
  readonly #decoder: FrameDecoder
  #closedWith: Error | null = null
  #timer: NodeJS.Timeout | null = null
  #onClose: ((err: Error) => void) | null = null
  /** When a request was last sent or a response last received (epoch ms). */
  #lastActive = 0
  #idleTimer: NodeJS.Timeout | null = null
  #closedIdle = false
  #closedByPeer = false
  #receivedAny = false
  /**
   * While a re-authentication runs (KIP-368) ordinary requests are encoded but not written: the
   * broker accepts only the SASL requests until the exchange ends.
   */
  #holdWrites = false
  /** When to re-authenticate (epoch ms), checked as requests are sent; 0: never. */
  #reauthAt = 0
  #reauthenticate: (() => Promise<void>) | null = null
  /** Waiters for raw SASL frames (SaslHandshake v0), answered in order. */
  readonly #rawWaiters: { resolve: (frame: Buffer) => void; reject: (err: Error) => void }[] = []

  constructor(options: ConnectionOptions) {
    this.#options = options
    this.host = options.host
    this.port = options.port
    this.#decoder = new FrameDecoder(options.maxFrameBytes ?? DEFAULT_MAX_FRAME)
  }

  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`
  }

  get isOpen(): boolean {
    return this.#socket !== null && this.#closedWith === null
  }

  /** Requests written and still waiting for their response. */
  get inFlight(): number {
    return this.#pending.size
  }

  /** Whether the connection was closed for being idle (connections.max.idle.ms), not for a failure. */
  get closedIdle(): boolean {
    return this.#closedIdle
  }

  /** Whether the connection ended because the socket closed or failed, not because it was closed here. */
  get closedByPeer(): boolean {
    return this.#closedByPeer
  }

  /** Called once when the connection closes, with the reason. */
  onClose(listener: (err: Error) => void): void {
    this.#onClose = listener
  }

  /** Connects (and, with TLS, completes the handshake) within `connectTimeoutMs`. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const tls = this.#options.tls ?? null
      const socket =
        tls === null
          ? netConnect({ host: this.host, port: this.port, noDelay: true })
          : tlsConnect({
              ...tls,
              host: this.host,
              port: this.port,
              ...(isIP(this.host) === 0 ? { servername: this.host } : {}),
            })
      if (tls !== null) socket.setNoDelay(true)
      const timer = setTimeout(() => {
        fail(
          new NetworkError(
            `connecting to ${this.address} timed out after ${this.#options.connectTimeoutMs} ms`,
          ),
        )
      }, timerDelay(this.#options.connectTimeoutMs))
      const fail = (err: Error) => {
        clearTimeout(timer)
        socket.destroy()
        this.#closedWith ??= err
        reject(err)
      }
      socket.once('error', (err: Error & { code?: string }) => {
        const connected = (socket as Socket & { connecting: boolean }).connecting === false
        if (tls === null || !connected)
          fail(new NetworkError(`cannot connect to ${this.address}: ${err.message}`, { cause: err }))
        // Closed before the handshake ended (Node: "socket disconnected before secure TLS
        // connection was established"), or reset during it.
        else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') fail(handshakeClosed(this.address, err))
        else fail(tlsFailure(this.address, err))
      })
      socket.once(tls === null ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        if (this.#closedWith !== null) {
          socket.destroy()
          reject(this.#closedWith)
          return
        }
        this.#attach(socket)
        resolve()
      })
    })
  }

  #attach(socket: Socket): void {
    this.#socket = socket
    this.#lastActive = Date.now()
    this.#armIdleTimer(this.#options.maxIdleMs ?? -1)
    socket.on('data', (chunk: Buffer) => {
      this.#options.io?.networkOp(Date.now())
      if (!this.#receivedAny) {
        this.#receivedAny = true
        if (this.#options.tls == null && looksLikeTls(chunk)) {
          this.close(
            new TlsError(
              `broker ${this.address} answered with TLS: its listener expects SSL or SASL_SSL, not ` +
                'plaintext. Set security.protocol to SSL or SASL_SSL, or use its plaintext port.',
            ),
          )
          return
        }
      }
      try {
        this.#decoder.push(chunk, (frame) => this.#onFrame(frame))
      } catch (err) {
        const cause = err instanceof KafkaError ? err : new ProtocolError(String(err), { cause: err })
        this.close(
          new NetworkError(`malformed response from ${this.address}: ${(cause as Error).message}`, { cause }),
        )
      }
    })
    socket.on('error', (err) => {
      if (this.#closedWith === null) this.#closedByPeer = true
      const failure = this.#options.tls == null ? null : tlsFailure(this.address, err)
      this.close(
        failure instanceof TlsError
          ? failure
          : new NetworkError(`connection to ${this.address} failed: ${err.message}`, { cause: err }),
      )
    })
    socket.on('close', () => {
      if (this.#closedWith === null) this.#closedByPeer = true
      this.close(
        new NetworkError(`connection to ${this.address} was closed by the broker${this.#silentCloseHint()}`),
      )
    })
  }

  /** Why a broker may close a new connection before answering anything, as a hint to append. */
  #silentCloseHint(): string {
    if (this.#receivedAny) return ''
    return this.#options.tls == null
      ? ' before answering anything (a TLS listener may do this to a plaintext client: check security.protocol)'
      : ' right after the TLS handshake, before answering anything (a broker that requires a client ' +
          'certificate may do this when it does not trust ours: check ssl.keystore.* and the CA the broker trusts)'
  }

  /**
   * Sends a request. With `expectResponse: false` (Produce with acks=0) the promise resolves
   * with `undefined` once the bytes are handed to the socket. A request that can't be encoded
   * throws here, having written nothing; once a promise is returned the request is on its way,
   * and a rejection means its fate is unknown.
   */
  send<Req, Res>(
    api: ApiDescriptor<Req, Res>,
    version: number,
    body: Req,
    expectResponse = true,
  ): Promise<Res> {
    if (this.#closedWith !== null || this.#socket === null) return this.#notOpen()
    if (this.#reauthAt > 0 && !this.#holdWrites && Date.now() >= this.#reauthAt) this.#beginReauthentication()
    return this.#enqueue(api, version, body, expectResponse, this.#out)
  }

  /**
   * Sends a request ahead of any held ones, written at once: the SASL requests of an
   * authentication or re-authentication.
   */
  sendDirect<Req, Res>(api: ApiDescriptor<Req, Res>, version: number, body: Req): Promise<Res> {
    if (this.#closedWith !== null || this.#socket === null) return this.#notOpen()
    const out = new Writer(256)
    const response = this.#enqueue(api, version, body, true, out)
    this.#socket.write(out.view())
    return response
  }

  /** Writes one raw size-prefixed SASL token and resolves with the next frame (SaslHandshake v0). */
  sendRaw(token: Buffer): Promise<Buffer> {
    if (this.#closedWith !== null || this.#socket === null) return this.#notOpen()
    const size = Buffer.allocUnsafe(4)
    size.writeInt32BE(token.length, 0)
    this.#socket.write(Buffer.concat([size, token]))
    return new Promise((resolve, reject) => this.#rawWaiters.push({ resolve, reject }))
  }

  /**
   * Arms re-authentication (KIP-368): the first request sent at or after `atMs` (epoch ms) holds
   * back ordinary writes, runs `run` (which uses sendDirect), then writes what was held, in
   * order. A failed run closes the connection with its error.
   */
  setReauthentication(atMs: number, run: () => Promise<void>): void {
    this.#reauthAt = atMs
    this.#reauthenticate = run
  }

  #notOpen(): Promise<never> {
    return Promise.reject(this.#closedWith ?? new NetworkError(`connection to ${this.address} is not open`))
  }

  #beginReauthentication(): void {
    const run = this.#reauthenticate
    this.#reauthAt = 0
    if (run === null) return
    // What was encoded before now belongs before the SaslHandshake on the wire.
    this.#flush()
    this.#holdWrites = true
    run().then(
      () => {
        this.#holdWrites = false
        this.#scheduleFlush()
      },
      (err: unknown) => this.close(err instanceof Error ? err : new NetworkError(String(err))),
    )
  }

  #enqueue<Req, Res>(
    api: ApiDescriptor<Req, Res>,
    version: number,
    body: Req,
    expectResponse: boolean,
    out: Writer,
  ): Promise<Res> {
    const correlationId = this.#nextCorrelationId
    this.#nextCorrelationId = (correlationId + 1) & 0x7fffffff
    const before = out.length
    encodeRequest(out, api, version, correlationId, this.#options.clientId, body)
    if (out === this.#out) this.#scheduleFlush()
    const now = Date.now()
    this.#lastActive = now
    this.#options.io?.requestSent(out.length - before, now)
    if (!expectResponse) {
      return new Promise<Res>((resolve, reject) => {
        this.#unanswered.push({ resolve: resolve as (v: undefined) => void, reject })
      })
    }
    return new Promise<Res>((resolve, reject) => {
      this.#pending.set(correlationId, {
        api: api as ApiDescriptor<unknown, unknown>,
        version,
        resolve: resolve as (value: unknown) => void,
        reject,
        deadline: now + this.#options.requestTimeoutMs,
      })
      this.#armTimer()
    })
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    queueMicrotask(() => this.#flush())
  }

  #flush(): void {
    this.#flushScheduled = false
    if (this.#out.length === 0 || this.#socket === null || this.#closedWith !== null || this.#holdWrites)
      return
    // The socket keeps the bytes until the kernel takes them: hand it the buffer itself and
    // encode into another meanwhile; it becomes spare again when the write has gone through.
    const out = this.#out
    this.#out = this.#spareOut.pop() ?? new RequestWriter(OUT_CAPACITY)
    const written = this.#unanswered
    if (written.length > 0) this.#unanswered = []
    this.#options.io?.networkOp(Date.now())
    const socket = this.#socket
    const done = (err: Error | null | undefined) => {
      out.reset()
      if (this.#spareOut.length < MAX_SPARE_OUT) this.#spareOut.push(out)
      // A request without a response is done once the kernel has its bytes (as in Java, where
      // acks=0 completes when the request is sent).
      for (const w of written) {
        if (err)
          w.reject(new NetworkError(`writing to ${this.address} failed: ${err.message}`, { cause: err }))
        else w.resolve(undefined)
      }
    }
    if (out.chunkCount === 0) {
      socket.write(out.view(), done)
      return
    }
    // The batches go out from their own buffers, in one gathered write (writev) with the request
    // bytes around them; the callback comes with the last piece, once all are written.
    const pieces = out.segments()
    socket.cork()
    const last = pieces.length - 1
    for (let i = 0; i < last; i++) socket.write(pieces[i]!)
    socket.write(pieces[last]!, done)
    socket.uncork()
  }

  #onFrame(frame: Buffer): void {
    const io = this.#options.io
    if (io !== undefined) io.responseReceived(frame.length + 4, Date.now())
    if (this.#rawWaiters.length > 0) {
      this.#rawWaiters.shift()!.resolve(frame)
      return
    }
    const correlationId = readCorrelationId(frame)
    const pending = this.#pending.get(correlationId)
    if (pending === undefined) {
      throw new ProtocolError(`response with unknown correlation id ${correlationId}`)
    }
    // A decode failure is thrown to the data handler, which closes the connection (the stream
    // can no longer be trusted) and so fails this request with the others still pending.
    const response = decodeResponse(pending.api, pending.version, frame)
    this.#pending.delete(correlationId)
    this.#lastActive = Date.now()
    pending.resolve(response)
  }

  #armIdleTimer(delayMs: number): void {
    if (delayMs < 0) return
    this.#idleTimer = setTimeout(() => this.#checkIdle(), timerDelay(delayMs))
    this.#idleTimer.unref?.()
  }

  // As Java's IdleExpiryManager: idle means no request sent and no response received for
  // connections.max.idle.ms. A connection with requests outstanding is never idle.
  #checkIdle(): void {
    this.#idleTimer = null
    if (this.#socket === null || this.#closedWith !== null) return
    const maxIdle = this.#options.maxIdleMs ?? -1
    const busy = this.#pending.size > 0 || this.#unanswered.length > 0 || this.#out.length > 0
    const idleFor = Date.now() - this.#lastActive
    if (!busy && idleFor >= maxIdle) {
      this.#closedIdle = true
      this.close(
        new NetworkError(
          `connection to ${this.address} closed after ${idleFor} ms idle (connections.max.idle.ms)`,
        ),
      )
      return
    }
    this.#armIdleTimer(busy ? maxIdle : maxIdle - idleFor)
  }

  // One timer for the whole connection, re-armed for the earliest deadline; cheaper than a
  // timer per request when hundreds are in flight.
  #armTimer(): void {
    if (this.#timer !== null) return
    this.#timer = setTimeout(() => this.#checkTimeouts(), timerDelay(this.#options.requestTimeoutMs))
    this.#timer.unref?.()
  }

  #checkTimeouts(): void {
    this.#timer = null
    const now = Date.now()
    let earliest = Number.POSITIVE_INFINITY
    for (const [, p] of this.#pending) {
      if (p.deadline <= now) {
        // As in the Java client: a timed-out request means the connection can't be trusted to
        // answer in order any more, so it is closed and everything pending on it fails.
        this.close(
          new RequestTimeoutError(
            `${p.api.name} request to ${this.address} got no response within ${this.#options.requestTimeoutMs} ms`,
          ),
        )
        return
      }
      if (p.deadline < earliest) earliest = p.deadline
    }
    if (earliest !== Number.POSITIVE_INFINITY) {
      this.#timer = setTimeout(() => this.#checkTimeouts(), timerDelay(Math.max(1, earliest - now)))
      this.#timer.unref?.()
    }
  }

  /** Closes the connection; pending requests fail with `reason` (a retriable NetworkError by default). */
  close(reason: Error = new NetworkError(`connection to ${this.address} was closed`)): void {
    if (this.#closedWith !== null && this.#socket === null) return
    const first = this.#closedWith === null
    this.#closedWith ??= reason
    if (this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer)
      this.#idleTimer = null
    }
    const socket = this.#socket
    this.#socket = null
    socket?.destroy()
    const pending = [...this.#pending.values(), ...this.#unanswered, ...this.#rawWaiters.splice(0)]
    this.#pending.clear()
    this.#unanswered = []
    for (const p of pending) p.reject(reason)
    if (first) this.#onClose?.(reason)
  }
}

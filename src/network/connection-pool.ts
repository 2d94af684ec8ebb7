import { setTimeout as sleep } from 'node:timers/promises'
import { ProducerClosedError } from '../errors.js'
import { errorFields, type Log } from '../logging.js'
import {
  HANDSHAKE_CLOSURES_BEFORE_REFUSAL,
  isHandshakeClosure,
  notTlsListener,
} from '../security/tls/tls-errors.js'
import { backoffMs } from './backoff.js'
import { BrokerConnection, type BrokerConnectionOptions } from './broker-connection.js'
import type { ConnectionIo } from './connection.js'

export interface BrokerAddress {
  host: string
  port: number
  /** The broker's node id, when known from metadata (not for a bootstrap address). */
  nodeId?: number
}

/** Where the pool reports its connections' events (the network metrics). */
export interface PoolMetrics {
  connectionCreated(nowMs: number): void
  connectionClosed(nowMs: number): void
  authenticated(reauthentication: boolean, ok: boolean, latencyMs: number, nowMs: number): void
  /** The sink of a connection to the node tagged `nodeId` (node-<id>, node--<n> for bootstrap). */
  connectionIo(node: { nodeId: string }): ConnectionIo
}

export interface ConnectionPoolOptions
  extends Omit<BrokerConnectionOptions, 'host' | 'port' | 'onAuthentication' | 'io'> {
  metrics?: PoolMetrics
  log?: Log
  reconnectBackoffMs: number
  reconnectBackoffMaxMs: number
  /**
   * `socket.connection.setup.timeout.max.ms`: after each failed attempt the connect timeout
   * doubles (+-20% jitter) from `connectTimeoutMs` up to this. Absent: it stays `connectTimeoutMs`.
   */
  connectTimeoutMaxMs?: number
  /** Each connection attempt's outcome (the producer's health and circuit breaker). */
  onConnectAttempt?: (addr: BrokerAddress, error: unknown) => void
}

interface Slot {
  connection: BrokerConnection | null
  opening: Promise<BrokerConnection> | null
  failures: number
  nextAttemptAt: number
  /** TLS handshakes the broker closed in a row (see HANDSHAKE_CLOSURES_BEFORE_REFUSAL). */
  handshakeClosures: number
  /** The node id the metrics count this address's traffic under; undefined: not known yet. */
  nodeId: number | undefined
  /** The metrics sink of its connections, pointed at the node once the node id is known. */
  io: ForwardingIo | null
}

/** A connection's metrics sink that can move to another node's sensors. */
class ForwardingIo implements ConnectionIo {
  target: ConnectionIo
  constructor(target: ConnectionIo) {
    this.target = target
  }
  requestSent(bytes: number, nowMs: number): void {
    this.target.requestSent(bytes, nowMs)
  }
  responseReceived(bytes: number, nowMs: number): void {
    this.target.responseReceived(bytes, nowMs)
  }
  networkOp(nowMs: number): void {
    this.target.networkOp(nowMs)
  }
}

/**
 * One negotiated connection per broker address, opened on demand and reopened after a failure
 * no sooner than the reconnect backoff allows (`reconnect.backoff.ms` doubling up to
 * `reconnect.backoff.max.ms`), each attempt bounded by a connect timeout that grows the same way.
 * A connection closed for being idle (`connections.max.idle.ms`) is no failure: the next
 * request reopens it at once.
 */
export class ConnectionPool {
  readonly #options: ConnectionPoolOptions
  readonly #slots = new Map<string, Slot>()
  readonly #abort = new AbortController()
  #closed = false
  #bootstrapAddresses = 0

  constructor(options: ConnectionPoolOptions) {
    this.#options = options
  }

  /** The open connection to `addr`, if there is one right now. */
  peek(addr: BrokerAddress): BrokerConnection | null {
    const slot = this.#slots.get(key(addr))
    if (slot === undefined) return null
    this.#noteNode(slot, addr)
    const c = slot.connection
    return c?.isOpen ? c : null
  }

  /** When `addr` may next be dialled (0 when now). */
  readyAt(addr: BrokerAddress): number {
    return this.#slots.get(key(addr))?.nextAttemptAt ?? 0
  }

  get(addr: BrokerAddress): Promise<BrokerConnection> {
    if (this.#closed) return Promise.reject(new ProducerClosedError())
    const k = key(addr)
    let slot = this.#slots.get(k)
    if (slot === undefined) {
      slot = {
        connection: null,
        opening: null,
        failures: 0,
        nextAttemptAt: 0,
        handshakeClosures: 0,
        nodeId: addr.nodeId,
        io: null,
      }
      this.#slots.set(k, slot)
    } else {
      this.#noteNode(slot, addr)
    }
    if (slot.connection?.isOpen) return Promise.resolve(slot.connection)
    slot.opening ??= this.#open(addr, slot)
    return slot.opening
  }

  async #open(addr: BrokerAddress, slot: Slot): Promise<BrokerConnection> {
    try {
      const wait = slot.nextAttemptAt - Date.now()
      if (wait > 0) await sleep(wait, undefined, { signal: this.#abort.signal }).catch(() => {})
      if (this.#closed) throw new ProducerClosedError()
      const o = this.#options
      const connectTimeoutMs = connectTimeoutFor(o.connectTimeoutMs, o.connectTimeoutMaxMs, slot.failures)
      const metrics = o.metrics
      const conn = await BrokerConnection.open({
        ...o,
        connectTimeoutMs,
        host: addr.host,
        port: addr.port,
        ...(metrics === undefined
          ? {}
          : {
              io: this.#ioOf(slot, metrics),
              onAuthentication: (re: boolean, ok: boolean, latencyMs: number) =>
                metrics.authenticated(re, ok, latencyMs, Date.now()),
            }),
      })
      if (this.#closed) {
        conn.close()
        throw new ProducerClosedError()
      }
      slot.connection = conn
      slot.failures = 0
      slot.handshakeClosures = 0
      slot.nextAttemptAt = 0
      metrics?.connectionCreated(Date.now())
      o.onConnectAttempt?.(addr, null)
      const log = o.log
      log?.debug({ broker: conn.connection.address, nodeId: slot.nodeId }, 'connected')
      conn.connection.onClose((reason) => {
        metrics?.connectionClosed(Date.now())
        if (log !== undefined) {
          const fields = { broker: conn.connection.address, nodeId: slot.nodeId }
          if (conn.connection.closedIdle) log.debug(fields, 'closed an idle connection')
          else if (!this.#closed) log.info({ ...fields, ...errorFields(reason) }, 'connection closed')
        }
        if (!conn.connection.closedIdle) this.#onFailure(slot)
        else if (slot.connection === conn) slot.connection = null
      })
      return conn
    } catch (err) {
      if (!this.#closed)
        this.#options.log?.warn(
          {
            broker: addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`,
            ...errorFields(err),
          },
          'cannot connect to broker',
        )
      this.#onFailure(slot)
      if (!this.#closed) this.#options.onConnectAttempt?.(addr, err)
      if (!isHandshakeClosure(err)) slot.handshakeClosures = 0
      else if (++slot.handshakeClosures >= HANDSHAKE_CLOSURES_BEFORE_REFUSAL) {
        slot.handshakeClosures = 0
        throw notTlsListener(
          addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`,
          HANDSHAKE_CLOSURES_BEFORE_REFUSAL,
          err as Error,
        )
      }
      throw err
    } finally {
      slot.opening = null
    }
  }

  #onFailure(slot: Slot): void {
    slot.connection = null
    slot.nextAttemptAt =
      Date.now() +
      backoffMs(this.#options.reconnectBackoffMs, this.#options.reconnectBackoffMaxMs, slot.failures)
    slot.failures++
  }

  /** Connections open now (connection-count). */
  get openCount(): number {
    let open = 0
    for (const slot of this.#slots.values()) if (slot.connection?.isOpen === true) open++
    return open
  }

  /** The addresses (host:port) of the connections open now. */
  openAddresses(): string[] {
    const out: string[] = []
    for (const [k, slot] of this.#slots) if (slot.connection?.isOpen === true) out.push(k)
    return out
  }

  /** Requests sent and not yet answered, over every connection (requests-in-flight). */
  get inFlight(): number {
    let n = 0
    for (const slot of this.#slots.values()) {
      const c = slot.connection
      if (c?.isOpen === true) n += c.connection.inFlight
    }
    return n
  }

  /** The sink of the slot's connections: made once, for node--<n> while the node id is unknown. */
  #ioOf(slot: Slot, metrics: PoolMetrics): ConnectionIo {
    slot.io ??= new ForwardingIo(
      metrics.connectionIo({
        nodeId: slot.nodeId !== undefined ? `node-${slot.nodeId}` : `node--${++this.#bootstrapAddresses}`,
      }),
    )
    return slot.io
  }

  /** When `addr` names the slot's node for the first time, its traffic counts for that node from now on. */
  #noteNode(slot: Slot, addr: BrokerAddress): void {
    const nodeId = addr.nodeId
    if (nodeId === undefined || nodeId === slot.nodeId) return
    slot.nodeId = nodeId
    const metrics = this.#options.metrics
    if (slot.io !== null && metrics !== undefined)
      slot.io.target = metrics.connectionIo({ nodeId: `node-${nodeId}` })
  }

  /** Closes every connection; requests still pending on them fail with `reason`. */
  close(reason?: Error): void {
    this.#closed = true
    this.#abort.abort()
    for (const slot of this.#slots.values()) slot.connection?.close(reason)
    this.#slots.clear()
  }
}

/**
 * The connect timeout of an attempt after `failures` failed ones, as Java's
 * ClusterConnectionStates: `socket.connection.setup.timeout.ms` doubling per failure with
 * +-20% jitter, capped at `socket.connection.setup.timeout.max.ms` (never below the base).
 */
export function connectTimeoutFor(baseMs: number, maxMs: number | undefined, failures: number): number {
  if (maxMs === undefined) return baseMs
  return backoffMs(baseMs, Math.max(baseMs, maxMs), failures)
}

function key(addr: BrokerAddress): string {
  return `${addr.host}:${addr.port}`
}

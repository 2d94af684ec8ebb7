import { setTimeout as sleep } from 'node:timers/promises'
import { ProducerClosedError } from '../errors.js'
import { backoffMs } from './backoff.js'
import { BrokerConnection } from './broker-connection.js'
import type { ConnectionOptions } from './connection.js'

export interface BrokerAddress {
  host: string
  port: number
}

export interface ConnectionPoolOptions extends Omit<ConnectionOptions, 'host' | 'port'> {
  reconnectBackoffMs: number
  reconnectBackoffMaxMs: number
}

interface Slot {
  connection: BrokerConnection | null
  opening: Promise<BrokerConnection> | null
  failures: number
  nextAttemptAt: number
}

/**
 * One negotiated connection per broker address, opened on demand and reopened after a failure
 * no sooner than the reconnect backoff allows (`reconnect.backoff.ms` doubling up to
 * `reconnect.backoff.max.ms`).
 */
export class ConnectionPool {
  readonly #options: ConnectionPoolOptions
  readonly #slots = new Map<string, Slot>()
  readonly #abort = new AbortController()
  #closed = false

  constructor(options: ConnectionPoolOptions) {
    this.#options = options
  }

  /** The open connection to `addr`, if there is one right now. */
  peek(addr: BrokerAddress): BrokerConnection | null {
    const c = this.#slots.get(key(addr))?.connection ?? null
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
      slot = { connection: null, opening: null, failures: 0, nextAttemptAt: 0 }
      this.#slots.set(k, slot)
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
      const conn = await BrokerConnection.open({ ...this.#options, host: addr.host, port: addr.port })
      if (this.#closed) {
        conn.close()
        throw new ProducerClosedError()
      }
      slot.connection = conn
      slot.failures = 0
      slot.nextAttemptAt = 0
      conn.connection.onClose(() => this.#onFailure(slot))
      return conn
    } catch (err) {
      this.#onFailure(slot)
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

  /** Closes every connection; requests still pending on them fail with `reason`. */
  close(reason?: Error): void {
    this.#closed = true
    this.#abort.abort()
    for (const slot of this.#slots.values()) slot.connection?.close(reason)
    this.#slots.clear()
  }
}

function key(addr: BrokerAddress): string {
  return `${addr.host}:${addr.port}`
}

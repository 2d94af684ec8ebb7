import type { MetadataManager } from '../../cluster/metadata-manager.js'
import { NetworkError, ProtocolError } from '../../errors.js'
import type { BrokerConnection } from '../../network/broker-connection.js'
import type { BrokerAddress, ConnectionPool } from '../../network/connection-pool.js'
import { brokerError, ErrorCode } from '../../protocol/error-codes.js'
import { CoordinatorType, FindCoordinator } from '../../protocol/messages/find-coordinator.js'

export type CoordinatorKind = 'transaction' | 'group'

interface Coordinator extends BrokerAddress {
  nodeId: number
}

/**
 * Finds the transaction and group coordinators (FindCoordinator, asked of any known broker)
 * and remembers them until told they moved. Errors that Kafka defines as retriable come back
 * retriable; the caller decides whether to try again.
 */
export class Coordinators {
  readonly #pool: ConnectionPool
  readonly #metadata: MetadataManager
  readonly #known = new Map<string, Coordinator>()
  #cursor = 0

  constructor(pool: ConnectionPool, metadata: MetadataManager) {
    this.#pool = pool
    this.#metadata = metadata
  }

  /** A connection to the coordinator of `key`, looking it up first when it is not known. */
  async connect(kind: CoordinatorKind, key: string): Promise<BrokerConnection> {
    const id = `${kind}:${key}`
    let c = this.#known.get(id)
    if (c === undefined) {
      c = await this.#lookup(kind, key)
      this.#known.set(id, c)
    }
    try {
      return await this.#pool.get(c)
    } catch (err) {
      this.#known.delete(id)
      throw err
    }
  }

  /** The coordinator moved or went away: look it up again next time. */
  invalidate(kind: CoordinatorKind, key: string): void {
    this.#known.delete(`${kind}:${key}`)
  }

  /** The open connection to the coordinator of `key`, if it is known and connected. */
  peek(kind: CoordinatorKind, key: string): BrokerConnection | null {
    const c = this.#known.get(`${kind}:${key}`)
    return c === undefined ? null : this.#pool.peek(c)
  }

  async #lookup(kind: CoordinatorKind, key: string): Promise<Coordinator> {
    const conn = await this.connectAny()
    const keyType = kind === 'transaction' ? CoordinatorType.Transaction : CoordinatorType.Group
    const batched = conn.versionOf(FindCoordinator) >= 4
    const res = await conn.send(
      FindCoordinator,
      batched ? { keyType, coordinatorKeys: [key] } : { key, keyType },
    )
    const answer = batched
      ? res.coordinators[0]
      : {
          key,
          nodeId: res.nodeId,
          host: res.host,
          port: res.port,
          errorCode: res.errorCode,
          errorMessage: res.errorMessage,
        }
    if (answer === undefined) {
      throw new ProtocolError(`FindCoordinator answered no coordinator for ${kind} '${key}'`, {
        retriable: true,
      })
    }
    if (answer.errorCode !== ErrorCode.NONE) {
      const detail = answer.errorMessage ? ` (${answer.errorMessage})` : ''
      throw brokerError(answer.errorCode, `FindCoordinator for ${kind} '${key}'${detail}`)
    }
    return { nodeId: answer.nodeId, host: answer.host, port: answer.port }
  }

  /** A connection to any broker (an open one when there is one). */
  async connectAny(): Promise<BrokerConnection> {
    let brokers = [...this.#metadata.snapshot.brokers.values()]
    if (brokers.length === 0) brokers = [...(await this.#metadata.refresh()).brokers.values()]
    for (const b of brokers) {
      const open = this.#pool.peek(b)
      if (open !== null) return open
    }
    const b = brokers[this.#cursor++ % Math.max(1, brokers.length)]
    if (b === undefined) throw new NetworkError('no broker known to find a coordinator')
    return this.#pool.get(b)
  }
}

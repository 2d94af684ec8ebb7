import { AuthenticationError, NetworkError, UnsupportedVersionError } from '../errors.js'
import { type ApiDescriptor, pickVersion } from '../protocol/codec.js'
import { brokerError, ErrorCode } from '../protocol/error-codes.js'
import { ApiVersions } from '../protocol/messages/api-versions.js'
import { runSaslExchange, type SaslTransport } from '../security/sasl/exchange.js'
import type { SaslMechanism } from '../security/sasl/mechanism.js'
import { timerDelay } from '../timers.js'
import { VERSION } from '../version.js'
import { Connection, type ConnectionOptions } from './connection.js'

/**
 * Told of each SASL (re-)authentication that ended: succeeded, or refused by the broker (a
 * connection that broke or timed out meanwhile is neither, as in Java's Selector).
 */
export type AuthenticationListener = (reauthentication: boolean, ok: boolean, latencyMs: number) => void

export interface BrokerConnectionOptions extends ConnectionOptions {
  /** The SASL mechanism (security.protocol SASL_PLAINTEXT or SASL_SSL); absent or null: none. */
  sasl?: SaslMechanism | null
  onAuthentication?: AuthenticationListener
}

/**
 * When to re-authenticate a session of `lifetimeMs` that began at `startedAt`: as Java's
 * client, at a random point between 85% and 95% of it, so that the connections of many clients
 * don't all re-authenticate at once.
 */
export function reauthenticationTime(startedAt: number, lifetimeMs: number, random = Math.random()): number {
  return startedAt + Math.floor(lifetimeMs * (0.85 + 0.1 * random))
}

/**
 * A connection whose API versions have been negotiated with ApiVersions: `versionOf(api)` is the
 * highest version both sides support.
 */
export class BrokerConnection {
  readonly connection: Connection
  readonly #versions = new Map<number, { min: number; max: number }>()
  /** Cluster features the broker reported as finalized (ApiVersions v3+), name -> max level. */
  readonly #features = new Map<string, number>()

  private constructor(connection: Connection) {
    this.connection = connection
  }

  /**
   * Connects, negotiates API versions and authenticates, all within `connectTimeoutMs`
   * (`socket.connection.setup.timeout.ms`, which in Java too covers the TLS handshake and SASL).
   */
  static async open(options: BrokerConnectionOptions): Promise<BrokerConnection> {
    const deadline = Date.now() + options.connectTimeoutMs
    const connection = new Connection(options)
    await connection.connect()
    const bc = new BrokerConnection(connection)
    const timer = setTimeout(
      () =>
        connection.close(
          new NetworkError(
            `connection setup with ${connection.address} did not finish within ${options.connectTimeoutMs} ms ` +
              '(socket.connection.setup.timeout.ms)',
          ),
        ),
      timerDelay(Math.max(0, deadline - Date.now())),
    )
    try {
      await bc.#negotiate()
      const sasl = options.sasl ?? null
      if (sasl !== null) await bc.#authenticate(sasl, options.onAuthentication, false)
    } catch (err) {
      connection.close(err instanceof Error ? err : new NetworkError(String(err)))
      throw err
    } finally {
      clearTimeout(timer)
    }
    return bc
  }

  async #authenticate(
    mechanism: SaslMechanism,
    listener: AuthenticationListener | undefined,
    reauthentication: boolean,
  ): Promise<void> {
    const started = Date.now()
    const c = this.connection
    const transport: SaslTransport = {
      address: c.address,
      versionOf: (api) => this.versionOf(api),
      supports: (api) => this.#versions.has(api.apiKey),
      send: (api, version, body) => c.sendDirect(api, version, body),
      sendRaw: (token) => c.sendRaw(token),
      get closedByBroker() {
        return c.closedByPeer
      },
    }
    let session: { lifetimeMs: number }
    try {
      session = await runSaslExchange(transport, mechanism, { host: c.host, port: c.port, reauthentication })
    } catch (err) {
      if (err instanceof AuthenticationError) listener?.(reauthentication, false, Date.now() - started)
      throw err
    }
    listener?.(reauthentication, true, Date.now() - started)
    if (session.lifetimeMs > 0) {
      c.setReauthentication(reauthenticationTime(Date.now(), session.lifetimeMs), () =>
        this.#authenticate(mechanism, listener, true),
      )
    }
  }

  async #negotiate(): Promise<void> {
    let version = ApiVersions.maxVersion
    for (;;) {
      const res = await this.connection.send(ApiVersions, version, {
        clientSoftwareName: 'sluice',
        clientSoftwareVersion: VERSION,
      })
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION && version > 0) {
        // The broker answers in v0 with the versions it supports; retry at its highest.
        const own = res.apiKeys.find((k) => k.apiKey === ApiVersions.apiKey)
        version = Math.min(own?.maxVersion ?? 0, version - 1)
        continue
      }
      if (res.errorCode !== ErrorCode.NONE) throw brokerError(res.errorCode, 'ApiVersions')
      for (const k of res.apiKeys) this.#versions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion })
      for (const f of res.finalizedFeatures) this.#features.set(f.name, f.maxVersionLevel)
      return
    }
  }

  /** A finalized feature's level (e.g. `transaction.version`); 0 when the broker reports none. */
  featureLevel(name: string): number {
    return this.#features.get(name) ?? 0
  }

  /**
   * The version to use for `api`: the highest both sides support, at most `maxVersion` when
   * given (some versions carry meaning, e.g. transactions v2, and are used only when the cluster
   * allows). An UnsupportedVersionError naming both ranges when there is none.
   */
  versionOf(api: ApiDescriptor<unknown, unknown>, maxVersion?: number): number {
    const broker = this.#versions.get(api.apiKey)
    const v =
      broker === undefined
        ? null
        : pickVersion(
            api,
            broker.min,
            maxVersion === undefined ? broker.max : Math.min(broker.max, maxVersion),
          )
    if (v === null) {
      const theirs = broker === undefined ? 'not at all' : `v${broker.min}-v${broker.max}`
      const ours = maxVersion === undefined ? api.maxVersion : Math.min(api.maxVersion, maxVersion)
      throw new UnsupportedVersionError(
        `broker ${this.connection.address} supports ${api.name} ${theirs}; Sluice needs v${api.minVersion}-v${ours}`,
      )
    }
    return v
  }

  /** Sends at the version `versionOf(api, maxVersion)` picks; never throws, rejects instead. */
  send<Req, Res>(
    api: ApiDescriptor<Req, Res>,
    body: Req,
    expectResponse = true,
    maxVersion?: number,
  ): Promise<Res> {
    try {
      return this.sendAt(
        api,
        this.versionOf(api as ApiDescriptor<unknown, unknown>, maxVersion),
        body,
        expectResponse,
      )
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /**
   * Sends at a version the caller chose with `versionOf`. Throws, having sent nothing, when the
   * request can't be encoded; a rejection means the request left and its fate is unknown.
   */
  sendAt<Req, Res>(
    api: ApiDescriptor<Req, Res>,
    version: number,
    body: Req,
    expectResponse = true,
  ): Promise<Res> {
    return this.connection.send(api, version, body, expectResponse)
  }

  get isOpen(): boolean {
    return this.connection.isOpen
  }

  close(reason?: Error): void {
    this.connection.close(reason)
  }
}

import { NetworkError, UnsupportedVersionError } from '../errors.js'
import { type ApiDescriptor, pickVersion } from '../protocol/codec.js'
import { brokerError, ErrorCode } from '../protocol/error-codes.js'
import { ApiVersions } from '../protocol/messages/api-versions.js'
import { VERSION } from '../version.js'
import { Connection, type ConnectionOptions } from './connection.js'

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

  static async open(options: ConnectionOptions): Promise<BrokerConnection> {
    const connection = new Connection(options)
    await connection.connect()
    const bc = new BrokerConnection(connection)
    try {
      await bc.#negotiate()
    } catch (err) {
      connection.close(err instanceof Error ? err : new NetworkError(String(err)))
      throw err
    }
    return bc
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

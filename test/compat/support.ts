/**
 * What the compatibility runs (scripts/run-tests.ts --compat, one per Kafka version and Node)
 * learn about the broker and record for docs/COMPATIBILITY.md: the broker's API version ranges
 * and finalized features, and the request versions a test saw on the wire. Each test file
 * writes its own JSON file under `.compat/kafka-<version>/node<major>/` (files run in parallel
 * processes); scripts/compat-table.ts reads them all.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brokerKafkaVersion } from '../../src/local-kafka/distribution.js'
import { Connection } from '../../src/network/connection.js'
import { ApiVersions } from '../../src/protocol/messages/api-versions.js'
import { type FaultProxy, startFaultProxy } from '../fakes/fault-proxy.js'

export interface BrokerApis {
  /** apiKey -> the broker's [min, max]. */
  readonly ranges: ReadonlyMap<number, readonly [number, number]>
  /** Finalized feature name -> max level (e.g. transaction.version). */
  readonly features: ReadonlyMap<string, number>
}

/** The suite's broker (`SLUICE_KAFKA_VERSION`, else the newest tested) is at least `major.minor`. */
export function kafkaAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = brokerKafkaVersion().split('.').map(Number)
  return a > major || (a === major && b >= minor)
}

/**
 * A proxy in front of the first broker of `bootstrap` that every connection of a client goes
 * through (broker addresses rewritten), offering at most `capVersions` ({ [apiKey]: max }).
 */
export function proxyTo(bootstrap: string, capVersions: Record<number, number> = {}): Promise<FaultProxy> {
  const [host, port] = bootstrap.split(',')[0]!.split(':') as [string, string]
  return startFaultProxy({ targetHost: host, targetPort: Number(port), rewriteMetadata: true, capVersions })
}

/** The broker's own answer to ApiVersions v3, on a connection of our own. */
export async function brokerApis(bootstrap: string): Promise<BrokerApis> {
  const [host, port] = bootstrap.split(',')[0]!.split(':') as [string, string]
  const c = new Connection({
    host,
    port: Number(port),
    clientId: 'sluice-compat',
    requestTimeoutMs: 10_000,
    connectTimeoutMs: 10_000,
  })
  await c.connect()
  try {
    const res = await c.send(ApiVersions, 3, { clientSoftwareName: 'sluice', clientSoftwareVersion: '0.0.0' })
    if (res.errorCode !== 0) throw new Error(`ApiVersions v3 answered error ${res.errorCode}`)
    return {
      ranges: new Map(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion] as const])),
      features: new Map(res.finalizedFeatures.map((f) => [f.name, f.maxVersionLevel])),
    }
  } finally {
    c.close()
  }
}

/** The versions both the broker and Sluice speak of an API, lowest first; empty when none. */
export function commonVersions(
  broker: BrokerApis,
  api: { apiKey: number; minVersion: number; maxVersion: number },
): number[] {
  const r = broker.ranges.get(api.apiKey)
  if (r === undefined) return []
  const out: number[] = []
  for (let v = Math.max(r[0], api.minVersion); v <= Math.min(r[1], api.maxVersion); v++) out.push(v)
  return out
}

/** The folder this run's coverage files go in. */
export function coverageDir(): string {
  const root = process.env.SLUICE_COMPAT_OUT ?? join(import.meta.dirname, '..', '..', '.compat')
  return join(root, `kafka-${brokerKafkaVersion()}`, `node${process.versions.node.split('.')[0]}`)
}

/** Writes `data` as `<name>.json` in this run's coverage folder. */
export function recordCoverage(name: string, data: unknown): void {
  const dir = coverageDir()
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`)
}

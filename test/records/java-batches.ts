/**
 * The RecordBatch fixture written by Kafka's own MemoryRecords (test/java/RecordFixtures.java).
 * Regenerate with:
 *   java -cp "$HOME/.cache/sluice/kafka/<version>/libs/*" test/java/RecordFixtures.java batches \
 *     > test/fixtures/records/batches.json
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RecordHeader } from '../../src/records/record-batch-builder.js'

export const BATCHES_FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'records', 'batches.json')

interface RawSample {
  name: string
  producerId: string
  producerEpoch: number
  baseSequence: number
  transactional: boolean
  partitionLeaderEpoch: number
  records: {
    timestamp: number
    key: string | null
    value: string | null
    headers: { key: string; value: string | null }[]
  }[]
  hex: string
}

export interface SampleRecord {
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

export interface Sample {
  name: string
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  transactional: boolean
  partitionLeaderEpoch: number
  records: SampleRecord[]
  bytes: Buffer
}

const fromB64 = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'))

export function parseSamples(json: string): Sample[] {
  return (JSON.parse(json) as RawSample[]).map((s) => ({
    name: s.name,
    producerId: BigInt(s.producerId),
    producerEpoch: s.producerEpoch,
    baseSequence: s.baseSequence,
    transactional: s.transactional,
    partitionLeaderEpoch: s.partitionLeaderEpoch,
    records: s.records.map((r) => ({
      timestamp: r.timestamp,
      key: fromB64(r.key),
      value: fromB64(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: fromB64(h.value) })),
    })),
    bytes: Buffer.from(s.hex, 'hex'),
  }))
}

export function loadSamples(): Sample[] {
  return parseSamples(readFileSync(BATCHES_FIXTURE, 'utf8'))
}

/**
 * Kafka's MemoryRecordsBuilder and MemoryRecords (test/java/RecordFixtures.java, modes build and
 * read) on batches a test makes up: what the Java producer writes for them, and what Kafka reads
 * back from any batch.
 */
import { runJava } from '../helpers/java.js'
import type { Sample } from './java-batches.js'

/** One batch's producer state and records, as the producer would frame them (no leader epoch). */
export type BatchInput = Pick<
  Sample,
  'producerId' | 'producerEpoch' | 'baseSequence' | 'transactional' | 'records'
>

const b64 = (b: Uint8Array | null): string | null =>
  b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')

function inputLine(c: BatchInput): string {
  return JSON.stringify({
    producerId: c.producerId.toString(),
    producerEpoch: c.producerEpoch,
    baseSequence: c.baseSequence,
    transactional: c.transactional,
    records: c.records.map((r) => ({
      timestamp: r.timestamp,
      key: b64(r.key),
      value: b64(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })),
    })),
  })
}

/** The batches the Java producer's MemoryRecordsBuilder writes for `cases` with `codec`. */
export async function javaBuildBatches(cases: readonly BatchInput[], codec: string): Promise<Buffer[]> {
  const { stdout } = await runJava(
    'RecordFixtures.java',
    ['build', codec],
    `${cases.map(inputLine).join('\n')}\n`,
  )
  const out = stdout.split('\n').filter((l) => l.length > 0)
  if (out.length !== cases.length)
    throw new Error(`RecordFixtures build printed ${out.length} lines for ${cases.length} cases`)
  return out.map((l) => Buffer.from(l, 'base64'))
}

/** A batch as Kafka's MemoryRecords reads it: header fields and decompressed records. */
export interface JavaBatchView {
  baseOffset: string
  partitionLeaderEpoch: number
  magic: number
  compression: string
  timestampType: string
  transactional: boolean
  control: boolean
  producerId: string
  producerEpoch: number
  baseSequence: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  count: number
  records: {
    offset: number
    timestamp: number
    key: string | null
    value: string | null
    headers: { key: string; value: string | null }[]
  }[]
}

/**
 * Each record set as Kafka's MemoryRecords.readableRecords reads it (every batch checked with
 * ensureValid: a bad CRC or size fails the run).
 */
export async function javaReadBatches(sets: readonly Uint8Array[]): Promise<JavaBatchView[][]> {
  const { stdout } = await runJava('RecordFixtures.java', ['read'], `${sets.map((s) => b64(s)).join('\n')}\n`)
  const out = stdout.split('\n').filter((l) => l.length > 0)
  if (out.length !== sets.length)
    throw new Error(`RecordFixtures read printed ${out.length} lines for ${sets.length} sets`)
  return out.map((l) => JSON.parse(l) as JavaBatchView[])
}

/** What Kafka must read back from the producer's batch for `c` compressed with `codec`. */
export function expectedView(c: BatchInput, codec: string): JavaBatchView {
  const timestamps = c.records.map((r) => r.timestamp)
  return {
    baseOffset: '0',
    partitionLeaderEpoch: -1,
    magic: 2,
    compression: codec,
    timestampType: 'CreateTime',
    transactional: c.transactional,
    control: false,
    producerId: c.producerId.toString(),
    producerEpoch: c.producerEpoch,
    baseSequence: c.baseSequence,
    lastOffsetDelta: c.records.length - 1,
    baseTimestamp: timestamps[0]!,
    maxTimestamp: Math.max(...timestamps),
    count: c.records.length,
    records: c.records.map((r, i) => ({
      offset: i,
      timestamp: r.timestamp,
      key: b64(r.key),
      value: b64(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })),
    })),
  }
}

/**
 * Encodes RecordBatch v2 (magic 2) for tests that drive the fake broker without the producer,
 * written from the format description and independent of src/records/ (the fake broker decodes
 * with src/records/record-batch-decoder.ts, so these bytes also exercise that decoder):
 *
 *   baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8, crc uint32
 *   (CRC-32C of attributes..end), attributes int16, lastOffsetDelta int32, baseTimestamp int64,
 *   maxTimestamp int64, producerId int64, producerEpoch int16, baseSequence int32,
 *   recordsCount int32, records
 *   record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 *           key (varint length, -1 = null), value (same), headers count varint,
 *           header: key (varint length + UTF-8), value (varint length, -1 = null)
 */
import { crc32c } from '../../src/protocol/crc32c.js'
import { Writer } from '../../src/protocol/writer.js'

const CRC_FROM = 21 // attributes start

export interface RecordInput {
  key?: Buffer | string | null
  value?: Buffer | string | null
  headers?: { key: string; value: Buffer | string | null }[]
  timestamp?: number
}

export interface BatchInput {
  records: RecordInput[]
  producerId?: bigint
  producerEpoch?: number
  baseSequence?: number
  baseTimestamp?: number
  /** Sets the transactional attribute bit (0x10). */
  transactional?: boolean
  /** Overrides the computed CRC, to build a corrupt batch. */
  crc?: number
}

const toBuf = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : v

/** An uncompressed RecordBatch v2 as a producer would send it (baseOffset 0). */
export function encodeRecordBatch(input: BatchInput): Buffer {
  const base = input.baseTimestamp ?? input.records[0]?.timestamp ?? Date.now()
  const w = new Writer(1024)
  w.int64(0n)
  const lengthAt = w.reserve(4)
  w.int32(-1) // partitionLeaderEpoch: the broker sets it
  w.int8(2)
  const crcAt = w.reserve(4)
  w.int16(input.transactional === true ? 0x10 : 0)
  w.int32(input.records.length - 1)
  w.int64(BigInt(base))
  let max = base
  for (const r of input.records) max = Math.max(max, r.timestamp ?? base)
  w.int64(BigInt(max))
  w.int64(input.producerId ?? -1n)
  w.int16(input.producerEpoch ?? -1)
  w.int32(input.baseSequence ?? -1)
  w.int32(input.records.length)
  const rec = new Writer(256)
  input.records.forEach((r, i) => {
    rec.reset()
    rec.int8(0)
    rec.varlong((r.timestamp ?? base) - base)
    rec.varint(i)
    writeVarBytes(rec, toBuf(r.key))
    writeVarBytes(rec, toBuf(r.value))
    const headers = r.headers ?? []
    rec.varint(headers.length)
    for (const h of headers) {
      writeVarBytes(rec, Buffer.from(h.key))
      writeVarBytes(rec, toBuf(h.value))
    }
    w.varint(rec.length)
    w.raw(rec.view())
  })
  w.int32At(lengthAt, w.length - 12)
  w.uint32At(crcAt, input.crc ?? crc32c(w.buf, CRC_FROM, w.length))
  return w.toBuffer()
}

function writeVarBytes(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1)
    return
  }
  w.varint(b.length)
  w.raw(b)
}

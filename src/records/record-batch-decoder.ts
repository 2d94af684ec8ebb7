/**
 * Decodes RecordBatch v2 bytes (one batch or several back to back) into plain objects, checking
 * magic, lengths and CRC. Any corruption raises ProtocolError. Only uncompressed batches are read
 * for now; a compressed one raises ProtocolError naming its codec. Used by tests and fakes, not
 * on the producer's hot path. Keys, values and header values are views into the input buffer.
 */
import { ProtocolError } from '../errors.js'
import { crc32c } from '../protocol/crc32c.js'
import { Reader } from '../protocol/reader.js'
import {
  ATTRIBUTES_OFFSET,
  BATCH_HEADER_SIZE,
  COMPRESSION_MASK,
  COMPRESSION_NAMES,
  CONTROL_BIT,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAGIC,
  MAGIC_OFFSET,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
} from './batch-header.js'

export interface DecodedHeader {
  key: string
  value: Buffer | null
}

export interface DecodedRecord {
  /** baseOffset + offsetDelta. */
  offset: bigint
  offsetDelta: number
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp for LogAppendTime batches. */
  timestamp: number
  timestampDelta: number
  attributes: number
  key: Buffer | null
  value: Buffer | null
  headers: DecodedHeader[]
}

export interface DecodedBatch {
  baseOffset: bigint
  /** Bytes after the batchLength field. */
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  /** Codec id from the attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number
  timestampType: 'CreateTime' | 'LogAppendTime'
  transactional: boolean
  control: boolean
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  records: DecodedRecord[]
}

/** Decodes every batch in `buf`; the buffer must hold whole batches and nothing else. */
export function decodeRecordBatches(buf: Buffer): DecodedBatch[] {
  const batches: DecodedBatch[] = []
  let at = 0
  while (at < buf.length) {
    const batch = decodeBatchAt(buf, at)
    batches.push(batch)
    at += LOG_OVERHEAD + batch.batchLength
  }
  return batches
}

/** Decodes exactly one batch; trailing bytes are an error. */
export function decodeRecordBatch(buf: Buffer): DecodedBatch {
  const batch = decodeBatchAt(buf, 0)
  if (LOG_OVERHEAD + batch.batchLength !== buf.length) {
    throw new ProtocolError(`${buf.length - LOG_OVERHEAD - batch.batchLength} bytes after the record batch`)
  }
  return batch
}

function decodeBatchAt(buf: Buffer, start: number): DecodedBatch {
  const left = buf.length - start
  if (left < BATCH_HEADER_SIZE) {
    throw new ProtocolError(`record batch at ${start} is truncated: ${left} bytes, the header alone is 61`)
  }
  const magic = buf.readInt8(start + MAGIC_OFFSET)
  if (magic !== MAGIC) throw new ProtocolError(`record batch at ${start} has magic ${magic}, expected 2`)
  const r = new Reader(buf, start)
  const baseOffset = r.int64()
  const batchLength = r.int32()
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
    throw new ProtocolError(`record batch at ${start} has batchLength ${batchLength}, below the header size`)
  }
  const end = start + LOG_OVERHEAD + batchLength
  if (end > buf.length) {
    throw new ProtocolError(
      `record batch at ${start} is truncated: batchLength ${batchLength}, ${left - 12} bytes left`,
    )
  }
  const crc = buf.readUInt32BE(start + CRC_OFFSET)
  const actual = crc32c(buf, start + ATTRIBUTES_OFFSET, end)
  if (crc !== actual) {
    throw new ProtocolError(
      `record batch at ${start} is corrupt: CRC is ${hex(crc)}, computed ${hex(actual)}`,
    )
  }

  const body = new Reader(buf, start + LOG_OVERHEAD, end)
  const partitionLeaderEpoch = body.int32()
  body.int8() // magic
  body.uint32() // crc
  const attributes = body.int16()
  const lastOffsetDelta = body.int32()
  const baseTimestamp = body.int64n()
  const maxTimestamp = body.int64n()
  const producerId = body.int64()
  const producerEpoch = body.int16()
  const baseSequence = body.int32()
  const count = body.int32()

  const compression = attributes & COMPRESSION_MASK
  if (compression !== 0) {
    const name = COMPRESSION_NAMES[compression]
    if (name === undefined)
      throw new ProtocolError(`record batch at ${start} has unknown compression ${compression}`)
    throw new ProtocolError(
      `record batch at ${start} is compressed with ${name}; only uncompressed batches can be decoded`,
    )
  }
  const logAppendTime = (attributes & TIMESTAMP_TYPE_BIT) !== 0
  // Every record takes at least 7 bytes, so a larger count than that allows is corrupt.
  if (count < 0 || count * 7 > body.remaining) {
    throw new ProtocolError(`record batch at ${start} claims ${count} records in ${body.remaining} bytes`)
  }
  const records: DecodedRecord[] = []
  for (let i = 0; i < count; i++) {
    records.push(decodeRecord(body, baseOffset, baseTimestamp, logAppendTime, maxTimestamp))
  }
  if (body.remaining !== 0) {
    throw new ProtocolError(`record batch at ${start} has ${body.remaining} bytes after its ${count} records`)
  }
  return {
    baseOffset,
    batchLength,
    partitionLeaderEpoch,
    magic,
    crc,
    attributes,
    compression,
    timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
    transactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    control: (attributes & CONTROL_BIT) !== 0,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    records,
  }
}

function decodeRecord(
  r: Reader,
  baseOffset: bigint,
  baseTimestamp: number,
  logAppendTime: boolean,
  maxTimestamp: number,
): DecodedRecord {
  const length = r.varint()
  if (length < 0 || length > r.remaining) {
    throw new ProtocolError(`record length ${length} with ${r.remaining} bytes left in the batch`)
  }
  const end = r.pos + length
  const rec = new Reader(r.buf, r.pos, end)
  const attributes = rec.int8()
  const timestampDelta = rec.varlong()
  const offsetDelta = rec.varint()
  const key = nullableBytes(rec)
  const value = nullableBytes(rec)
  const headerCount = rec.varint()
  if (headerCount < 0 || headerCount * 2 > rec.remaining) {
    throw new ProtocolError(`record claims ${headerCount} headers in ${rec.remaining} bytes`)
  }
  const headers: DecodedHeader[] = []
  for (let i = 0; i < headerCount; i++) {
    const keyLength = rec.varint()
    if (keyLength < 0) throw new ProtocolError(`record header key length ${keyLength}`)
    const headerKey = rec.raw(keyLength).toString('utf8')
    headers.push({ key: headerKey, value: nullableBytes(rec) })
  }
  if (rec.remaining !== 0) throw new ProtocolError(`record has ${rec.remaining} bytes beyond its fields`)
  r.pos = end
  return {
    offset: baseOffset + BigInt(offsetDelta),
    offsetDelta,
    timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
    timestampDelta,
    attributes,
    key,
    value,
    headers,
  }
}

function nullableBytes(r: Reader): Buffer | null {
  const n = r.varint()
  return n < 0 ? null : r.raw(n)
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`
}

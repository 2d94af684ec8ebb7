/**
 * The fixed 61-byte header of a RecordBatch v2 (magic 2) and the attribute bits it carries.
 * Offsets are relative to the batch start. The CRC covers everything from `attributes` to the end
 * of the batch, so it is computed last, once the records (compressed or not) are in place.
 */
import { crc32c } from '../protocol/crc32c.js'

export const MAGIC = 2
export const BATCH_HEADER_SIZE = 61
/** batchLength counts the bytes after itself: everything but baseOffset and batchLength. */
export const LOG_OVERHEAD = 12

export const BASE_OFFSET_OFFSET = 0
export const BATCH_LENGTH_OFFSET = 8
export const PARTITION_LEADER_EPOCH_OFFSET = 12
export const MAGIC_OFFSET = 16
export const CRC_OFFSET = 17
export const ATTRIBUTES_OFFSET = 21
export const LAST_OFFSET_DELTA_OFFSET = 23
export const BASE_TIMESTAMP_OFFSET = 27
export const MAX_TIMESTAMP_OFFSET = 35
export const PRODUCER_ID_OFFSET = 43
export const PRODUCER_EPOCH_OFFSET = 51
export const BASE_SEQUENCE_OFFSET = 53
export const RECORDS_COUNT_OFFSET = 57

export const COMPRESSION_MASK = 0x07
export const TIMESTAMP_TYPE_BIT = 0x08
export const TRANSACTIONAL_BIT = 0x10
export const CONTROL_BIT = 0x20

export const COMPRESSION_NAMES: readonly string[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export interface BatchHeaderFields {
  baseOffset: bigint
  partitionLeaderEpoch: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  recordCount: number
}

/**
 * Writes the header of the batch occupying `buf[start, end)`, whose records section (already in
 * place) starts at `start + BATCH_HEADER_SIZE`, then its CRC.
 */
export function writeBatchHeader(buf: Buffer, start: number, end: number, h: BatchHeaderFields): void {
  buf.writeBigInt64BE(h.baseOffset, start + BASE_OFFSET_OFFSET)
  buf.writeInt32BE(end - start - LOG_OVERHEAD, start + BATCH_LENGTH_OFFSET)
  buf.writeInt32BE(h.partitionLeaderEpoch, start + PARTITION_LEADER_EPOCH_OFFSET)
  buf[start + MAGIC_OFFSET] = MAGIC
  buf.writeInt16BE(h.attributes, start + ATTRIBUTES_OFFSET)
  buf.writeInt32BE(h.lastOffsetDelta, start + LAST_OFFSET_DELTA_OFFSET)
  writeInt64n(buf, h.baseTimestamp, start + BASE_TIMESTAMP_OFFSET)
  writeInt64n(buf, h.maxTimestamp, start + MAX_TIMESTAMP_OFFSET)
  buf.writeBigInt64BE(h.producerId, start + PRODUCER_ID_OFFSET)
  buf.writeInt16BE(h.producerEpoch, start + PRODUCER_EPOCH_OFFSET)
  buf.writeInt32BE(h.baseSequence, start + BASE_SEQUENCE_OFFSET)
  buf.writeInt32BE(h.recordCount, start + RECORDS_COUNT_OFFSET)
  buf.writeUInt32BE(crc32c(buf, start + ATTRIBUTES_OFFSET, end), start + CRC_OFFSET)
}

function writeInt64n(buf: Buffer, v: number, at: number): void {
  const hi = Math.floor(v / 4294967296)
  buf.writeInt32BE(hi | 0, at)
  buf.writeUInt32BE((v - hi * 4294967296) >>> 0, at + 4)
}

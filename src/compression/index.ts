/**
 * Kafka's record compression codecs, in the exact framings Kafka reads: what a RecordBatch's
 * records section (everything after the 61-byte header) is compressed with; the codec id goes
 * in attributes bits 0-2.
 */
import { asBuffer, type Codec, type CompressionName, syncCodec } from './codec.js'
import { CompressionUnavailableError } from './errors.js'
import { gzipCodec } from './gzip.js'
import { lz4Compress } from './lz4.js'
import { snappyCompress } from './snappy.js'
import { loadZstd, zstdCodec } from './zstd.js'

export type { Codec, CompressionName } from './codec.js'
export { CompressionUnavailableError } from './errors.js'
export { GZIP_DEFAULT_LEVEL } from './gzip.js'
export { LZ4_DEFAULT_LEVEL, LZ4_MAX_LEVEL, LZ4_MIN_LEVEL } from './lz4.js'
export { ZSTD_DEFAULT_LEVEL } from './zstd.js'

export const CompressionCodecId: Readonly<Record<CompressionName, number>> = Object.freeze({
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
})

/** `none` returns a view of its input, not a copy. */
const noneCodec: Codec = syncCodec(0, 'none', asBuffer)
const snappyCodec = syncCodec(2, 'snappy', snappyCompress)
const lz4Codec = syncCodec(3, 'lz4', lz4Compress)

const CODECS: readonly Codec[] = [noneCodec, gzipCodec, snappyCodec, lz4Codec, zstdCodec]

/**
 * The codec for a name or attributes id. Throws CompressionUnavailableError
 * (`ERR_COMPRESSION_UNAVAILABLE`) for unknown names/ids.
 *
 * On Node < 22.15 zstd's compressor is WebAssembly and loads asynchronously: its `compress`
 * works at once, its `compressSync` only after `loadCodec('zstd')`.
 */
export function codecFor(name: CompressionName | number): Codec {
  const codec = typeof name === 'number' ? CODECS[name] : CODECS[CompressionCodecId[name] ?? -1]
  if (codec === undefined) {
    throw new CompressionUnavailableError(`unknown compression codec ${JSON.stringify(name)}`)
  }
  return codec
}

/** `codecFor`, after loading whatever the codec loads asynchronously, so all its methods work. */
export async function loadCodec(name: CompressionName | number): Promise<Codec> {
  const codec = codecFor(name)
  return codec.id === 4 ? loadZstd() : codec
}

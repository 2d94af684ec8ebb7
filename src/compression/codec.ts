export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

/**
 * A Kafka record compression codec; `id` is its value in RecordBatch attributes bits 0-2. The
 * producer only compresses: the decoders, which only tests need, are in test/compression/decode.
 */
export interface Codec {
  readonly id: number
  readonly name: CompressionName
  /** `level` undefined means Kafka's default for the codec. */
  compressSync(data: Uint8Array, level: number | undefined): Buffer
  /** Off the event loop where the implementation has an async path (zlib's threadpool). */
  compress(data: Uint8Array, level: number | undefined): Promise<Buffer>
  /** Whether `compress` runs on libuv's threadpool; otherwise it runs in the calling thread. */
  readonly threadpool: boolean
}

/** A codec for a synchronous implementation: `compress` runs it in the calling task. */
export function syncCodec(
  id: number,
  name: CompressionName,
  compressSync: (data: Uint8Array, level: number | undefined) => Buffer,
): Codec {
  return {
    id,
    name,
    compressSync,
    compress: async (data, level) => compressSync(data, level),
    threadpool: false,
  }
}

/** A Buffer over the same bytes as `data`, without copying. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

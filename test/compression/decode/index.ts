/**
 * Decompressors for Kafka's codecs, for tests and benchmarks: the producer only compresses, so
 * none of this is in src/ (and `import 'sluice'` loads no decoder). gzip and zstd use
 * `node:zlib` (zstd from Node 22.15 / 23.8; before, fzstd, a pure-JS decoder: the one-shot
 * decoder of @hpcc-js/wasm-zstd, the producer's zstd compressor there, cannot decode frames
 * without a content size, which is what Java's zstd streams write); lz4 and snappy are our own. Malformed input throws
 * CorruptCompressedDataError (a ProtocolError), sync or async alike.
 */
import zlib from 'node:zlib'
import { decompress as fzstdDecompress } from 'fzstd'
import { CompressionCodecId, type CompressionName } from '../../../src/compression/index.js'
import { CorruptCompressedDataError } from './errors.js'
import { lz4Decompress } from './lz4.js'
import { snappyDecompress } from './snappy.js'

export { CorruptCompressedDataError } from './errors.js'
export { snappyCompressRaw } from './snappy.js'

export interface Decoder {
  readonly name: CompressionName
  decompressSync(data: Uint8Array): Buffer
  /** Off the event loop where zlib can (its threadpool); else `decompressSync` in this task. */
  decompress(data: Uint8Array): Promise<Buffer>
}

type Callback = (err: Error | null, out: Buffer) => void
/** The part of Node >= 22.15's zlib zstd API used here (our @types/node is 20's). */
interface NativeZstd {
  zstdDecompressSync(data: Uint8Array): Buffer
  zstdDecompress(data: Uint8Array, cb: Callback): void
}
const nativeZstd =
  typeof (zlib as unknown as Partial<NativeZstd>).zstdDecompressSync === 'function'
    ? (zlib as unknown as NativeZstd)
    : undefined

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

function corrupt(codec: string, err: unknown): CorruptCompressedDataError {
  return new CorruptCompressedDataError(codec, err instanceof Error ? err.message : String(err), err)
}

/** A decoder from a synchronous function (that throws CorruptCompressedDataError on bad input). */
function syncDecoder(name: CompressionName, decompressSync: (data: Uint8Array) => Buffer): Decoder {
  return { name, decompressSync, decompress: async (data) => decompressSync(data) }
}

/** A decoder from zlib's sync and callback forms. */
function zlibDecoder(
  name: CompressionName,
  sync: (data: Buffer) => Buffer,
  async: (data: Buffer, cb: Callback) => void,
): Decoder {
  return {
    name,
    decompressSync(data) {
      try {
        return sync(asBuffer(data))
      } catch (err) {
        throw corrupt(name, err)
      }
    },
    decompress: (data) =>
      new Promise((resolve, reject) =>
        async(asBuffer(data), (err, out) => (err ? reject(corrupt(name, err)) : resolve(out))),
      ),
  }
}

const zstdDecoder: Decoder = nativeZstd
  ? zlibDecoder(
      'zstd',
      (data) => nativeZstd.zstdDecompressSync(data),
      (data, cb) => nativeZstd.zstdDecompress(data, cb),
    )
  : syncDecoder('zstd', (data) => {
      let out: Uint8Array
      try {
        out = fzstdDecompress(data)
      } catch (err) {
        throw corrupt('zstd', err)
      }
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
    })

const DECODERS = new Map<CompressionName | number, Decoder>()
for (const decoder of [
  syncDecoder('none', asBuffer),
  zlibDecoder('gzip', zlib.gunzipSync, zlib.gunzip),
  syncDecoder('snappy', snappyDecompress),
  syncDecoder('lz4', lz4Decompress),
  zstdDecoder,
]) {
  DECODERS.set(decoder.name, decoder).set(CompressionCodecId[decoder.name], decoder)
}

/** The decoder for a codec name or RecordBatch attributes id. */
export function decoderFor(name: CompressionName | number): Decoder {
  const decoder = DECODERS.get(name)
  if (decoder === undefined) throw new Error(`no decoder for compression codec ${JSON.stringify(name)}`)
  return decoder
}

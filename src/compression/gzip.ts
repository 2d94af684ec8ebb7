/** Kafka's gzip: a standard gzip stream; levels 1..9, -1 (Kafka's default) = zlib's default. */
import zlib from 'node:zlib'
import { asBuffer, type Codec } from './codec.js'
import { CorruptCompressedDataError } from './errors.js'

export const GZIP_DEFAULT_LEVEL = -1

function options(level: number | undefined): zlib.ZlibOptions {
  return { level: level ?? GZIP_DEFAULT_LEVEL }
}

function corrupt(err: unknown): CorruptCompressedDataError {
  return new CorruptCompressedDataError('gzip', err instanceof Error ? err.message : String(err), err)
}

export const gzipCodec: Codec = {
  id: 1,
  name: 'gzip',
  compressSync: (data, level) => zlib.gzipSync(data, options(level)),
  compress: (data, level) =>
    new Promise((resolve, reject) =>
      zlib.gzip(data, options(level), (err, out) => (err ? reject(err) : resolve(out))),
    ),
  decompressSync(data) {
    try {
      return zlib.gunzipSync(asBuffer(data))
    } catch (err) {
      throw corrupt(err)
    }
  },
  decompress: (data) =>
    new Promise((resolve, reject) =>
      zlib.gunzip(asBuffer(data), (err, out) => (err ? reject(corrupt(err)) : resolve(out))),
    ),
}

/** Kafka's gzip: a standard gzip stream; levels 1..9, -1 (Kafka's default) = zlib's default. */
import zlib from 'node:zlib'
import type { Codec } from './codec.js'

export const GZIP_DEFAULT_LEVEL = -1

function options(level: number | undefined): zlib.ZlibOptions {
  return { level: level ?? GZIP_DEFAULT_LEVEL }
}

export const gzipCodec: Codec = {
  id: 1,
  name: 'gzip',
  threadpool: true,
  compressSync: (data, level) => zlib.gzipSync(data, options(level)),
  compress: (data, level) =>
    new Promise((resolve, reject) =>
      zlib.gzip(data, options(level), (err, out) => (err ? reject(err) : resolve(out))),
    ),
}

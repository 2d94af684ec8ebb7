/**
 * Kafka's zstd: standard zstd frames; level per `compression.zstd.level` (default 3).
 *
 * Node's zlib has zstd from 22.15 / 23.8 on and runs it on the threadpool. On older Node
 * (20.x) a WebAssembly build of zstd compresses (it loads asynchronously, see `loadZstd`) and
 * fzstd, a pure-JS decoder, decompresses: the WASM package's one-shot decoder cannot decode
 * frames without a content size, which is what Java's zstd streams write.
 */
import { createRequire } from 'node:module'
import zlib from 'node:zlib'
import { asBuffer, type Codec } from './codec.js'
import { CompressionUnavailableError, CorruptCompressedDataError } from './errors.js'

export const ZSTD_DEFAULT_LEVEL = 3

type Callback = (err: Error | null, out: Buffer) => void
interface ZstdOptions {
  params?: Record<number, number>
}
/** The part of Node ≥ 22.15's zlib zstd API we use (our @types/node is 20's). */
interface NativeZstd {
  zstdCompressSync(data: Uint8Array, options: ZstdOptions): Buffer
  zstdCompress(data: Uint8Array, options: ZstdOptions, cb: Callback): void
  zstdDecompressSync(data: Uint8Array): Buffer
  zstdDecompress(data: Uint8Array, cb: Callback): void
  constants: { ZSTD_c_compressionLevel: number }
}

const native =
  typeof (zlib as unknown as Partial<NativeZstd>).zstdCompressSync === 'function'
    ? (zlib as unknown as NativeZstd)
    : undefined

function corrupt(err: unknown): CorruptCompressedDataError {
  return new CorruptCompressedDataError('zstd', err instanceof Error ? err.message : String(err), err)
}

function nativeCodec(z: NativeZstd): Codec {
  const options = (level: number | undefined): ZstdOptions => ({
    params: { [z.constants.ZSTD_c_compressionLevel]: level ?? ZSTD_DEFAULT_LEVEL },
  })
  return {
    id: 4,
    name: 'zstd',
    compressSync: (data, level) => z.zstdCompressSync(data, options(level)),
    compress: (data, level) =>
      new Promise((resolve, reject) =>
        z.zstdCompress(data, options(level), (err, out) => (err ? reject(err) : resolve(out))),
      ),
    decompressSync(data) {
      try {
        return z.zstdDecompressSync(asBuffer(data))
      } catch (err) {
        throw corrupt(err)
      }
    },
    decompress: (data) =>
      new Promise((resolve, reject) =>
        z.zstdDecompress(asBuffer(data), (err, out) => (err ? reject(corrupt(err)) : resolve(out))),
      ),
  }
}

interface WasmZstd {
  compress(data: Uint8Array, level?: number): Uint8Array
}
type Decode = (data: Uint8Array) => Uint8Array

let wasm: WasmZstd | undefined
let wasmLoading: Promise<WasmZstd> | undefined
let decode: Decode | undefined

function loadWasm(): Promise<WasmZstd> {
  wasmLoading ??= import('@hpcc-js/wasm-zstd')
    .then((m) => m.Zstd.load())
    .then((z) => {
      wasm = z
      return z
    })
    .catch((err: unknown) => {
      wasmLoading = undefined
      throw new CompressionUnavailableError(`zstd: cannot load its WebAssembly build: ${String(err)}`, err)
    })
  return wasmLoading
}

function fallbackDecode(): Decode {
  if (decode) return decode
  try {
    const fzstd = createRequire(import.meta.url)('fzstd') as { decompress: Decode }
    decode = fzstd.decompress
    return decode
  } catch (err) {
    throw new CompressionUnavailableError(`zstd: cannot load the fzstd decoder: ${String(err)}`, err)
  }
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength)
}

function fallbackDecompress(data: Uint8Array): Buffer {
  const d = fallbackDecode()
  try {
    return toBuffer(d(data))
  } catch (err) {
    throw corrupt(err)
  }
}

function wasmCompress(z: WasmZstd, data: Uint8Array, level: number | undefined): Buffer {
  return toBuffer(z.compress(data, level ?? ZSTD_DEFAULT_LEVEL))
}

const fallbackCodec: Codec = {
  id: 4,
  name: 'zstd',
  compressSync(data, level) {
    if (!wasm) {
      void loadWasm().catch(() => {})
      throw new CompressionUnavailableError(
        `zstd compression on Node ${process.versions.node} uses a WebAssembly build that loads asynchronously; ` +
          "await loadCodec('zstd') before compressSync (Node >= 22.15 has zstd built in)",
      )
    }
    return wasmCompress(wasm, data, level)
  },
  compress: async (data, level) => wasmCompress(wasm ?? (await loadWasm()), data, level),
  decompressSync: fallbackDecompress,
  decompress: async (data) => fallbackDecompress(data),
}

export const zstdCodec: Codec = native ? nativeCodec(native) : fallbackCodec

/** Makes every method of the zstd codec usable synchronously (a no-op with Node's native zstd). */
export async function loadZstd(): Promise<Codec> {
  if (!native) {
    fallbackDecode()
    await loadWasm()
  }
  return zstdCodec
}

/** Which implementation `zstdCodec` uses on this Node. */
export const zstdImplementation: 'node:zlib' | 'wasm+fzstd' = native ? 'node:zlib' : 'wasm+fzstd'

/**
 * Kafka's zstd: standard zstd frames; level per `compression.zstd.level` (default 3).
 *
 * Node's zlib has zstd from 22.15 / 23.8 on and runs it on the threadpool. On older Node
 * (20.x) a WebAssembly build of zstd compresses; it loads asynchronously (see `loadZstd`).
 */
import zlib from 'node:zlib'
import type { Codec } from './codec.js'
import { CompressionUnavailableError } from './errors.js'

export const ZSTD_DEFAULT_LEVEL = 3

type Callback = (err: Error | null, out: Buffer) => void
interface ZstdOptions {
  params?: Record<number, number>
}
/** The part of Node ≥ 22.15's zlib zstd API we use (our @types/node is 20's). */
interface NativeZstd {
  zstdCompressSync(data: Uint8Array, options: ZstdOptions): Buffer
  zstdCompress(data: Uint8Array, options: ZstdOptions, cb: Callback): void
  constants: { ZSTD_c_compressionLevel: number }
}

const native =
  typeof (zlib as unknown as Partial<NativeZstd>).zstdCompressSync === 'function'
    ? (zlib as unknown as NativeZstd)
    : undefined

function nativeCodec(z: NativeZstd): Codec {
  const options = (level: number | undefined): ZstdOptions => ({
    params: { [z.constants.ZSTD_c_compressionLevel]: level ?? ZSTD_DEFAULT_LEVEL },
  })
  return {
    id: 4,
    name: 'zstd',
    threadpool: true,
    compressSync: (data, level) => z.zstdCompressSync(data, options(level)),
    compress: (data, level) =>
      new Promise((resolve, reject) =>
        z.zstdCompress(data, options(level), (err, out) => (err ? reject(err) : resolve(out))),
      ),
  }
}

interface WasmZstd {
  compress(data: Uint8Array, level?: number): Uint8Array
}

let wasm: WasmZstd | undefined
let wasmLoading: Promise<WasmZstd> | undefined

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

function wasmCompress(z: WasmZstd, data: Uint8Array, level: number | undefined): Buffer {
  const u = z.compress(data, level ?? ZSTD_DEFAULT_LEVEL)
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength)
}

const wasmCodec: Codec = {
  id: 4,
  name: 'zstd',
  threadpool: false,
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
}

export const zstdCodec: Codec = native ? nativeCodec(native) : wasmCodec

/** Makes `compressSync` of the zstd codec usable (a no-op with Node's native zstd). */
export async function loadZstd(): Promise<Codec> {
  if (!native) await loadWasm()
  return zstdCodec
}

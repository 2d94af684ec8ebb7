/**
 * Where a batch's records section is compressed: inline on the event loop, on zlib's threadpool
 * (the codec's own `compress`), or on the shared worker pool. THRESHOLDS below.
 */
import type { Codec } from '../codec.js'
import { CompressionPool } from './pool.js'

export type CompressAsync = (data: Uint8Array, level: number | undefined) => Promise<Buffer>

export interface Offload {
  /** Batches of at least this many bytes go off the event loop; smaller ones compress inline. */
  readonly threshold: number
  readonly compress: CompressAsync
  /** The worker pool behind `compress`; null when the codec compresses on zlib's threadpool. */
  readonly pool: CompressionPool | null
  /** The producer using this no longer needs it: the pool stops when no producer does. */
  release(): void
}

/** How offloading is chosen: `auto` in the library; the others for bench/compression-loop.ts. */
export type OffloadMode = 'auto' | 'inline' | 'threadpool' | 'worker'

let mode: OffloadMode = 'auto'

/** Bench only: overrides the choice for producers created after it. */
export function setOffloadMode(m: OffloadMode): void {
  mode = m
}

/**
 * Batch sizes from which a codec leaves the event loop, by codec id: where compressing inline
 * would take more than ~0.5 ms (bench/compression-loop.ts, 2 cores, Node 20, ~1 KiB JSON
 * records: gzip 0.23 ms at 16 KiB, 1.0 at 64 KiB; zstd (wasm) 0.36 / 1.6; snappy 0.29 at
 * 64 KiB, 1.4 at 256 KiB; lz4 0.14 at 64 KiB, 0.57 at 256 KiB, 5.4 at 1 MiB). Handing a batch
 * to a worker costs the loop 0.04..0.13 ms. Table and figures: docs/ARCHITECTURE.md, compression.
 */
const THRESHOLDS: Readonly<Record<number, number>> = {
  1: 32 * 1024, // gzip
  2: 128 * 1024, // snappy
  3: 256 * 1024, // lz4
  4: 32 * 1024, // zstd
}

let shared: CompressionPool | null = null
let users = 0

/** The pool producers share while any uses it (tests look at its counters). */
export function sharedPool(): CompressionPool | null {
  return shared
}

/** The offload for a producer's codec; null to compress every batch inline. */
export function offloadFor(codec: Codec): Offload | null {
  if (codec.id === 0 || mode === 'inline') return null
  const threshold = THRESHOLDS[codec.id] ?? 64 * 1024
  if (mode === 'threadpool' || (mode === 'auto' && codec.threadpool)) {
    return { threshold, compress: codec.compress, pool: null, release() {} }
  }
  shared ??= new CompressionPool()
  const pool = shared
  users++
  let released = false
  return {
    threshold,
    compress: (data, level) => pool.compress(codec, data, level),
    pool,
    release() {
      if (released) return
      released = true
      if (--users === 0 && shared === pool) {
        shared = null
        void pool.close()
      }
    },
  }
}

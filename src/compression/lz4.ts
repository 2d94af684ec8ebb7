/**
 * Kafka's LZ4: the LZ4 frame format as Kafka's Lz4BlockOutputStream writes it: FLG 0x60
 * (version 1, independent blocks, no checksums, no content size), BD 0x40 (64 KiB blocks), the
 * header checksum over FLG..BD (the correct one, as magic v2 batches require), 64 KiB blocks
 * (stored raw when compression does not shrink them) and an end mark.
 *
 * Levels follow Kafka's `compression.lz4.level` (1..17, default 9): like Java, the default level
 * uses the fast compressor and every other level a hash-chain search, deeper as the level rises.
 */
import { lz4CompressBound, lz4CompressChain, lz4CompressFast } from './lz4-block.js'
import { type Lz4Wasm, lz4Wasm } from './lz4-wasm.js'
import { Scratch } from './scratch.js'
import { xxhash32 } from './xxhash32.js'

export const LZ4_DEFAULT_LEVEL = 9
export const LZ4_MIN_LEVEL = 1
export const LZ4_MAX_LEVEL = 17

const FLG = 0x60
const BD = 0x40
const BLOCK_SIZE = 64 * 1024
const UNCOMPRESSED = 0x80000000
const HEADER = Buffer.from([0x04, 0x22, 0x4d, 0x18, FLG, BD, (xxhash32(Uint8Array.of(FLG, BD)) >>> 8) & 0xff])

const scratch = new Scratch()

function attemptsFor(level: number): number {
  return 1 << (Math.min(Math.max(level, LZ4_MIN_LEVEL), 13) - 1)
}

export function lz4Compress(data: Uint8Array, level: number | undefined): Buffer {
  const lvl = level ?? LZ4_DEFAULT_LEVEL
  if (lvl === LZ4_DEFAULT_LEVEL) {
    const wasm = lz4Wasm()
    if (wasm !== null) return lz4CompressFastWasm(wasm, data)
  }
  return lz4CompressJs(data, lvl)
}

/** Worst-case frame size for `n` bytes (a block's overrun is only transient: see below). */
function frameBound(n: number): number {
  return HEADER.length + Math.ceil(n / BLOCK_SIZE) * 4 + lz4CompressBound(Math.min(n, BLOCK_SIZE)) + n + 4
}

/** The default level in WebAssembly; the same bytes as `lz4CompressJs(data, LZ4_DEFAULT_LEVEL)`. */
export function lz4CompressFastWasm(wasm: Lz4Wasm, data: Uint8Array): Buffer {
  const n = data.length
  const src = wasm.base
  const out = src + n + 8
  const mem = wasm.memory(out + frameBound(n))
  mem.set(data, src)
  mem.set(HEADER, out)
  let d = out + HEADER.length
  for (let start = 0; start < n; start += BLOCK_SIZE) {
    const end = Math.min(start + BLOCK_SIZE, n)
    const at = d + 4
    let size = wasm.compress(src + start, src + end, at) - at
    if (size >= end - start) {
      // Stored raw when compression does not shrink the block.
      size = end - start
      mem.copyWithin(at, src + start, src + end)
      writeU32(mem, d, (size | UNCOMPRESSED) >>> 0)
    } else {
      writeU32(mem, d, size)
    }
    d = at + size
  }
  writeU32(mem, d, 0)
  return Buffer.from(mem.subarray(out, d + 4))
}

function writeU32(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff
  b[i + 1] = (v >>> 8) & 0xff
  b[i + 2] = (v >>> 16) & 0xff
  b[i + 3] = v >>> 24
}

/** Every level in JavaScript: the fast compressor at the default level, hash chains otherwise. */
export function lz4CompressJs(data: Uint8Array, lvl: number): Buffer {
  const n = data.length
  const out = scratch.get(frameBound(n))
  HEADER.copy(out, 0)
  let d = HEADER.length
  for (let start = 0; start < n; start += BLOCK_SIZE) {
    const end = Math.min(start + BLOCK_SIZE, n)
    const at = d + 4
    const stop =
      lvl === LZ4_DEFAULT_LEVEL
        ? lz4CompressFast(data, start, end, out, at)
        : lz4CompressChain(data, start, end, out, at, attemptsFor(lvl))
    let size = stop - at
    if (size >= end - start) {
      size = end - start
      out.set(data.subarray(start, end), at)
      out.writeUInt32LE((size | UNCOMPRESSED) >>> 0, d)
    } else {
      out.writeUInt32LE(size, d)
    }
    d = at + size
  }
  out.writeUInt32LE(0, d)
  return scratch.take(d + 4)
}

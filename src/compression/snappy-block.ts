/**
 * The raw Snappy block format: a varint uncompressed length, then literal and copy elements.
 * The encoder works on 64 KiB fragments (so every offset fits two bytes) with Snappy's hash
 * and skip heuristics. (The decoder, which only tests need, is test/compression/decode/snappy.ts.)
 */
const FRAGMENT = 1 << 16
const MAX_HASH_LOG = 14
/** Snappy's input margin: no match search in the last 15 bytes of a fragment. */
const INPUT_MARGIN = 15

export function snappyCompressBound(n: number): number {
  return 32 + n + ((n / 6) | 0)
}

let table: Uint16Array | undefined

function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
}

function emitLiteral(src: Uint8Array, from: number, to: number, dst: Uint8Array, d: number): number {
  const n = to - from - 1
  if (n < 60) {
    dst[d++] = n << 2
  } else if (n < 0x100) {
    dst[d++] = 60 << 2
    dst[d++] = n
  } else if (n < 0x10000) {
    dst[d++] = 61 << 2
    dst[d++] = n & 0xff
    dst[d++] = n >>> 8
  } else if (n < 0x1000000) {
    dst[d++] = 62 << 2
    dst[d++] = n & 0xff
    dst[d++] = (n >>> 8) & 0xff
    dst[d++] = n >>> 16
  } else {
    dst[d++] = 63 << 2
    dst[d++] = n & 0xff
    dst[d++] = (n >>> 8) & 0xff
    dst[d++] = (n >>> 16) & 0xff
    dst[d++] = n >>> 24
  }
  const len = n + 1
  if (len > 32) dst.set(src.subarray(from, to), d)
  else for (let i = 0; i < len; i++) dst[d + i] = src[from + i]!
  return d + len
}

function emitCopyUpTo64(offset: number, len: number, dst: Uint8Array, d: number): number {
  if (len < 12 && offset < 2048) {
    dst[d++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5)
    dst[d++] = offset & 0xff
  } else {
    dst[d++] = 2 | ((len - 1) << 2)
    dst[d++] = offset & 0xff
    dst[d++] = offset >>> 8
  }
  return d
}

function emitCopy(offset: number, len: number, dst: Uint8Array, d: number): number {
  while (len >= 68) {
    d = emitCopyUpTo64(offset, 64, dst, d)
    len -= 64
  }
  if (len > 64) {
    d = emitCopyUpTo64(offset, 60, dst, d)
    len -= 60
  }
  return emitCopyUpTo64(offset, len, dst, d)
}

function compressFragment(src: Uint8Array, start: number, end: number, dst: Uint8Array, d: number): number {
  let nextEmit = start
  const len = end - start
  if (len >= INPUT_MARGIN) {
    let log = 8
    while (log < MAX_HASH_LOG && 1 << log < len) log++
    const shift = 32 - log
    table ??= new Uint16Array(1 << MAX_HASH_LOG)
    const t = table
    t.fill(0, 0, 1 << log)
    const ipLimit = end - INPUT_MARGIN
    let ip = start + 1
    let nextHash = Math.imul(read32(src, ip), 0x1e35a7bd) >>> shift
    outer: for (;;) {
      let skip = 32
      let nextIp = ip
      let candidate: number
      do {
        ip = nextIp
        const h = nextHash
        nextIp = ip + (skip++ >>> 5)
        if (nextIp > ipLimit) break outer
        nextHash = Math.imul(read32(src, nextIp), 0x1e35a7bd) >>> shift
        candidate = start + t[h]!
        t[h] = ip - start
      } while (read32(src, ip) !== read32(src, candidate))
      d = emitLiteral(src, nextEmit, ip, dst, d)
      let cur: number
      do {
        const matchStart = ip
        let m = 4
        while (ip + m < end && src[ip + m] === src[candidate + m]) m++
        ip += m
        d = emitCopy(matchStart - candidate, m, dst, d)
        nextEmit = ip
        if (ip >= ipLimit) break outer
        t[Math.imul(read32(src, ip - 1), 0x1e35a7bd) >>> shift] = ip - 1 - start
        const h = Math.imul(read32(src, ip), 0x1e35a7bd) >>> shift
        candidate = start + t[h]!
        t[h] = ip - start
        cur = read32(src, ip)
      } while (cur === read32(src, candidate))
      ip++
      nextHash = Math.imul(read32(src, ip), 0x1e35a7bd) >>> shift
    }
  }
  if (nextEmit < end) d = emitLiteral(src, nextEmit, end, dst, d)
  return d
}

/** Compresses `src[start, end)` into `dst` at `d` (room for `snappyCompressBound`); returns the end. */
export function snappyCompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
): number {
  let n = end - start
  while (n >= 0x80) {
    dst[d++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  dst[d++] = n
  for (let from = start; from < end; from += FRAGMENT) {
    d = compressFragment(src, from, Math.min(from + FRAGMENT, end), dst, d)
  }
  return d
}

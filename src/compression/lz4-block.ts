/**
 * The LZ4 block format (sequences of token, literals, 16-bit offset, match length).
 * Encoders write into a caller-sized `dst` of at least `lz4CompressBound(n)` bytes, so they never
 * bounds-check the output. (The decoder, which only tests need, is test/compression/decode/lz4.ts.)
 */
const MIN_MATCH = 4
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5
/** A match must start at least 12 bytes before the end of the block. */
const MF_LIMIT = 12
const MAX_OFFSET = 65535

const FAST_HASH_LOG = 14
const HC_HASH_LOG = 15

export function lz4CompressBound(n: number): number {
  return n + ((n / 255) | 0) + 16
}

function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
}

/**
 * Hash tables hold `generation + position`; bumping the generation past every stored value
 * invalidates the whole table without clearing it.
 */
class Table {
  readonly slots: Int32Array
  gen = 0
  constructor(log: number) {
    this.slots = new Int32Array(1 << log)
  }
  /** Returns the base to add to positions for a new block of `len` bytes starting at `start`. */
  next(start: number, len: number): number {
    if (this.gen + len + MAX_OFFSET + 1 > 0x7fffffff) {
      this.slots.fill(0)
      this.gen = 0
    }
    const base = this.gen + MAX_OFFSET + 1 - start
    this.gen += len + MAX_OFFSET + 1
    return base
  }
}

let fastTable: Table | undefined
let hcHead: Table | undefined
let hcChain: Uint16Array | undefined

/** Writes the sequence [anchor, ip) literals + match (offset, length) at `d`; returns the new `d`. */
function writeSequence(
  src: Uint8Array,
  anchor: number,
  ip: number,
  offset: number,
  matchLen: number,
  dst: Uint8Array,
  d: number,
): number {
  const litLen = ip - anchor
  const tokenAt = d++
  let token: number
  if (litLen >= 15) {
    token = 0xf0
    let l = litLen - 15
    while (l >= 255) {
      dst[d++] = 255
      l -= 255
    }
    dst[d++] = l
  } else {
    token = litLen << 4
  }
  if (litLen > 32) dst.set(src.subarray(anchor, ip), d)
  else for (let i = 0; i < litLen; i++) dst[d + i] = src[anchor + i]!
  d += litLen
  dst[d++] = offset & 0xff
  dst[d++] = offset >>> 8
  const ml = matchLen - MIN_MATCH
  if (ml >= 15) {
    token |= 15
    let l = ml - 15
    while (l >= 255) {
      dst[d++] = 255
      l -= 255
    }
    dst[d++] = l
  } else {
    token |= ml
  }
  dst[tokenAt] = token
  return d
}

function writeLastLiterals(src: Uint8Array, anchor: number, end: number, dst: Uint8Array, d: number): number {
  const litLen = end - anchor
  if (litLen >= 15) {
    dst[d++] = 0xf0
    let l = litLen - 15
    while (l >= 255) {
      dst[d++] = 255
      l -= 255
    }
    dst[d++] = l
  } else {
    dst[d++] = litLen << 4
  }
  dst.set(src.subarray(anchor, end), d)
  return d + litLen
}

/** LZ4's default ("fast") greedy compressor. Returns the end offset in `dst`. */
export function lz4CompressFast(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
): number {
  let anchor = start
  if (end - start >= MF_LIMIT + 1) {
    fastTable ??= new Table(FAST_HASH_LOG)
    const base = fastTable.next(start, end - start)
    const table = fastTable.slots
    const matchLimit = end - LAST_LITERALS
    const mfLimit = end - MF_LIMIT
    const shift = 32 - FAST_HASH_LOG
    let ip = start
    // LZ4's acceleration: the step grows by one every 64 failed lookups since the last match.
    let searches = 1 << 6
    while (ip < mfLimit) {
      const seq = read32(src, ip)
      const h = Math.imul(seq, -1640531535) >>> shift
      let ref = table[h]! - base
      table[h] = base + ip
      if (ref < start || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        ip += searches++ >>> 6
        continue
      }
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--
        ref--
      }
      let len = MIN_MATCH
      while (ip + len < matchLimit && src[ip + len] === src[ref + len]) len++
      d = writeSequence(src, anchor, ip, ip - ref, len, dst, d)
      ip += len
      anchor = ip
      searches = 1 << 6
      if (ip < mfLimit) table[Math.imul(read32(src, ip - 2), -1640531535) >>> shift] = base + ip - 2
    }
  }
  return writeLastLiterals(src, anchor, end, dst, d)
}

/** State of the hash-chain compressor for the block being compressed. */
const hc = { start: 0, base: 0, matchLimit: 0, nextToInsert: 0, attempts: 0, ref: 0 }

function hcInsert(src: Uint8Array, upTo: number): void {
  const head = hcHead!.slots
  const chain = hcChain!
  const shift = 32 - HC_HASH_LOG
  for (let p = hc.nextToInsert; p <= upTo; p++) {
    const h = Math.imul(read32(src, p), -1640531535) >>> shift
    const prev = head[h]! - hc.base
    const delta = p - prev
    chain[p & MAX_OFFSET] = prev >= hc.start && delta <= MAX_OFFSET ? delta : 0
    head[h] = hc.base + p
  }
  if (upTo >= hc.nextToInsert) hc.nextToInsert = upTo + 1
}

/** The longest match for `ip` among up to `hc.attempts` earlier positions; its start in `hc.ref`. */
function hcFind(src: Uint8Array, ip: number): number {
  hcInsert(src, ip)
  const chain = hcChain!
  const seq = read32(src, ip)
  const matchLimit = hc.matchLimit
  let bestLen = 0
  let ref = ip - chain[ip & MAX_OFFSET]!
  let left = hc.attempts
  while (ref < ip && left-- > 0) {
    if (src[ref + bestLen] === src[ip + bestLen] && read32(src, ref) === seq) {
      let len = MIN_MATCH
      while (ip + len < matchLimit && src[ip + len] === src[ref + len]) len++
      if (len > bestLen) {
        bestLen = len
        hc.ref = ref
        if (ip + len >= matchLimit) break
      }
    }
    const delta = chain[ref & MAX_OFFSET]!
    if (delta === 0) break
    ref -= delta
    if (ip - ref > MAX_OFFSET) break
  }
  return bestLen
}

/**
 * A hash-chain compressor (in the spirit of LZ4 HC) that tries up to `attempts` earlier
 * positions per match and defers a match when the next position has a longer one.
 * Returns the end offset in `dst`.
 */
export function lz4CompressChain(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
  attempts: number,
): number {
  let anchor = start
  if (end - start >= MF_LIMIT + 1) {
    hcHead ??= new Table(HC_HASH_LOG)
    hcChain ??= new Uint16Array(MAX_OFFSET + 1)
    hc.start = start
    hc.base = hcHead.next(start, end - start)
    hc.matchLimit = end - LAST_LITERALS
    hc.nextToInsert = start
    hc.attempts = attempts
    const mfLimit = end - MF_LIMIT
    let ip = start
    while (ip < mfLimit) {
      let len = hcFind(src, ip)
      if (len < MIN_MATCH) {
        ip++
        continue
      }
      let ref = hc.ref
      while (ip + 1 < mfLimit) {
        const next = hcFind(src, ip + 1)
        if (next <= len) break
        ip++
        len = next
        ref = hc.ref
      }
      d = writeSequence(src, anchor, ip, ip - ref, len, dst, d)
      ip += len
      anchor = ip
    }
  }
  return writeLastLiterals(src, anchor, end, dst, d)
}

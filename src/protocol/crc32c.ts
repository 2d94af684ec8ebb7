/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as RecordBatch v2 uses for its checksum.
 * Slicing-by-8: eight 256-entry tables, built once at load, let the main loop consume 8 bytes per
 * iteration with eight table lookups instead of eight dependent byte steps.
 */
const POLY = 0x82f63b78

// TABLES[k * 256 + b] is the CRC of byte b followed by k zero bytes.
const TABLES = new Int32Array(8 * 256)
for (let b = 0; b < 256; b++) {
  let c = b
  for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
  TABLES[b] = c
}
for (let b = 0; b < 256; b++) {
  let c = TABLES[b]!
  for (let k = 1; k < 8; k++) {
    c = TABLES[c & 0xff]! ^ (c >>> 8)
    TABLES[k * 256 + b] = c
  }
}
const T0 = TABLES.subarray(0, 256)
const T1 = TABLES.subarray(256, 512)
const T2 = TABLES.subarray(512, 768)
const T3 = TABLES.subarray(768, 1024)
const T4 = TABLES.subarray(1024, 1280)
const T5 = TABLES.subarray(1280, 1536)
const T6 = TABLES.subarray(1536, 1792)
const T7 = TABLES.subarray(1792, 2048)

/** CRC-32C of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end: number = buf.length): number {
  if (start < 0 || end > buf.length || start > end) {
    throw new RangeError(`crc32c range [${start}, ${end}) is outside a buffer of ${buf.length} bytes`)
  }
  let crc = -1
  let i = start
  const fast = end - 7
  while (i < fast) {
    const lo = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))
    crc =
      T7[lo & 0xff]! ^
      T6[(lo >>> 8) & 0xff]! ^
      T5[(lo >>> 16) & 0xff]! ^
      T4[lo >>> 24]! ^
      T3[buf[i + 4]!]! ^
      T2[buf[i + 5]!]! ^
      T1[buf[i + 6]!]! ^
      T0[buf[i + 7]!]!
    i += 8
  }
  while (i < end) crc = T0[(crc ^ buf[i++]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

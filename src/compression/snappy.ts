/**
 * Kafka's Snappy: the snappy-java (xerial) stream framing that Kafka's producer writes: a 16-byte
 * header (magic `\x82SNAPPY\0`, version 1, compatible version 1, big-endian int32s), then for
 * every 32 KiB of input a big-endian int32 length and a raw Snappy block.
 */
import { Scratch } from './scratch.js'
import { snappyCompressBlock, snappyCompressBound } from './snappy-block.js'

const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
/** snappy-java's default SnappyOutputStream block size, which Kafka uses. */
const CHUNK = 32 * 1024

const scratch = new Scratch()

export function snappyCompress(data: Uint8Array): Buffer {
  const n = data.length
  const chunks = Math.ceil(n / CHUNK)
  const out = scratch.get(XERIAL_HEADER.length + chunks * 4 + snappyCompressBound(n))
  XERIAL_HEADER.copy(out, 0)
  let d = XERIAL_HEADER.length
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(start + CHUNK, n)
    const stop = snappyCompressBlock(data, start, end, out, d + 4)
    out.writeInt32BE(stop - d - 4, d)
    d = stop
  }
  return scratch.take(d)
}

/**
 * Each codec's compress and decompress on records-like JSON (~1 KiB records), for a 16 KiB and a
 * 1 MiB buffer. MB/s counts uncompressed bytes; the note gives the compression ratio.
 */
import { type CompressionName, loadCodec } from '../../src/compression/index.js'
import { decoderFor } from '../../test/compression/decode/index.js'
import type { MicroBench } from './harness.js'

function recordsLike(n: number): Buffer {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel']
  let seed = 7
  const r = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed / 0x100000000
  }
  const parts: string[] = []
  let size = 0
  while (size < n) {
    // A header of varying fields and a payload of repeated vocabulary.
    const body = Array.from({ length: 110 }, () => words[(r() * 8) | 0]).join(' ')
    const s = `{"id":${size},"user":"user-${(r() * 5000) | 0}","ts":${1700000000000 + ((r() * 1e9) | 0)},"amount":${(r() * 1e6).toFixed(2)},"body":"${body}"}`
    parts.push(s)
    size += s.length
  }
  return Buffer.from(parts.join('')).subarray(0, n)
}

const CASES: [CompressionName, number | undefined][] = [
  ['gzip', undefined],
  ['gzip', 1],
  ['snappy', undefined],
  ['lz4', undefined],
  ['lz4', 1],
  ['lz4', 4],
  ['zstd', undefined],
  ['zstd', 1],
]

export async function compressionBenches(): Promise<MicroBench[]> {
  const out: MicroBench[] = []
  for (const size of [16 * 1024, 1024 * 1024]) {
    const data = recordsLike(size)
    const sizeLabel = size < 1024 * 1024 ? `${size / 1024}KiB` : `${size / 1024 / 1024}MiB`
    for (const [name, level] of CASES) {
      const codec = await loadCodec(name)
      const decoder = decoderFor(name)
      const packed = codec.compressSync(data, level)
      const label = `${name}${level === undefined ? '' : `:${level}`} ${sizeLabel}`
      const note = `ratio ${(size / packed.length).toFixed(2)}`
      out.push({
        name: `codec/compress ${label}`,
        opsPerRun: 1,
        bytesPerRun: size,
        note,
        run: () => codec.compressSync(data, level),
      })
      out.push({
        name: `codec/decompress ${label}`,
        opsPerRun: 1,
        bytesPerRun: size,
        note,
        run: () => decoder.decompressSync(packed),
      })
    }
  }
  return out
}

/**
 * Compress/decompress throughput (MB/s of uncompressed data) of each codec on records-like JSON,
 * for a 16 KiB and a 1 MiB buffer. Usage: node --import tsx bench/micro/compression.ts
 */
import { type CompressionName, loadCodec } from '../../src/compression/index.js'
import { zstdImplementation } from '../../src/compression/zstd.js'

function records(n: number): Buffer {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel']
  let seed = 7
  const r = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed / 0x100000000
  }
  const parts: string[] = []
  let size = 0
  while (size < n) {
    // ~1 KiB records: a header of varying fields and a payload of repeated vocabulary.
    const body = Array.from({ length: 110 }, () => words[(r() * 8) | 0]).join(' ')
    const s = `{"id":${size},"user":"user-${(r() * 5000) | 0}","ts":${1700000000000 + ((r() * 1e9) | 0)},"amount":${(r() * 1e6).toFixed(2)},"body":"${body}"}`
    parts.push(s)
    size += s.length
  }
  return Buffer.from(parts.join('')).subarray(0, n)
}

function measure(bytes: number, fn: () => unknown): number {
  for (let i = 0; i < 3; i++) fn()
  let iterations = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < 0.4 || iterations < 5) {
    fn()
    iterations++
    elapsed = Number(process.hrtime.bigint() - start) / 1e9
  }
  return (bytes * iterations) / 1e6 / elapsed
}

const rows: string[] = []
const names: [CompressionName, number | undefined][] = [
  ['gzip', undefined],
  ['gzip', 1],
  ['snappy', undefined],
  ['lz4', undefined],
  ['lz4', 1],
  ['lz4', 4],
  ['zstd', undefined],
  ['zstd', 1],
]
console.log(`Node ${process.version}, zstd via ${zstdImplementation}`)
console.log('codec      level  size     ratio  compress MB/s  decompress MB/s')
for (const size of [16 * 1024, 1024 * 1024]) {
  const data = records(size)
  for (const [name, level] of names) {
    const codec = await loadCodec(name)
    const packed = codec.compressSync(data, level)
    const c = measure(size, () => codec.compressSync(data, level))
    const d = measure(size, () => codec.decompressSync(packed))
    rows.push(
      `${name.padEnd(10)} ${String(level ?? 'def').padEnd(6)} ${`${size / 1024} KiB`.padEnd(8)} ${(size / packed.length).toFixed(2).padStart(5)}  ${c.toFixed(0).padStart(13)}  ${d.toFixed(0).padStart(15)}`,
    )
  }
}
console.log(rows.join('\n'))

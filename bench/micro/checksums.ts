/** CRC-32C over buffers of typical batch sizes, and murmur2 over keys of typical sizes. */
import { crc32c } from '../../src/protocol/crc32c.js'
import { murmur2 } from '../../src/protocol/murmur2.js'
import type { MicroBench } from './harness.js'

function filled(n: number): Buffer {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff
  return b
}

export function crc32cBenches(): MicroBench[] {
  return [
    ['128B', 128],
    ['1KiB', 1024],
    ['16KiB', 16 * 1024],
    ['64KiB', 64 * 1024],
    ['1MiB', 1024 * 1024],
  ].map(([label, size]) => {
    const data = filled(size as number)
    // Small inputs are checksummed many times per run so timer overhead stays negligible.
    const repeat = Math.max(1, Math.floor(65536 / (size as number)))
    return {
      name: `crc32c/${label}`,
      opsPerRun: repeat,
      bytesPerRun: repeat * (size as number),
      run: () => {
        let x = 0
        for (let i = 0; i < repeat; i++) x ^= crc32c(data)
        return x
      },
    }
  })
}

export function murmur2Benches(): MicroBench[] {
  return [
    ['8B', 8],
    ['16B', 16],
    ['36B (uuid text)', 36],
    ['100B', 100],
  ].map(([label, size]) => {
    // Distinct keys, as a partitioner sees them.
    const keys = Array.from({ length: 256 }, (_, k) => {
      const b = filled(size as number)
      b[0] = k
      return b
    })
    return {
      name: `murmur2/${label}`,
      opsPerRun: 1024,
      bytesPerRun: 1024 * (size as number),
      run: () => {
        let x = 0
        for (let i = 0; i < 1024; i++) x ^= murmur2(keys[i & 255]!)
        return x
      },
    }
  })
}

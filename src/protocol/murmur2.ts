/**
 * Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), which the default partitioner
 * hashes serialized keys with. Must stay bit-identical to the Java client so that keyed records
 * land on the same partition whichever client produced them.
 */
const SEED = 0x9747b28c | 0
const M = 0x5bd1e995
const R = 24

/** murmur2 of `data` as a signed 32-bit integer, exactly as Kafka's Java client computes it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length
  let h = SEED ^ length
  const tail = length & ~3
  for (let i = 0; i < tail; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> R
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  const rest = length & 3
  if (rest !== 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16
    if (rest >= 2) h ^= data[tail + 1]! << 8
    h ^= data[tail]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs, which differs for MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/** The partition Kafka's default partitioner picks for a serialized key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions
}

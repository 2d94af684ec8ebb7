/**
 * The partition of 100,000 random keys, as the producer picks it for a keyed record (the key
 * serializer, then BuiltInPartitioner.partition), against Kafka's Java client: Kafka's own
 * serializer for the key's type, then BuiltInPartitioner.partitionForKey. Integration tier (Java).
 * A fresh seed each run; SLUICE_PARITY_SEED=<n> replays one.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BuiltInPartitioner } from '../../src/producer/partitioner.js'
import { SERIALIZERS, type SerializerName, serialize } from '../../src/producer/serializers.js'
import { prng } from '../compression/data.js'
import { javaPartitionsForTypedKeys, type TypedKey } from '../helpers/java-partitioner.js'

const KEYS = 100_000
const PARTITION_COUNTS = [1, 3, 7, 64, 1000]
const SEED = Number(process.env.SLUICE_PARITY_SEED ?? Math.floor(Math.random() * 0x7fffffff) + 1)

/** A random Unicode scalar value: ASCII mostly, then 1- to 4-byte UTF-8 forms; no surrogates. */
function codePoint(r: () => number): number {
  const x = r()
  if (x < 0.4) return 0x20 + Math.floor(r() * 0x5f)
  if (x < 0.45) return Math.floor(r() * 0x20)
  if (x < 0.65) return 0x80 + Math.floor(r() * 0x780)
  if (x < 0.85) {
    const c = 0x800 + Math.floor(r() * (0x10000 - 0x800 - 0x800))
    return c >= 0xd800 ? c + 0x800 : c
  }
  return 0x10000 + Math.floor(r() * 0x100000)
}

const int32 = (r: () => number): number => (r() * 0x100000000) | 0

function randomKey(r: () => number): { key: TypedKey; serializer: SerializerName } {
  const x = r()
  if (x < 0.35) {
    const b = Buffer.alloc(r() < 0.05 ? 0 : Math.floor(r() * 65))
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256)
    return { key: { kind: 'bytes', key: b }, serializer: 'buffer' }
  }
  if (x < 0.7) {
    const n = r() < 0.05 ? 0 : Math.floor(r() * 33)
    let s = ''
    for (let i = 0; i < n; i++) {
      // Now and then a lone surrogate, which Java's StringSerializer writes as '?'.
      s +=
        r() < 0.01
          ? String.fromCharCode(0xd800 + Math.floor(r() * 0x800))
          : String.fromCodePoint(codePoint(r))
    }
    // Strings go through both serializers that take them: the default ('buffer') and 'string'.
    return { key: { kind: 'string', key: s }, serializer: r() < 0.5 ? 'buffer' : 'string' }
  }
  if (x < 0.85) {
    const edges = [0, -1, 1, 0x7fffffff, -0x80000000]
    const v = r() < 0.05 ? edges[Math.floor(r() * edges.length)]! : int32(r)
    return { key: { kind: 'int', key: v }, serializer: 'int' }
  }
  const edges = [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(Number.MAX_SAFE_INTEGER)]
  const y = r()
  let v: bigint | number
  if (y < 0.05) v = edges[Math.floor(r() * edges.length)]!
  // The long serializer takes safe integers as numbers as well as bigints.
  else if (y < 0.4) v = Math.floor((r() - 0.5) * 2 * Number.MAX_SAFE_INTEGER)
  else v = BigInt.asIntN(64, (BigInt(int32(r) >>> 0) << 32n) | BigInt(int32(r) >>> 0))
  return { key: { kind: 'long', key: v }, serializer: 'long' }
}

test(`${KEYS} random keys land on the partition the Java client picks (seed ${SEED})`, async () => {
  const r = prng(SEED)
  const cases = Array.from({ length: KEYS }, () => randomKey(r))
  const java = await javaPartitionsForTypedKeys(
    cases.map((c) => c.key),
    PARTITION_COUNTS,
  )
  // The producer's partitioner as it is built for a producer; keyed records ignore which
  // partitions have a leader, as in Java, so only partition 0 is offered as available.
  const partitioner = new BuiltInPartitioner(16384, false)
  const mismatches: string[] = []
  for (let i = 0; i < cases.length; i++) {
    const { key, serializer } = cases[i]!
    const bytes = serialize(SERIALIZERS[serializer], key.key, 'topic', 'key')
    assert.ok(bytes !== null)
    PARTITION_COUNTS.forEach((n, j) => {
      const ours = partitioner.partition('topic', bytes, n, [0])
      if (ours !== java[i]![j]) {
        mismatches.push(
          `${key.kind} key ${JSON.stringify(String(key.key))} (${serializer} serializer, bytes ${Buffer.from(bytes).toString('hex')}) over ${n}: Sluice ${ours}, Java ${java[i]![j]}`,
        )
      }
    })
  }
  assert.equal(
    mismatches.length,
    0,
    `seed ${SEED} (replay with SLUICE_PARITY_SEED=${SEED}): ${mismatches.length} mismatches, first: ${mismatches.slice(0, 5).join('; ')}`,
  )
  // The keys covered what they were meant to.
  const kinds = new Set(cases.map((c) => c.key.kind))
  assert.equal(kinds.size, 4)
  assert.ok(cases.some((c) => c.key.kind === 'bytes' && c.key.key.length === 0))
  assert.ok(cases.some((c) => c.key.kind === 'string' && c.key.key === ''))
  assert.ok(cases.some((c) => c.key.kind === 'string' && /[\u{10000}-\u{10ffff}]/u.test(c.key.key)))
  assert.ok(cases.some((c) => c.key.kind === 'long' && typeof c.key.key === 'number'))
  assert.ok(
    cases.some((c) => c.key.kind === 'string' && !c.key.key.isWellFormed()),
    'a lone surrogate',
  )
})

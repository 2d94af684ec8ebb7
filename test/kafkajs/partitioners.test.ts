/**
 * sluice/kafkajs's partitioners against kafkajs's own (the kafkajs 2.2.4 devDependency, imported
 * here only): the same partition for thousands of random string and Buffer keys and partition
 * counts, the same round-robin walk without a key, and explicit partitions kept.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import kafkajs from 'kafkajs'
import {
  DefaultPartitioner,
  javaMurmur2,
  LegacyPartitioner,
  legacyMurmur2,
  Partitioners,
  type PartitionMetadata,
} from '../../src/kafkajs/partitioners.js'
import { murmur2 } from '../../src/protocol/murmur2.js'

/** mulberry32: reproducible draws in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = ['a', 'Z', '0', '-', ' ', 'é', 'ß', '€', '日本', '😀', '\u0000']

function randomKey(rand: () => number): string | Buffer {
  const length = Math.floor(rand() * 40)
  if (rand() < 0.5) {
    const bytes = Buffer.alloc(length)
    for (let i = 0; i < length; i++) bytes[i] = Math.floor(rand() * 256)
    return bytes
  }
  let s = ''
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)]
  return s
}

function metadata(count: number, withoutLeader: ReadonlySet<number> = new Set()): PartitionMetadata[] {
  return Array.from({ length: count }, (_, p) => ({
    partitionErrorCode: 0,
    partitionId: p,
    leader: withoutLeader.has(p) ? -1 : 1,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
  }))
}

const PAIRS = [
  ['DefaultPartitioner', DefaultPartitioner, kafkajs.Partitioners.DefaultPartitioner],
  ['LegacyPartitioner', LegacyPartitioner, kafkajs.Partitioners.LegacyPartitioner],
  [
    'JavaCompatiblePartitioner',
    Partitioners.JavaCompatiblePartitioner,
    kafkajs.Partitioners.JavaCompatiblePartitioner,
  ],
] as const

describe('keyed messages: the partition kafkajs picks', () => {
  for (const [name, ours, theirs] of PAIRS) {
    test(`${name}: 5,000 random string and Buffer keys over random partition counts`, () => {
      const rand = seeded(name.length * 7919)
      const mine = ours()
      const reference = theirs()
      let checked = 0
      for (let i = 0; i < 5000; i++) {
        const key = randomKey(rand)
        const count = 1 + Math.floor(rand() * 300)
        const partitionMetadata = metadata(count)
        const message = { key, value: 'v' }
        const expected = reference({ topic: 't', partitionMetadata, message })
        assert.equal(
          mine({ topic: 't', partitionMetadata, message }),
          expected,
          `key ${JSON.stringify(Buffer.isBuffer(key) ? [...key] : key)}, ${count} partitions`,
        )
        checked++
      }
      assert.equal(checked, 5000)
    })
  }

  test('the two hashes differ (the legacy one is not murmur2), so the comparisons above can fail', () => {
    const rand = seeded(42)
    let differ = 0
    for (let i = 0; i < 1000; i++) {
      const key = randomKey(rand)
      if (legacyMurmur2(key) !== javaMurmur2(key)) differ++
    }
    assert.ok(differ > 100, `only ${differ} of 1000 keys hash differently`)
  })

  test("DefaultPartitioner's hash is Kafka's murmur2 of the key's UTF-8 bytes; legacyMurmur2 matches kafkajs's on edge lengths", () => {
    assert.equal(javaMurmur2('21'), murmur2(Buffer.from('21')))
    const legacy = kafkajs.Partitioners.LegacyPartitioner()
    for (let length = 0; length <= 16; length++) {
      const key = Buffer.alloc(length, 0xff)
      const expected = legacy({
        topic: 't',
        partitionMetadata: metadata(1000),
        message: { key, value: null },
      })
      assert.equal((legacyMurmur2(key) & 0x7fffffff) % 1000, expected, `length ${length}`)
    }
  })
})

describe('explicit partitions and keyless messages', () => {
  for (const [name, ours, theirs] of PAIRS) {
    test(`${name}: an explicit partition is kept, even with a key`, () => {
      const partitionMetadata = metadata(5)
      for (const partition of [0, 3, 4]) {
        const message = { key: 'k', value: 'v', partition }
        assert.equal(ours()({ topic: 't', partitionMetadata, message }), partition)
        assert.equal(theirs()({ topic: 't', partitionMetadata, message }), partition)
      }
    })

    test(`${name}: without a key, the same round-robin walk over partitions with a leader (from a random start)`, () => {
      const withoutLeader = new Set([1, 4])
      const partitionMetadata = metadata(7, withoutLeader)
      const available = [0, 2, 3, 5, 6]
      const walk = (
        p: (a: {
          topic: string
          partitionMetadata: PartitionMetadata[]
          message: { value: string }
        }) => number,
      ) => Array.from({ length: 40 }, () => p({ topic: 't', partitionMetadata, message: { value: 'v' } }))
      for (const seq of [walk(ours()), walk(theirs())]) {
        for (const p of seq) assert.ok(available.includes(p), `${p} has no leader`)
        for (let i = 1; i < seq.length; i++) {
          const prev = available.indexOf(seq[i - 1]!)
          assert.equal(seq[i], available[(prev + 1) % available.length], `step ${i} of ${seq.join(',')}`)
        }
      }
      // Topics count separately: a message to another topic does not move this topic's walk.
      const p = ours()
      const a = p({ topic: 'a', partitionMetadata, message: { value: 'v' } })
      p({ topic: 'b', partitionMetadata, message: { value: 'v' } })
      const a2 = p({ topic: 'a', partitionMetadata, message: { value: 'v' } })
      assert.equal(a2, available[(available.indexOf(a) + 1) % available.length])
    })

    test(`${name}: without a key and no partition with a leader, a partition all the same`, () => {
      const partitionMetadata = metadata(3, new Set([0, 1, 2]))
      const p = ours()({ topic: 't', partitionMetadata, message: { value: 'v' } })
      assert.ok(p >= 0 && p < 3)
      const q = theirs()({ topic: 't', partitionMetadata, message: { value: 'v' } })
      assert.ok(q >= 0 && q < 3)
    })
  }
})

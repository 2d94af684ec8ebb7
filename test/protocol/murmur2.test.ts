/**
 * murmur2 and key partitioning against a golden fixture written by Kafka's own Java
 * (test/fixtures/murmur2/keys.json). Regenerate it with
 *   SLUICE_WRITE_FIXTURES=1 node --import tsx --test test/protocol/murmur2.test.ts
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ensureKafka } from '../../src/local-kafka/distribution.js'
import { murmur2, partitionForKey, toPositive } from '../../src/protocol/murmur2.js'
import { javaMurmur2ForKeys, javaPartitionsForKeys } from '../helpers/java-partitioner.js'

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'murmur2', 'keys.json')
const PARTITION_COUNTS = [1, 2, 3, 7, 12, 100, 1000]

interface KeyCase {
  /** base64 of the key bytes */
  key: string
  murmur2: number
  /** partition for each of `partitionCounts`, in order */
  partitions: number[]
}
interface Fixture {
  generatedBy: string
  partitionCounts: number[]
  cases: KeyCase[]
}

function fixtureKeys(): Buffer[] {
  const keys: Buffer[] = []
  let s = 0x5eed
  const random = (n: number): Buffer => {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      b[i] = s >>> 16
    }
    return b
  }
  for (let n = 0; n <= 40; n++) keys.push(random(n))
  for (let n = 0; n <= 40; n++)
    keys.push(Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'.slice(0, n)))
  for (let i = 0; i < 20; i++) keys.push(Buffer.from(`key-${i}`))
  for (const text of ['café', 'ключ', '键值', '🔑', 'naïve-🔑-ключ', 'ÿ', '\u0000', '\u{10ffff}']) {
    keys.push(Buffer.from(text, 'utf8'))
  }
  keys.push(
    Buffer.alloc(4, 0xff),
    Buffer.alloc(5, 0x80),
    Buffer.alloc(7, 0x7f),
    random(64),
    random(255),
    random(1000),
  )
  return keys
}

function readFixture(): Fixture {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture
}

if (process.env.SLUICE_WRITE_FIXTURES === '1') {
  test('write the murmur2 fixture with Kafka', async () => {
    const keys = fixtureKeys()
    const perCount = await Promise.all(PARTITION_COUNTS.map((n) => javaMurmur2ForKeys(keys, n)))
    const fixture: Fixture = {
      generatedBy: `test/java/JavaPartitioner.java with Kafka ${(await ensureKafka()).version}`,
      partitionCounts: PARTITION_COUNTS,
      cases: keys.map((k, i) => ({
        key: k.toString('base64'),
        murmur2: perCount[0]![i]!.murmur2,
        partitions: perCount.map((r) => r[i]!.partition),
      })),
    }
    // one case per line keeps the file short and its diffs readable
    const cases = fixture.cases.map((c) => `    ${JSON.stringify(c)}`).join(',\n')
    const head = `"generatedBy": ${JSON.stringify(fixture.generatedBy)}, "partitionCounts": ${JSON.stringify(PARTITION_COUNTS)}`
    writeFileSync(FIXTURE, `{\n  ${head},\n  "cases": [\n${cases}\n  ]\n}\n`)
  })
}

test('murmur2 and partitionForKey match the Kafka-generated fixture', () => {
  const fixture = readFixture()
  assert.ok(fixture.cases.length > 100)
  for (const c of fixture.cases) {
    const key = Buffer.from(c.key, 'base64')
    assert.equal(murmur2(key), c.murmur2, `murmur2 of ${c.key}`)
    fixture.partitionCounts.forEach((n, i) => {
      assert.equal(partitionForKey(key, n), c.partitions[i], `${c.key} over ${n} partitions`)
    })
  }
})

test('the fixture covers empty, every length to 40, multibyte UTF-8 and negative hashes', () => {
  const fixture = readFixture()
  const lengths = new Set(fixture.cases.map((c) => Buffer.from(c.key, 'base64').length))
  for (let n = 0; n <= 40; n++) assert.ok(lengths.has(n), `length ${n}`)
  assert.ok(fixture.cases.some((c) => c.murmur2 < 0))
  assert.ok(fixture.cases.some((c) => Buffer.from(c.key, 'base64').toString('utf8') === 'ключ'))
  for (const n of [1, 3, 7, 100]) assert.ok(fixture.partitionCounts.includes(n))
})

test('murmur2 of a subarray hashes only its own bytes', () => {
  const whole = Buffer.from('xxhello-worldyy')
  assert.equal(murmur2(whole.subarray(2, 13)), murmur2(Buffer.from('hello-world')))
})

test('toPositive clears the sign bit, unlike Math.abs', () => {
  assert.equal(toPositive(-2147483648), 0)
  assert.equal(toPositive(-1), 0x7fffffff)
  assert.equal(toPositive(5), 5)
  assert.equal(toPositive(-5), 0x7ffffffb)
})

test('rerunning Kafka reproduces the committed fixture', async () => {
  const fixture = readFixture()
  const keys = fixture.cases.map((c) => Buffer.from(c.key, 'base64'))
  assert.deepEqual(
    keys.map((k) => k.toString('base64')),
    fixtureKeys().map((k) => k.toString('base64')),
  )
  const [hashed, ...rest] = await Promise.all([
    javaMurmur2ForKeys(keys, fixture.partitionCounts[0]!),
    ...fixture.partitionCounts.slice(1).map((n) => javaPartitionsForKeys(keys, n)),
  ])
  assert.deepEqual(
    hashed!.map((h) => h.murmur2),
    fixture.cases.map((c) => c.murmur2),
  )
  fixture.partitionCounts.forEach((n, j) => {
    const java = j === 0 ? hashed!.map((h) => h.partition) : rest[j - 1]!
    assert.deepEqual(
      java,
      fixture.cases.map((c) => c.partitions[j]!),
      `partitions over ${n}`,
    )
  })
})

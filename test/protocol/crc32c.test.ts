import assert from 'node:assert/strict'
import { test } from 'node:test'
import { crc32c } from '../../src/protocol/crc32c.js'
import { runJava } from '../helpers/java.js'

// Bit-at-a-time CRC-32C: slow and obviously right, to check the sliced tables against.
function naiveCrc32c(buf: Uint8Array): number {
  let crc = 0xffffffff
  for (const b of buf) {
    crc ^= b
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

function seededBytes(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = s >>> 24
  }
  return out
}

test('standard check value of "123456789"', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283)
})

test('RFC 3720 B.4 vectors', () => {
  const ascending = Buffer.alloc(32)
  const descending = Buffer.alloc(32)
  for (let i = 0; i < 32; i++) {
    ascending[i] = i
    descending[i] = 31 - i
  }
  assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa)
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43)
  assert.equal(crc32c(ascending), 0x46dd794e)
  assert.equal(crc32c(descending), 0x113fdb5c)
})

test('empty input is 0, and results are unsigned', () => {
  assert.equal(crc32c(new Uint8Array(0)), 0)
  assert.ok(crc32c(Buffer.alloc(32, 0x00)) > 0x7fffffff)
})

test('matches a bitwise implementation for every length 0..100 and every alignment', () => {
  const data = seededBytes(7, 120)
  for (let start = 0; start < 8; start++) {
    for (let len = 0; len <= 100; len++) {
      const slice = data.subarray(start, start + len)
      assert.equal(crc32c(data, start, start + len), naiveCrc32c(slice), `start ${start} len ${len}`)
      assert.equal(crc32c(slice), naiveCrc32c(slice))
    }
  }
})

test('matches a bitwise implementation on long inputs at every alignment (the word-at-a-time path)', () => {
  const data = seededBytes(11, 1200)
  for (let start = 0; start < 8; start++) {
    for (const len of [255, 256, 257, 259, 263, 271, 512, 1000, 1031]) {
      const slice = data.subarray(start, start + len)
      assert.equal(crc32c(data, start, start + len), naiveCrc32c(slice), `start ${start} len ${len}`)
      assert.equal(crc32c(slice), naiveCrc32c(slice), `view at ${start}, len ${len}`)
    }
  }
})

test('start/end select a range; a range outside the buffer is refused', () => {
  const data = Buffer.from('xx123456789yy')
  assert.equal(crc32c(data, 2, 11), 0xe3069283)
  assert.equal(crc32c(data, 5, 5), 0)
  assert.throws(() => crc32c(data, 0, 14), RangeError)
  assert.throws(() => crc32c(data, -1), RangeError)
  assert.throws(() => crc32c(data, 6, 5), RangeError)
})

test("matches Kafka's Crc32C for random buffers of several lengths", async () => {
  const lengths = [0, 1, 3, 7, 8, 9, 15, 16, 17, 61, 100, 255, 1000, 4096, 65537]
  const buffers = lengths.map((n, i) => seededBytes(1000 + i, n))
  const input = buffers.map((b) => `${b.toString('base64')}\n`).join('')
  const { stdout } = await runJava('RecordFixtures.java', ['crc'], input)
  const expected = stdout.trim().split('\n').map(Number)
  assert.equal(expected.length, buffers.length)
  assert.deepEqual(
    buffers.map((b) => crc32c(b)),
    expected,
  )
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SerializationError } from '../../src/errors.js'
import { normalizeHeaders } from '../../src/producer/headers.js'
import { SERIALIZERS, serialize } from '../../src/producer/serializers.js'

test('buffer serializer passes bytes through and encodes strings as UTF-8', () => {
  const b = Buffer.from([1, 2, 3])
  assert.equal(SERIALIZERS.buffer(b, 't'), b)
  assert.deepEqual(SERIALIZERS.buffer('é', 't'), Buffer.from([0xc3, 0xa9]))
  assert.equal(SERIALIZERS.buffer(null, 't'), null)
  assert.throws(() => SERIALIZERS.buffer(42, 't'), TypeError)
})

test('int and long serializers match Java’s big-endian encodings', () => {
  assert.deepEqual(SERIALIZERS.int(-2, 't'), Buffer.from([0xff, 0xff, 0xff, 0xfe]))
  assert.deepEqual(SERIALIZERS.int(0x01020304, 't'), Buffer.from([1, 2, 3, 4]))
  assert.throws(() => SERIALIZERS.int(2 ** 31, 't'), TypeError)
  assert.deepEqual(SERIALIZERS.long(1n, 't'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]))
  assert.deepEqual(SERIALIZERS.long(-1, 't'), Buffer.alloc(8, 0xff))
  assert.throws(() => SERIALIZERS.long(2n ** 63n, 't'), TypeError)
})

test('json serializer', () => {
  assert.deepEqual(SERIALIZERS.json({ a: [1, 'x'] }, 't'), Buffer.from('{"a":[1,"x"]}'))
  assert.equal(SERIALIZERS.json(null, 't'), null)
  assert.throws(() => SERIALIZERS.json(() => 1, 't'), TypeError)
})

test('serialize() turns any failure into a SerializationError naming topic and part', () => {
  assert.throws(
    () => serialize(SERIALIZERS.string, 5, 'orders', 'key'),
    (e: unknown) => e instanceof SerializationError && /key/.test(e.message) && /orders/.test(e.message),
  )
  assert.throws(
    () => serialize(() => 'not bytes' as unknown as Uint8Array, 'x', 'orders', 'value'),
    (e: unknown) => e instanceof SerializationError && /must return a Uint8Array/.test(e.message),
  )
})

test('headers keep order and repeated keys, from pairs or an object', () => {
  assert.deepEqual(
    normalizeHeaders(
      [
        ['a', '1'],
        ['a', null],
        ['b', Buffer.from([9])],
      ],
      't',
    ),
    [
      { key: 'a', value: Buffer.from('1') },
      { key: 'a', value: null },
      { key: 'b', value: Buffer.from([9]) },
    ],
  )
  assert.deepEqual(normalizeHeaders({ x: ['1', '2'], y: 'z' }, 't'), [
    { key: 'x', value: Buffer.from('1') },
    { key: 'x', value: Buffer.from('2') },
    { key: 'y', value: Buffer.from('z') },
  ])
  assert.deepEqual(normalizeHeaders(undefined, 't'), [])
  assert.throws(() => normalizeHeaders({ bad: 5 as unknown as string }, 't'), SerializationError)
})

test("strings encode as Java's String.getBytes(UTF_8): a lone surrogate becomes '?', pairs stay", () => {
  const cases: [string, number[]][] = [
    ['a\ud800b', [0x61, 0x3f, 0x62]],
    ['\udc00', [0x3f]],
    ['x\udbff', [0x78, 0x3f]],
    ['\udc00\ud800', [0x3f, 0x3f]],
    ['\ud83d\ude00', [0xf0, 0x9f, 0x98, 0x80]],
    ['é', [0xc3, 0xa9]],
  ]
  for (const [s, bytes] of cases) {
    for (const name of ['buffer', 'string'] as const) {
      assert.deepEqual(
        [...serialize(SERIALIZERS[name], s, 't', 'key')!],
        bytes,
        `${name} ${JSON.stringify(s)}`,
      )
    }
  }
  assert.deepEqual(normalizeHeaders({ 'k\ud800': 'v\udfff' }, 't'), [{ key: 'k?', value: Buffer.from('v?') }])
  assert.deepEqual(normalizeHeaders([['\udc00', 'w']], 't'), [{ key: '?', value: Buffer.from('w') }])
})

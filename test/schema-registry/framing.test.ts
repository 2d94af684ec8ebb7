/** Confluent's wire framing: magic byte 0, 4-byte big-endian schema id, Protobuf message indexes. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { KafkaError } from '../../src/errors.js'
import {
  encodeMessageIndexes,
  frame,
  frameProtobuf,
  SchemaFramingError,
  unframe,
  unframeProtobuf,
} from '../../src/schema-registry/framing.js'

const bytes = (b: Uint8Array) => [...b]

describe('Confluent framing', () => {
  test('frame: magic byte 0, big-endian id, then the payload', () => {
    assert.deepEqual(bytes(frame(1, Buffer.from([0xaa, 0xbb]))), [0, 0, 0, 0, 1, 0xaa, 0xbb])
    assert.deepEqual(bytes(frame(0x01020304, new Uint8Array(0))), [0, 1, 2, 3, 4])
    assert.deepEqual(bytes(frame(0x7fffffff, Buffer.from([7]))), [0, 0x7f, 0xff, 0xff, 0xff, 7])
  })

  test('frame refuses ids that are not 31-bit non-negative integers', () => {
    for (const id of [-1, 1.5, 2 ** 31, Number.NaN])
      assert.throws(() => frame(id, Buffer.alloc(0)), RangeError)
  })

  test('unframe reads the id and gives a view of the payload', () => {
    const data = Buffer.from([0, 0, 0, 1, 0, 9, 8])
    const { schemaId, payload } = unframe(data)
    assert.equal(schemaId, 256)
    assert.deepEqual(bytes(payload), [9, 8])
    assert.equal(payload.buffer, data.buffer)
    // A Uint8Array that is not a Buffer works too.
    assert.equal(unframe(new Uint8Array([0, 0, 0, 0, 5])).schemaId, 5)
  })

  test('unframe refuses a wrong magic byte and short input with a KafkaError', () => {
    assert.throws(
      () => unframe(Buffer.from([1, 0, 0, 0, 1])),
      (e: unknown) => e instanceof SchemaFramingError && /magic byte 1/.test(e.message),
    )
    assert.throws(
      () => unframe(Buffer.from([0, 0, 0, 1])),
      (e: unknown) => e instanceof KafkaError && e.code === 'ERR_SERIALIZATION',
    )
  })

  test('message indexes: [0] (and []) is the single byte 0, as Confluent writes it', () => {
    assert.deepEqual(bytes(encodeMessageIndexes([0])), [0])
    assert.deepEqual(bytes(encodeMessageIndexes([])), [0])
  })

  test('message indexes: count then indexes, zig-zag varints', () => {
    assert.deepEqual(bytes(encodeMessageIndexes([1])), [2, 2])
    assert.deepEqual(bytes(encodeMessageIndexes([2, 1])), [4, 4, 2])
    assert.deepEqual(bytes(encodeMessageIndexes([0, 0])), [4, 0, 0])
    // 300 zig-zags to 600 = 0b100_1011000: varint 0xd8 0x04.
    assert.deepEqual(bytes(encodeMessageIndexes([300])), [2, 0xd8, 0x04])
    assert.throws(() => encodeMessageIndexes([-1]), RangeError)
  })

  test('frameProtobuf and unframeProtobuf', () => {
    const framed = frameProtobuf(7, [0], Buffer.from([0x0a, 0x01, 0x41]))
    assert.deepEqual(bytes(framed), [0, 0, 0, 0, 7, 0, 0x0a, 0x01, 0x41])
    assert.deepEqual(unframeProtobuf(framed), {
      schemaId: 7,
      indexes: [0],
      payload: Buffer.from([0x0a, 0x01, 0x41]),
    })
    const nested = frameProtobuf(9, [1, 2], Buffer.from([5]))
    assert.deepEqual(bytes(nested), [0, 0, 0, 0, 9, 4, 2, 4, 5])
    assert.deepEqual(unframeProtobuf(nested).indexes, [1, 2])
  })

  test('unframeProtobuf refuses truncated or impossible indexes', () => {
    // count 2, one index, then nothing
    assert.throws(() => unframeProtobuf(Buffer.from([0, 0, 0, 0, 1, 4, 2])), SchemaFramingError)
    // a varint that never ends
    assert.throws(() => unframeProtobuf(Buffer.from([0, 0, 0, 0, 1, 0x80, 0x80])), SchemaFramingError)
    // a negative count (zig-zag 1 = -1)
    assert.throws(() => unframeProtobuf(Buffer.from([0, 0, 0, 0, 1, 1])), SchemaFramingError)
    // a varint longer than 32 bits
    assert.throws(
      () => unframeProtobuf(Buffer.from([0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f])),
      SchemaFramingError,
    )
  })

  test('round trip of any id, indexes and payload', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x7fffffff }),
        fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 64 }),
        (id, indexes, payload) => {
          const plain = unframe(frame(id, payload))
          assert.equal(plain.schemaId, id)
          assert.deepEqual(bytes(plain.payload), bytes(payload))
          const p = unframeProtobuf(frameProtobuf(id, indexes, payload))
          assert.equal(p.schemaId, id)
          assert.deepEqual(p.indexes, indexes.length === 0 ? [0] : indexes)
          assert.deepEqual(bytes(p.payload), bytes(payload))
        },
      ),
    )
  })
})

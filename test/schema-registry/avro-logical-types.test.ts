/** Avro logical types on avsc: the values each takes and gives back, and the bytes for decimals. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import avsc from 'avsc'
import { logicalTypes } from '../../src/schema-registry/avro-logical-types.js'

const type = (schema: object) =>
  avsc.Type.forSchema(schema as avsc.Schema, { logicalTypes: logicalTypes(avsc) })

describe('Avro logical types', () => {
  test('timestamp-millis: a Date (or epoch ms) in, a Date out; the bytes are the long', () => {
    const t = type({ type: 'long', logicalType: 'timestamp-millis' })
    const d = new Date(1_700_000_000_123)
    assert.deepEqual(t.toBuffer(d), avsc.Type.forSchema('long').toBuffer(1_700_000_000_123))
    assert.deepEqual(t.fromBuffer(t.toBuffer(d)), d)
    assert.deepEqual(t.fromBuffer(t.toBuffer(1_700_000_000_123)), d)
    assert.throws(() => t.toBuffer(new Date(Number.NaN)))
    assert.throws(() => t.toBuffer('2024-01-01'))
  })

  test('timestamp-micros: bigint microseconds; a Date is taken as its ms x 1000', () => {
    const t = type({ type: 'long', logicalType: 'timestamp-micros' })
    assert.equal(t.fromBuffer(t.toBuffer(1_700_000_000_123_456n)), 1_700_000_000_123_456n)
    assert.equal(t.fromBuffer(t.toBuffer(new Date(5))), 5000n)
    assert.throws(() => t.toBuffer(2n ** 60n), 'beyond an exact JavaScript number')
  })

  test('date: days since the epoch; a Date in, UTC midnight out', () => {
    const t = type({ type: 'int', logicalType: 'date' })
    assert.deepEqual(t.toBuffer(new Date('2024-02-29T23:59:00Z')), avsc.Type.forSchema('int').toBuffer(19782))
    assert.deepEqual(t.fromBuffer(t.toBuffer(19782)), new Date('2024-02-29T00:00:00Z'))
  })

  test('time-millis within a day', () => {
    const t = type({ type: 'int', logicalType: 'time-millis' })
    assert.equal(t.fromBuffer(t.toBuffer(3_600_000)), 3_600_000)
    assert.throws(() => t.toBuffer(86_400_000))
  })

  test("decimal on bytes: two's complement of the unscaled value, exact, refused when it does not fit", () => {
    const t = type({ type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 })
    const bytesOf = (b: number[]) => avsc.Type.forSchema('bytes').toBuffer(Buffer.from(b))
    assert.deepEqual(t.toBuffer('12.34'), bytesOf([0x04, 0xd2])) // 1234
    assert.deepEqual(t.toBuffer('-1.28'), bytesOf([0x80])) // -128
    assert.deepEqual(t.toBuffer('1.28'), bytesOf([0x00, 0x80])) // 128 needs a sign byte
    assert.deepEqual(t.toBuffer(0), bytesOf([0x00]))
    assert.equal(t.fromBuffer(t.toBuffer('-0.5')), '-0.50')
    assert.equal(t.fromBuffer(t.toBuffer(7)), '7.00')
    assert.equal(t.fromBuffer(t.toBuffer('1.5e1')), '15.00')
    assert.throws(() => t.toBuffer('0.001'), 'more digits than the scale')
    assert.throws(() => t.toBuffer('12345.6'), 'more digits than the precision')
    assert.throws(() => t.toBuffer('abc'))
  })

  test('decimal on fixed: sign-extended to the size', () => {
    const t = type({ type: 'fixed', name: 'D', size: 4, logicalType: 'decimal', precision: 9, scale: 0 })
    assert.deepEqual(t.toBuffer(-1), Buffer.from([0xff, 0xff, 0xff, 0xff]))
    assert.equal(t.fromBuffer(t.toBuffer('123456789')), '123456789')
  })

  test('uuid: a checked string', () => {
    const t = type({ type: 'string', logicalType: 'uuid' })
    const u = '123e4567-e89b-12d3-a456-426614174000'
    assert.equal(t.fromBuffer(t.toBuffer(u)), u)
    assert.throws(() => t.toBuffer('not-a-uuid'))
  })

  test('inside a record with a union, as schemas carry them', () => {
    const t = type({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null },
        { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 3 } },
      ],
    })
    const v = { at: new Date(42), price: '3.141' }
    assert.deepEqual({ ...t.fromBuffer(t.toBuffer(v)) }, v)
    assert.deepEqual({ ...t.fromBuffer(t.toBuffer({ at: null, price: '1' })) }, { at: null, price: '1.000' })
  })
})

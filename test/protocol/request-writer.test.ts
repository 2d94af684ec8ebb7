import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ProtocolError } from '../../src/errors.js'
import { decodeRequest, encodeRequest } from '../../src/protocol/codec.js'
import { ApiVersions } from '../../src/protocol/messages/api-versions.js'
import { Produce } from '../../src/protocol/messages/produce.js'
import { REFERENCE_FROM, RequestWriter } from '../../src/protocol/request-writer.js'
import { Writer } from '../../src/protocol/writer.js'

const batch = (n: number, fill: number) => Buffer.alloc(n, fill)

function produce(batches: Buffer[]) {
  return {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30000,
    topicData: [
      {
        name: 't',
        partitionData: batches.map((records, index) => ({ index, records })),
      },
    ],
  }
}

const joined = (w: RequestWriter) => Buffer.concat(w.segments())

describe('RequestWriter', () => {
  for (const version of [3, 8, 9, 11]) {
    test(`Produce v${version}: the pieces joined are the bytes a copying Writer writes`, () => {
      const batches = [batch(REFERENCE_FROM, 1), batch(10, 2), batch(70_000, 3), batch(REFERENCE_FROM - 1, 4)]
      const copy = new Writer(64)
      const ref = new RequestWriter(64)
      for (const w of [copy, ref]) {
        encodeRequest(w, ApiVersions, 3, 1, 'c', { clientSoftwareName: 'x', clientSoftwareVersion: 'y' })
        encodeRequest(w, Produce, version, 2, 'c', produce(batches))
        encodeRequest(w, Produce, version, 3, 'c', produce([batch(5000, 5)]))
      }
      assert.equal(ref.chunkCount, 3, 'the batches of 2048 bytes and more are referenced')
      assert.equal(ref.length, copy.length)
      assert.ok(ref.pos < REFERENCE_FROM + 1000, 'the referenced bytes are not in the buffer')
      assert.deepEqual(joined(ref), copy.toBuffer())
      // The size prefixes count the referenced bytes: a broker decodes the second request whole.
      const bytes = joined(ref)
      const first = bytes.readInt32BE(0) + 4
      const size = bytes.readInt32BE(first)
      const decoded = decodeRequest(Produce, bytes.subarray(first + 4, first + 4 + size))
      const parts = (decoded.body as ReturnType<typeof produce>).topicData[0]!.partitionData
      assert.deepEqual(
        parts.map((p) => Buffer.from(p.records)),
        batches,
      )
    })
  }

  test('a payload is referenced, not copied: the socket sends the batch buffer itself', () => {
    const w = new RequestWriter(64)
    const b = batch(4096, 7)
    encodeRequest(w, Produce, 9, 1, null, produce([b]))
    assert.ok(w.segments().includes(b))
  })

  test('a failed encode drops only its own bytes and references', () => {
    const w = new RequestWriter(64)
    encodeRequest(w, Produce, 9, 1, 'c', produce([batch(3000, 1)]))
    const before = joined(w)
    const length = w.length
    assert.throws(
      () =>
        encodeRequest(w, Produce, 9, 2, 'c', {
          transactionalId: null,
          acks: 1,
          timeoutMs: 1,
          topicData: [
            { name: 't', partitionData: [{ index: 0, records: batch(5000, 2) }] },
            { name: null as unknown as string, partitionData: [] },
          ],
        }),
      ProtocolError,
    )
    assert.equal(w.chunkCount, 1)
    assert.equal(w.length, length)
    assert.deepEqual(joined(w), before)
  })

  test('reset forgets the references; nothing written is one empty piece', () => {
    const w = new RequestWriter(64)
    encodeRequest(w, Produce, 9, 1, 'c', produce([batch(3000, 1)]))
    w.reset()
    assert.equal(w.chunkCount, 0)
    assert.equal(w.length, 0)
    assert.deepEqual(w.segments(), [Buffer.alloc(0)])
  })
})

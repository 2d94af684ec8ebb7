import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CompressionCodecId, type CompressionName, codecFor, loadCodec } from '../../src/compression/index.js'
import { KafkaError } from '../../src/errors.js'
import { KINDS, SIZES } from './data.js'
import { decoderFor } from './decode/index.js'

const LEVELS: Record<CompressionName, (number | undefined)[]> = {
  none: [undefined],
  gzip: [undefined, -1, 1, 9],
  snappy: [undefined],
  lz4: [undefined, 1, 4, 9, 17],
  zstd: [undefined, 1, 3, 9, -5],
}

describe('codec registry', () => {
  test('ids are the RecordBatch attributes values', () => {
    assert.deepEqual(CompressionCodecId, { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 })
    for (const [name, id] of Object.entries(CompressionCodecId)) {
      assert.equal(codecFor(name as CompressionName).id, id)
      assert.equal(codecFor(id).name, name)
    }
  })

  test('unknown codecs throw ERR_COMPRESSION_UNAVAILABLE', () => {
    for (const bad of [5, 7, -1, 1.5, 'brotli', 'toString']) {
      assert.throws(
        () => codecFor(bad as CompressionName),
        (err: unknown) => err instanceof KafkaError && err.code === 'ERR_COMPRESSION_UNAVAILABLE',
      )
    }
  })
})

for (const name of Object.keys(CompressionCodecId) as CompressionName[]) {
  describe(`${name} round trips`, () => {
    for (const [kind, make] of Object.entries(KINDS)) {
      test(`${kind} data, sizes ${SIZES.join('/')}, levels ${LEVELS[name].join('/')}`, async () => {
        const codec = await loadCodec(name)
        const decoder = decoderFor(name)
        for (const size of SIZES) {
          const data = make(size)
          for (const level of LEVELS[name]) {
            const what = `${name} ${kind} ${size} B level ${level}`
            const packed = codec.compressSync(data, level)
            assert.ok(decoder.decompressSync(packed).equals(data), what)
            if (size === 1024 * 1024 && kind !== 'random' && name !== 'none') {
              assert.ok(packed.length < size / 2, `${what}: compressed to ${packed.length}`)
            }
          }
          const packed = await codec.compress(data, undefined)
          assert.ok((await decoder.decompress(packed)).equals(data), `${name} ${kind} ${size} B async`)
        }
      })
    }

    test('accepts a Uint8Array view at a non-zero offset', async () => {
      const codec = await loadCodec(name)
      const backing = KINDS.json!(70000)
      const view = new Uint8Array(backing.buffer, backing.byteOffset + 3, 65000)
      const packed = codec.compressSync(view, undefined)
      const again = new Uint8Array(packed.length + 5)
      again.set(packed, 5)
      assert.ok(decoderFor(name).decompressSync(again.subarray(5)).equals(Buffer.from(view)))
    })

    test('compression output does not alias later calls', async () => {
      const codec = await loadCodec(name)
      const a = KINDS.json!(5000)
      const b = KINDS.random!(5000)
      const pa = codec.compressSync(a, undefined)
      const copy = Buffer.from(pa)
      codec.compressSync(b, undefined)
      assert.ok(pa.equals(copy))
    })
  })
}

/**
 * Malformed input to decompress: truncations, bit flips and garbage end in a decoded buffer or a
 * CorruptCompressedDataError (a ProtocolError, so a KafkaError), never another error or a hang.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type CompressionName, codecFor, loadCodec } from '../../src/compression/index.js'
import { KafkaError, ProtocolError } from '../../src/errors.js'
import { KINDS, prng, randomBytes } from './data.js'
import { CorruptCompressedDataError, decoderFor, snappyCompressRaw } from './decode/index.js'

const CODECS: CompressionName[] = ['gzip', 'snappy', 'lz4', 'zstd']

function isCorrupt(err: unknown): boolean {
  return (
    err instanceof CorruptCompressedDataError && err instanceof ProtocolError && err instanceof KafkaError
  )
}

/** Decompresses both ways; returns whether it decoded. Fails on any error but a corrupt-data one. */
async function tryBoth(name: CompressionName, input: Uint8Array, what: string): Promise<boolean> {
  const decoder = decoderFor(name)
  let ok: boolean
  try {
    decoder.decompressSync(input)
    ok = true
  } catch (err) {
    assert.ok(isCorrupt(err), `${what}: sync threw ${String(err)}`)
    ok = false
  }
  try {
    await decoder.decompress(input)
    assert.ok(ok, `${what}: async decoded what sync rejected`)
  } catch (err) {
    assert.ok(isCorrupt(err), `${what}: async threw ${String(err)}`)
    assert.ok(!ok, `${what}: async rejected what sync decoded`)
  }
  return ok
}

for (const name of CODECS) {
  describe(`${name}: corrupt input`, () => {
    test('every truncation of a valid payload is rejected', async () => {
      const codec = await loadCodec(name)
      const packed = codec.compressSync(KINDS.json!(70000), undefined)
      const cuts = new Set([
        1,
        2,
        3,
        4,
        7,
        10,
        16,
        17,
        20,
        packed.length >> 1,
        packed.length - 5,
        packed.length - 1,
      ])
      // 16 bytes of snappy are the xerial header alone: a valid empty stream (Java writes it for no input).
      if (name === 'snappy') cuts.delete(16)
      for (const cut of cuts) {
        const ok = await tryBoth(name, packed.subarray(0, cut), `${name} cut to ${cut}/${packed.length}`)
        assert.equal(ok, false, `${name} cut to ${cut}/${packed.length} decoded`)
      }
    })

    test('garbage is rejected', async () => {
      await loadCodec(name)
      for (const [i, g] of [
        Buffer.from('garbage garbage garbage'),
        randomBytes(4096, 5),
        Buffer.alloc(100, 0xff),
      ].entries()) {
        // A raw Snappy block has no magic: random bytes can be a valid one, so only the typing is checked.
        const ok = await tryBoth(name, g, `${name} garbage ${i}`)
        if (name !== 'snappy') assert.equal(ok, false, `${name} garbage ${i} decoded`)
      }
    })

    test('random byte flips end in data or a typed error', async () => {
      const codec = await loadCodec(name)
      const r = prng(99)
      for (const [kind, size] of [
        ['json', 20000],
        ['repetitive', 140000],
        ['random', 3000],
      ] as const) {
        const packed = codec.compressSync(KINDS[kind]!(size), undefined)
        for (let i = 0; i < 60; i++) {
          const bad = Buffer.from(packed)
          const flips = 1 + ((r() * 4) | 0)
          for (let f = 0; f < flips; f++) bad[(r() * bad.length) | 0] = (r() * 256) | 0
          await tryBoth(name, bad, `${name} ${kind} flip ${i}`)
        }
      }
    })
  })
}

describe('lz4 frame specifics', () => {
  const lz4 = { ...codecFor('lz4'), ...decoderFor('lz4') }

  test("the header is Kafka's: FLG 0x60, BD 0x40, checksum over FLG..BD", () => {
    const packed = lz4.compressSync(Buffer.from('x'), undefined)
    assert.equal(packed.readUInt32LE(0), 0x184d2204)
    assert.deepEqual([...packed.subarray(4, 7)], [0x60, 0x40, 0x82])
  })

  test('incompressible 64 KiB blocks are stored raw', () => {
    const data = randomBytes(65536 * 2 + 10, 3)
    const packed = lz4.compressSync(data, undefined)
    assert.equal(packed.readUInt32LE(7), (0x80000000 | 65536) >>> 0)
    assert.equal(packed.length, 7 + 3 * 4 + data.length + 4)
    assert.ok(lz4.decompressSync(packed).equals(data))
  })

  test('a block larger than the frame maximum is rejected', () => {
    const packed = Buffer.from(lz4.compressSync(randomBytes(1000, 4), undefined))
    packed.writeUInt32LE((0x80000000 | 70000) >>> 0, 7)
    assert.throws(() => lz4.decompressSync(packed), CorruptCompressedDataError)
  })

  test('concatenated frames decode to the concatenation', () => {
    const a = KINDS.json!(1000)
    const b = KINDS.repetitive!(3000)
    const both = Buffer.concat([lz4.compressSync(a, undefined), lz4.compressSync(b, 3)])
    assert.ok(lz4.decompressSync(both).equals(Buffer.concat([a, b])))
  })
})

describe('snappy framing specifics', () => {
  const snappy = { ...codecFor('snappy'), ...decoderFor('snappy') }

  test('xerial header, then [int32 BE length][raw block] per 32 KiB of input', () => {
    const data = KINDS.json!(32768 * 2 + 1)
    const packed = snappy.compressSync(data, undefined)
    assert.equal(packed.subarray(0, 16).toString('hex'), '82534e41505059000000000100000001')
    let s = 16
    let chunks = 0
    while (s < packed.length) {
      s += 4 + packed.readInt32BE(s)
      chunks++
    }
    assert.equal(s, packed.length)
    assert.equal(chunks, 3)
  })

  test('a plain raw snappy block (no xerial header) is accepted', async () => {
    for (const data of [KINDS.json!(100000), Buffer.from('a'), KINDS.random!(500)]) {
      assert.ok(snappy.decompressSync(snappyCompressRaw(data)).equals(data))
    }
  })

  test('concatenated xerial streams decode to the concatenation', () => {
    const a = KINDS.json!(40000)
    const b = KINDS.random!(100)
    const both = Buffer.concat([snappy.compressSync(a, undefined), snappy.compressSync(b, undefined)])
    assert.ok(snappy.decompressSync(both).equals(Buffer.concat([a, b])))
  })

  test('a length claiming more than the data can expand to is rejected before allocating', () => {
    // varint 0xffffffff then a single literal byte
    const raw = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x41])
    assert.throws(() => snappy.decompressSync(raw), CorruptCompressedDataError)
  })
})

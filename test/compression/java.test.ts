/**
 * The proof that the framings are Kafka's: Kafka's own Compression classes (kafka-clients with
 * snappy-java, lz4-java, zstd-jni) decompress what we compress, and we decompress what they
 * compress, for every codec, several levels and sizes around the 64 KiB block boundary.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { type CompressionName, loadCodec } from '../../src/compression/index.js'
import { xxhash32 } from '../../src/compression/xxhash32.js'
import { runJava } from '../helpers/java.js'
import { KINDS, randomBytes, SIZES } from './data.js'
import { decoderFor } from './decode/index.js'

const CODECS: CompressionName[] = ['gzip', 'snappy', 'lz4', 'zstd']
/** Levels to compress at, on our side and on Java's; undefined = Kafka's default. */
const LEVELS: Record<string, (number | undefined)[]> = {
  gzip: [undefined, 1, 9],
  snappy: [undefined],
  lz4: [undefined, 1, 17],
  zstd: [undefined, 1, 19],
}

interface Case {
  codec: CompressionName
  level: number | undefined
  data: Buffer
  what: string
}

function cases(): Case[] {
  const out: Case[] = []
  for (const codec of CODECS) {
    for (const [kind, make] of Object.entries(KINDS)) {
      for (const size of SIZES) {
        // The 1 MiB payloads only at the default level, to keep the run short.
        const levels = size > 65537 ? [undefined] : LEVELS[codec]!
        for (const level of levels)
          out.push({ codec, level, data: make(size), what: `${codec} ${kind} ${size} B level ${level}` })
      }
    }
  }
  return out
}

async function java(lines: string[]): Promise<string[]> {
  const { stdout } = await runJava('CompressionCheck.java', [], `${lines.join('\n')}\n`)
  const answers = stdout.trimEnd().split('\n')
  assert.equal(answers.length, lines.length)
  return answers
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('Kafka Java codecs', () => {
  const all = cases()
  before(async () => {
    await Promise.all(CODECS.map((c) => loadCodec(c)))
  })

  test('Java decompresses what we compress', async () => {
    const lines: string[] = []
    for (const c of all) {
      const packed = (await loadCodec(c.codec)).compressSync(c.data, c.level)
      lines.push(`decompress ${c.codec} ${packed.toString('base64')}`)
    }
    const answers = await java(lines)
    for (const [i, c] of all.entries()) {
      assert.equal(answers[i], `ok ${c.data.length} ${sha256(c.data)}`, c.what)
    }
  })

  test('we decompress what Java compresses', async () => {
    const lines = all.map((c) => `compress ${c.codec} ${c.level ?? '-'} ${c.data.toString('base64')}`)
    const answers = await java(lines)
    for (const [i, c] of all.entries()) {
      const answer = answers[i]!
      assert.ok(answer.startsWith('ok '), `${c.what}: ${answer}`)
      const packed = Buffer.from(answer.slice(3), 'base64')
      const decoder = decoderFor(c.codec)
      assert.ok(decoder.decompressSync(packed).equals(c.data), c.what)
      assert.ok((await decoder.decompress(packed)).equals(c.data), `${c.what} (async)`)
    }
  })

  test('our LZ4 frame header and snappy stream header are byte-identical to Java', async () => {
    const data = KINDS.json!(1000)
    const [lz4, snappy] = await java([
      `compress lz4 - ${data.toString('base64')}`,
      `compress snappy - ${data.toString('base64')}`,
    ])
    const javaLz4 = Buffer.from(lz4!.slice(3), 'base64')
    const javaSnappy = Buffer.from(snappy!.slice(3), 'base64')
    const ourLz4 = (await loadCodec('lz4')).compressSync(data, undefined)
    const ourSnappy = (await loadCodec('snappy')).compressSync(data, undefined)
    assert.deepEqual(ourLz4.subarray(0, 7), javaLz4.subarray(0, 7))
    assert.deepEqual(ourSnappy.subarray(0, 16), javaSnappy.subarray(0, 16))
    // Both write a single chunk/block for 1000 bytes: same framing around it.
    assert.equal(ourLz4.readUInt32LE(ourLz4.length - 4), 0)
    assert.equal(ourSnappy.readInt32BE(16), ourSnappy.length - 20)
  })

  test('xxhash32 matches lz4-java', async () => {
    const inputs = [0, 1, 3, 4, 15, 16, 17, 31, 32, 33, 100, 1000, 65536].map((n) => randomBytes(n, n + 11))
    const answers = await java(inputs.map((b) => `xxhash32 ${b.toString('base64')}`))
    for (const [i, b] of inputs.entries()) assert.equal(answers[i], `ok ${xxhash32(b)}`, `${b.length} bytes`)
  })

  test('Java rejects a corrupted LZ4 header checksum, as our decoder does', async () => {
    const codec = await loadCodec('lz4')
    const packed = Buffer.from(codec.compressSync(KINDS.json!(500), undefined))
    packed[6] = packed[6]! ^ 0xff
    const [answer] = await java([`decompress lz4 ${packed.toString('base64')}`])
    assert.match(answer!, /^error .*descriptor/i)
    assert.throws(() => decoderFor('lz4').decompressSync(packed), /descriptor checksum/)
  })
})

/**
 * The WebAssembly LZ4 compressor is the JavaScript fast compressor in another language: same
 * algorithm, same bytes. Checked byte for byte on every kind of input, and the embedded module
 * is checked against its source.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { embeddedModule, targetOf, watFiles } from '../../scripts/build-wasm.js'
import { lz4Compress, lz4CompressFastWasm, lz4CompressJs } from '../../src/compression/lz4.js'
import { lz4Wasm } from '../../src/compression/lz4-wasm.js'
import { jsonRecords, prng, randomBytes, repetitiveBytes, SIZES } from './data.js'
import { lz4Decompress } from './decode/lz4.js'

const DEFAULT_LEVEL = 9

function inputs(): { what: string; data: Buffer }[] {
  const out: { what: string; data: Buffer }[] = []
  // Every length around the thresholds: 13 bytes is the smallest block with a match search.
  for (let n = 0; n <= 40; n++) out.push({ what: `repetitive ${n}`, data: repetitiveBytes(n) })
  for (const n of [...SIZES, 12, 13, 14, 4096, 65536 * 2 + 17, 300_000]) {
    out.push({ what: `random ${n}`, data: randomBytes(n, n + 1) })
    out.push({ what: `json ${n}`, data: jsonRecords(n, n + 3) })
    out.push({ what: `repetitive ${n}`, data: repetitiveBytes(n) })
  }
  // Long runs (match lengths past 15 + 255 * k), zeros, and text with matches at every distance.
  out.push({ what: 'zeros 200000', data: Buffer.alloc(200_000) })
  const r = prng(99)
  const mixed = Buffer.allocUnsafe(150_000)
  for (let i = 0; i < mixed.length; i++) {
    mixed[i] = i > 70_000 && r() < 0.9 ? mixed[i - 1 - ((r() * 65_000) | 0)]! : (r() * 16) | 0
  }
  out.push({ what: 'far matches 150000', data: mixed })
  for (let seed = 1; seed <= 30; seed++) {
    const rr = prng(seed)
    const n = (rr() * 70_000) | 0
    const alphabet = 2 + ((rr() * 30) | 0)
    const b = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) b[i] = (rr() * alphabet) | 0
    out.push({ what: `alphabet ${alphabet} x ${n}`, data: b })
  }
  return out
}

describe('lz4 in WebAssembly', () => {
  const wasm = lz4Wasm()

  test('loads here', () => {
    assert.notEqual(wasm, null, 'WebAssembly is available on Node 20+ unless --jitless')
  })

  test('writes exactly the bytes of the JavaScript fast compressor, which round-trip', () => {
    for (const { what, data } of inputs()) {
      const js = lz4CompressJs(data, DEFAULT_LEVEL)
      const w = lz4CompressFastWasm(wasm!, data)
      assert.ok(w.equals(js), `${what}: ${w.length} vs ${js.length} bytes`)
      assert.ok(lz4Decompress(w).equals(data), `${what}: round trip`)
    }
  })

  test('the default level goes through WebAssembly; other levels stay in JavaScript', () => {
    const data = jsonRecords(100_000)
    assert.ok(lz4Compress(data, undefined).equals(lz4CompressFastWasm(wasm!, data)))
    assert.ok(lz4Compress(data, 1).equals(lz4CompressJs(data, 1)))
    assert.ok(
      !lz4Compress(data, 1).equals(lz4Compress(data, undefined)),
      'level 1 is the hash-chain compressor',
    )
  })

  test('a large input after small ones grows the memory and still matches', () => {
    const small = lz4CompressFastWasm(wasm!, jsonRecords(1000))
    assert.ok(lz4Decompress(small).equals(jsonRecords(1000)))
    const big = jsonRecords(3 * 1024 * 1024, 5)
    assert.ok(lz4CompressFastWasm(wasm!, big).equals(lz4CompressJs(big, DEFAULT_LEVEL)))
  })

  test('the embedded module is assembled from its .wat source', async () => {
    const files = watFiles()
    assert.ok(files.length > 0)
    for (const wat of files) {
      assert.equal(
        readFileSync(targetOf(wat), 'utf8'),
        await embeddedModule(wat),
        `${targetOf(wat)} is stale`,
      )
    }
  })
})

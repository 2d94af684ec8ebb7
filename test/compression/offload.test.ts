import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import { type CompressionName, loadCodec } from '../../src/compression/index.js'
import { offloadFor, setOffloadMode, sharedPool } from '../../src/compression/offload/offload.js'
import { CompressionPool } from '../../src/compression/offload/pool.js'
import { jsonRecords, randomBytes } from './data.js'
import { decoderFor } from './decode/index.js'

const execFileP = promisify(execFile)
const FIXTURES = join(import.meta.dirname, 'offload-fixtures')
const fixture = (name: string) => new URL(`file://${join(FIXTURES, name)}`)
const CODECS: CompressionName[] = ['gzip', 'zstd', 'lz4', 'snappy']

describe('compression worker pool', () => {
  test('every codec: the worker output is the inline output and decodes to the input', async () => {
    const pool = new CompressionPool({ size: 2 })
    try {
      for (const name of CODECS) {
        const codec = await loadCodec(name)
        for (const data of [jsonRecords(1024 * 1024), randomBytes(300 * 1024, 5), jsonRecords(100)]) {
          // A view into a larger buffer, as a batch's records section is.
          const backing = Buffer.concat([Buffer.alloc(61, 1), data, Buffer.alloc(99, 2)])
          const view = backing.subarray(61, 61 + data.length)
          const levels = name === 'snappy' ? [undefined] : [undefined, 1]
          for (const level of levels) {
            const out = await pool.compress(codec, view, level)
            assert.deepEqual(out, codec.compressSync(data, level), `${name} level ${level}`)
            assert.deepEqual(decoderFor(name).decompressSync(out), data, `${name} level ${level}`)
          }
          assert.deepEqual(backing.subarray(61, 61 + data.length), data, 'the caller keeps its bytes')
        }
      }
      assert.equal(pool.fallbacks, 0, 'nothing fell back inline')
      assert.ok(pool.workers >= 1 && pool.workers <= 2, `workers ${pool.workers}`)
    } finally {
      await pool.close()
    }
    assert.equal(pool.workers, 0)
  })

  test('jobs queue beyond the pool size and all complete', async () => {
    const pool = new CompressionPool({ size: 1 })
    try {
      const codec = await loadCodec('lz4')
      const inputs = Array.from({ length: 12 }, (_, i) => jsonRecords(64 * 1024 + i * 1000, i + 1))
      const outs = await Promise.all(inputs.map((d) => pool.compress(codec, d, undefined)))
      assert.equal(pool.workers, 1)
      outs.forEach((o, i) => {
        assert.deepEqual(decoderFor('lz4').decompressSync(o), inputs[i])
      })
    } finally {
      await pool.close()
    }
  })

  for (const [file, what] of [
    ['crash-on-job.ts', 'a worker that crashes on a job'],
    ['replies-error.ts', 'a worker whose codec fails'],
    ['fails-to-start.ts', 'a worker that cannot start'],
  ] as const) {
    test(`${what}: every job is compressed inline instead, none lost`, async () => {
      const pool = new CompressionPool({ size: 2, workerUrl: fixture(file) })
      try {
        for (const name of ['zstd', 'snappy'] as const) {
          const codec = await loadCodec(name)
          const inputs = Array.from({ length: 8 }, (_, i) => jsonRecords(100 * 1024, i + 1))
          const outs = await Promise.all(inputs.map((d) => pool.compress(codec, d, undefined)))
          outs.forEach((o, i) => {
            assert.deepEqual(decoderFor(name).decompressSync(o), inputs[i], `${name} ${i}`)
          })
        }
        assert.equal(pool.fallbacks > 0, true, 'the failures were seen')
      } finally {
        await pool.close()
      }
    })
  }

  test('a codec error inline after a worker failure rejects that job with the codec error', async () => {
    const pool = new CompressionPool({ size: 1, workerUrl: fixture('replies-error.ts') })
    const failing = {
      id: 2,
      name: 'snappy' as const,
      threadpool: false,
      compressSync: (): Buffer => {
        throw new Error('codec failed')
      },
      compress: async (): Promise<Buffer> => {
        throw new Error('codec failed')
      },
    }
    try {
      await assert.rejects(pool.compress(failing, Buffer.alloc(10), undefined), /codec failed/)
    } finally {
      await pool.close()
    }
  })

  test('close() while jobs run: they finish inline', async () => {
    const pool = new CompressionPool({ size: 1 })
    const codec = await loadCodec('zstd')
    const inputs = Array.from({ length: 6 }, (_, i) => jsonRecords(512 * 1024, i + 1))
    const pending = inputs.map((d) => pool.compress(codec, d, undefined))
    await pool.close()
    const outs = await Promise.all(pending)
    outs.forEach((o, i) => {
      assert.deepEqual(decoderFor('zstd').decompressSync(o), inputs[i])
    })
    assert.equal(pool.workers, 0)
  })

  for (const how of ['release', 'keep'] as const) {
    test(`the process exits by itself after using the pool (${how === 'release' ? 'released' : "never released: idle workers are unref'd"})`, async () => {
      const { stdout } = await execFileP(
        process.execPath,
        ['--import', 'tsx', join(FIXTURES, 'pool-child.ts'), how],
        { timeout: 60_000 },
      )
      const r = JSON.parse(stdout.trim()) as { sizes: number[]; during: number; after: number }
      assert.equal(r.sizes.length, 2)
      assert.ok(r.during >= 1, `workers while compressing: ${r.during}`)
      assert.equal(r.after, how === 'release' ? 0 : r.during)
    })
  }

  test('offloadFor: gzip keeps zlib, the others share one pool until the last producer releases it', async () => {
    const gzip = offloadFor(await loadCodec('gzip'))!
    assert.equal(gzip.pool, null, "gzip compresses on zlib's threadpool")
    assert.equal(offloadFor(await loadCodec('none')), null)
    const lz4 = offloadFor(await loadCodec('lz4'))!
    const snappy = offloadFor(await loadCodec('snappy'))!
    assert.ok(lz4.pool !== null && lz4.pool === snappy.pool && sharedPool() === lz4.pool)
    const data = jsonRecords(512 * 1024)
    await Promise.all([lz4.compress(data, undefined), snappy.compress(data, undefined)])
    assert.ok(lz4.pool.workers >= 1)
    lz4.release()
    lz4.release() // twice is once
    assert.equal(sharedPool(), snappy.pool, 'still used by the snappy producer')
    assert.deepEqual(decoderFor('snappy').decompressSync(await snappy.compress(data, undefined)), data)
    snappy.release()
    assert.equal(sharedPool(), null)
    await new Promise((r) => setTimeout(r, 100))
    assert.equal(snappy.pool!.workers, 0, 'the workers stopped')
    gzip.release()
    setOffloadMode('inline')
    try {
      assert.equal(offloadFor(await loadCodec('zstd')), null, "mode 'inline': no offload")
    } finally {
      setOffloadMode('auto')
    }
  })
})

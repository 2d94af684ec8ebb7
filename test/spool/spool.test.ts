/**
 * The disk spool (src/spool/spool.ts) on temp directories: append, replay in order, ack and the
 * commit file, segments rolled and deleted, maxBytes (SpoolFullError), the lock file, and
 * recovery from flipped bytes, a truncated last entry, a bad header or commit file.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { KafkaError, SpoolFullError, SpoolLockedError } from '../../src/errors.js'
import { SEGMENT_HEADER_BYTES, type SpoolEntry } from '../../src/spool/format.js'
import { type FsyncMode, Spool, type SpoolDamage, type SpoolOptions } from '../../src/spool/spool.js'
import { spoolRecord } from '../helpers/spool-records.js'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-spool-'))
  dirs.push(d)
  return d
}

interface Opened {
  spool: Spool
  damage: SpoolDamage[]
}

async function openSpool(dir: string, options: Partial<SpoolOptions> = {}): Promise<Opened> {
  const damage: SpoolDamage[] = []
  const spool = await Spool.open({
    dir,
    maxBytes: 64 * 1024 * 1024,
    fsync: 'interval',
    commitIntervalMs: 1,
    onDamage: (d) => damage.push(d),
    ...options,
  })
  return { spool, damage }
}

async function appendRange(spool: Spool, from: number, to: number): Promise<number[]> {
  const seqs: Promise<number>[] = []
  for (let i = from; i < to; i++) seqs.push(spool.append(spoolRecord(i)))
  return Promise.all(seqs)
}

/** Reads everything left, in batches of `batch`, acking each entry when `ack` is set. */
async function drain(spool: Spool, { batch = 100, ack = true } = {}): Promise<SpoolEntry[]> {
  const all: SpoolEntry[] = []
  for (;;) {
    const got = await spool.read(batch)
    if (got.length === 0) return all
    all.push(...got)
    if (ack) for (const e of got) spool.ack(e.seq)
  }
}

/** The indexes of the records read back, after checking each one's content against spoolRecord(index). */
function indexes(entries: SpoolEntry[]): number[] {
  return entries.map((e) => {
    const i = Number(Buffer.from(e.record.headers[0]![1]!).toString())
    const want = spoolRecord(i)
    assert.equal(e.record.topic, want.topic)
    assert.equal(e.record.partition, want.partition)
    assert.equal(e.record.timestamp, want.timestamp)
    assert.deepEqual(e.record.key === null ? null : Buffer.from(e.record.key), want.key)
    assert.deepEqual(Buffer.from(e.record.value!), want.value)
    return i
  })
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k)

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort()
}

/** Waits until the commit file has been written (the commit timer is 1 ms here). */
async function settleCommit(spool: Spool): Promise<void> {
  await new Promise((r) => setTimeout(r, 20))
  await spool.sync()
}

describe('append and replay', () => {
  for (const fsync of ['always', 'interval', 'never'] as FsyncMode[]) {
    test(`fsync '${fsync}': appended records come back in order, with their content, after a reopen`, async () => {
      const dir = await tempDir()
      const a = await openSpool(dir, { fsync })
      assert.deepEqual(await appendRange(a.spool, 0, 500), range(0, 500))
      assert.equal(a.spool.stats().depth, 500)
      await a.spool.close()
      const b = await openSpool(dir, { fsync })
      assert.equal(b.spool.stats().depth, 500)
      assert.deepEqual(indexes(await drain(b.spool)), range(0, 500))
      assert.equal(b.spool.stats().depth, 0)
      assert.equal(b.spool.stats().replayedTotal, 500)
      await b.spool.close()
      assert.deepEqual(b.damage, [])
    })
  }

  test('records appended while a replay runs are read after the earlier ones', async () => {
    const dir = await tempDir()
    const { spool } = await openSpool(dir)
    await appendRange(spool, 0, 10)
    const first = await spool.read(5)
    await appendRange(spool, 10, 20)
    const rest = await drain(spool)
    assert.deepEqual(indexes([...first, ...rest]), range(0, 20))
    await spool.close()
  })

  test('acknowledged entries are not replayed after a reopen; unacknowledged ones are', async () => {
    const dir = await tempDir()
    const a = await openSpool(dir)
    await appendRange(a.spool, 0, 100)
    const got = await a.spool.read(60)
    for (const e of got.slice(0, 40)) a.spool.ack(e.seq)
    a.spool.ack(got[50]!.seq) // out of order: the commit point stays at 40
    await a.spool.close()
    const b = await openSpool(dir)
    assert.equal(b.spool.stats().depth, 60)
    assert.deepEqual(indexes(await drain(b.spool)), range(40, 100))
    await b.spool.close()
  })

  test('rewind() hands out again every entry from the oldest unacknowledged one', async () => {
    const dir = await tempDir()
    const { spool } = await openSpool(dir)
    await appendRange(spool, 0, 30)
    const got = await spool.read(20)
    for (const e of got.slice(0, 5)) spool.ack(e.seq)
    spool.ack(got[10]!.seq)
    spool.rewind()
    const again = await drain(spool, { ack: false })
    assert.deepEqual(indexes(again), range(5, 30), 'from the first unacknowledged, the acked 10 included')
    spool.rewind()
    assert.deepEqual(indexes(await drain(spool)), range(5, 30))
    assert.equal(spool.stats().depth, 0)
    await spool.close()
  })

  test('new appends after a reopen continue the sequence and follow the old entries', async () => {
    const dir = await tempDir()
    const a = await openSpool(dir)
    await appendRange(a.spool, 0, 10)
    await a.spool.close()
    const b = await openSpool(dir)
    assert.deepEqual(await appendRange(b.spool, 10, 20), range(10, 20))
    assert.deepEqual(indexes(await drain(b.spool)), range(0, 20))
    await b.spool.close()
  })
})

describe('segments', () => {
  test('roll at segmentBytes; replayed segments are deleted and their bytes given back', async () => {
    const dir = await tempDir()
    const { spool } = await openSpool(dir, { segmentBytes: 4096 })
    await appendRange(spool, 0, 400)
    const files = await segmentFiles(dir)
    assert.ok(files.length > 10, `${files.length} segments`)
    let onDisk = 0
    for (const f of files) onDisk += (await stat(join(dir, f))).size
    assert.equal(spool.stats().bytes, onDisk, 'bytes counts the segment files')
    for (const f of files) assert.ok((await stat(join(dir, f))).size <= 4096)

    const half = await spool.read(200)
    for (const e of half) spool.ack(e.seq)
    await settleCommit(spool)
    const left = await segmentFiles(dir)
    assert.ok(left.length < files.length && left.length > 1, `${left.length} of ${files.length} left`)
    assert.ok(spool.stats().bytes < onDisk)

    assert.deepEqual(indexes(await drain(spool)), range(200, 400))
    await settleCommit(spool)
    assert.equal((await segmentFiles(dir)).length, 1, 'drained: one empty segment')
    assert.equal(spool.stats().bytes, SEGMENT_HEADER_BYTES)
    await spool.close()
    const b = await openSpool(dir)
    assert.deepEqual(await drain(b.spool), [])
    assert.deepEqual(await appendRange(b.spool, 400, 401), [400])
    await b.spool.close()
  })

  test('an entry larger than segmentBytes gets a segment of its own', async () => {
    const dir = await tempDir()
    const { spool } = await openSpool(dir, { segmentBytes: 1024 })
    const big = { ...spoolRecord(1), value: Buffer.alloc(5000, 7) }
    await spool.append(spoolRecord(0))
    await spool.append(big)
    await spool.append(spoolRecord(2))
    const got = await drain(spool)
    assert.deepEqual(
      got.map((e) => e.record.value!.length),
      [spoolRecord(0).value!.length, 5000, spoolRecord(2).value!.length],
    )
    assert.equal((await segmentFiles(dir)).length >= 3, true)
    await spool.close()
  })
})

describe('maxBytes', () => {
  test('a record past maxBytes is a SpoolFullError and nothing is written; room comes back with replay', async () => {
    const dir = await tempDir()
    const { spool } = await openSpool(dir, { maxBytes: 20_000, segmentBytes: 4096 })
    let accepted = 0
    let full: unknown = null
    for (let i = 0; full === null; i++) {
      try {
        await spool.append(spoolRecord(i))
        accepted++
      } catch (err) {
        full = err
      }
    }
    assert.ok(full instanceof SpoolFullError)
    assert.ok(full instanceof KafkaError)
    assert.equal(full.code, 'ERR_SPOOL_FULL')
    assert.equal(full.retriable, true)
    assert.equal(full.maybeWritten, false)
    assert.equal(full.maxBytes, 20_000)
    assert.ok(full.bytes + full.needed > 20_000)
    assert.match(full.message, /spool\.maxBytes/)
    assert.ok(spool.stats().bytes <= 20_000)
    assert.equal(spool.stats().depth, accepted)

    await drain(spool)
    await settleCommit(spool)
    await spool.append(spoolRecord(accepted))
    assert.equal(spool.stats().depth, 1)
    await spool.close()
  })
})

describe('lock file', () => {
  test('a second Spool on the same dir is a SpoolLockedError until the first closes', async () => {
    const dir = await tempDir()
    const a = await openSpool(dir)
    await assert.rejects(openSpool(dir), (err: unknown) => {
      assert.ok(err instanceof SpoolLockedError)
      assert.equal(err.code, 'ERR_SPOOL_LOCKED')
      assert.equal(err.pid, process.pid)
      return true
    })
    await a.spool.close()
    const b = await openSpool(dir)
    assert.equal(b.spool.tookOverLockFrom, null)
    await b.spool.close()
  })

  test("a live process's lock is a clear error naming its pid; a dead one's is taken over", async () => {
    const dir = await tempDir()
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    try {
      await writeFile(join(dir, 'LOCK'), `${child.pid}\n${(await import('node:os')).hostname()}\n`)
      await assert.rejects(openSpool(dir), (err: unknown) => {
        assert.ok(err instanceof SpoolLockedError)
        assert.equal(err.pid, child.pid)
        assert.match(
          err.message,
          new RegExp(`locked by process ${child.pid}.*one producer per spool directory`),
        )
        return true
      })
    } finally {
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    }
    const { spool } = await openSpool(dir)
    assert.equal(spool.tookOverLockFrom?.pid, child.pid)
    assert.equal((await readFile(join(dir, 'LOCK'), 'utf8')).split('\n')[0], String(process.pid))
    await spool.close()
  })
})

describe('recovery', () => {
  /** A spool with records 0..n in sealed segments of ~4 KiB and the active one, closed. */
  async function filled(n: number): Promise<string> {
    const dir = await tempDir()
    const { spool } = await openSpool(dir, { segmentBytes: 4096 })
    await appendRange(spool, 0, n)
    await spool.close()
    return dir
  }

  test('a flipped byte in a sealed segment: that entry is reported and skipped, all others replayed', async () => {
    const dir = await filled(200)
    const files = await segmentFiles(dir)
    const victim = join(dir, files[1]!)
    const bytes = await readFile(victim)
    bytes[SEGMENT_HEADER_BYTES + 30] = bytes[SEGMENT_HEADER_BYTES + 30]! ^ 0xff // inside its first entry
    await writeFile(victim, bytes)

    const { spool, damage } = await openSpool(dir, { segmentBytes: 4096 })
    assert.equal(damage.length, 1)
    assert.equal(damage[0]!.kind, 'corrupt')
    assert.equal(damage[0]!.file, victim)
    assert.equal(damage[0]!.offset, SEGMENT_HEADER_BYTES)
    assert.equal(spool.stats().damagedTotal, 1)
    assert.equal(spool.stats().depth, 199)
    const got = indexes(await drain(spool))
    const lost = range(0, 200).filter((i) => !got.includes(i))
    assert.equal(lost.length, 1)
    assert.deepEqual(
      got,
      range(0, 200).filter((i) => i !== lost[0]),
      'the rest, in order',
    )
    assert.equal(spool.stats().damagedTotal, 1, 'reported once, not again when replayed')
    await spool.close()
  })

  test('flipped bytes in several entries and segments: each reported, the good entries between replayed', async () => {
    const dir = await filled(300)
    const files = await segmentFiles(dir)
    for (const f of [files[0]!, files[2]!]) {
      const path = join(dir, f)
      const bytes = await readFile(path)
      for (const at of [200, 600, 601, 1500]) bytes[at] = bytes[at]! ^ 0x55
      await writeFile(path, bytes)
    }
    const { spool, damage } = await openSpool(dir, { segmentBytes: 4096 })
    assert.ok(damage.length >= 4, `${damage.length} damaged stretches`)
    assert.ok(damage.every((d) => d.kind === 'corrupt'))
    const got = indexes(await drain(spool))
    assert.ok(got.length >= 300 - 8 && got.length < 300, `${got.length} replayed`)
    assert.deepEqual(
      got,
      [...got].sort((x, y) => x - y),
    )
    assert.ok(got.includes(299))
    await spool.close()
  })

  test('a truncated last entry is torn: cut off, reported, the rest replayed and appends go on after it', async () => {
    const dir = await filled(50)
    const files = await segmentFiles(dir)
    const last = join(dir, files.at(-1)!)
    const size = (await stat(last)).size
    await truncate(last, size - 7)

    const a = await openSpool(dir, { segmentBytes: 4096 })
    assert.equal(a.damage.length, 1)
    assert.equal(a.damage[0]!.kind, 'torn')
    assert.equal(a.damage[0]!.file, last)
    assert.equal((await stat(last)).size, a.damage[0]!.offset, 'cut at the start of the torn entry')
    assert.equal(a.spool.stats().depth, 49)
    await appendRange(a.spool, 100, 110)
    await a.spool.close()

    const b = await openSpool(dir, { segmentBytes: 4096 })
    assert.deepEqual(b.damage, [])
    assert.deepEqual(indexes(await drain(b.spool)), [...range(0, 49), ...range(100, 110)])
    await b.spool.close()
  })

  test('half an entry written at the end (a torn write) is cut off', async () => {
    const dir = await filled(20)
    const files = await segmentFiles(dir)
    const last = join(dir, files.at(-1)!)
    const bytes = await readFile(last)
    const { encodeEntry } = await import('../../src/spool/format.js')
    const partial = encodeEntry(20, spoolRecord(20)).subarray(0, 30)
    await writeFile(last, Buffer.concat([bytes, partial]))
    const { spool, damage } = await openSpool(dir, { segmentBytes: 4096 })
    assert.deepEqual(
      damage.map((d) => [d.kind, d.offset, d.length]),
      [['torn', bytes.length, 30]],
    )
    assert.deepEqual(indexes(await drain(spool)), range(0, 20))
    await spool.close()
  })

  test('a bad segment header is reported and its entries still read; appends go to a new segment', async () => {
    const dir = await filled(30)
    const files = await segmentFiles(dir)
    const last = join(dir, files.at(-1)!)
    const bytes = await readFile(last)
    bytes[2] = bytes[2]! ^ 1
    await writeFile(last, bytes)
    const { spool, damage } = await openSpool(dir, { segmentBytes: 4096 })
    assert.deepEqual(
      damage.map((d) => d.kind),
      ['bad-header'],
    )
    await appendRange(spool, 30, 35)
    assert.equal((await segmentFiles(dir)).length, files.length + 1)
    assert.deepEqual(indexes(await drain(spool)), range(0, 35))
    await spool.close()
  })

  test('an unreadable commit file is reported and the replay starts from the oldest entry', async () => {
    const dir = await tempDir()
    const a = await openSpool(dir)
    await appendRange(a.spool, 0, 20)
    for (const e of await a.spool.read(10)) a.spool.ack(e.seq)
    await a.spool.close()
    const commit = await readFile(join(dir, 'COMMIT'))
    commit[13] = commit[13]! ^ 1
    await writeFile(join(dir, 'COMMIT'), commit)
    const b = await openSpool(dir)
    assert.deepEqual(
      b.damage.map((d) => d.kind),
      ['bad-commit'],
    )
    assert.deepEqual(indexes(await drain(b.spool)), range(0, 20), 'at least once: the acked 10 again')
    await b.spool.close()
  })

  test('a segment file cut inside its header is removed', async () => {
    const dir = await filled(10)
    const { segmentFileName } = await import('../../src/spool/format.js')
    await writeFile(join(dir, segmentFileName(1_000)), Buffer.from([0x53, 0x4c]))
    const { spool, damage } = await openSpool(dir)
    assert.deepEqual(
      damage.map((d) => d.kind),
      ['torn'],
    )
    assert.deepEqual(indexes(await drain(spool)), range(0, 10))
    await spool.close()
  })
})

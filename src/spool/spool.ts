/**
 * The disk spool: an append-only log of records the producer could not deliver, split into
 * segment files, replayed in append order and deleted once replayed. One Spool per directory
 * (a lock file); see format.ts for the bytes and docs/DELIVERY.md for what is promised.
 *
 * Files in `dir`: `LOCK` (the owner), `<base>.seg` segments (base = the sequence number of their
 * first entry), `COMMIT` (every entry with a lower sequence has been replayed and acknowledged).
 *
 * Appends are queued and written together (one writev per turn of the event loop, through
 * libuv's threadpool); `append()` resolves once its entry is in the file (the OS page cache),
 * after an fsync too with `fsync: 'always'`. All file changes (appends, segment rolls and
 * deletions, the commit file) run one after another on one chain.
 */
import type { FileHandle } from 'node:fs/promises'
import { open, readdir, readFile, rename, truncate, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { KafkaError, SpoolFullError, SpoolIoError } from '../errors.js'
import { crc32c } from '../protocol/crc32c.js'
import {
  decodeEntry,
  decodeSegmentHeader,
  encodeEntry,
  encodeSegmentHeader,
  entrySeq,
  parseSegmentFileName,
  SEGMENT_HEADER_BYTES,
  type SpoolEntry,
  type SpoolRecord,
  scanEntries,
  segmentFileName,
} from './format.js'
import { acquireLockSync, type SpoolLock } from './lock.js'

export type FsyncMode = 'always' | 'interval' | 'never'

export interface SpoolOptions {
  readonly dir: string
  /** The most bytes the segment files may hold together; an append past it is a SpoolFullError. */
  readonly maxBytes: number
  /**
   * 'always': append() resolves after the entry is fsynced (survives a power loss).
   * 'interval': written at once, fsynced every `fsyncIntervalMs` (a process crash loses nothing
   * appended; a power loss or OS crash up to that interval). 'never': written, left to the OS.
   */
  readonly fsync: FsyncMode
  /** With fsync 'interval': how often; default 1000. */
  readonly fsyncIntervalMs?: number
  /** A segment is closed and a new one started past this size; default maxBytes / 8, within 64 KiB .. 16 MiB. */
  readonly segmentBytes?: number
  /** How long acknowledgements gather before the commit file is rewritten; default 200. */
  readonly commitIntervalMs?: number
  /** Told of each damaged stretch found (on open, or while replaying). */
  readonly onDamage?: (damage: SpoolDamage) => void
}

/** A stretch of a spool file that could not be used. */
export interface SpoolDamage {
  /**
   * 'corrupt': bytes between entries (or at a sealed segment's end) that are not a valid entry
   * (CRC, marker or length wrong): skipped, the entries after them are replayed.
   * 'torn': the newest segment ends in an incomplete or damaged entry (a write cut short by a
   * crash): cut off. 'bad-header': a segment's header is wrong; its entries are still read.
   * 'bad-commit': the commit file is unreadable; replay starts from the oldest entry.
   */
  readonly kind: 'corrupt' | 'torn' | 'bad-header' | 'bad-commit'
  readonly file: string
  readonly offset: number
  readonly length: number
}

export interface SpoolStats {
  /** Entries in the spool not yet replayed and acknowledged (those being replayed included). */
  readonly depth: number
  /** Bytes of the segment files (with appends under way). */
  readonly bytes: number
  readonly maxBytes: number
  readonly segments: number
  /** Entries appended by this Spool. */
  readonly appendedTotal: number
  /** Entries acknowledged (replayed) through this Spool. */
  readonly replayedTotal: number
  /** Damaged stretches found (each SpoolDamage). */
  readonly damagedTotal: number
}

interface Segment {
  readonly base: number
  readonly path: string
  /** Bytes written (entries end here). */
  size: number
}

interface PendingAppend {
  readonly buf: Buffer
  readonly resolve: (seq: number) => void
  readonly reject: (err: KafkaError) => void
  readonly seq: number
}

const COMMIT_FILE = 'COMMIT'
const COMMIT_MAGIC = 0x534c434d // "SLCM"
const COMMIT_BYTES = 20
const TWO_32 = 2 ** 32

export class Spool {
  readonly dir: string
  readonly #maxBytes: number
  readonly #fsync: FsyncMode
  readonly #segmentBytes: number
  readonly #commitIntervalMs: number
  readonly #onDamage: (damage: SpoolDamage) => void
  readonly #lock: SpoolLock
  readonly #segments: Segment[] = []
  readonly #reported = new Set<string>()
  #active!: Segment
  #activeFh!: FileHandle
  #nextSeq = 0
  /** Every entry below this sequence has been replayed and acknowledged. */
  #committed = 0
  #committedOnDisk = 0
  #bytes = 0
  #depth = 0
  #appendedTotal = 0
  #replayedTotal = 0
  #damagedTotal = 0
  #pending: PendingAppend[] = []
  #flushQueued = false
  #dirty = false
  #chain: Promise<unknown> = Promise.resolve()
  #failed: KafkaError | null = null
  #closed = false
  // Replay: the read cursor, the entries handed out and not yet acknowledged, in order.
  #readSeg: Segment | null = null
  #readOff = SEGMENT_HEADER_BYTES
  #readGen = 0
  #inflight: number[] = []
  #inflightHead = 0
  readonly #inflightSet = new Set<number>()
  readonly #acked = new Set<number>()
  /** The sequence after the last entry handed out (committed once nothing is in flight). */
  #readNext = 0
  /** The bytes of the segment being replayed, from `start`. */
  #readCache: { seg: Segment; start: number; buf: Buffer } | null = null
  #fsyncTimer: NodeJS.Timeout | null = null
  #commitTimer: NodeJS.Timeout | null = null

  private constructor(options: SpoolOptions, lock: SpoolLock) {
    this.dir = options.dir
    this.#maxBytes = options.maxBytes
    this.#fsync = options.fsync
    this.#segmentBytes =
      options.segmentBytes ??
      Math.min(16 * 1024 * 1024, Math.max(64 * 1024, Math.floor(options.maxBytes / 8)))
    this.#commitIntervalMs = options.commitIntervalMs ?? 200
    this.#onDamage = options.onDamage ?? (() => {})
    this.#lock = lock
  }

  /**
   * Opens (or creates) the spool in `options.dir`: takes the lock, reads the commit file, checks
   * every segment (CRC of each entry), cuts off a torn last entry and reports damage. With
   * `heldLock` (acquireLockSync's), the lock is already taken.
   */
  static async open(options: SpoolOptions, heldLock?: SpoolLock): Promise<Spool> {
    const lock = heldLock ?? acquireLockSync(options.dir)
    const spool = new Spool(options, lock)
    try {
      await spool.#recover()
    } catch (err) {
      await lock.release()
      throw err instanceof KafkaError
        ? err
        : new SpoolIoError(`could not open the spool in ${options.dir}: ${(err as Error).message}`, {
            cause: err,
          })
    }
    if (options.fsync === 'interval') {
      spool.#fsyncTimer = setInterval(() => spool.#syncIfDirty(), options.fsyncIntervalMs ?? 1000)
      spool.#fsyncTimer.unref()
    }
    return spool
  }

  /** A lock left by a dead process that this Spool took over, or null. */
  get tookOverLockFrom(): { pid: number; host: string } | null {
    return this.#lock.tookOverFrom
  }

  /** Entries not yet replayed and acknowledged (stats().depth, without the object). */
  get depth(): number {
    return this.#depth
  }

  stats(): SpoolStats {
    return {
      depth: this.#depth,
      bytes: this.#bytes,
      maxBytes: this.#maxBytes,
      segments: this.#segments.length,
      appendedTotal: this.#appendedTotal,
      replayedTotal: this.#replayedTotal,
      damagedTotal: this.#damagedTotal,
    }
  }

  /**
   * Appends a record; resolves with its sequence number once it is in the file (and fsynced with
   * fsync 'always'). Rejects with SpoolFullError when it does not fit in maxBytes (nothing is
   * written), SpoolIoError when the write failed or the spool is closed.
   */
  append(record: SpoolRecord): Promise<number> {
    if (this.#closed) return Promise.reject(new SpoolIoError(`the spool in ${this.dir} is closed`))
    if (this.#failed !== null) return Promise.reject(this.#failed)
    const seq = this.#nextSeq
    const buf = encodeEntry(seq, record)
    if (this.#bytes + buf.length > this.#maxBytes) {
      return Promise.reject(
        new SpoolFullError(
          `the spool in ${this.dir} is full: ${this.#bytes} of ${this.#maxBytes} bytes (spool.maxBytes) used, ` +
            `the record needs ${buf.length}; it was not spooled`,
          this.#bytes,
          this.#maxBytes,
          buf.length,
        ),
      )
    }
    this.#nextSeq++
    this.#bytes += buf.length
    return new Promise<number>((resolve, reject) => {
      this.#pending.push({ buf, seq, resolve, reject })
      if (!this.#flushQueued) {
        this.#flushQueued = true
        this.#run(() => this.#flushPending())
      }
    })
  }

  /**
   * The next entries to replay, in append order, at most `max`; an empty array when all are
   * handed out. Each must be acknowledged with ack(seq) once Kafka has it, or the replay
   * started over with rewind(). Not to be called again before the previous call settled.
   */
  async read(max: number): Promise<SpoolEntry[]> {
    const out: SpoolEntry[] = []
    const gen = this.#readGen
    while (out.length < max && !this.#closed) {
      const seg = this.#readSeg ?? this.#segments[0]
      if (seg === undefined) break
      if (this.#readSeg === null) {
        this.#readSeg = seg
        this.#readOff = SEGMENT_HEADER_BYTES
      }
      const end = seg.size
      if (this.#readOff >= end) {
        if (seg === this.#active) break
        const next = this.#segments[this.#segments.indexOf(seg) + 1]
        if (next === undefined) break
        this.#readSeg = next
        this.#readOff = SEGMENT_HEADER_BYTES
        continue
      }
      let cache = this.#readCache
      if (
        cache === null ||
        cache.seg !== seg ||
        cache.start > this.#readOff ||
        cache.start + cache.buf.length < end
      ) {
        const from = this.#readOff
        let bytes: Buffer
        try {
          bytes = await readRange(seg.path, from, end)
        } catch (err) {
          if (isMissing(err) && !this.#segments.includes(seg)) continue // deleted meanwhile
          throw new SpoolIoError(`could not read spool segment ${seg.path}: ${(err as Error).message}`, {
            cause: err,
          })
        }
        if (gen !== this.#readGen) return []
        cache = { seg, start: from, buf: bytes }
        this.#readCache = cache
      }
      const { start, buf } = cache
      const stop = scanEntries(buf, this.#readOff - start, end - start, {
        entry: (s) => {
          const seq = entrySeq(buf, s)
          if (seq < this.#committed || seq < this.#readNext) return true
          let entry: SpoolEntry
          try {
            entry = decodeEntry(buf, s)
          } catch {
            this.#damage({ kind: 'corrupt', file: seg.path, offset: start + s, length: 0 })
            return true
          }
          out.push(entry)
          this.#inflight.push(seq)
          this.#inflightSet.add(seq)
          this.#readNext = seq + 1
          return out.length < max
        },
        damaged: (s, e) =>
          this.#damage({ kind: 'corrupt', file: seg.path, offset: start + s, length: e - s }),
      })
      this.#readOff = start + stop
    }
    return out
  }

  /** Marks a replayed entry as in Kafka: it will not be replayed again (once the commit file has it). */
  ack(seq: number): void {
    if (!this.#inflightSet.delete(seq)) return
    this.#acked.add(seq)
    this.#depth--
    this.#replayedTotal++
    while (
      this.#inflightHead < this.#inflight.length &&
      this.#acked.delete(this.#inflight[this.#inflightHead]!)
    ) {
      this.#inflightHead++
    }
    if (this.#inflightHead > 1024 && this.#inflightHead * 2 > this.#inflight.length) {
      this.#inflight = this.#inflight.slice(this.#inflightHead)
      this.#inflightHead = 0
    }
    const committed =
      this.#inflightHead < this.#inflight.length ? this.#inflight[this.#inflightHead]! : this.#readNext
    if (committed > this.#committed) {
      this.#committed = committed
      this.#scheduleCommit()
    }
  }

  /**
   * Starts the replay over from the oldest entry not acknowledged: entries handed out and not
   * acknowledged will be read again (those acknowledged after a later one failed, too: the replay
   * is at least once).
   */
  rewind(): void {
    this.#readGen++
    // Acknowledged after an unacknowledged one: back in the spool, to be replayed again.
    this.#depth += this.#acked.size
    this.#inflightSet.clear()
    this.#acked.clear()
    this.#inflight = []
    this.#inflightHead = 0
    this.#readNext = this.#committed
    this.#readSeg = null
    this.#readOff = SEGMENT_HEADER_BYTES
    this.#readCache = null
  }

  /** Resolves once every append so far is written and fsynced (whatever the fsync mode). */
  async sync(): Promise<void> {
    await this.#run(async () => {
      await this.#flushPending()
      await this.#activeFh.datasync()
      this.#dirty = false
    })
  }

  /** Writes what is queued and the commit file, fsyncs (unless fsync 'never') and releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return
    if (this.#fsyncTimer !== null) clearInterval(this.#fsyncTimer)
    if (this.#commitTimer !== null) clearTimeout(this.#commitTimer)
    this.#closed = true
    try {
      await this.#run(async () => {
        await this.#flushPending()
        if (this.#fsync !== 'never') await this.#activeFh.datasync()
        await this.#writeCommit()
        await this.#activeFh.close()
      })
    } finally {
      await this.#lock.release()
    }
  }

  #run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(task)
    this.#chain = result.catch(() => {})
    return result
  }

  async #flushPending(): Promise<void> {
    this.#flushQueued = false
    const batch = this.#pending
    if (batch.length === 0) return
    this.#pending = []
    try {
      let group: PendingAppend[] = []
      let groupBytes = 0
      for (const p of batch) {
        if (this.#active.size + groupBytes + p.buf.length > this.#segmentBytes) {
          if (group.length > 0) await this.#write(group, groupBytes)
          group = []
          groupBytes = 0
          if (this.#active.size > SEGMENT_HEADER_BYTES) await this.#roll(p.seq)
        }
        group.push(p)
        groupBytes += p.buf.length
      }
      if (group.length > 0) await this.#write(group, groupBytes)
      if (this.#fsync === 'always') await this.#activeFh.datasync()
      else this.#dirty = true
    } catch (err) {
      const failure =
        err instanceof KafkaError
          ? err
          : new SpoolIoError(`could not write to the spool in ${this.dir}: ${(err as Error).message}`, {
              cause: err,
            })
      this.#failed = failure
      for (const p of batch) p.reject(failure)
      return
    }
    for (const p of batch) p.resolve(p.seq)
  }

  async #write(group: PendingAppend[], bytes: number): Promise<void> {
    const bufs = group.map((p) => p.buf)
    let written = 0
    while (written < bytes) {
      const { bytesWritten } = await this.#activeFh.writev(written === 0 ? bufs : remaining(bufs, written))
      written += bytesWritten
    }
    this.#active.size += bytes
    this.#depth += group.length
    this.#appendedTotal += group.length
  }

  /** Seals the active segment and starts one whose first entry will be `base`. */
  async #roll(base: number): Promise<void> {
    if (this.#fsync !== 'never') await this.#activeFh.datasync()
    this.#dirty = false
    await this.#activeFh.close()
    await this.#createSegment(base)
  }

  async #createSegment(base: number): Promise<void> {
    const path = join(this.dir, segmentFileName(base))
    const fh = await open(path, 'ax')
    await fh.write(encodeSegmentHeader(base))
    if (this.#fsync !== 'never') await fh.datasync()
    const seg: Segment = { base, path, size: SEGMENT_HEADER_BYTES }
    this.#segments.push(seg)
    this.#bytes += SEGMENT_HEADER_BYTES
    this.#active = seg
    this.#activeFh = fh
  }

  #syncIfDirty(): void {
    if (!this.#dirty || this.#closed) return
    this.#dirty = false
    this.#run(() => this.#activeFh.datasync()).catch(() => {
      this.#dirty = true
    })
  }

  #scheduleCommit(): void {
    if (this.#commitTimer !== null || this.#closed) return
    this.#commitTimer = setTimeout(() => {
      this.#commitTimer = null
      this.#run(() => this.#writeCommit()).catch(() => {})
    }, this.#commitIntervalMs)
    this.#commitTimer.unref()
  }

  /** Writes the commit file, then deletes the segments it covers; rolls a drained active segment. */
  async #writeCommit(): Promise<void> {
    const committed = this.#committed
    if (committed !== this.#committedOnDisk) {
      const buf = Buffer.alloc(COMMIT_BYTES)
      buf.writeUInt32BE(COMMIT_MAGIC, 0)
      buf.writeUInt16BE(1, 4)
      buf.writeUInt32BE(Math.floor(committed / TWO_32), 8)
      buf.writeUInt32BE(committed % TWO_32, 12)
      buf.writeUInt32BE(crc32c(buf, 0, 16), 16)
      const tmp = join(this.dir, `${COMMIT_FILE}.tmp`)
      const fh = await open(tmp, 'w')
      try {
        await fh.write(buf)
        if (this.#fsync === 'always') await fh.datasync()
      } finally {
        await fh.close()
      }
      await rename(tmp, join(this.dir, COMMIT_FILE))
      this.#committedOnDisk = committed
    }
    // Sealed segments whose every entry is below the commit point.
    while (this.#segments.length > 1 && this.#segments[1]!.base <= committed) {
      const seg = this.#segments.shift()!
      await unlinkIfPresent(seg.path)
      this.#bytes -= seg.size
      if (this.#readSeg === seg) {
        this.#readSeg = null
        this.#readOff = SEGMENT_HEADER_BYTES
      }
    }
    // Everything replayed: start the active segment over rather than keep its bytes.
    if (this.#readCache !== null && !this.#segments.includes(this.#readCache.seg)) this.#readCache = null
    if (
      !this.#closed &&
      committed === this.#nextSeq &&
      this.#pending.length === 0 &&
      this.#active.size > SEGMENT_HEADER_BYTES
    ) {
      const old = this.#active
      await this.#activeFh.close()
      await this.#createSegment(this.#nextSeq)
      this.#segments.splice(this.#segments.indexOf(old), 1)
      await unlinkIfPresent(old.path)
      this.#bytes -= old.size
      if (this.#readSeg === old) {
        this.#readSeg = this.#active
        this.#readOff = SEGMENT_HEADER_BYTES
      }
      if (this.#readCache?.seg === old) this.#readCache = null
    }
  }

  #damage(damage: SpoolDamage): void {
    const key = `${damage.file}:${damage.offset}`
    if (this.#reported.has(key)) return
    this.#reported.add(key)
    this.#damagedTotal++
    try {
      this.#onDamage(damage)
    } catch {
      // A reporting callback must not break the spool.
    }
  }

  async #recover(): Promise<void> {
    this.#committed = await this.#readCommit()
    this.#committedOnDisk = this.#committed
    const names = (await readdir(this.dir))
      .map((name) => ({ name, base: parseSegmentFileName(name) }))
      .filter((f): f is { name: string; base: number } => f.base !== null)
      .sort((a, b) => a.base - b.base)
    let maxSeq = -1
    let appendable = false
    for (let i = 0; i < names.length; i++) {
      const { name, base } = names[i]!
      const path = join(this.dir, name)
      const last = i === names.length - 1
      const buf = await readFile(path)
      if (buf.length < SEGMENT_HEADER_BYTES) {
        // A segment cut off while it was being created: nothing in it.
        this.#damage({ kind: last ? 'torn' : 'corrupt', file: path, offset: 0, length: buf.length })
        await unlinkIfPresent(path)
        continue
      }
      const header = decodeSegmentHeader(buf)
      const headerOk = 'base' in header && header.base === base
      if (!headerOk) this.#damage({ kind: 'bad-header', file: path, offset: 0, length: SEGMENT_HEADER_BYTES })
      let size = buf.length
      scanEntries(buf, SEGMENT_HEADER_BYTES, buf.length, {
        entry: (s) => {
          const seq = entrySeq(buf, s)
          if (seq > maxSeq) maxSeq = seq
          if (seq >= this.#committed) this.#depth++
          return true
        },
        damaged: (s, e, tail) => {
          if (tail && last) {
            this.#damage({ kind: 'torn', file: path, offset: s, length: e - s })
            size = s
          } else {
            this.#damage({ kind: 'corrupt', file: path, offset: s, length: e - s })
          }
        },
      })
      if (size < buf.length) await truncate(path, size)
      this.#segments.push({ base, path, size })
      this.#bytes += size
      appendable = last && headerOk && size < this.#segmentBytes
    }
    const lastSeg = this.#segments.at(-1)
    this.#nextSeq = Math.max(
      this.#committed,
      maxSeq + 1,
      lastSeg === undefined ? 0 : lastSeg.base + (appendable ? 0 : 1),
    )
    this.#readNext = this.#committed
    if (appendable && lastSeg !== undefined) {
      this.#active = lastSeg
      this.#activeFh = await open(lastSeg.path, 'a')
      const actual = (await this.#activeFh.stat()).size
      if (actual !== lastSeg.size)
        throw new SpoolIoError(`spool segment ${lastSeg.path} changed while opening`)
    } else {
      await this.#createSegment(this.#nextSeq)
    }
    // Sealed segments already replayed (a crash between the commit and their deletion).
    while (this.#segments.length > 1 && this.#segments[1]!.base <= this.#committed) {
      const seg = this.#segments.shift()!
      await unlinkIfPresent(seg.path)
      this.#bytes -= seg.size
    }
  }

  async #readCommit(): Promise<number> {
    const path = join(this.dir, COMMIT_FILE)
    let buf: Buffer
    try {
      buf = await readFile(path)
    } catch (err) {
      if (isMissing(err)) return 0
      throw err
    }
    if (
      buf.length !== COMMIT_BYTES ||
      buf.readUInt32BE(0) !== COMMIT_MAGIC ||
      buf.readUInt32BE(16) !== crc32c(buf, 0, 16)
    ) {
      this.#damage({ kind: 'bad-commit', file: path, offset: 0, length: buf.length })
      return 0
    }
    return buf.readUInt32BE(8) * TWO_32 + buf.readUInt32BE(12)
  }
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(end - start)
    let got = 0
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got)
      if (bytesRead === 0) break
      got += bytesRead
    }
    return got === buf.length ? buf : buf.subarray(0, got)
  } finally {
    await fh.close()
  }
}

function remaining(bufs: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = []
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length
      continue
    }
    out.push(skip > 0 ? b.subarray(skip) : b)
    skip = 0
  }
  return out
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (err) {
    if (!isMissing(err)) throw err
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}

/**
 * One writer per spool directory: `<dir>/LOCK`, created with O_EXCL and holding the owner's pid
 * and host. A lock whose pid is not running on this host is stale (its producer died) and is
 * taken over; a live one, or one held by another Spool in this process, is a SpoolLockedError.
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { link, open, readFile, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { SpoolLockedError } from '../errors.js'

export const LOCK_FILE = 'LOCK'

/** Directories locked by this process (a second Spool on the same dir must fail, though the pid is alive). */
const heldHere = new Set<string>()

export interface SpoolLock {
  /** A lock left by a dead process that this one took over, or null. */
  readonly tookOverFrom: { pid: number; host: string } | null
  release(): Promise<void>
}

export async function acquireLock(dir: string): Promise<SpoolLock> {
  const path = join(dir, LOCK_FILE)
  if (heldHere.has(path)) {
    throw new SpoolLockedError(
      `spool directory ${dir} is already open in this process (pid ${process.pid}); one producer per spool directory`,
      dir,
      process.pid,
    )
  }
  heldHere.add(path)
  try {
    return await lockFile(dir, path)
  } catch (err) {
    heldHere.delete(path)
    throw err
  }
}

async function lockFile(dir: string, path: string): Promise<SpoolLock> {
  let tookOverFrom: { pid: number; host: string } | null = null
  for (let attempt = 0; ; attempt++) {
    // Written in full under a private name, then linked: LOCK never exists without its owner.
    const tmp = join(dir, `${LOCK_FILE}.${process.pid}.tmp`)
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(`${process.pid}\n${hostname()}\n`)
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      await link(tmp, path)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err
      const owner = await readOwner(path)
      if (owner !== null && (owner.host !== hostname() || isAlive(owner.pid))) {
        throw new SpoolLockedError(
          `spool directory ${dir} is locked by process ${owner.pid} on ${owner.host} (${path}); ` +
            'one producer per spool directory: close the other producer or give this one another spool.dir',
          dir,
          owner.pid,
        )
      }
      // Stale (its process is gone), or not a lock file Sluice wrote.
      tookOverFrom = owner ?? { pid: -1, host: hostname() }
      await unlink(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e
      })
    } finally {
      await unlink(tmp).catch(() => {})
    }
  }
  let released = false
  return {
    tookOverFrom,
    async release() {
      if (released) return
      released = true
      heldHere.delete(path)
      await unlink(path).catch(() => {})
    },
  }
}

async function readOwner(path: string): Promise<{ pid: number; host: string } | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return null
  }
  return parseOwner(text)
}

function parseOwner(text: string): { pid: number; host: string } | null {
  const [pidText, host] = text.split('\n')
  const pid = Number(pidText)
  if (!Number.isSafeInteger(pid) || pid <= 0 || host === undefined || host === '') return null
  return { pid, host }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * acquireLock, synchronously (creating `dir` if missing): for a producer's constructor, so that a
 * locked directory is an error at construction.
 */
export function acquireLockSync(dir: string): SpoolLock {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, LOCK_FILE)
  if (heldHere.has(path)) {
    throw new SpoolLockedError(
      `spool directory ${dir} is already open in this process (pid ${process.pid}); one producer per spool directory`,
      dir,
      process.pid,
    )
  }
  let tookOverFrom: { pid: number; host: string } | null = null
  for (let attempt = 0; ; attempt++) {
    const tmp = join(dir, `${LOCK_FILE}.${process.pid}.tmp`)
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, `${process.pid}\n${hostname()}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    try {
      linkSync(tmp, path)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err
      const owner = readOwnerSync(path)
      if (owner !== null && (owner.host !== hostname() || isAlive(owner.pid))) {
        throw new SpoolLockedError(
          `spool directory ${dir} is locked by process ${owner.pid} on ${owner.host} (${path}); ` +
            'one producer per spool directory: close the other producer or give this one another spool.dir',
          dir,
          owner.pid,
        )
      }
      tookOverFrom = owner ?? { pid: -1, host: hostname() }
      try {
        unlinkSync(path)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      }
    } finally {
      try {
        unlinkSync(tmp)
      } catch {}
    }
  }
  heldHere.add(path)
  let released = false
  return {
    tookOverFrom,
    async release() {
      if (released) return
      released = true
      heldHere.delete(path)
      await unlink(path).catch(() => {})
    },
  }
}

function readOwnerSync(path: string): { pid: number; host: string } | null {
  try {
    return parseOwner(readFileSync(path, 'utf8'))
  } catch {
    return null
  }
}

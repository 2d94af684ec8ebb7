/**
 * One writer per spool directory: `<dir>/LOCK`, holding the owner's pid and host, created
 * atomically (written under a private name, then hard-linked to LOCK, which fails if it exists). A lock whose pid is not running on this host is stale (its producer died) and is
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
import { unlink } from 'node:fs/promises'
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
 * Takes `dir`'s lock (creating `dir` if missing), synchronously: a producer's constructor calls
 * it, so that a locked directory is an error at construction. LOCK is written in full under a
 * private name, then hard-linked into place, so it never exists half-written.
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

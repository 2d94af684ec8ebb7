/**
 * kill -9 while appending: a child process (test/helpers/spool-child.ts) appends to a Spool and
 * prints how far its appends have resolved; it is SIGKILLed mid-stream, and a Spool opened on the
 * same directory (taking over the dead process's lock) replays every record whose append had
 * resolved, with its content, in order, with nothing in between missing.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { SpoolEntry } from '../../src/spool/format.js'
import { type FsyncMode, Spool, type SpoolDamage } from '../../src/spool/spool.js'
import { spoolRecord } from '../helpers/spool-records.js'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const script = new URL('../helpers/spool-child.ts', import.meta.url).pathname

/** Runs the child until it has acknowledged at least `atLeast` records, then SIGKILLs it; the highest index it acknowledged. */
async function appendThenKill(dir: string, fsync: FsyncMode, atLeast: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir, fsync], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let acked = -1
  let pending = ''
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  )
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop()!
    for (const line of lines) {
      const m = /^acked (\d+)$/.exec(line)
      if (m !== null) acked = Number(m[1])
    }
    if (acked >= atLeast && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const signal = await exited
  assert.equal(signal, 'SIGKILL', 'the child ran until killed')
  return acked
}

async function readAll(dir: string): Promise<{ entries: SpoolEntry[]; damage: SpoolDamage[]; spool: Spool }> {
  const damage: SpoolDamage[] = []
  const spool = await Spool.open({
    dir,
    maxBytes: 1 << 30,
    fsync: 'interval',
    segmentBytes: 256 * 1024,
    onDamage: (d) => damage.push(d),
  })
  const entries: SpoolEntry[] = []
  for (;;) {
    const got = await spool.read(1000)
    if (got.length === 0) break
    entries.push(...got)
  }
  return { entries, damage, spool }
}

function check(entries: SpoolEntry[], from: number, acked: number): void {
  assert.ok(
    entries.length >= acked + 1 - from,
    `${entries.length} entries for ${acked + 1 - from} acknowledged`,
  )
  for (const [k, e] of entries.entries()) {
    const i = from + k
    const want = spoolRecord(i)
    assert.equal(Buffer.from(e.record.headers[0]![1]!).toString(), String(i), 'in order, none missing')
    assert.equal(e.record.topic, want.topic)
    assert.equal(e.record.partition, want.partition)
    assert.equal(e.record.timestamp, want.timestamp)
    assert.deepEqual(e.record.key === null ? null : Buffer.from(e.record.key), want.key)
    assert.deepEqual(Buffer.from(e.record.value!), want.value)
  }
}

for (const fsync of ['always', 'interval', 'never'] as FsyncMode[]) {
  test(`fsync '${fsync}': every record whose append resolved survives SIGKILL`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-spool-crash-'))
    dirs.push(dir)
    const acked = await appendThenKill(dir, fsync, fsync === 'always' ? 5_000 : 20_000)
    const first = await readAll(dir)
    assert.ok(first.spool.tookOverLockFrom !== null, "the dead child's lock was taken over")
    // A kill between two writes leaves whole entries; a torn tail is allowed, nothing else.
    assert.ok(
      first.damage.every((d) => d.kind === 'torn'),
      JSON.stringify(first.damage),
    )
    check(first.entries, 0, acked)
    await first.spool.close()
  })
}

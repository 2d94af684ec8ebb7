/**
 * A child process for test/spool/crash.test.ts: opens a Spool in `dir` and appends
 * spoolRecord(i), i = 0, 1, ..., 64 at a time, printing `acked <i>` once every append up to i
 * has resolved, until it is killed. Run as
 *   node --import tsx test/helpers/spool-child.ts <dir> <fsync>
 */
import { type FsyncMode, Spool } from '../../src/spool/spool.js'
import { spoolRecord } from './spool-records.js'

const [dir, fsync] = process.argv.slice(2)
const spool = await Spool.open({
  dir: dir!,
  maxBytes: 1 << 30,
  fsync: fsync as FsyncMode,
  segmentBytes: 256 * 1024,
})
process.stdout.write('open\n')
for (let i = 0; ; i += 64) {
  const batch: Promise<number>[] = []
  for (let j = i; j < i + 64; j++) batch.push(spool.append(spoolRecord(j)))
  await Promise.all(batch)
  process.stdout.write(`acked ${i + 63}\n`)
}

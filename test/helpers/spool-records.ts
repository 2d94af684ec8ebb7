/** Records for the spool tests, made from their index so a reader can check content. */
import type { SpoolRecord } from '../../src/spool/format.js'

/** Record number `i`: topic, partition (or null), key (or null), value, a header and a timestamp from i. */
export function spoolRecord(i: number): SpoolRecord {
  return {
    topic: `topic-${i % 2}`,
    partition: i % 3 === 0 ? null : i % 3,
    key: i % 5 === 0 ? null : Buffer.from(`key-${i}`),
    value: Buffer.from(`value-${i}-`.padEnd(50 + (i % 200), 'v')),
    headers: [['index', Buffer.from(String(i))]],
    timestamp: 1_700_000_000_000 + i,
  }
}

/** The value the crash test's child producer sends as record `i` (test/helpers/spool-producer-child.ts). */
export function spoolCrashValue(i: number): string {
  return `c-${i}-`.padEnd(60 + (i % 50), 'x')
}

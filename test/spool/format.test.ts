/**
 * The spool's bytes (src/spool/format.ts): entries round-trip, a damaged entry is found by its
 * CRC and the walk picks up at the next good entry, a cut-off entry is a damaged tail.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { crc32c } from '../../src/protocol/crc32c.js'
import {
  decodeEntry,
  decodeSegmentHeader,
  ENTRY_MARKER,
  encodeEntry,
  encodeSegmentHeader,
  entrySeq,
  parseSegmentFileName,
  SEGMENT_HEADER_BYTES,
  type SpoolRecord,
  scanEntries,
  segmentFileName,
} from '../../src/spool/format.js'
import { spoolRecord } from '../helpers/spool-records.js'

function walk(buf: Buffer, start = 0, end = buf.length) {
  const seen: (number | string)[] = []
  scanEntries(buf, start, end, {
    entry: (s) => {
      seen.push(entrySeq(buf, s))
      return true
    },
    damaged: (s, e, tail) => {
      seen.push(`damaged ${s}-${e}${tail ? ' tail' : ''}`)
    },
  })
  return seen
}

describe('entries', () => {
  test('round-trip every field, with nulls, empty and non-ASCII values', () => {
    const records: SpoolRecord[] = [
      spoolRecord(1),
      { topic: 'tö', partition: null, key: null, value: null, headers: [], timestamp: null },
      {
        topic: 'x',
        partition: 0,
        key: new Uint8Array(0),
        value: Buffer.from('✓'),
        headers: [
          ['a', null],
          ['a', Buffer.from('2')],
          ['ключ', new Uint8Array(0)],
        ],
        timestamp: 0,
      },
    ]
    for (const [i, record] of records.entries()) {
      const seq = 2 ** 40 + i
      const buf = encodeEntry(seq, record)
      assert.equal(buf.readUInt32BE(0), ENTRY_MARKER)
      assert.equal(buf.readUInt32BE(4), crc32c(buf, 8, buf.length), 'CRC-32C over length and body')
      const back = decodeEntry(buf, 0)
      assert.equal(back.seq, seq)
      assert.deepEqual(
        { ...back.record, key: bytes(back.record.key), value: bytes(back.record.value), headers: [] },
        { ...record, key: bytes(record.key), value: bytes(record.value), headers: [] },
      )
      assert.deepEqual(
        back.record.headers.map(([k, v]) => [k, bytes(v)]),
        record.headers.map(([k, v]) => [k, bytes(v)]),
      )
    }
  })

  test('a flipped byte anywhere in an entry is found, and the next entry is still read', () => {
    const entries = [0, 1, 2].map((i) => encodeEntry(i, spoolRecord(i)))
    const whole = Buffer.concat(entries)
    const first = entries[0]!.length
    const second = entries[1]!.length
    for (let at = first; at < first + second; at++) {
      const buf = Buffer.from(whole)
      buf[at] = buf[at]! ^ 0x10
      assert.deepEqual(walk(buf), [0, `damaged ${first}-${first + second}`, 2], `flip at ${at}`)
    }
  })

  test('a length field made huge or small does not lose the entries after it', () => {
    const entries = [0, 1, 2].map((i) => encodeEntry(i, spoolRecord(i)))
    const first = entries[0]!.length
    for (const length of [0, 5, 0x7fffffff, entries[1]!.length - 12 + 1]) {
      const buf = Buffer.concat(entries)
      buf.writeUInt32BE(length, first + 8)
      assert.deepEqual(walk(buf), [0, `damaged ${first}-${first + entries[1]!.length}`, 2])
    }
  })

  test('an entry cut short at the end is a damaged tail, at any cut', () => {
    const entries = [0, 1].map((i) => encodeEntry(i, spoolRecord(i)))
    const whole = Buffer.concat(entries)
    const first = entries[0]!.length
    for (let cut = first + 1; cut < whole.length; cut++) {
      assert.deepEqual(walk(whole.subarray(0, cut)), [0, `damaged ${first}-${cut} tail`])
    }
    assert.deepEqual(walk(whole), [0, 1])
  })

  test('garbage between entries (a marker inside it too) is skipped', () => {
    const a = encodeEntry(7, spoolRecord(7))
    const b = encodeEntry(8, spoolRecord(8))
    const junk = Buffer.concat([
      Buffer.from('junk'),
      Buffer.from([0x53, 0x4c, 0x45, 0x4e, 0, 0, 0, 0, 0, 0, 0, 40]),
    ])
    const buf = Buffer.concat([a, junk, b])
    assert.deepEqual(walk(buf), [7, `damaged ${a.length}-${a.length + junk.length}`, 8])
  })

  test('the walk stops after an entry whose visit returns false', () => {
    const buf = Buffer.concat([0, 1, 2].map((i) => encodeEntry(i, spoolRecord(i))))
    const seen: number[] = []
    const stop = scanEntries(buf, 0, buf.length, {
      entry: (s, e) => {
        seen.push(entrySeq(buf, s))
        return e < 0 || seen.length < 2
      },
      damaged: () => assert.fail('no damage'),
    })
    assert.deepEqual(seen, [0, 1])
    assert.equal(stop, encodeEntry(0, spoolRecord(0)).length + encodeEntry(1, spoolRecord(1)).length)
  })
})

describe('segment header and file names', () => {
  test('round-trip; bad magic, CRC or version are errors', () => {
    const h = encodeSegmentHeader(123_456_789_012)
    assert.equal(h.length, SEGMENT_HEADER_BYTES)
    assert.deepEqual(decodeSegmentHeader(h), { base: 123_456_789_012 })
    const flipped = Buffer.from(h)
    flipped[10] = flipped[10]! ^ 1
    assert.deepEqual(decodeSegmentHeader(flipped), { error: 'header CRC mismatch' })
    const magic = Buffer.from(h)
    magic[0] = 0
    assert.deepEqual(decodeSegmentHeader(magic), { error: 'not a spool segment (bad magic)' })
    assert.deepEqual(decodeSegmentHeader(h.subarray(0, 5)), { error: 'header truncated (5 bytes)' })
  })

  test('names sort by base and parse back', () => {
    assert.equal(segmentFileName(42), '00000000000000000042.seg')
    assert.equal(parseSegmentFileName(segmentFileName(2 ** 50)), 2 ** 50)
    assert.equal(parseSegmentFileName('COMMIT'), null)
    assert.equal(parseSegmentFileName('42.seg'), null)
  })
})

function bytes(b: Uint8Array | null): string | null {
  return b === null ? null : Buffer.from(b).toString('hex')
}

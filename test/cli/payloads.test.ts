import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { UsageError } from '../../src/cli/perf/args.js'
import {
  FilePayloads,
  MonotonicPayloads,
  RandomPayloads,
  readPayloadFile,
  splitPayloads,
  Xorshift32,
} from '../../src/cli/perf/payloads.js'
import { compileJava, javaSourcesIn, runJavaClass } from '../helpers/java.js'

/** [file text, delimiter] pairs whose splitting is compared with Java's Scanner. */
const SPLIT_CASES: [string, string][] = [
  ['a\nb\nc', '\n'],
  ['a\nb\n', '\n'],
  ['a\n\nb', '\n'],
  ['\na\nb', '\n'],
  ['\n\na', '\n'],
  ['a\nb\n\n', '\n'],
  ['a\r\nb\r\n', '\n'],
  ['a\r\nb\r\n', '\r\n'],
  ['only', '\n'],
  ['\n', '\n'],
  ['\n\n\n', '\n'],
  ['x,y,,z,', ','],
  ['a|b|c', '\\|'],
  ['one  two\tthree', '\\s+'],
  ['{"a":1}\n---\n{"b":2}\n', '\n---\n'],
  ['é\nñ\n€', '\n'],
  ['k1=v1;k2=v2', ';'],
]

describe('payload file splitting', () => {
  test('matches java.util.Scanner.useDelimiter as Kafka 4.x ProducerPerformance uses it', async () => {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
    const input = `${SPLIT_CASES.map(([text, d]) => `${b64(text)} ${b64(d)}`).join('\n')}\n`
    const classes = await compileJava(javaSourcesIn(new URL('./java', import.meta.url).pathname))
    const { stdout } = await runJavaClass('ScanPayloads', [], { classes, input })
    const lines = stdout.split('\n').slice(0, SPLIT_CASES.length)
    assert.equal(lines.length, SPLIT_CASES.length)
    SPLIT_CASES.forEach(([text, delimiter], i) => {
      const line = lines[i]!
      const java = line === '-' ? [] : line.split(' ').map((t) => Buffer.from(t, 'base64').toString('utf8'))
      assert.deepEqual(
        splitPayloads(text, delimiter),
        java,
        `${JSON.stringify(text)} split at ${JSON.stringify(delimiter)}`,
      )
    })
  })

  test('known splits (independent of Java)', () => {
    assert.deepEqual(splitPayloads('a\n\nb\n', '\n'), ['a', '', 'b'])
    assert.deepEqual(splitPayloads('\na\nb\n\n', '\n'), ['a', 'b', ''])
    assert.deepEqual(splitPayloads('a|b', '\\|'), ['a', 'b'])
  })

  test('a delimiter that matches the empty string, or is no regular expression, is refused', () => {
    for (const d of ['|', 'x*', '(?:)', '(?=a)']) {
      assert.throws(
        () => splitPayloads('a|b', d),
        (e: unknown) =>
          e instanceof UsageError && /--payload-delimiter .* matches the empty string/.test(e.message),
        d,
      )
    }
    assert.throws(
      () => splitPayloads('a', '('),
      (e: unknown) =>
        e instanceof UsageError &&
        /--payload-delimiter '\(' is not a valid regular expression/.test(e.message),
    )
  })
})

describe('payload files', () => {
  let dir = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-perf-payloads-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('reads UTF-8 payloads and prints what Java prints', async () => {
    const path = join(dir, 'p.txt')
    await writeFile(path, 'héllo\nworld\n\n{"k":1}\n')
    const notes: string[] = []
    const payloads = await readPayloadFile(path, '\n', (l) => notes.push(l))
    assert.deepEqual(
      payloads.map((p) => p.toString('utf8')),
      ['héllo', 'world', '', '{"k":1}'],
    )
    assert.deepEqual(notes, [`Reading payloads from: ${path}`, 'Number of records read: 4'])
  })

  test('missing and empty files are usage errors naming the flag', async () => {
    const empty = join(dir, 'empty.txt')
    await writeFile(empty, '')
    const noPayload = join(dir, 'newline.txt')
    await writeFile(noPayload, '\n')
    for (const [path, re] of [
      [join(dir, 'missing.txt'), /--payload-file '.*missing.txt': the file does not exist/],
      [empty, /--payload-file '.*empty.txt': the file is empty/],
      [noPayload, /--payload-file '.*newline.txt': no payloads/],
    ] as const) {
      await assert.rejects(
        readPayloadFile(path, '\n', () => {}),
        (e: unknown) => e instanceof UsageError && re.test(e.message),
      )
    }
  })

  test('FilePayloads picks every payload, at random, without changing them', () => {
    const values = ['a', 'b', 'c', 'd'].map((s) => Buffer.from(s))
    const source = new FilePayloads(values)
    const seen = new Map<string, number>()
    for (let i = 0; i < 4000; i++) {
      const v = source.next(i).toString()
      seen.set(v, (seen.get(v) ?? 0) + 1)
    }
    assert.deepEqual([...seen.keys()].sort(), ['a', 'b', 'c', 'd'])
    for (const n of seen.values()) assert.ok(n > 800 && n < 1200, `picked ${n} times of 4000`)
    assert.deepEqual(values.map(String), ['a', 'b', 'c', 'd'])
  })
})

describe('generated payloads', () => {
  test('random payloads: the record size, letters A-Z, distinct, never rewritten', () => {
    const source = new RandomPayloads(100)
    const first = source.next(0)
    const copy = Buffer.from(first)
    const seen = new Set<string>()
    const letters = new Set<number>()
    for (let i = 0; i < 10_000; i++) {
      const v = source.next(i)
      assert.equal(v.length, 100)
      for (const b of v) letters.add(b)
      seen.add(v.toString('latin1'))
    }
    assert.equal(seen.size, 10_000, 'no value repeats within 1 MB of records')
    assert.deepEqual(
      [...letters].sort((a, b) => a - b),
      Array.from({ length: 26 }, (_, i) => 65 + i),
    )
    assert.deepEqual(first, copy, 'a value handed out is never modified afterwards')
  })

  test('random payloads larger than the pool come one at a time', () => {
    const source = new RandomPayloads(5 * 1024 * 1024)
    assert.equal(source.next(0).length, 5 * 1024 * 1024)
    assert.equal(source.next(1).length, 5 * 1024 * 1024)
  })

  test('monotonic payloads are the record index as text', () => {
    const source = new MonotonicPayloads()
    assert.deepEqual(
      [0, 1, 9, 10, 123456789].map((i) => source.next(i).toString()),
      ['0', '1', '9', '10', '123456789'],
    )
  })

  test('Xorshift32 is deterministic and stays in range', () => {
    const a = new Xorshift32(0)
    const b = new Xorshift32(0)
    for (let i = 0; i < 1000; i++) {
      const x = a.nextInt(26)
      assert.equal(x, b.nextInt(26))
      assert.ok(x >= 0 && x < 26 && Number.isInteger(x))
    }
  })
})

/**
 * `sluice produce` end to end: the built CLI (dist/) against the test broker, what it wrote read
 * back with Kafka's own consumer (keys, values, headers, partitions).
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ensureKafka } from '../../src/local-kafka/distribution.js'
import { type ReadRecord, readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { CLI, countWithGetOffsetShell, runCli } from './support.js'

/** Kafka's own kafka-console-producer (org.apache.kafka.tools.ConsoleProducer) on `input`. */
async function javaConsoleProducer(
  bootstrap: string,
  topic: string,
  props: readonly string[],
  input: Buffer,
): Promise<{ status: number | null; stderr: string }> {
  const { classpath } = await ensureKafka()
  const child = spawn(
    'java',
    [
      '-cp',
      classpath,
      'org.apache.kafka.tools.ConsoleProducer',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      ...props.flatMap((p) => ['--reader-property', p]),
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  )
  const err: Buffer[] = []
  child.stderr.on('data', (b: Buffer) => err.push(b))
  child.stdin.end(input)
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  return { status, stderr: Buffer.concat(err).toString('utf8') }
}

const ESC = '\x1b'
const CLEAR_LINE = `\r${ESC}[2K`

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-produce-e2e-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'))
const headers = (r: ReadRecord) => r.headers.map(([k, v]) => [k, text(v)])

describe('sluice produce against Kafka', () => {
  test('stdin with headers and keys (kafka-console-producer format), -H on every record, CRLF, empty lines', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('produce-stdin')
    await createTopic(topic, 1)
    const input = [
      'trace:t1,user:ann\tk1\tvalue one',
      'trace:t2\tk2\tvalue\ttwo', // the value keeps a later TAB
      'trace:t3\tk3\t', // empty value
      'trace:t4\tk4\tcrlf', // ends with \r\n below
    ]
    const r = await runCli(
      ['produce', '-b', bootstrap, '-t', topic, '--headers', '--property', 'parse.key=true', '-H', 'src=e2e'],
      120_000,
      `${input.slice(0, 3).join('\n')}\n${input[3]}\r\n`,
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /^sluice produce: 4 records sent, 0 failed, \d+ bytes, [\d.]+ s/m)
    assert.equal(r.stdout, '')
    const got = await readTopic(bootstrap, topic)
    assert.deepEqual(
      got.map((g) => [text(g.key), text(g.value), headers(g)]),
      [
        [
          'k1',
          'value one',
          [
            ['trace', 't1'],
            ['user', 'ann'],
            ['src', 'e2e'],
          ],
        ],
        [
          'k2',
          'value\ttwo',
          [
            ['trace', 't2'],
            ['src', 'e2e'],
          ],
        ],
        [
          'k3',
          '',
          [
            ['trace', 't3'],
            ['src', 'e2e'],
          ],
        ],
        [
          'k4',
          'crlf',
          [
            ['trace', 't4'],
            ['src', 'e2e'],
          ],
        ],
      ],
    )
  })

  test("the same input gives what Kafka's kafka-console-producer writes: keys, values, headers, null.marker, line endings, partitions", async () => {
    const bootstrap = testBootstrap()
    const javaTopic = uniqueTopic('produce-java')
    const ourTopic = uniqueTopic('produce-ours')
    await Promise.all([createTopic(javaTopic, 3), createTopic(ourTopic, 3)])
    const props = ['parse.headers=true', 'parse.key=true', 'key.separator=|', 'null.marker=NULL']
    const input = Buffer.from(
      [
        'h1:a,h2:b\tk1|v1\n',
        'h:NULL\tk2|value|with|bars\r\n', // a null header value; CRLF
        'x:1\tk3|NULL\n', // a null value (tombstone)
        'x:2\tk4|\rx:3\tk5|after a lone CR\n', // an empty value; a lone CR ends a line in Java
        'ü:€\tkey ✓|välue 🙂\n', // UTF-8 in every part
        'NULL\tk6|no headers\n',
        'a:1,b:2,a:3\tk7|repeated header keys', // no final newline
      ].join(''),
    )
    const java = await javaConsoleProducer(bootstrap, javaTopic, props, input)
    assert.equal(java.status, 0, java.stderr)
    const ours = await runCli(
      ['produce', '-b', bootstrap, '-t', ourTopic, ...props.flatMap((p) => ['--property', p])],
      120_000,
      input,
    )
    assert.equal(ours.code, 0, ours.stderr)
    assert.match(ours.stderr, /8 records sent, 0 failed/)
    assert.ok(!ours.stderr.includes('\r') && !ours.stderr.includes(ESC), 'no progress line: stderr is a pipe')
    const shape = (rs: ReadRecord[]) =>
      rs.map((r) => JSON.stringify([r.partition, text(r.key), text(r.value), headers(r)])).sort()
    const javaRecords = await readTopic(bootstrap, javaTopic)
    assert.equal(javaRecords.length, 8)
    assert.deepEqual(shape(await readTopic(bootstrap, ourTopic)), shape(javaRecords))
  })

  test('a progress line on stderr when it is a terminal (run under script(1) for a pty), cleared before the summary', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('produce-tty')
    await createTopic(topic, 1)
    const file = join(dir, 'tty.txt')
    await writeFile(file, 'a\nb\nc\n')
    const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`
    const command = [process.execPath, CLI, 'produce', '-b', bootstrap, '-t', topic].map(quote).join(' ')
    const r = spawnSync('script', ['-qec', `${command} < ${quote(file)}`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 120_000,
    })
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`)
    const out = r.stdout
    // Each frame starts with CR and erase-line (ESC [2K); the summary comes after the last one.
    const frames = out.split(CLEAR_LINE)
    assert.ok(frames.length >= 3, JSON.stringify(out))
    assert.ok(
      frames.some((f) => /^\d+ records sent, \d+ failed, \d+ bytes, [\d.]+ s \(\d+ records\/sec\)/.test(f)),
      JSON.stringify(out),
    )
    assert.match(frames.at(-1)!, /^sluice produce: 3 records sent, 0 failed, 3 bytes, /)
    assert.equal((await readTopic(bootstrap, topic)).length, 3)
  })

  test('a topic that does not exist: a hint at once, then each record fails after max.block.ms with its line; exit 1', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('produce-missing')
    const r = await runCli(
      ['produce', '-b', bootstrap, '-t', topic, '--producer-props', 'max.block.ms=1500'],
      120_000,
      'one\ntwo\n',
    )
    assert.equal(r.code, 1, r.stderr)
    assert.match(
      r.stderr,
      new RegExp(
        `topic '${topic}' does not exist \\(yet\\).*max\\.block\\.ms \\(1500 ms\\).*sluice topics create ${topic}`,
      ),
    )
    assert.match(r.stderr, /sluice produce: stdin:1: ERR_\w+: /)
    assert.match(r.stderr, /sluice produce: stdin:2: ERR_\w+: /)
    assert.match(r.stderr, /0 records sent, 2 failed/)

    // An existing topic gets no such hint.
    const there = uniqueTopic('produce-there')
    await createTopic(there, 1)
    const ok = await runCli(['produce', '-b', bootstrap, '-t', there], 120_000, 'one\n')
    assert.equal(ok.code, 0, ok.stderr)
    assert.doesNotMatch(ok.stderr, /does not exist/)
  })

  test('Ctrl-C (SIGINT) stops reading, delivers what was read, prints the summary and exits 130', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('produce-sigint')
    await createTopic(topic, 1)
    const child = spawn(process.execPath, [CLI, 'produce', '-b', bootstrap, '-t', topic], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const err: Buffer[] = []
    child.stderr.on('data', (b: Buffer) => err.push(b))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    // stdin stays open, as at a terminal: only the signal ends the run.
    child.stdin.write('one\ntwo\n')
    const deadline = Date.now() + 60_000
    while ((await countWithGetOffsetShell(bootstrap, topic)) < 2) {
      assert.ok(Date.now() < deadline, 'the two lines never reached Kafka')
      await new Promise((r) => setTimeout(r, 200))
    }
    child.kill('SIGINT')
    const code = await closed
    const stderr = Buffer.concat(err).toString('utf8')
    assert.equal(code, 130, stderr)
    assert.match(stderr, /sluice produce: 2 records sent, 0 failed, 6 bytes, .* \(interrupted\)\n$/)
    assert.deepEqual(
      (await readTopic(bootstrap, topic)).map((r) => text(r.value)),
      ['one', 'two'],
    )
  })

  test('files in order (and - for stdin), --key-separator, --partition; an empty line is an empty value as in Java', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('produce-files')
    await createTopic(topic, 3)
    const a = join(dir, 'a.txt')
    const b = join(dir, 'b.txt')
    await writeFile(a, 'a1:x\na2:y:z\n')
    await writeFile(b, 'b1:w\n\n') // the second line is empty: no key separator, an error
    const r = await runCli(
      ['produce', '--bootstrap-server', bootstrap, '--topic', topic, '-K', ':', '-p', '2', a, '-', b],
      120_000,
      's1:from stdin',
    )
    assert.equal(r.code, 1, r.stderr)
    assert.match(
      r.stderr,
      new RegExp(`sluice produce: ${b.replaceAll('.', '\\.')}:2: no key separator \\(":"\\) found`),
    )
    assert.match(r.stderr, /4 records sent, 1 failed/)
    const got = await readTopic(bootstrap, topic)
    assert.deepEqual(
      got.map((g) => [g.partition, text(g.key), text(g.value)]),
      [
        [2, 'a1', 'x'],
        [2, 'a2', 'y:z'],
        [2, 's1', 'from stdin'],
        [2, 'b1', 'w'],
      ],
    )

    // Without a key separator, an empty line is a record with an empty value (not skipped).
    const plain = uniqueTopic('produce-empty')
    await createTopic(plain, 1)
    const p = await runCli(['produce', '-b', bootstrap, '-t', plain], 120_000, 'one\n\nthree\n')
    assert.equal(p.code, 0, p.stderr)
    assert.deepEqual(
      (await readTopic(bootstrap, plain)).map((g) => [text(g.key), text(g.value)]),
      [
        [null, 'one'],
        [null, ''],
        [null, 'three'],
      ],
    )
  })

  test('--format json: keys, JSON values as their text, headers, partition, timestamp', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('produce-json')
    // A given time, recent enough that retention (7 days) does not delete it before it is read.
    const timestamp = Date.now() - 3_600_000 + 123
    await createTopic(topic, 2)
    const lines = [
      `{"key":"k1","value":{"qty":2,"tags":["a"]},"headers":{"h":"v"},"partition":1,"timestamp":${timestamp}}`,
      '',
      '{"key":null,"value":"plain text","headers":[["h","1"],["h","2"]],"partition":0}',
      '{"value":42,"partition":0}',
    ]
    const r = await runCli(
      ['produce', '-b', bootstrap, '-t', topic, '--format', 'json', '--acks', '1', '-z', 'gzip'],
      120_000,
      `${lines.join('\n')}\n`,
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /3 records sent, 0 failed/)
    const got = await readTopic(bootstrap, topic)
    assert.deepEqual(
      got.map((g) => [g.partition, text(g.key), text(g.value), headers(g)]),
      [
        [
          0,
          null,
          'plain text',
          [
            ['h', '1'],
            ['h', '2'],
          ],
        ],
        [0, null, '42', []],
        [1, 'k1', '{"qty":2,"tags":["a"]}', [['h', 'v']]],
      ],
    )
    assert.equal(got[2]!.timestamp, timestamp)
    assert.equal(got[2]!.timestampType, 'CreateTime')
  })

  test('a failing record (larger than max.request.size) and a bad JSON line: exit 1, their lines on stderr, the others written', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('produce-fail')
    await createTopic(topic, 1)
    const file = join(dir, 'records.jsonl')
    await writeFile(
      file,
      [
        JSON.stringify({ value: 'first' }),
        JSON.stringify({ value: 'x'.repeat(5000) }),
        JSON.stringify({ value: 'third' }),
        '{"value": oops}',
        JSON.stringify({ value: 'fifth' }),
      ].join('\r\n'),
    )
    const r = await runCli([
      'produce',
      '-b',
      bootstrap,
      '-t',
      topic,
      '--format',
      'json',
      '--producer-props',
      'max.request.size=2000',
      file,
    ])
    assert.equal(r.code, 1, r.stderr)
    const name = file.replaceAll('.', '\\.')
    assert.match(r.stderr, new RegExp(`sluice produce: ${name}:2: RECORD_TOO_LARGE: .*max\\.request\\.size`))
    assert.match(r.stderr, new RegExp(`sluice produce: ${name}:4: not valid JSON`))
    assert.match(r.stderr, /3 records sent, 2 failed/)
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
    const got = await readTopic(bootstrap, topic)
    assert.deepEqual(
      got.map((g) => text(g.value)),
      ['first', 'third', 'fifth'],
    )
  })

  test('input larger than buffer.memory goes through drain backpressure: every line arrives, in order', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('produce-many')
    await createTopic(topic, 1)
    const n = 20_000
    const value = 'v'.repeat(200)
    const input = Array.from({ length: n }, (_, i) => `${i}:${value}`).join('\n')
    const r = await runCli(
      [
        'produce',
        '-b',
        bootstrap,
        '-t',
        topic,
        '-K',
        ':',
        '--producer-props',
        'buffer.memory=1048576',
        'batch.size=16384',
      ],
      180_000,
      input,
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, new RegExp(`${n} records sent, 0 failed`))
    const got = await readTopic(bootstrap, topic)
    assert.equal(got.length, n)
    got.forEach((g, i) => {
      assert.equal(text(g.key), String(i))
    })
  })
})

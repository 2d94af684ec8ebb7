/** The command lines of `sluice produce` and the shared flag parser, settings and suggestions. */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parseFlags } from '../../src/cli/common/flags.js'
import { closest, UsageError } from '../../src/cli/common/usage.js'
import { parseProduceArgs } from '../../src/cli/produce/args.js'
import { formatCounts, produceSettings } from '../../src/cli/produce/command.js'

const usage = (argv: string[], re: RegExp) =>
  assert.throws(
    () => parseProduceArgs(argv),
    (e: Error) => e instanceof UsageError && re.test(e.message),
    argv.join(' '),
  )

describe('parseFlags', () => {
  const spec = {
    '--topic': { kind: 'value', short: 't' },
    '--header': { kind: 'repeat', short: 'H' },
    '--props': { kind: 'list' },
    '--json': { kind: 'switch' },
  } as const

  test('long, --flag=value, short and -tVALUE forms; repeats kept, last single value wins', () => {
    const p = parseFlags(
      ['-t', 'a', '--topic=b', '-tc', '-H', 'x=1', '--header', 'y=2', 'f1', '-', 'f2'],
      spec,
    )
    assert.deepEqual(p.flags.get('--topic'), ['c'])
    assert.deepEqual(p.flags.get('--header'), ['x=1', 'y=2'])
    assert.deepEqual(p.positionals, ['f1', '-', 'f2'])
  })

  test('a list takes every word up to the next flag; -- ends the flags; negative numbers are values', () => {
    const p = parseFlags(['--props', 'a=1', 'b=2', '--json', '--', '--not-a-flag'], spec)
    assert.deepEqual(p.flags.get('--props'), ['a=1', 'b=2'])
    assert.deepEqual(p.flags.get('--json'), [])
    assert.deepEqual(p.positionals, ['--not-a-flag'])
    assert.deepEqual(parseFlags(['-t', '-1'], spec).flags.get('--topic'), ['-1'])
    // A word without '=' ends a list: the file after --props is an input, not a property.
    const files = parseFlags(['--props', 'a=1', 'data.txt', 'b=2'], spec)
    assert.deepEqual(files.flags.get('--props'), ['a=1'])
    assert.deepEqual(files.positionals, ['data.txt', 'b=2'])
    assert.throws(() => parseFlags(['--props', 'data.txt'], spec), /--props needs at least one value/)
  })

  test('unknown flags get the closest known one; missing values and values on switches are refused', () => {
    assert.throws(
      () => parseFlags(['--topc', 'x'], spec),
      /unknown option '--topc'; did you mean '--topic'\?/,
    )
    assert.throws(
      () => parseFlags(['--zzzzzzzz'], spec),
      (e: Error) => e.message === "unknown option '--zzzzzzzz'",
    )
    assert.throws(() => parseFlags(['-q'], spec), /unknown option '-q'/)
    assert.throws(() => parseFlags(['--topic'], spec), /--topic needs a value/)
    assert.throws(() => parseFlags(['--topic', '--json'], spec), /--topic needs a value/)
    assert.throws(() => parseFlags(['--json=1'], spec), /--json takes no value/)
  })

  test('closest(): near misses only', () => {
    assert.equal(closest('--num-record', ['--num-records', '--topic']), '--num-records')
    assert.equal(closest('prodcue', ['produce', 'topics', 'perf']), 'produce')
    assert.equal(closest('frobnicate', ['produce', 'topics', 'perf']), null)
  })
})

describe('sluice produce arguments', () => {
  test('defaults: stdin, text lines, whole line as value', () => {
    const a = parseProduceArgs(['-t', 'orders', '-b', 'localhost:9092'])
    assert.equal(a.topic, 'orders')
    assert.deepEqual(a.inputs, ['-'])
    assert.equal(a.format, 'text')
    assert.equal(a.reader.parseKey, false)
    assert.equal(a.reader.parseHeaders, false)
    assert.equal(a.partition, null)
    assert.deepEqual(a.headers, [])
  })

  test('--key-separator is parse.key=true with key.separator; --property as kafka-console-producer', () => {
    const k = parseProduceArgs(['-t', 'x', '-K', '::'])
    assert.equal(k.reader.parseKey, true)
    assert.equal(k.reader.keySeparator, '::')
    const p = parseProduceArgs([
      '-t',
      'x',
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=|',
      '--headers',
      '--property',
      'headers.key.separator==',
    ])
    assert.equal(p.reader.parseKey, true)
    assert.equal(p.reader.keySeparator, '|')
    assert.equal(p.reader.parseHeaders, true)
    assert.equal(p.reader.headersKeySeparator, '=')
  })

  test('-H headers (a value may hold =), --partition, files in order, --format json', () => {
    const a = parseProduceArgs([
      '-t',
      'x',
      '-H',
      'a=1',
      '-H',
      'b=c=d',
      '-p',
      '3',
      '--format',
      'json',
      'f1',
      '-',
      'f2',
    ])
    assert.deepEqual(a.headers, [
      ['a', '1'],
      ['b', 'c=d'],
    ])
    assert.equal(a.partition, 3)
    assert.equal(a.format, 'json')
    assert.deepEqual(a.inputs, ['f1', '-', 'f2'])
  })

  test('mistakes are UsageErrors naming the flag', () => {
    usage(['-b', 'h:1'], /--topic is required/)
    usage(['-t', 'x', '--format', 'csv'], /--format must be text or json/)
    usage(['-t', 'x', '--partition', '-1'], /--partition must be at least 0/)
    usage(['-t', 'x', '--partition', 'two'], /--partition must be an integer/)
    usage(['-t', 'x', '-H', 'novalue'], /--header expects KEY=VALUE/)
    usage(
      ['-t', 'x', '--property', 'parse.kye=true'],
      /unknown property 'parse.kye'; did you mean 'parse.key'/,
    )
    usage(['-t', 'x', '--property', 'headers.separator=\t', '--headers'], /may not be equal/)
    usage(
      ['-t', 'x', '--format', 'json', '-K', ':'],
      /--format json takes key and headers from each JSON object/,
    )
    usage(['-t', 'x', '--producer-props', 'acks=1', '-X', 'b'], /invalid property 'b'/)
    usage(['-t', 'x', '-', '-'], /stdin \('-'\) can be read only once/)
    usage(
      ['-t', 'x', '--key-seperator', ':'],
      /unknown option '--key-seperator'; did you mean '--key-separator'\?/,
    )
  })

  test('producer settings: the file, then the props, then --acks, --compression-type and --bootstrap-server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-produce-args-'))
    try {
      const file = join(dir, 'p.properties')
      await writeFile(file, 'acks=0\nlinger.ms=7\nbootstrap.servers=file:1\nkey.serializer=x\n')
      const s = await produceSettings(
        parseProduceArgs([
          '-t',
          'x',
          '--producer.config',
          file,
          '--producer-props',
          'linger.ms=9',
          'compression.type=gzip',
          '--acks',
          '1',
          '-z',
          'lz4',
        ]),
      )
      assert.deepEqual(
        { ...s },
        {
          'linger.ms': '9',
          acks: '1',
          'compression.type': 'lz4',
          'client.id': 'console-producer',
          'bootstrap.servers': 'file:1',
        },
      )
      const flagWins = await produceSettings(
        parseProduceArgs(['-t', 'x', '--producer.config', file, '-b', 'flag:2']),
      )
      assert.equal(flagWins['bootstrap.servers'], 'flag:2')
      await assert.rejects(produceSettings(parseProduceArgs(['-t', 'x'])), /--bootstrap-server is required/)
      await assert.rejects(
        produceSettings(parseProduceArgs(['-t', 'x', '--producer.config', join(dir, 'nope')])),
        /--producer.config '.*nope': the file does not exist/,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('the summary line', () => {
    assert.equal(
      formatCounts({ sent: 3, failed: 1, bytes: 42, elapsedMs: 1500 }),
      '3 records sent, 1 failed, 42 bytes, 1.500 s (2 records/sec)',
    )
  })
})

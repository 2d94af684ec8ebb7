import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DEFAULTS, parsePerfArgs, parseProp, UsageError } from '../../src/cli/perf/args.js'

const parse = (line: string) => parsePerfArgs(line.split(' ').filter((w) => w !== ''))

/** Asserts a UsageError whose message matches `re` (the flag's name, and why). */
function rejects(line: string | string[], re: RegExp): void {
  const argv = Array.isArray(line) ? line : line.split(' ')
  assert.throws(
    () => parsePerfArgs(argv),
    (err: unknown) => err instanceof UsageError && re.test(err.message),
    `expected a UsageError matching ${re} for: ${argv.join(' ')}`,
  )
}

describe('sluice perf flags', () => {
  test('defaults: the README command needs no more than --num-records and --record-size', () => {
    const a = parse('')
    assert.equal(a.topic, DEFAULTS.topic)
    assert.equal(a.numRecords, 1_000_000)
    assert.deepEqual(a.payload, { kind: 'random', recordSize: 100 })
    assert.equal(a.throughput, -1)
    assert.equal(a.warmupRecords, 0)
    assert.deepEqual(a.producerProps, [])
    assert.equal(a.producerConfigFile, null)
    assert.equal(a.bootstrapServer, null)
    assert.equal(a.transactionalId, null)
    assert.equal(a.transactionDurationMs, null)
    assert.equal(a.printMetrics, false)
    assert.equal(a.reportingIntervalMs, 5000)
    assert.equal(a.partitions, 8)
    assert.equal(a.json, false)
    assert.equal(a.help, false)
    const readme = parse('--num-records 1000000 --record-size 100')
    assert.equal(readme.numRecords, 1_000_000)
    assert.deepEqual(readme.payload, { kind: 'random', recordSize: 100 })
  })

  test('a full Java command line', () => {
    const a = parse(
      '--topic orders --num-records 5000 --warmup-records 1000 --record-size 512 --throughput 2500.5 ' +
        '--producer-props acks=1 linger.ms=10 batch.size=65536 --producer.config /etc/p.properties ' +
        '--bootstrap-server h1:9092,h2:9092 --transactional-id tx-1 --transaction-duration-ms 1500 ' +
        '--print-metrics --reporting-interval 1000 --partitions 3 --json',
    )
    assert.equal(a.topic, 'orders')
    assert.equal(a.numRecords, 5000)
    assert.equal(a.warmupRecords, 1000)
    assert.deepEqual(a.payload, { kind: 'random', recordSize: 512 })
    assert.equal(a.throughput, 2500.5)
    assert.deepEqual(a.producerProps, ['acks=1', 'linger.ms=10', 'batch.size=65536'])
    assert.equal(a.producerConfigFile, '/etc/p.properties')
    assert.equal(a.bootstrapServer, 'h1:9092,h2:9092')
    assert.equal(a.transactionalId, 'tx-1')
    assert.equal(a.transactionDurationMs, 1500)
    assert.equal(a.printMetrics, true)
    assert.equal(a.reportingIntervalMs, 1000)
    assert.equal(a.partitions, 3)
    assert.equal(a.json, true)
  })

  test('--flag=value works for every flag that takes a value', () => {
    const a = parsePerfArgs([
      '--topic=t',
      '--num-records=7',
      '--record-size=9',
      '--throughput=-1',
      '--producer-props=acks=all',
      '--producer.config=f.properties',
      '--bootstrap-server=h:1',
    ])
    assert.equal(a.topic, 't')
    assert.equal(a.numRecords, 7)
    assert.deepEqual(a.payload, { kind: 'random', recordSize: 9 })
    assert.equal(a.throughput, -1)
    assert.deepEqual(a.producerProps, ['acks=all'])
    assert.equal(a.producerConfigFile, 'f.properties')
    assert.equal(a.bootstrapServer, 'h:1')
  })

  test('--producer-props takes every word up to the next flag, and accumulates when repeated', () => {
    const a = parse('--producer-props a=1 b=2 --topic x --producer-props c=3=4')
    assert.deepEqual(a.producerProps, ['a=1', 'b=2', 'c=3=4'])
    assert.equal(a.topic, 'x')
  })

  test('--command-property and --command-config: the Kafka 4.x names', () => {
    const a = parse('--command-property acks=0 --command-config c.properties')
    assert.deepEqual(a.producerProps, ['acks=0'])
    assert.equal(a.producerConfigFile, 'c.properties')
    rejects('--command-property a=1 --producer-props b=2', /--command-property and --producer-props cannot/)
    rejects('--command-config a --producer.config b', /--command-config and --producer.config cannot/)
  })

  test('payload flags', () => {
    assert.deepEqual(parse('--payload-file data.txt').payload, {
      kind: 'file',
      path: 'data.txt',
      delimiter: '\n',
    })
    assert.deepEqual(parsePerfArgs(['--payload-file', 'd', '--payload-delimiter', ',']).payload, {
      kind: 'file',
      path: 'd',
      delimiter: ',',
    })
    assert.deepEqual(parse('--payload-monotonic').payload, { kind: 'monotonic' })
    rejects('--record-size 10 --payload-file f', /--record-size and --payload-file cannot be used together/)
    rejects(
      '--payload-monotonic --payload-file f',
      /exactly one of --record-size, --payload-file or --payload-monotonic/,
    )
    rejects('--record-size 10 --payload-monotonic', /--record-size and --payload-monotonic/)
    rejects(['--payload-file', 'f', '--payload-delimiter', ''], /--payload-delimiter must not be empty/)
    rejects(['--payload-file', ''], /--payload-file must not be empty/)
  })

  test('numbers: integers where Java takes a Long or Integer, > 0 where Java says so', () => {
    rejects('--num-records 0', /--num-records should be greater than zero/)
    rejects('--num-records -5', /--num-records should be greater than zero/)
    rejects('--num-records 1e6', /--num-records must be an integer, got '1e6'/)
    rejects('--num-records 10.5', /--num-records must be an integer/)
    rejects('--num-records abc', /--num-records must be an integer, got 'abc'/)
    rejects('--num-records 99999999999999999999', /--num-records must be an integer/)
    rejects('--record-size 0', /--record-size should be greater than zero/)
    rejects('--record-size x', /--record-size must be an integer/)
    rejects('--warmup-records -1', /--warmup-records must be at least 0/)
    rejects('--transaction-duration-ms 0', /--transaction-duration-ms should be greater than zero/)
    rejects('--reporting-interval 0', /--reporting-interval should be greater than zero/)
    rejects('--partitions 0', /--partitions should be greater than zero/)
    assert.equal(parse('--warmup-records 0').warmupRecords, 0)
  })

  test('--warmup-records must be fewer than --num-records', () => {
    rejects(
      '--num-records 10 --warmup-records 10',
      /--warmup-records \(10\) must be strictly fewer .* --num-records \(10\)/,
    )
    rejects('--warmup-records 1000000', /strictly fewer/)
    assert.equal(parse('--num-records 10 --warmup-records 9').warmupRecords, 9)
  })

  test('--throughput: any number, negative for no limit, 0 refused', () => {
    assert.equal(parse('--throughput -1').throughput, -1)
    assert.equal(parse('--throughput -7.5').throughput, -7.5)
    assert.equal(parse('--throughput 0.5').throughput, 0.5)
    assert.equal(parse('--throughput 1e5').throughput, 100_000)
    rejects('--throughput 0', /--throughput 0 would never send/)
    rejects('--throughput fast', /--throughput must be a number .* got 'fast'/)
    rejects(['--throughput', ''], /--throughput must be a number/)
    rejects('--throughput Infinity', /--throughput must be a number/)
  })

  test('switches, help and value-less flags', () => {
    assert.equal(parse('-h').help, true)
    assert.equal(parse('--help').help, true)
    assert.equal(parse('--print-metrics').printMetrics, true)
    assert.equal(parse('--json').json, true)
    rejects('--json=yes', /--json takes no value/)
    rejects('--topic', /--topic needs a value/)
    rejects('--topic --json', /--topic needs a value/)
    rejects('--producer-props', /--producer-props needs at least one PROP-NAME=PROP-VALUE/)
    rejects('--producer-props --json', /--producer-props needs at least one/)
  })

  test('unknown flags and stray words are named, with a suggestion when close', () => {
    rejects('--num-recods 5', /unknown option '--num-recods'; did you mean '--num-records'\?/)
    rejects('--producer-config f', /unknown option '--producer-config'; did you mean '--producer.config'\?/)
    rejects('--frobnicate', /unknown option '--frobnicate'$/)
    rejects('--topic t stray', /unexpected argument 'stray'/)
    rejects('-x', /unexpected argument '-x'/)
  })

  test('empty strings are refused where they make no sense', () => {
    rejects(['--topic', ' '], /--topic must not be empty/)
    rejects(['--bootstrap-server', ''], /--bootstrap-server must not be empty/)
    rejects(['--transactional-id', ''], /--transactional-id must not be empty/)
  })

  test('record keys (KIP-1299): none by default; range and random need --record-key-range', () => {
    const d = parse('')
    assert.equal(d.keyDistribution, 'none')
    assert.equal(d.recordKeyRange, null)
    assert.equal(d.randomSeed, 0n)
    const r = parse('--key-distribution range --record-key-range 10')
    assert.equal(r.keyDistribution, 'range')
    assert.equal(r.recordKeyRange, 10)
    const x = parsePerfArgs(['--record-key-range=2147483647', '--key-distribution=random'])
    assert.equal(x.keyDistribution, 'random')
    assert.equal(x.recordKeyRange, 2147483647)
    assert.equal(parse('--key-distribution none').keyDistribution, 'none')
    // Java's messages, from ConfigPostProcessor.
    rejects(
      '--key-distribution range',
      /--record-key-range is required when --key-distribution is 'range' or 'random'/,
    )
    rejects('--key-distribution random', /--record-key-range is required when/)
    rejects(
      '--record-key-range 5',
      /--key-distribution must be 'range' or 'random' when --record-key-range is specified/,
    )
    rejects('--record-key-range 5 --key-distribution none', /--key-distribution must be 'range' or 'random'/)
    rejects('--record-key-range 0 --key-distribution range', /--record-key-range should be greater than zero/)
    rejects(
      '--record-key-range -3 --key-distribution range',
      /--record-key-range should be greater than zero/,
    )
    rejects(
      '--record-key-range 2147483648 --key-distribution range',
      /--record-key-range must be at most 2147483647/,
    )
    rejects('--record-key-range 1.5 --key-distribution range', /--record-key-range must be an integer/)
    // argparse4j's choices are exact: 'RANGE' is refused by Java too.
    rejects(
      '--key-distribution RANGE --record-key-range 3',
      /--key-distribution must be one of none, range, random, got 'RANGE'/,
    )
    rejects('--key-distribution zipf --record-key-range 3', /got 'zipf'/)
    rejects('--key-distribution', /--key-distribution needs a value/)
  })

  test('--random-seed: any Java long', () => {
    assert.equal(parse('--random-seed 42').randomSeed, 42n)
    assert.equal(parse('--random-seed -7').randomSeed, -7n)
    assert.equal(parse('--random-seed 9223372036854775807').randomSeed, 2n ** 63n - 1n)
    assert.equal(parse('--random-seed -9223372036854775808').randomSeed, -(2n ** 63n))
    rejects(
      '--random-seed 9223372036854775808',
      /--random-seed must be an integer from -9223372036854775808 to 9223372036854775807, got '9223372036854775808'/,
    )
    rejects('--random-seed 1e3', /--random-seed must be an integer/)
    rejects(['--random-seed', ''], /--random-seed must be an integer/)
  })

  test('the last value of a repeated single-value flag wins (as in Java)', () => {
    assert.equal(parse('--topic a --topic b').topic, 'b')
  })

  test('parseProp: a non-empty name, the value after the first =', () => {
    assert.deepEqual(parseProp('acks=all'), ['acks', 'all'])
    assert.deepEqual(parseProp('sasl.jaas.config=a=b'), ['sasl.jaas.config', 'a=b'])
    for (const bad of ['acks', '=1', 'acks=', '']) {
      assert.throws(
        () => parseProp(bad),
        (e: unknown) => e instanceof UsageError && /invalid property/.test(String(e)),
      )
    }
  })
})

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parsePerfArgs, UsageError } from '../../src/cli/perf/args.js'
import { perfSettings } from '../../src/cli/perf/settings.js'

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-perf-settings-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function propertiesFile(name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}

const settingsFor = (...argv: string[]) => perfSettings(parsePerfArgs(argv))

describe('sluice perf producer settings', () => {
  test('nothing given: no brokers (a local Kafka is started), Java perf client id, no transactions', async () => {
    const s = await settingsFor()
    assert.equal(s.bootstrapServers, null)
    assert.deepEqual(s.producer, { 'client.id': 'perf-producer-client' })
    assert.equal(s.transactions, null)
  })

  test('--producer-props override the --producer.config file; --bootstrap-server overrides both', async () => {
    const file = await propertiesFile(
      'p.properties',
      '# a Java producer file\nbootstrap.servers=file:9092\nacks=1\nlinger.ms: 20\nbatch.size 1000\n',
    )
    const s = await settingsFor(
      '--producer.config',
      file,
      '--producer-props',
      'linger.ms=7',
      'compression.type=lz4',
    )
    assert.equal(s.bootstrapServers, 'file:9092')
    assert.deepEqual(s.producer, {
      'bootstrap.servers': 'file:9092',
      acks: '1',
      'linger.ms': '7',
      'batch.size': '1000',
      'compression.type': 'lz4',
      'client.id': 'perf-producer-client',
    })
    const flag = await settingsFor('--producer.config', file, '--bootstrap-server', 'flag:1')
    assert.equal(flag.bootstrapServers, 'flag:1')
    assert.equal(flag.producer['bootstrap.servers'], 'flag:1')
  })

  test('bootstrap servers from --producer-props alone (the usual Java invocation) start no local Kafka', async () => {
    const s = await settingsFor('--producer-props', 'bootstrap.servers=h:9092', 'acks=all')
    assert.equal(s.bootstrapServers, 'h:9092')
    const camel = await settingsFor('--producer-props', 'bootstrapServers=c:9092')
    assert.equal(camel.bootstrapServers, 'c:9092')
    assert.equal(camel.producer.bootstrapServers, undefined)
  })

  test('serializers are the tool business (values are bytes); a given client.id is kept', async () => {
    const file = await propertiesFile(
      's.properties',
      'key.serializer=org.apache.kafka.common.serialization.StringSerializer\n' +
        'value.serializer=org.apache.kafka.common.serialization.StringSerializer\nclient.id=mine\n',
    )
    const s = await settingsFor('--producer.config', file, '--producer-props', 'valueSerializer=json')
    assert.deepEqual(s.producer, { 'client.id': 'mine' })
  })

  test('transactions, as ConfigPostProcessor: --transactional-id wins over transactional.id', async () => {
    const byFlag = await settingsFor(
      '--transactional-id',
      'flag-id',
      '--producer-props',
      'transactional.id=prop-id',
    )
    assert.deepEqual(byFlag.transactions, { id: 'flag-id', durationMs: 3000 })
    assert.equal(byFlag.producer['transactional.id'], 'flag-id')

    const byProp = await settingsFor('--producer-props', 'transactional.id=prop-id')
    assert.deepEqual(byProp.transactions, { id: 'prop-id', durationMs: 3000 })

    const file = await propertiesFile('t.properties', 'transactionalId=file-id\n')
    const byFile = await settingsFor('--producer.config', file, '--transaction-duration-ms', '250')
    assert.deepEqual(byFile.transactions, { id: 'file-id', durationMs: 250 })
    assert.equal(byFile.producer.transactionalId, undefined)
    assert.equal(byFile.producer['transactional.id'], 'file-id')
  })

  test('--transaction-duration-ms alone: id performance-producer-<uuid>', async () => {
    const s = await settingsFor('--transaction-duration-ms', '100')
    assert.match(
      s.transactions?.id ?? '',
      /^performance-producer-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    )
    assert.equal(s.transactions?.durationMs, 100)
  })

  test('a missing or malformed --producer.config is a usage error naming the file', async () => {
    await assert.rejects(
      settingsFor('--producer.config', join(dir, 'nope.properties')),
      (e: unknown) =>
        e instanceof UsageError &&
        /--producer.config '.*nope.properties': the file does not exist/.test(e.message),
    )
    const bad = await propertiesFile('bad.properties', 'a=\\uZZZZ\n')
    await assert.rejects(
      settingsFor('--producer.config', bad),
      (e: unknown) => e instanceof UsageError && /--producer.config .*bad.properties.*line 1/.test(e.message),
    )
  })
})

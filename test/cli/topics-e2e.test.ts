/** `sluice topics create|list` end to end: the built CLI against the test broker. */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { Producer } from '../../src/producer/producer.js'
import { testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { runCli } from './support.js'

describe('sluice topics against Kafka', () => {
  test('create, then list shows the topic with its partition count; creating it again is an error unless --if-not-exists', async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('topics-cli')
    const c = await runCli([
      'topics',
      'create',
      topic,
      '--partitions',
      '3',
      '--replication-factor',
      '1',
      '--config',
      'retention.ms=3600000',
      '--bootstrap-server',
      bootstrap,
    ])
    assert.equal(c.code, 0, c.stderr)
    assert.equal(c.stdout, `Created topic ${topic}.\n`)

    const l = await runCli(['topics', 'list', '--bootstrap-server', bootstrap])
    assert.equal(l.code, 0, l.stderr)
    const rows = l.stdout.trim().split('\n')
    assert.ok(rows.includes(`${topic}\t3\t1`), l.stdout)
    const names = rows.map((row) => row.split('\t')[0]!)
    assert.deepEqual(names, [...names].sort(), 'sorted by name')

    const j = await runCli(['topics', 'list', '-b', bootstrap, '--json', '--exclude-internal'])
    assert.equal(j.code, 0, j.stderr)
    const listed = JSON.parse(j.stdout) as { name: string; partitions: number; internal: boolean }[]
    assert.deepEqual(
      listed.find((t) => t.name === topic),
      { name: topic, partitions: 3, replicationFactor: 1, internal: false },
    )
    assert.ok(listed.every((t) => !t.internal))

    const again = await runCli(['topics', 'create', '--topic', topic, '--partitions', '3', '-b', bootstrap])
    assert.equal(again.code, 1)
    assert.match(again.stderr, new RegExp(`topic '${topic}' already exists`))
    const quiet = await runCli(['topics', 'create', topic, '--if-not-exists', '-b', bootstrap])
    assert.equal(quiet.code, 0, quiet.stderr)

    // The producer sees the same three partitions.
    const p = new Producer({ bootstrapServers: bootstrap })
    try {
      assert.equal((await p.partitionsFor(topic)).length, 3)
    } finally {
      await p.close()
    }
  })

  test("--command-config: the connection settings are used, an admin client file's other settings ignored", async () => {
    const bootstrap = testBootstrap()
    const dir = await mkdtemp(join(tmpdir(), 'sluice-topics-'))
    try {
      const ok = join(dir, 'admin.properties')
      await writeFile(
        ok,
        `bootstrap.servers=${bootstrap}\nsecurity.protocol=PLAINTEXT\ndefault.api.timeout.ms=5000\nretries=3\n`,
      )
      const l = await runCli(['topics', 'list', '--command-config', ok])
      assert.equal(l.code, 0, l.stderr)
      // A wrong connection setting is still caught, naming the setting.
      const bad = join(dir, 'bad.properties')
      await writeFile(bad, `bootstrap.servers=${bootstrap}\nsecurity.protocol=PLAINTEXTT\n`)
      const b = await runCli(['topics', 'list', '--command-config', bad])
      assert.equal(b.code, 2)
      assert.match(b.stderr, /security\.protocol/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('the broker refusing the request: its error code, exit 1', async () => {
    const bootstrap = testBootstrap()
    const r = await runCli([
      'topics',
      'create',
      uniqueTopic('topics-rf'),
      '--partitions',
      '1',
      '--replication-factor',
      '3',
      '-b',
      bootstrap,
    ])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^sluice topics: INVALID_REPLICATION_FACTOR: creating topic /m)
  })
})

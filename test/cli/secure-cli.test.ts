/**
 * createTopics(), `sluice topics` and `sluice produce` over SASL_SSL (SCRAM) against the secure
 * local broker: the settings a Producer takes connect them too, the broker's ACLs see the user
 * they name, and what was produced is read back by Kafka's consumer (over PLAINTEXT, a super user).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { AuthenticationError, BrokerError, createTopics } from '../../src/index.js'
import {
  ALLOWED_TOPIC_PREFIX,
  SECURE_USERS,
  type SecureBroker,
  startSecureBroker,
} from '../../src/local-kafka/secure/secure-broker.js'
import { readTopic } from '../helpers/independent-reader.js'
import { uniqueTopic } from '../helpers/kafka.js'
import { runCli } from './support.js'

let broker: SecureBroker
let dir = ''

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-secure-cli-'))
  broker = await startSecureBroker({ baseDir: dir })
})
after(async () => {
  await broker?.stop()
  await rm(dir, { recursive: true, force: true })
})

function scram(user: keyof typeof SECURE_USERS, password: string = SECURE_USERS[user]) {
  return {
    'security.protocol': 'SASL_SSL',
    'ssl.truststore.location': broker.certs.caCert,
    'sasl.mechanism': 'SCRAM-SHA-256',
    'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
  } as const
}

async function propertiesFile(name: string, settings: Record<string, string>): Promise<string> {
  const path = join(dir, name)
  // .properties escaping: backslashes doubled (the JAAS line has none, the path might).
  await writeFile(
    path,
    Object.entries(settings)
      .map(([k, v]) => `${k}=${v.replaceAll('\\', '\\\\')}`)
      .join('\n'),
  )
  return path
}

describe('over SASL_SSL with SCRAM', () => {
  test('createTopics() as alice creates; as restricted the ACLs refuse; a wrong password is an AuthenticationError', async () => {
    const bootstrapServers = broker.bootstrap.SASL_SSL
    const topic = uniqueTopic('sec-cli-create')
    assert.deepEqual(
      await createTopics({ bootstrapServers, ...scram('alice') }, [{ name: topic, partitions: 2 }]),
      [{ name: topic, created: true }],
    )
    await assert.rejects(
      createTopics({ bootstrapServers, ...scram('restricted') }, [
        { name: `${ALLOWED_TOPIC_PREFIX}${topic}`, partitions: 1 },
      ]),
      (e: Error) => e instanceof BrokerError && e.code === 'TOPIC_AUTHORIZATION_FAILED',
    )
    await assert.rejects(
      createTopics({ bootstrapServers, ...scram('alice', 'wrong') }, [{ name: uniqueTopic('sec-cli-no') }]),
      (e: Error) => e instanceof AuthenticationError && !e.message.includes('wrong'),
    )
  })

  test('sluice topics create/list with --command-config, sluice produce with --producer.config; Kafka reads the records back', async () => {
    const bootstrap = broker.bootstrap.SASL_SSL
    const config = await propertiesFile('alice.properties', {
      'bootstrap.servers': bootstrap,
      ...scram('alice'),
    })
    const topic = uniqueTopic('sec-cli-topics')
    const c = await runCli(['topics', 'create', topic, '--partitions', '2', '--command-config', config])
    assert.equal(c.code, 0, c.stderr)
    const l = await runCli(['topics', 'list', '--command-config', config])
    assert.equal(l.code, 0, l.stderr)
    assert.ok(l.stdout.split('\n').includes(`${topic}\t2\t1`), l.stdout)

    const p = await runCli(
      ['produce', '-t', topic, '-K', ':', '--producer.config', config],
      120_000,
      'k1:v1\nk2:v2\n',
    )
    assert.equal(p.code, 0, p.stderr)
    assert.match(p.stderr, /2 records sent, 0 failed/)
    const got = await readTopic(broker.bootstrap.PLAINTEXT, topic)
    assert.deepEqual(got.map((r) => `${r.key?.toString()}:${r.value?.toString()}`).sort(), ['k1:v1', 'k2:v2'])

    // Without the SASL settings the same listener does not let the command in.
    const plain = await runCli(['topics', 'list', '-b', bootstrap, '--timeout-ms', '5000'])
    assert.notEqual(plain.code, 0)
  })
})

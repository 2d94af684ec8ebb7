/**
 * AvroSerializer and AvroDeserializer against a node:http server on loopback standing in for the
 * registry; the real registry and Kafka are in test/schema-registry/registry.test.ts.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, test } from 'node:test'
import avsc from 'avsc'
import { ConfigError, KafkaError } from '../../src/errors.js'
import { AvroDeserializer, AvroSerializer } from '../../src/schema-registry/avro.js'
import { SchemaRegistryClient } from '../../src/schema-registry/client.js'

const user = {
  type: 'record',
  name: 'User',
  namespace: 'sluice.test',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
  ],
}

let server: Server
let url: string
let requests: { method: string; url: string; body: string }[] = []

before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      body += c
    })
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body })
      res.setHeader('content-type', 'application/json')
      if (req.method === 'POST' && req.url?.endsWith('/versions')) return res.end(JSON.stringify({ id: 21 }))
      if (req.method === 'POST' && req.url?.startsWith('/subjects/')) {
        return res.end(JSON.stringify({ subject: 'x', id: 22, version: 1, schema: JSON.stringify(user) }))
      }
      if (req.url === '/schemas/ids/21') return res.end(JSON.stringify({ schema: JSON.stringify(user) }))
      if (req.url === '/schemas/ids/23')
        return res.end(JSON.stringify({ schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }))
      res.statusCode = 404
      res.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

beforeEach(() => {
  requests = []
})

const registry = () => new SchemaRegistryClient({ url, retries: 0 })

describe('AvroSerializer', () => {
  test('prepare registers under <topic>-value; the serializer frames avsc bytes with the id', async () => {
    const avro = new AvroSerializer({ registry: registry(), schema: user })
    await avro.prepare('users')
    assert.equal(requests.length, 1)
    assert.equal(requests[0]?.url, '/subjects/users-value/versions')
    assert.deepEqual(JSON.parse(JSON.parse(requests[0]?.body ?? '').schema), user)
    assert.equal(avro.schemaId('users'), 21)

    const bytes = avro.serializer({ name: 'Ann', age: 7 }, 'users')
    assert.ok(bytes !== null)
    const expected = avsc.Type.forSchema(user as avsc.Schema).toBuffer({ name: 'Ann', age: 7 })
    assert.deepEqual([...bytes], [0, 0, 0, 0, 21, ...expected])
  })

  test('keys, and the record and topic-record strategies, name other subjects', () => {
    const r = registry()
    assert.equal(new AvroSerializer({ registry: r, schema: user, isKey: true }).subject('t'), 't-key')
    assert.equal(
      new AvroSerializer({ registry: r, schema: user, subjectNameStrategy: 'record' }).subject('t'),
      'sluice.test.User',
    )
    assert.equal(
      new AvroSerializer({ registry: r, schema: user, subjectNameStrategy: 'topic-record' }).subject('t'),
      't-sluice.test.User',
    )
    assert.equal(
      new AvroSerializer({
        registry: r,
        schema: user,
        subjectNameStrategy: (t, k, n) => `${t}|${k}|${n}`,
      }).subject('t'),
      't|false|sluice.test.User',
    )
  })

  test('autoRegister false looks the schema up instead', async () => {
    const avro = new AvroSerializer({
      registry: registry(),
      schema: JSON.stringify(user),
      autoRegister: false,
    })
    await avro.prepare('t')
    assert.equal(requests[0]?.url, '/subjects/t-value')
    assert.equal(avro.schemaId('t'), 22)
  })

  test('a topic not prepared, or a value that does not match, fails with ERR_SERIALIZATION; null stays null', async () => {
    const avro = new AvroSerializer({ registry: registry(), schema: user })
    assert.throws(
      () => avro.serializer({ name: 'a', age: 1 }, 'nope'),
      (e: unknown) =>
        e instanceof KafkaError && e.code === 'ERR_SERIALIZATION' && /prepare\('nope'\)/.test(e.message),
    )
    await avro.prepare('t')
    assert.throws(
      () => avro.serializer({ name: 'a', age: 'old' }, 't'),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.code === 'ERR_SERIALIZATION' &&
        /does not match the Avro schema/.test(e.message),
    )
    assert.equal(avro.serializer(null, 't'), null)
  })

  test('configuration mistakes are ConfigErrors', () => {
    const r = registry()
    const cases: [() => unknown, string][] = [
      [() => new AvroSerializer({ registry: r, schema: '{"type":"nope"}' }), 'schema'],
      [() => new AvroSerializer({ registry: r, schema: 'not json' }), 'schema'],
      [
        () => new AvroSerializer({ registry: r, schema: '"string"', subjectNameStrategy: 'record' }),
        'subjectNameStrategy',
      ],
      [
        () =>
          new AvroSerializer({
            registry: r,
            schema: user,
            subjectNameStrategy: 'nope' as unknown as 'topic',
          }),
        'subjectNameStrategy',
      ],
      [
        () => new AvroSerializer({ registry: undefined as unknown as SchemaRegistryClient, schema: user }),
        'registry',
      ],
    ]
    for (const [make, option] of cases) {
      assert.throws(make, (e: unknown) => e instanceof ConfigError && e.option === option, option)
    }
  })
})

describe('AvroDeserializer', () => {
  test('decodes with the writer schema fetched by id, once per id', async () => {
    const avro = new AvroSerializer({ registry: registry(), schema: user })
    await avro.prepare('t')
    const bytes = avro.serializer({ name: 'Bo', age: 3 }, 't') as Uint8Array
    const d = new AvroDeserializer(registry())
    requests = []
    assert.deepEqual({ ...((await d.deserialize(bytes)) as object) }, { name: 'Bo', age: 3 })
    await d.deserialize(bytes)
    assert.equal(requests.length, 1)
  })

  test('a schema that is not Avro, an unknown id or a bad magic byte is refused', async () => {
    const d = new AvroDeserializer(registry())
    await assert.rejects(d.deserialize(Buffer.from([0, 0, 0, 0, 23, 1])), /PROTOBUF, not AVRO/)
    await assert.rejects(
      d.deserialize(Buffer.from([0, 0, 0, 0, 24, 1])),
      (e: unknown) => e instanceof KafkaError && e.code === 'ERR_SCHEMA_NOT_FOUND',
    )
    await assert.rejects(d.deserialize(Buffer.from([1, 0, 0, 0, 21, 1])), /magic byte/)
  })
})

/**
 * SchemaRegistryClient against a real registry: Apicurio Registry's Confluent-compatible API,
 * started on loopback by test/helpers/schema-registry.ts (in-memory storage). Fails, never
 * skips, when the registry cannot be built or started.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { KafkaError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { AvroDeserializer, AvroSerializer } from '../../src/schema-registry/avro.js'
import { SchemaRegistryClient } from '../../src/schema-registry/client.js'
import { SchemaRegistryError } from '../../src/schema-registry/errors.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { type RunningRegistry, startSchemaRegistry } from '../helpers/schema-registry.js'

// The first run on a machine builds the registry with Maven (about 130 MB of jars to download).
const TIMEOUT = 900_000

const userV1 = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'sluice.test',
  fields: [{ name: 'name', type: 'string' }],
})
/** v1 plus a field with a default: backward compatible. */
const userV2 = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'sluice.test',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int', default: 0 },
  ],
})
/** `name` changes type: not backward compatible with v1 or v2. */
const userBroken = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'sluice.test',
  fields: [{ name: 'name', type: 'int' }],
})

const proto = `syntax = "proto3";
package sluice.test;

message Order {
  string id = 1;
  int64 amount = 2;
}
`

const subject = (what: string) => `${what}-${randomUUID()}-value`

async function rejectsWith(
  p: Promise<unknown>,
  code: string,
  registryErrorCode?: number,
): Promise<SchemaRegistryError> {
  let caught: unknown
  await assert.rejects(p, (err: unknown) => {
    caught = err
    return true
  })
  assert.ok(caught instanceof SchemaRegistryError, `not a SchemaRegistryError: ${String(caught)}`)
  assert.ok(caught instanceof KafkaError)
  assert.equal(caught.code, code, caught.message)
  if (registryErrorCode !== undefined)
    assert.equal(caught.registryErrorCode, registryErrorCode, caught.message)
  return caught
}

describe('SchemaRegistryClient against Apicurio Registry (ccompat v7)', { timeout: TIMEOUT }, () => {
  let registry: RunningRegistry
  let client: SchemaRegistryClient

  before(
    async () => {
      registry = await startSchemaRegistry()
      client = new SchemaRegistryClient({ url: registry.url, retries: 0 })
    },
    { timeout: TIMEOUT },
  )

  after(async () => {
    await registry?.stop()
  })

  test('register, register again, lookup, by id, versions, latest, subjects', async () => {
    const s = subject('users')
    const id = await client.register(s, { schema: userV1 })
    assert.ok(Number.isInteger(id) && id >= 0, `id ${id}`)
    // A second client is not served from the first's cache: the registry itself answers the same id.
    const other = new SchemaRegistryClient({ url: registry.url })
    assert.equal(await other.register(s, { schema: userV1 }), id)

    const found = await other.lookup(s, { schema: userV1 })
    assert.equal(found.id, id)
    assert.equal(found.version, 1)
    assert.equal(found.subject, s)

    const byId = await other.getById(id)
    assert.equal(byId.schemaType, 'AVRO')
    assert.deepEqual(JSON.parse(byId.schema), JSON.parse(userV1))

    const id2 = await client.register(s, { schema: userV2 })
    assert.notEqual(id2, id)
    assert.deepEqual(await client.getVersions(s), [1, 2])
    const latest = await client.getLatest(s)
    assert.equal(latest.version, 2)
    assert.equal(latest.id, id2)
    assert.deepEqual(JSON.parse(latest.schema), JSON.parse(userV2))
    const first = await client.getVersion(s, 1)
    assert.equal(first.id, id)

    assert.ok((await client.getSubjects()).includes(s))
  })

  test('compatibility: a compatible change passes, an incompatible one fails and cannot be registered', async () => {
    const s = subject('compat')
    await client.register(s, { schema: userV1 })
    await registry.setCompatibility(s, 'BACKWARD')

    const ok = await client.checkCompatibility(s, { schema: userV2 })
    assert.equal(ok.compatible, true)
    const bad = await client.checkCompatibility(s, { schema: userBroken })
    assert.equal(bad.compatible, false)

    // Confluent's registry answers error_code 409; Apicurio answers HTTP 409 with error_code 0.
    const err = await rejectsWith(client.register(s, { schema: userBroken }), 'ERR_INCOMPATIBLE_SCHEMA')
    assert.equal(err.status, 409)
    assert.equal(err.retriable, false)
    assert.deepEqual(await client.getVersions(s), [1])
  })

  test('not found: subject, schema under a subject, version, schema id', async () => {
    const missing = subject('missing')
    await rejectsWith(client.getVersions(missing), 'ERR_SUBJECT_NOT_FOUND', 40401)
    // Confluent's registry answers 40401 here; Apicurio says no version 'latest' (40402).
    await rejectsWith(client.getLatest(missing), 'ERR_VERSION_NOT_FOUND', 40402)
    await rejectsWith(client.lookup(missing, { schema: userV1 }), 'ERR_SUBJECT_NOT_FOUND', 40401)

    const s = subject('lookup')
    await client.register(s, { schema: userV1 })
    // Confluent's registry answers 40403 (schema not found) here; Apicurio answers 40401.
    await rejectsWith(client.lookup(s, { schema: userV2 }), 'ERR_SUBJECT_NOT_FOUND', 40401)
    await rejectsWith(client.getVersion(s, 7), 'ERR_VERSION_NOT_FOUND', 40402)
    await rejectsWith(client.getById(2_000_000_000), 'ERR_SCHEMA_NOT_FOUND', 40403)
    // Nothing failed is cached: once the schema is there, the same lookup finds it.
    await client.register(s, { schema: userV2 })
    assert.equal((await client.lookup(s, { schema: userV2 })).version, 2)
  })

  test('Protobuf: schemaType is sent and comes back', async () => {
    const s = subject('orders')
    const id = await client.register(s, { schema: proto, schemaType: 'PROTOBUF' })
    const byId = await new SchemaRegistryClient({ url: registry.url }).getById(id)
    assert.equal(byId.schemaType, 'PROTOBUF')
    assert.match(byId.schema, /message Order/)
    const latest = await client.getLatest(s)
    assert.equal(latest.schemaType, 'PROTOBUF')
  })

  test('JSON Schema with a reference to another subject', async () => {
    const address = subject('address')
    const addressSchema = JSON.stringify({
      $id: 'address.json',
      type: 'object',
      properties: { street: { type: 'string' } },
    })
    await client.register(address, { schema: addressSchema, schemaType: 'JSON' })
    const s = subject('person')
    const personSchema = JSON.stringify({
      type: 'object',
      properties: { name: { type: 'string' }, address: { $ref: 'address.json' } },
    })
    const references = [{ name: 'address.json', subject: address, version: 1 }]
    const id = await client.register(s, { schema: personSchema, schemaType: 'JSON', references })
    const byId = await new SchemaRegistryClient({ url: registry.url }).getById(id)
    assert.equal(byId.schemaType, 'JSON')
    assert.deepEqual(byId.references, references)
  })

  test("Avro end to end: prepare registers under <topic>-value, the producer sends framed values, Kafka's consumer reads them back", async () => {
    const topic = uniqueTopic('avro')
    await createTopic(topic, 1)
    const avro = new AvroSerializer({ registry: client, schema: userV2 })
    await avro.prepare(topic)
    const id = avro.schemaId(topic)
    assert.equal((await client.getLatest(`${topic}-value`)).id, id)

    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: avro.serializer })
    try {
      await Promise.all([
        producer.send({ topic, value: { name: 'Ann', age: 31 } }),
        producer.send({ topic, value: { name: 'Bo', age: 4 } }),
      ])
      // A value the schema refuses fails that record only, before it is sent.
      await assert.rejects(
        producer.send({ topic, value: { name: 42, age: 1 } }),
        (e: unknown) => e instanceof KafkaError && e.code === 'ERR_SERIALIZATION',
      )
    } finally {
      await producer.close()
    }

    const read = await readTopic(testBootstrap(), topic)
    assert.equal(read.length, 2)
    // A fresh client: the writer schema comes from the registry by the id in the bytes.
    const reader = new AvroDeserializer(new SchemaRegistryClient({ url: registry.url }))
    const values = []
    for (const r of read) {
      assert.ok(r.value !== null)
      assert.equal(r.value[0], 0)
      assert.equal(r.value.readInt32BE(1), id)
      values.push({ ...((await reader.deserialize(r.value)) as object) })
    }
    assert.deepEqual(values, [
      { name: 'Ann', age: 31 },
      { name: 'Bo', age: 4 },
    ])
  })

  test('a stopped registry is ERR_SCHEMA_REGISTRY_UNREACHABLE, retriable, after the retries', async () => {
    const own = await startSchemaRegistry()
    const c = new SchemaRegistryClient({ url: own.url, retries: 2, retryBackoffMs: 1, retryBackoffMaxMs: 5 })
    assert.deepEqual(await c.getSubjects(), [])
    await own.stop()
    const err = await rejectsWith(c.getSubjects(), 'ERR_SCHEMA_REGISTRY_UNREACHABLE')
    assert.equal(err.retriable, true)
    assert.equal(err.status, -1)
  })
})

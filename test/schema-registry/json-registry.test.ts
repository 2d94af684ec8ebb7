/**
 * JsonSchemaSerializer against a real registry (Apicurio Registry's Confluent-compatible API,
 * test/helpers/schema-registry.ts) and a real broker: records produced by Sluice are read back by
 * Kafka's own consumer (test/java/ReadTopic.java), their framing read byte by byte as Confluent's
 * wire format says, and their JSON compared field by field. Fails, never skips, when the
 * registry or Kafka is missing.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { type KafkaError, SerializationError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { SchemaRegistryClient } from '../../src/schema-registry/client.js'
import { SchemaRegistryError } from '../../src/schema-registry/errors.js'
import { JsonSchemaDeserializer, JsonSchemaSerializer } from '../../src/schema-registry/json-schema.js'
import { type ReadRecord, readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { javaDecode } from '../helpers/registry-serdes.js'
import { type RunningRegistry, startSchemaRegistry } from '../helpers/schema-registry.js'

// The first run on a machine builds the registry with Maven.
const TIMEOUT = 900_000

const person = (title: string) => ({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title,
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer', minimum: 0 },
    email: { type: 'string', format: 'email' },
    address: {
      type: 'object',
      properties: { street: { type: 'string' }, zip: { type: 'string' } },
      required: ['zip'],
    },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['name'],
})

interface Person {
  name: unknown
  age?: unknown
  email?: string
  address?: { street?: string; zip: unknown }
  tags?: string[]
}

const people: [Person, Person, Person] = [
  {
    name: 'Ann',
    age: 31,
    email: 'ann@example.com',
    address: { street: 'Main St 1', zip: '12345' },
    tags: ['a'],
  },
  { name: 'Bő', age: 0, tags: [] },
  { name: 'Cy "quoted"\n', address: { zip: '00001' } },
]

/** Confluent's framing read by hand: magic byte 0, then the schema id as 4 bytes big-endian. */
function framingOf(r: ReadRecord): { id: number; json: unknown } {
  const v = r.value
  assert.ok(v !== null, 'a value')
  assert.ok(v.length > 5, `${v.length} bytes`)
  assert.equal(v[0], 0, 'magic byte')
  const id = ((v[1] as number) << 24) | ((v[2] as number) << 16) | ((v[3] as number) << 8) | (v[4] as number)
  return { id, json: JSON.parse(v.subarray(5).toString('utf8')) }
}

/** Field by field: every field sent is read back with the same value, and nothing else is there. */
function assertSameFields(read: unknown, sent: Person): void {
  assert.ok(read !== null && typeof read === 'object')
  const r = read as Record<string, unknown>
  assert.deepEqual(Object.keys(r).sort(), Object.keys(sent).sort())
  for (const [field, value] of Object.entries(sent)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value)) {
        assert.equal((r[field] as Record<string, unknown>)[inner], v, `${field}.${inner}`)
      }
    } else if (Array.isArray(value)) {
      assert.deepEqual(r[field], value, field)
    } else {
      assert.equal(r[field], value, field)
    }
  }
}

async function rejectsWithRegistryError(p: Promise<unknown>, code: string): Promise<SchemaRegistryError> {
  let caught: unknown
  await assert.rejects(p, (err: unknown) => {
    caught = err
    return true
  })
  assert.ok(caught instanceof SchemaRegistryError, `not a SchemaRegistryError: ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

describe('JsonSchemaSerializer against Apicurio Registry and Apache Kafka', { timeout: TIMEOUT }, () => {
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

  test("TopicNameStrategy end to end: the id is the subject's, Kafka's consumer reads the JSON back field by field; a value that fails validation fails alone", async () => {
    const topic = uniqueTopic('json')
    await createTopic(topic, 1)
    // Not prepared here: the producer prepares the topic on its first record.
    const json = new JsonSchemaSerializer<Person>({ registry: client, schema: person('Person') })
    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: json.serializer })
    const outcomes: PromiseSettledResult<unknown>[] = []
    try {
      outcomes.push(
        ...(await Promise.allSettled([
          producer.send({ topic, value: people[0] }),
          producer.send({ topic, value: { name: 'Dee', address: { zip: 12345 } } }),
          producer.send({ topic, value: people[1] }),
          producer.send({ topic, value: { name: 'Eve', email: 'not an email' } }),
          producer.send({ topic, value: people[2] }),
        ])),
      )
    } finally {
      await producer.close()
    }
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
    )
    const id = json.schemaId(topic)
    const latest = await client.getLatest(`${topic}-value`)
    assert.equal(latest.id, id)
    assert.equal(latest.schemaType, 'JSON')
    const zip = (outcomes[1] as PromiseRejectedResult).reason as KafkaError
    assert.ok(zip instanceof SerializationError)
    assert.match(zip.message, /\/address\/zip must be string/)
    const email = (outcomes[3] as PromiseRejectedResult).reason as KafkaError
    assert.match(email.message, /\/email must match format "email"/)

    const read = await readTopic(testBootstrap(), topic)
    assert.equal(read.length, 3)
    const reader = new JsonSchemaDeserializer(new SchemaRegistryClient({ url: registry.url }))
    for (const [i, r] of read.entries()) {
      const sent = people[i] as Person
      const { id: readId, json: parsed } = framingOf(r)
      assert.equal(readId, id)
      // The payload is exactly the JSON text, as Confluent's serializer writes it.
      assert.equal(r.value?.subarray(5).toString('utf8'), JSON.stringify(sent))
      assertSameFields(parsed, sent)
      assertSameFields(await reader.deserialize(r.value as Buffer), sent)
    }
    // Apicurio's Java deserializer (validating against the schema it fetches by the id) reads them too.
    const java = await javaDecode(
      'json',
      registry.url,
      topic,
      read.map((r) => r.value as Buffer),
    )
    assert.equal(java.length, 3)
    for (const [i, line] of java.entries()) assertSameFields(JSON.parse(line), people[i] as Person)
  })

  test('RecordNameStrategy and TopicRecordNameStrategy register under the title; two topics share a record subject', async () => {
    const title = `sluice.test.Person${randomUUID().slice(0, 8)}`
    const [t1, t2] = [uniqueTopic('json-rec'), uniqueTopic('json-rec')]
    await Promise.all([createTopic(t1, 1), createTopic(t2, 1)])
    const byRecord = new JsonSchemaSerializer<Person>({
      registry: client,
      schema: JSON.stringify(person(title)),
      subjectNameStrategy: 'record',
    })
    const byTopicRecord = new JsonSchemaSerializer<Person>({
      registry: client,
      schema: person(title),
      subjectNameStrategy: 'topic-record',
    })
    await byRecord.prepare(t1, t2)
    await byTopicRecord.prepare(t1)
    const recordId = (await client.getLatest(title)).id
    assert.equal(byRecord.schemaId(t1), recordId)
    assert.equal(byRecord.schemaId(t2), recordId)
    assert.deepEqual(await client.getVersions(title), [1])
    const topicRecordId = (await client.getLatest(`${t1}-${title}`)).id
    assert.equal(byTopicRecord.schemaId(t1), topicRecordId)
    const subjects = await client.getSubjects()
    assert.ok(subjects.includes(title) && subjects.includes(`${t1}-${title}`), subjects.join(', '))
    assert.ok(!subjects.includes(`${t1}-value`))

    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: byRecord.serializer })
    try {
      await producer.send({ topic: t1, value: people[0] })
      await producer.send({ topic: t2, value: people[1] })
    } finally {
      await producer.close()
    }
    const [r1, r2] = await Promise.all([readTopic(testBootstrap(), t1), readTopic(testBootstrap(), t2)])
    for (const [records, sent] of [
      [r1, people[0]],
      [r2, people[1]],
    ] as const) {
      assert.equal(records.length, 1)
      const { id, json } = framingOf(records[0] as ReadRecord)
      assert.equal(id, recordId)
      assertSameFields(json, sent as Person)
    }
  })

  test('keys under <topic>-key with a draft 2020-12 schema: framed key and value read back', async () => {
    const topic = uniqueTopic('json-key')
    await createTopic(topic, 1)
    const keySchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'integer' }],
      items: false,
    }
    const keys = new JsonSchemaSerializer<unknown[]>({ registry: client, schema: keySchema, isKey: true })
    const values = new JsonSchemaSerializer<Person>({ registry: client, schema: person('Person') })
    await Promise.all([keys.prepare(topic), values.prepare(topic)])
    assert.equal((await client.getLatest(`${topic}-key`)).id, keys.schemaId(topic))
    const producer = new Producer({
      bootstrapServers: testBootstrap(),
      keySerializer: keys.serializer,
      valueSerializer: values.serializer,
    })
    try {
      await assert.rejects(
        producer.send({ topic, key: ['a', 'b'], value: people[0] }),
        (e: unknown) => e instanceof SerializationError && /key .*\/1 must be integer/.test(e.message),
      )
      await producer.send({ topic, key: ['order', 7], value: people[0] })
    } finally {
      await producer.close()
    }
    const read = await readTopic(testBootstrap(), topic)
    assert.equal(read.length, 1)
    const r = read[0] as ReadRecord
    const key = framingOf({ ...r, value: r.key })
    assert.equal(key.id, keys.schemaId(topic))
    assert.deepEqual(key.json, ['order', 7])
    assert.equal(framingOf(r).id, values.schemaId(topic))
    assertSameFields(framingOf(r).json, people[0])
  })

  test('a schema with a reference: registered with it, the referred schema validates nested values, read back', async () => {
    const addressSubject = `address-${randomUUID()}`
    const address = {
      $id: 'https://example.com/schemas/address.json',
      type: 'object',
      properties: { street: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
      required: ['zip'],
    }
    await client.register(addressSubject, { schema: JSON.stringify(address), schemaType: 'JSON' })
    const references = [{ name: 'address.json', subject: addressSubject, version: 1 }]
    const customer = {
      title: 'Customer',
      type: 'object',
      properties: { name: { type: 'string' }, address: { $ref: 'address.json' } },
      required: ['name', 'address'],
    }
    const topic = uniqueTopic('json-ref')
    await createTopic(topic, 1)
    const json = new JsonSchemaSerializer<Person>({ registry: client, schema: customer, references })
    await json.prepare(topic)
    const id = json.schemaId(topic) as number
    const byId = await new SchemaRegistryClient({ url: registry.url }).getById(id)
    assert.equal(byId.schemaType, 'JSON')
    assert.deepEqual(byId.references, references)

    const sent: Person = { name: 'Ann', address: { street: 'Elm', zip: '54321' } }
    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: json.serializer })
    try {
      await assert.rejects(
        producer.send({ topic, value: { name: 'Bad', address: { zip: '12' } } }),
        (e: unknown) =>
          e instanceof SerializationError && /\/address\/zip must match pattern/.test(e.message),
      )
      await producer.send({ topic, value: sent })
    } finally {
      await producer.close()
    }
    const read = await readTopic(testBootstrap(), topic)
    assert.equal(read.length, 1)
    const { id: readId, json: parsed } = framingOf(read[0] as ReadRecord)
    assert.equal(readId, id)
    assertSameFields(parsed, sent)
    // The reader fetches the schema by id and its reference by subject and version.
    const reader = new JsonSchemaDeserializer(new SchemaRegistryClient({ url: registry.url }))
    assertSameFields(await reader.deserialize(read[0]?.value as Buffer), sent)
  })

  test('an incompatible schema is ERR_INCOMPATIBLE_SCHEMA with the registry message; sends to that topic fail alone', async () => {
    const topic = uniqueTopic('json-compat')
    await createTopic(topic, 1)
    const v1 = new JsonSchemaSerializer({ registry: client, schema: person('Person') })
    await v1.prepare(topic)
    await registry.setCompatibility(`${topic}-value`, 'BACKWARD')
    // `name` turns from a string into an integer: data written with v1 no longer reads.
    const broken = person('Person')
    broken.properties.name = { type: 'integer' }
    const v2 = new JsonSchemaSerializer({ registry: client, schema: broken })
    const err = await rejectsWithRegistryError(v2.prepare(topic), 'ERR_INCOMPATIBLE_SCHEMA')
    assert.equal(err.status, 409)
    assert.equal(err.retriable, false)
    assert.deepEqual(await client.getVersions(`${topic}-value`), [1])

    // Through the producer, the record for that topic fails with the registry's error,
    // while a record for another topic, prepared with the same serializer, lands.
    const other = uniqueTopic('json-compat-other')
    await createTopic(other, 1)
    await v2.prepare(other)
    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: v2.serializer })
    let outcomes: PromiseSettledResult<unknown>[]
    try {
      outcomes = await Promise.allSettled([
        producer.send({ topic, value: { name: 1 } }),
        producer.send({ topic: other, value: { name: 2 } }),
      ])
    } finally {
      await producer.close()
    }
    assert.equal(outcomes[1]?.status, 'fulfilled')
    assert.equal(outcomes[0]?.status, 'rejected')
    // The producer prepared the topic for that record: the registry's own refusal fails it.
    const e = (outcomes[0] as PromiseRejectedResult).reason as Error
    assert.ok(e instanceof SchemaRegistryError, String(e))
    assert.equal(e.code, 'ERR_INCOMPATIBLE_SCHEMA')
    assert.equal(e.message, err.message)
    const read = await readTopic(testBootstrap(), other)
    assert.equal(read.length, 1)
    assert.equal(framingOf(read[0] as ReadRecord).id, v2.schemaId(other))
    assert.deepEqual(framingOf(read[0] as ReadRecord).json, { name: 2 })
  })

  test('autoRegister false with a subject the registry does not have is ERR_SUBJECT_NOT_FOUND', async () => {
    const json = new JsonSchemaSerializer({ registry: client, schema: person('Person'), autoRegister: false })
    const topic = `json-missing-${randomUUID()}`
    const err = await rejectsWithRegistryError(json.prepare(topic), 'ERR_SUBJECT_NOT_FOUND')
    assert.equal(err.registryErrorCode, 40401)
    assert.equal(err.retriable, false)
    assert.equal(json.schemaId(topic), undefined)
    // Once it is registered, a lookup finds the same id.
    const id = await client.register(`${topic}-value`, {
      schema: JSON.stringify(person('Person')),
      schemaType: 'JSON',
    })
    await json.prepare(topic)
    assert.equal(json.schemaId(topic), id)
  })

  test('a stopped registry: prepare fails with a retriable SchemaRegistryError; a prepared topic still serializes', async () => {
    const own = await startSchemaRegistry()
    try {
      const c = new SchemaRegistryClient({
        url: own.url,
        retries: 1,
        retryBackoffMs: 1,
        retryBackoffMaxMs: 5,
      })
      const json = new JsonSchemaSerializer({ registry: c, schema: person('Person') })
      await json.prepare('ready')
      await own.stop()
      const err = await rejectsWithRegistryError(json.prepare('later'), 'ERR_SCHEMA_REGISTRY_UNREACHABLE')
      assert.equal(err.retriable, true)
      const again = json.serializer.prepare('later')
      assert.ok(again instanceof Promise, 'not ready: prepare tries again')
      await assert.rejects(again, SchemaRegistryError)
      // The cached topic needs no registry.
      assert.equal(json.serializer.prepare('ready'), null)
      const bytes = json.serializer({ name: 'Ann' }, 'ready')
      assert.equal(bytes?.[0], 0)
    } finally {
      await own.stop()
    }
  })
})

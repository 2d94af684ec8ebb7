/**
 * ProtobufSerializer against a real registry (Apicurio Registry's Confluent-compatible API,
 * test/helpers/schema-registry.ts) and a real broker: the schema and its import are registered,
 * the producer sends framed values, Kafka's own consumer reads them back, and the buf CLI (Go,
 * not our code nor @bufbuild/protobuf) decodes each payload with the .proto text the registry
 * hands back, to JSON compared field by field with what was sent. Fails, never skips, when the
 * registry or Kafka is missing.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { create, type DescFile } from '@bufbuild/protobuf'
import { timestampFromMs } from '@bufbuild/protobuf/wkt'
import { KafkaError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { SchemaRegistryClient } from '../../src/schema-registry/client.js'
import { SchemaRegistryError } from '../../src/schema-registry/errors.js'
import {
  ProtobufDeserializer,
  ProtobufSerializer,
  protoSchemaText,
} from '../../src/schema-registry/protobuf.js'
import { file_sluice_test_common_money } from '../fixtures/protobuf/gen/sluice/test/common/money_pb.js'
import { file_sluice_test_kitchen } from '../fixtures/protobuf/gen/sluice/test/kitchen_pb.js'
import { file_sluice_test_legacy, ReadingSchema } from '../fixtures/protobuf/gen/sluice/test/legacy_pb.js'
import {
  CustomerSchema,
  file_sluice_test_order,
  Order_Status,
  OrderSchema,
} from '../fixtures/protobuf/gen/sluice/test/order_pb.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { type RunningRegistry, startSchemaRegistry } from '../helpers/schema-registry.js'

const run = promisify(execFile)
// The first run on a machine builds the registry with Maven.
const TIMEOUT = 900_000
const BUF = fileURLToPath(new URL('../../node_modules/.bin/buf', import.meta.url))
const MONEY = 'sluice/test/common/money.proto'

/**
 * Decodes `payload` as `type` with the buf CLI, from the schema with id `id` as the registry has
 * it, its references written beside it under their import paths.
 */
async function decodeWithBuf(
  registryUrl: string,
  id: number,
  type: string,
  payload: Buffer,
): Promise<unknown> {
  const client = new SchemaRegistryClient({ url: registryUrl })
  const dir = await mkdtemp(join(tmpdir(), 'sluice-buf-'))
  try {
    const root = join(dir, 'proto')
    const write = async (path: string, text: string) => {
      await mkdir(dirname(join(root, path)), { recursive: true })
      await writeFile(join(root, path), text)
    }
    const top = await client.getById(id)
    assert.equal(top.schemaType, 'PROTOBUF')
    await write('main.proto', top.schema)
    const pending = [...top.references]
    while (pending.length > 0) {
      const ref = pending.shift() as (typeof pending)[number]
      const s = await client.getVersion(ref.subject, ref.version)
      await write(ref.name, s.schema)
      pending.push(...s.references)
    }
    await writeFile(join(dir, 'payload.binpb'), payload)
    const { stdout } = await run(BUF, [
      'convert',
      root,
      '--type',
      type,
      '--from',
      `${join(dir, 'payload.binpb')}#format=binpb`,
      '--to',
      '-#format=json',
    ])
    return JSON.parse(stdout)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Checks Confluent's framing byte by byte and returns the payload after it. */
function payloadOf(framed: Buffer | null, id: number, indexBytes: number[]): Buffer {
  assert.ok(framed !== null)
  assert.equal(framed[0], 0, 'magic byte')
  assert.equal(framed.readInt32BE(1), id, 'schema id')
  assert.deepEqual([...framed.subarray(5, 5 + indexBytes.length)], indexBytes, 'message indexes')
  return framed.subarray(5 + indexBytes.length)
}

async function rejectsWith(
  p: Promise<unknown> | null | undefined,
  code: string,
): Promise<SchemaRegistryError> {
  let caught: unknown
  await assert.rejects(p as Promise<unknown>, (err: unknown) => {
    caught = err
    return true
  })
  assert.ok(caught instanceof SchemaRegistryError, `not a SchemaRegistryError: ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

describe('ProtobufSerializer against Apicurio Registry and Kafka', { timeout: TIMEOUT }, () => {
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

  test("the import is registered as a reference; Kafka's consumer reads the records back; buf decodes them", async () => {
    const topic = uniqueTopic('proto')
    await createTopic(topic, 1)
    const ser = new ProtobufSerializer({ registry: client, schema: OrderSchema })
    await ser.prepare(topic)
    const id = ser.schemaId(topic) as number

    const latest = await client.getLatest(`${topic}-value`)
    assert.equal(latest.id, id)
    assert.equal(latest.schemaType, 'PROTOBUF')
    assert.deepEqual(latest.references, [{ name: MONEY, subject: MONEY, version: 1 }])
    const money = await client.getLatest(MONEY)
    assert.equal(money.schemaType, 'PROTOBUF')
    assert.match(money.schema, /message Money/)

    const full = create(OrderSchema, {
      id: 'o-1',
      customer: { name: 'Ann', email: 'ann@example.com' },
      lines: [
        {
          sku: 'A-1',
          quantity: 2,
          price: { currency: 'EUR', units: 12n, nanos: 500_000_000 },
          notes: [{ text: 'gift wrap' }, { text: 'fragile' }],
        },
        { sku: 'B-2', quantity: 1 },
      ],
      status: Order_Status.SHIPPED,
      tags: { channel: 'web', ü: 'ß' },
      payment: { case: 'card', value: '4111' },
      discountPercent: 0,
      created: timestampFromMs(1_700_000_000_123),
      blob: new Uint8Array([0, 1, 255]),
      weight: 1.25,
      gift: true,
      checksums: [-1n, 2n ** 62n],
      refunds: { 3: { currency: 'EUR', units: 1n } },
    })
    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: ser.serializer })
    try {
      await producer.send({ topic, value: full })
      // A plain object, not made with create().
      await producer.send({ topic, value: { id: 'o-2', payment: { case: 'invoice', value: 'INV-9' } } })
      // A value that does not fit fails that record alone, naming the field, before it is sent.
      await assert.rejects(
        producer.send({ topic, value: { id: 'o-3', lines: [{ quantity: 'two' }] } as never }),
        (e: unknown) =>
          e instanceof KafkaError && e.code === 'ERR_SERIALIZATION' && /lines\[0\]\.quantity/.test(e.message),
      )
      await producer.send({ topic, value: null })
    } finally {
      await producer.close()
    }

    const read = await readTopic(testBootstrap(), topic)
    assert.equal(read.length, 3)
    assert.equal(read[2]?.value, null)
    const decoded = []
    for (const r of read.slice(0, 2)) {
      // Order is the file's second message: indexes [1], written as count 1, index 1 (zig-zag).
      decoded.push(await decodeWithBuf(registry.url, id, 'sluice.test.Order', payloadOf(r.value, id, [2, 2])))
    }
    // Proto3 JSON as protojson (Go) writes it: 64-bit integers as strings, enums by name, bytes in
    // base64, fields at their default left out unless they have presence (discountPercent).
    assert.deepEqual(decoded, [
      {
        id: 'o-1',
        customer: { name: 'Ann', email: 'ann@example.com' },
        lines: [
          {
            sku: 'A-1',
            quantity: 2,
            price: { currency: 'EUR', units: '12', nanos: 500000000 },
            notes: [{ text: 'gift wrap' }, { text: 'fragile' }],
          },
          { sku: 'B-2', quantity: 1 },
        ],
        status: 'STATUS_SHIPPED',
        tags: { channel: 'web', ü: 'ß' },
        card: '4111',
        discountPercent: 0,
        created: '2023-11-14T22:13:20.123Z',
        blob: 'AAH/',
        weight: 1.25,
        gift: true,
        checksums: ['-1', '4611686018427387904'],
        refunds: { '3': { currency: 'EUR', units: '1' } },
      },
      { id: 'o-2', invoice: 'INV-9' },
    ])

    // Our own reader agrees, from a fresh client.
    const reader = new ProtobufDeserializer(new SchemaRegistryClient({ url: registry.url }), OrderSchema)
    assert.deepEqual(await reader.deserialize(read[0]?.value as Buffer), full)
  })

  test('the registry parses the printed text of every fixture file: its compatibility check tells a changed field type', async () => {
    const money = `money-${randomUUID()}`
    const references = [{ name: MONEY, subject: money, version: 1 }]
    await client.register(money, {
      schemaType: 'PROTOBUF',
      schema: protoSchemaText(file_sluice_test_common_money),
    })
    const cases: [DescFile, string, string][] = [
      [file_sluice_test_order, 'string id = 1;', 'int64 id = 1;'],
      [file_sluice_test_legacy, 'required string sensor = 1;', 'required int64 sensor = 1;'],
      // Groups, extend blocks, services, a public import.
      [file_sluice_test_kitchen, 'optional string a = 1;', 'optional int64 a = 1;'],
    ]
    for (const [file, from, to] of cases) {
      const subject = `${file.proto.name}-${randomUUID()}`
      const text = protoSchemaText(file)
      assert.ok(text.includes(from), `${from} in ${file.proto.name}`)
      await client.register(subject, { schemaType: 'PROTOBUF', schema: text, references })
      await registry.setCompatibility(subject, 'BACKWARD')
      const same = await client.checkCompatibility(subject, {
        schemaType: 'PROTOBUF',
        schema: text,
        references,
      })
      assert.equal(same.compatible, true, file.proto.name)
      const changed = { schemaType: 'PROTOBUF' as const, schema: text.replace(from, to), references }
      assert.equal((await client.checkCompatibility(subject, changed)).compatible, false, file.proto.name)
    }
  })

  test('record and topic-record subject names; a key in the first message is framed with the byte 0', async () => {
    const topic = uniqueTopic('proto-names')
    await createTopic(topic, 1)
    const keys = new ProtobufSerializer({
      registry: client,
      schema: CustomerSchema,
      isKey: true,
      subjectNameStrategy: 'record',
    })
    const values = new ProtobufSerializer({
      registry: client,
      schema: ReadingSchema,
      subjectNameStrategy: 'topic-record',
    })
    // One after the other: Apicurio 2.4.2 answers some concurrent registrations of new subjects
    // with 409 "artifact already exists" (a third of them with 8 at once, on H2).
    await keys.prepare(topic)
    await values.prepare(topic)
    const keyId = keys.schemaId(topic) as number
    const valueId = values.schemaId(topic) as number
    assert.equal((await client.getLatest('sluice.test.Customer')).id, keyId)
    assert.equal((await client.getLatest(`${topic}-sluice.test.legacy.Reading`)).id, valueId)

    const producer = new Producer({
      bootstrapServers: testBootstrap(),
      keySerializer: keys.serializer,
      valueSerializer: values.serializer,
    })
    try {
      await producer.send({
        topic,
        key: { name: 'Bo', email: '' },
        value: { sensor: 't1', value: 21.5, samples: [1, 2, 3] },
      })
    } finally {
      await producer.close()
    }
    const [r] = await readTopic(testBootstrap(), topic)
    assert.ok(r !== undefined)
    assert.deepEqual(
      await decodeWithBuf(registry.url, keyId, 'sluice.test.Customer', payloadOf(r.key, keyId, [0])),
      { name: 'Bo' },
    )
    assert.deepEqual(
      await decodeWithBuf(
        registry.url,
        valueId,
        'sluice.test.legacy.Reading',
        payloadOf(r.value, valueId, [0]),
      ),
      { sensor: 't1', value: 21.5, samples: [1, 2, 3] },
    )
  })

  test("an incompatible schema: prepare rejects with ERR_INCOMPATIBLE_SCHEMA and the registry's message; other topics go on", async () => {
    const topic = uniqueTopic('proto-incompatible')
    const ok = uniqueTopic('proto-ok')
    await Promise.all([createTopic(topic, 1), createTopic(ok, 1)])
    const subject = `${topic}-value`
    // The subject has a Reading whose `sensor` is an int64; ours is a string.
    await client.register(subject, {
      schemaType: 'PROTOBUF',
      schema:
        'syntax = "proto2";\npackage sluice.test.legacy;\nmessage Reading {\n  required int64 sensor = 1;\n}\n',
    })
    await registry.setCompatibility(subject, 'BACKWARD')
    const ser = new ProtobufSerializer({ registry: client, schema: ReadingSchema })
    const err = await rejectsWith(ser.serializer.prepare?.(topic), 'ERR_INCOMPATIBLE_SCHEMA')
    assert.equal(err.status, 409)
    assert.equal(err.retriable, false)
    assert.match(err.message, /not backward compatible/)
    assert.deepEqual(await client.getVersions(subject), [1])

    await ser.prepare(ok)
    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: ser.serializer })
    try {
      const [bad, good] = await Promise.allSettled([
        producer.send({ topic, value: { sensor: 's' } }),
        producer.send({ topic: ok, value: { sensor: 's' } }),
      ])
      // That record alone fails: today as not prepared; with the producer calling prepare itself,
      // with the registry's error.
      assert.equal(bad.status, 'rejected')
      const code = (bad as PromiseRejectedResult).reason.code
      assert.ok(code === 'ERR_SERIALIZATION' || code === 'ERR_INCOMPATIBLE_SCHEMA', code)
      assert.equal(good.status, 'fulfilled')
    } finally {
      await producer.close()
    }
    assert.equal((await readTopic(testBootstrap(), ok)).length, 1)
  })

  test('autoRegister false and a subject the registry does not have: ERR_SUBJECT_NOT_FOUND', async () => {
    const topic = `proto-missing-${randomUUID()}`
    const ser = new ProtobufSerializer({ registry: client, schema: ReadingSchema, autoRegister: false })
    const err = await rejectsWith(ser.prepare(topic), 'ERR_SUBJECT_NOT_FOUND')
    assert.equal(err.registryErrorCode, 40401)
    assert.match(err.message, new RegExp(`${topic}-value`))
    assert.equal(ser.schemaId(topic), undefined)
    // Registered by someone else, the same serializer finds it on the next prepare.
    const id = await new ProtobufSerializer({ registry: client, schema: ReadingSchema })
      .prepare(topic)
      .then(() => client.getLatest(`${topic}-value`))
    await ser.prepare(topic)
    assert.equal(ser.schemaId(topic), id.id)
  })

  test('a stopped registry: prepare rejects with ERR_SCHEMA_REGISTRY_UNREACHABLE, retriable', async () => {
    const own = await startSchemaRegistry()
    const c = new SchemaRegistryClient({ url: own.url, retries: 1, retryBackoffMs: 1, retryBackoffMaxMs: 5 })
    const ser = new ProtobufSerializer({ registry: c, schema: OrderSchema })
    await ser.prepare('before')
    await own.stop()
    const err = await rejectsWith(ser.serializer.prepare?.('after'), 'ERR_SCHEMA_REGISTRY_UNREACHABLE')
    assert.equal(err.retriable, true)
    // The topic prepared before still serializes: its id is cached.
    assert.equal(ser.serializer.prepare?.('before'), null)
    assert.ok(ser.serializer({ id: 'x' }, 'before') instanceof Uint8Array)
  })
})

/**
 * ProtobufSerializer and ProtobufDeserializer against a node:http server on loopback standing in
 * for the registry; the real registry, Kafka and an independent decoder are in
 * test/schema-registry/protobuf-registry.test.ts. Messages from test/fixtures/protobuf (see its
 * README for how the code was generated).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { timestampFromMs } from '@bufbuild/protobuf/wkt'
import { ConfigError, KafkaError } from '../../src/errors.js'
import { SchemaRegistryClient } from '../../src/schema-registry/client.js'
import { SchemaRegistryError } from '../../src/schema-registry/errors.js'
import { unframeProtobuf } from '../../src/schema-registry/framing.js'
import {
  messageIndexes,
  ProtobufDeserializer,
  ProtobufSerializer,
  protoSchemaText,
} from '../../src/schema-registry/protobuf.js'
import { MoneySchema } from '../fixtures/protobuf/gen/sluice/test/common/money_pb.js'
import { GaugeSchema } from '../fixtures/protobuf/gen/sluice/test/editions_pb.js'
import { Reading_Kind, ReadingSchema } from '../fixtures/protobuf/gen/sluice/test/legacy_pb.js'
import {
  CustomerSchema,
  file_sluice_test_order,
  Order_Line_NoteSchema,
  Order_LineSchema,
  Order_Status,
  OrderSchema,
} from '../fixtures/protobuf/gen/sluice/test/order_pb.js'

const MONEY_SUBJECT = 'sluice/test/common/money.proto'

let server: Server
let url: string
let requests: { method: string; url: string; body: string }[] = []
/** Answers the fake registry gives to paths, overriding its defaults. */
let overrides = new Map<string, { status: number; body: unknown }>()
let nextId = 100

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
      const o = overrides.get(`${req.method} ${req.url}`)
      if (o !== undefined) {
        res.statusCode = o.status
        return res.end(JSON.stringify(o.body))
      }
      if (req.method === 'POST' && req.url?.endsWith('/versions'))
        return res.end(JSON.stringify({ id: nextId++ }))
      if (req.method === 'POST' && req.url?.startsWith('/subjects/')) {
        const subject = decodeURIComponent(req.url.slice('/subjects/'.length))
        return res.end(JSON.stringify({ subject, id: 7, version: 3, ...JSON.parse(body) }))
      }
      if (req.url?.startsWith('/schemas/ids/')) {
        const id = Number(req.url.slice('/schemas/ids/'.length))
        if (id === 9) return res.end(JSON.stringify({ schema: '{"type":"string"}' }))
        return res.end(JSON.stringify({ schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }))
      }
      res.statusCode = 404
      res.end(JSON.stringify({ error_code: 40401, message: 'Subject not found' }))
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
  overrides = new Map()
})

const registry = () => new SchemaRegistryClient({ url, retries: 0 })

const order = () =>
  create(OrderSchema, {
    id: 'o-1',
    customer: { name: 'Ann', email: 'ann@example.com' },
    lines: [
      {
        sku: 'A-1',
        quantity: 2,
        price: { currency: 'EUR', units: 12n, nanos: 500_000_000 },
        notes: [{ text: 'gift wrap' }],
      },
    ],
    status: Order_Status.OPEN,
    tags: { channel: 'web' },
    payment: { case: 'card', value: '4111' },
    discountPercent: 0,
    created: timestampFromMs(1_700_000_000_123),
    blob: new Uint8Array([0, 1, 255]),
    weight: 1.25,
    gift: true,
    checksums: [-1n, 2n ** 62n],
    refunds: { 3: { currency: 'EUR', units: 1n, nanos: 0 } },
  })

describe('message indexes', () => {
  test("each message's path among the messages of its file, map entries not counted", () => {
    assert.deepEqual(messageIndexes(CustomerSchema), [0])
    assert.deepEqual(messageIndexes(OrderSchema), [1])
    assert.deepEqual(messageIndexes(Order_LineSchema), [1, 0])
    assert.deepEqual(messageIndexes(Order_Line_NoteSchema), [1, 0, 0])
    assert.deepEqual(messageIndexes(MoneySchema), [0])
  })

  test('the framing carries them: [0] as the single byte 0, others as count and zig-zag varints', async () => {
    const r = registry()
    const cases: [ProtobufSerializer, number[]][] = [
      [new ProtobufSerializer({ registry: r, schema: CustomerSchema }), [0]],
      [new ProtobufSerializer({ registry: r, schema: OrderSchema }), [2, 2]],
      [new ProtobufSerializer({ registry: r, schema: Order_LineSchema }), [4, 2, 0]],
      [new ProtobufSerializer({ registry: r, schema: Order_Line_NoteSchema }), [6, 2, 0, 0]],
    ]
    for (const [ser, indexBytes] of cases) {
      await ser.prepare('t')
      const id = ser.schemaId('t') as number
      const bytes = ser.serializer({}, 't') as Uint8Array
      assert.deepEqual([...bytes], [0, 0, 0, 0, id, ...indexBytes], ser.messageIndexes.join(','))
      assert.deepEqual(unframeProtobuf(bytes).indexes, ser.messageIndexes)
    }
  })
})

describe('ProtobufSerializer', () => {
  test('prepare registers the imported file under its import path, then the file with a reference', async () => {
    const ser = new ProtobufSerializer({ registry: registry(), schema: OrderSchema })
    const ready = ser.serializer.prepare?.('orders')
    assert.ok(ready instanceof Promise, 'not ready before the registry answers')
    await ready
    assert.equal(ser.serializer.prepare?.('orders'), null, 'ready once prepared')
    assert.deepEqual(
      requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`),
      [
        `POST /subjects/${MONEY_SUBJECT}/versions`,
        `POST /subjects/${MONEY_SUBJECT}`,
        'POST /subjects/orders-value/versions',
      ],
    )
    const money = JSON.parse(requests[0]?.body ?? '')
    assert.equal(money.schemaType, 'PROTOBUF')
    assert.match(money.schema, /^syntax = "proto3";\n\npackage sluice\.test\.common;/)
    assert.equal(money.references, undefined)
    const main = JSON.parse(requests[2]?.body ?? '')
    assert.equal(main.schemaType, 'PROTOBUF')
    assert.equal(main.schema, protoSchemaText(file_sluice_test_order))
    // The version comes from the lookup; google/protobuf/timestamp.proto is not a reference.
    assert.deepEqual(main.references, [{ name: MONEY_SUBJECT, subject: MONEY_SUBJECT, version: 3 }])
    assert.ok(main.schema.includes('import "google/protobuf/timestamp.proto";'))
    assert.equal(ser.schemaId('orders'), nextId - 1)
  })

  test('concurrent prepares of one subject share one registration', async () => {
    const ser = new ProtobufSerializer({ registry: registry(), schema: CustomerSchema })
    const a = ser.serializer.prepare?.('t')
    const b = ser.serializer.prepare?.('t')
    assert.equal(a, b)
    await Promise.all([a, b, ser.prepare('t', 't')])
    assert.equal(requests.filter((r) => r.url === '/subjects/t-value/versions').length, 1)
  })

  test('the subject name strategies name the subject by topic, message full name, or both', async () => {
    const r = registry()
    const subject = (o: Partial<ConstructorParameters<typeof ProtobufSerializer>[0]>) =>
      new ProtobufSerializer({ registry: r, schema: OrderSchema, ...o }).subject('t')
    assert.equal(subject({}), 't-value')
    assert.equal(subject({ isKey: true }), 't-key')
    assert.equal(subject({ subjectNameStrategy: 'record' }), 'sluice.test.Order')
    assert.equal(subject({ subjectNameStrategy: 'topic-record' }), 't-sluice.test.Order')
    assert.equal(subject({ subjectNameStrategy: (t, k, n) => `${t}|${k}|${n}` }), 't|false|sluice.test.Order')

    const ser = new ProtobufSerializer({
      registry: r,
      schema: OrderSchema,
      subjectNameStrategy: 'record',
      referenceSubjectNameStrategy: (path) => `ref:${path}`,
    })
    await ser.prepare('a', 'b')
    assert.deepEqual(
      [...new Set(requests.map((q) => decodeURIComponent(q.url)))],
      [
        `/subjects/ref:${MONEY_SUBJECT}/versions`,
        `/subjects/ref:${MONEY_SUBJECT}`,
        '/subjects/sluice.test.Order/versions',
      ],
    )
    assert.equal(ser.schemaId('a'), ser.schemaId('b'))
  })

  test('autoRegister false looks up the imports and the file; useLatestVersion takes the latest id', async () => {
    const looked = new ProtobufSerializer({ registry: registry(), schema: OrderSchema, autoRegister: false })
    await looked.prepare('t')
    assert.deepEqual(
      requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`),
      [`POST /subjects/${MONEY_SUBJECT}`, 'POST /subjects/t-value'],
    )
    assert.equal(looked.schemaId('t'), 7)

    requests = []
    overrides.set('GET /subjects/t-value/versions/latest', {
      status: 200,
      body: { subject: 't-value', version: 4, id: 44, schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' },
    })
    const latest = new ProtobufSerializer({
      registry: registry(),
      schema: OrderSchema,
      useLatestVersion: true,
    })
    await latest.prepare('t')
    assert.deepEqual(
      requests.map((r) => `${r.method} ${r.url}`),
      ['GET /subjects/t-value/versions/latest'],
    )
    assert.equal(latest.schemaId('t'), 44)

    overrides.set('GET /subjects/t-value/versions/latest', {
      status: 200,
      body: { subject: 't-value', version: 5, id: 45, schema: '{"type":"string"}' },
    })
    await assert.rejects(
      new ProtobufSerializer({ registry: registry(), schema: OrderSchema, useLatestVersion: true }).prepare(
        't',
      ),
      /AVRO schema, not PROTOBUF/,
    )
  })

  test("the registry's errors reject prepare with its message; a later prepare tries again", async () => {
    overrides.set('POST /subjects/t-value', {
      status: 404,
      body: { error_code: 40401, message: "Subject 't-value' not found." },
    })
    const ser = new ProtobufSerializer({ registry: registry(), schema: CustomerSchema, autoRegister: false })
    const p = ser.serializer.prepare?.('t')
    await assert.rejects(
      p as Promise<void>,
      (e: unknown) =>
        e instanceof SchemaRegistryError && e.code === 'ERR_SUBJECT_NOT_FOUND' && /not found/.test(e.message),
    )
    assert.throws(
      () => ser.serializer({}, 't'),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.code === 'ERR_SERIALIZATION' &&
        /preparing topic 't' failed: .*not found/.test(e.message),
    )
    overrides.clear()
    const again = ser.serializer.prepare?.('t')
    assert.ok(again instanceof Promise)
    await again
    assert.equal(ser.schemaId('t'), 7)
  })

  test("an import's failed registration is not kept: the next prepare registers it again", async () => {
    const path = `POST /subjects/${encodeURIComponent(MONEY_SUBJECT)}/versions`
    overrides.set(path, { status: 500, body: { error_code: 50001, message: 'storage down' } })
    const ser = new ProtobufSerializer({ registry: registry(), schema: OrderSchema })
    await assert.rejects(
      ser.prepare('t'),
      (e: unknown) => e instanceof SchemaRegistryError && e.retriable && /storage down/.test(e.message),
    )
    assert.equal(ser.schemaId('t'), undefined)
    overrides.clear()
    requests = []
    await ser.prepare('t')
    assert.equal(requests[0] && `${requests[0].method} ${requests[0].url}`, path)
    assert.ok(ser.schemaId('t') !== undefined)
  })

  test('a message and the same value as a plain object encode to the same bytes, which decode back', async () => {
    const ser = new ProtobufSerializer({ registry: registry(), schema: OrderSchema })
    await ser.prepare('t')
    const msg = order()
    const fromMessage = ser.serializer(msg, 't') as Uint8Array
    const { $typeName: _, ...init } = msg
    const fromInit = ser.serializer(init, 't') as Uint8Array
    assert.deepEqual(fromInit, fromMessage)
    const { payload } = unframeProtobuf(fromMessage)
    assert.deepEqual(payload, Buffer.from(toBinary(OrderSchema, msg)))
    assert.deepEqual(fromBinary(OrderSchema, new Uint8Array(payload)), msg)
    assert.equal(ser.serializer(null, 't'), null)
    assert.equal(ser.serializer(undefined, 't'), null)
  })

  test('a value that does not fit the message is ERR_SERIALIZATION naming the field', async () => {
    const ser = new ProtobufSerializer({ registry: registry(), schema: OrderSchema })
    await ser.prepare('t')
    const bad: [unknown, RegExp][] = [
      [{ id: 42 }, /\bid: expected a string, got number 42/],
      [{ lines: [{ sku: 'a' }, { quantity: -1 }] }, /lines\[1\]\.quantity: -1 is out of the uint32 range/],
      [{ lines: [{ price: { units: 1.5 } }] }, /lines\[0\]\.price\.units: expected a int64/],
      [
        { lines: [{ notes: [{ txt: 'x' }] }] },
        /lines\[0\]\.notes\[0\]\.txt: sluice\.test\.Order\.Line\.Note has no field 'txt'/,
      ],
      [{ nope: 1 }, /nope: sluice\.test\.Order has no field 'nope'/],
      [{ lines: 'x' }, /lines: expected an array/],
      [{ tags: { a: 1 } }, /tags\["a"\]: expected a string/],
      [{ refunds: { x: {} } }, /refunds: key "x": expected an int32/],
      [{ payment: { case: 'cash', value: 'x' } }, /payment: 'cash' is not a field of oneof payment/],
      [{ payment: { case: 'card', value: 7 } }, /payment\.card: expected a string/],
      [{ status: 2 ** 31 }, /status: .*out of the enum number \(int32\) range/],
      [
        { customer: create(MoneySchema) },
        /customer: a sluice\.test\.common\.Money message where a sluice\.test\.Customer/,
      ],
      [{ customer: null }, /customer: expected a sluice\.test\.Customer message or object, got null/],
      [{ blob: 'abc' }, /blob: expected a Uint8Array/],
      [create(CustomerSchema), /a sluice\.test\.Customer message where a sluice\.test\.Order is expected/],
      ['text', /expected a sluice\.test\.Order message or object, got string/],
    ]
    for (const [value, message] of bad) {
      assert.throws(
        () => ser.serializer(value as never, 't'),
        (e: unknown) =>
          e instanceof KafkaError &&
          e.code === 'ERR_SERIALIZATION' &&
          /^value for topic 't' does not match sluice\.test\.Order: /.test(e.message) &&
          message.test(e.message),
        `${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))} should fail with ${message}`,
      )
    }
  })

  test('proto2: a closed enum takes only its values', async () => {
    const ser = new ProtobufSerializer({ registry: registry(), schema: ReadingSchema })
    await ser.prepare('t')
    assert.ok(ser.serializer({ sensor: 's', kind: Reading_Kind.A }, 't') instanceof Uint8Array)
    assert.throws(
      () => ser.serializer({ sensor: 's', kind: 7 as Reading_Kind }, 't'),
      /kind: 7 is not a value of the closed enum/,
    )
  })

  test('configuration mistakes are ConfigErrors', () => {
    const r = registry()
    const cases: [() => unknown, string][] = [
      [() => new ProtobufSerializer({ registry: r, schema: {} as never }), 'schema'],
      [() => new ProtobufSerializer({ registry: r, schema: MoneySchema.file as never }), 'schema'],
      [
        () =>
          new ProtobufSerializer({
            registry: r,
            schema: OrderSchema,
            subjectNameStrategy: 'nope' as 'topic',
          }),
        'subjectNameStrategy',
      ],
      [() => new ProtobufSerializer({ registry: undefined as never, schema: OrderSchema }), 'registry'],
      // The .proto printer writes proto2 and proto3, not editions.
      [() => new ProtobufSerializer({ registry: r, schema: GaugeSchema }), 'schema'],
      [
        () =>
          new ProtobufSerializer({
            registry: r,
            schema: OrderSchema,
            referenceSubjectNameStrategy: 'x' as never,
          }),
        'referenceSubjectNameStrategy',
      ],
    ]
    for (const [make, option] of cases) {
      assert.throws(make, (e: unknown) => e instanceof ConfigError && e.option === option, option)
    }
  })
})

describe('ProtobufDeserializer', () => {
  test('decodes after checking the id is a PROTOBUF schema (once per id) and the indexes are the message’s', async () => {
    const ser = new ProtobufSerializer({ registry: registry(), schema: OrderSchema })
    await ser.prepare('t')
    const bytes = ser.serializer(order(), 't') as Uint8Array
    const d = new ProtobufDeserializer(registry(), OrderSchema)
    requests = []
    assert.deepEqual(await d.deserialize(bytes), order())
    await d.deserialize(bytes)
    assert.equal(requests.length, 1)

    const line = new ProtobufDeserializer(registry(), Order_LineSchema)
    await assert.rejects(
      line.deserialize(bytes),
      /message indexes \[1\] are not those of sluice\.test\.Order\.Line \[1,0\]/,
    )
    await assert.rejects(d.deserialize(Buffer.from([0, 0, 0, 0, 9, 0])), /schema 9 is AVRO, not PROTOBUF/)
    await assert.rejects(d.deserialize(Buffer.from([1, 0, 0, 0, 9, 0])), /magic byte/)
  })
})

describe('without @bufbuild/protobuf installed', () => {
  test('the registry client and Avro still load; making a Protobuf serializer is a ConfigError naming the package', () => {
    const child = fileURLToPath(new URL('../fixtures/protobuf/no-peer-child.ts', import.meta.url))
    const out = execFileSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8' })
    const result = JSON.parse(out) as Record<string, string>
    assert.equal(result.client, 'function')
    assert.equal(result.avro, 'made')
    assert.match(
      result.serializer ?? '',
      /^ERR_CONFIG: .*'@bufbuild\/protobuf'.*npm install @bufbuild\/protobuf/,
    )
    assert.match(result.deserializer ?? '', /^ERR_CONFIG: .*'@bufbuild\/protobuf'/)
  })
})

/**
 * The Avro serializer inside the producer, on a real registry (Apicurio, ccompat v7) and a real
 * broker: the producer prepares each topic's schema itself, in order; registry errors fail the
 * records that waited; and what lands in Kafka is read by Kafka's own consumer and decoded by
 * Apicurio's Java deserializer, the bytes equal to what Apicurio's Java serializer writes.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { KafkaError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { AvroSerializer } from '../../src/schema-registry/avro.js'
import { SchemaRegistryClient } from '../../src/schema-registry/client.js'
import { SchemaRegistryError } from '../../src/schema-registry/errors.js'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'
import { javaDecode, javaEncodeAvro } from '../helpers/registry-serdes.js'
import { type RunningRegistry, startSchemaRegistry } from '../helpers/schema-registry.js'

const TIMEOUT = 900_000

/** Union, logical types, enum, array, map, nested record: what real schemas carry. */
const order = {
  type: 'record',
  name: 'Order',
  namespace: 'sluice.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'placed', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'int' } },
    {
      name: 'customer',
      type: {
        type: 'record',
        name: 'Customer',
        fields: [
          { name: 'name', type: 'string' },
          { name: 'vip', type: 'boolean' },
        ],
      },
    },
  ],
}
const orderText = JSON.stringify(order)

interface Order {
  id: string
  amount: number
  note: string | null
  placed: Date
  status: 'NEW' | 'PAID' | 'SHIPPED'
  tags: string[]
  attrs: Record<string, number>
  customer: { name: string; vip: boolean }
}

function makeOrder(i: number): Order {
  return {
    id: `o-${i}`,
    amount: i * 1000 + 7,
    note: i % 3 === 0 ? null : `note ${i}`,
    placed: new Date(1_700_000_000_000 + i),
    status: (['NEW', 'PAID', 'SHIPPED'] as const)[i % 3]!,
    tags: i % 2 === 0 ? [] : ['a', `t${i}`],
    attrs: { n: i },
    customer: { name: `c${i % 5}`, vip: i % 4 === 0 },
  }
}

/** An order as Java's GenericData prints it (JSON; the timestamp as its long). */
function asJavaPrints(o: Order): unknown {
  return { ...o, placed: o.placed.getTime() }
}

/** Avro's JSON encoding of an order (unions wrapped by branch), for Apicurio's Java serializer. */
function avroJson(o: Order): string {
  return JSON.stringify({
    ...o,
    note: o.note === null ? null : { string: o.note },
    placed: o.placed.getTime(),
  })
}

async function failure(p: Promise<unknown>): Promise<KafkaError> {
  let caught: unknown
  await assert.rejects(p, (e: unknown) => {
    caught = e
    return true
  })
  assert.ok(caught instanceof KafkaError, `not a KafkaError: ${String(caught)}`)
  return caught
}

describe('Avro through the producer, on Apicurio Registry and Kafka', { timeout: TIMEOUT }, () => {
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

  test("the producer prepares a topic's schema itself; records keep send order; Java's deserializer reads every field", async () => {
    const topic = uniqueTopic('avro-auto')
    await createTopic(topic, 3)
    const avro = new AvroSerializer<Order>({ registry: client, schema: orderText })
    const producer = new Producer({
      bootstrapServers: testBootstrap(),
      valueSerializer: avro.serializer,
      keySerializer: 'string',
    })
    const orders = Array.from({ length: 300 }, (_, i) => makeOrder(i))
    try {
      // All 300 are sent before the registry has answered: they wait for it, then go in order.
      const acks = await Promise.all(
        orders.map((o, i) => producer.send({ topic, key: `k${i % 7}`, value: o })),
      )
      const id = avro.schemaId(topic)
      assert.equal((await client.getLatest(`${topic}-value`)).id, id)
      // Per partition, offsets follow send order.
      const last = new Map<number, bigint>()
      for (const md of acks) {
        const prev = last.get(md.partition)
        if (prev !== undefined)
          assert.ok(md.offset > prev, `partition ${md.partition}: ${md.offset} after ${prev}`)
        last.set(md.partition, md.offset)
      }
    } finally {
      await producer.close()
    }

    const read = await readTopic(testBootstrap(), topic)
    assert.equal(read.length, orders.length)
    for (const r of read) {
      assert.ok(r.value !== null)
      assert.equal(r.value[0], 0, 'magic byte')
      assert.equal(r.value.readInt32BE(1), avro.schemaId(topic))
    }
    // Kafka's consumer read the bytes; Apicurio's Java deserializer decodes them.
    const decoded = (
      await javaDecode(
        'avro',
        registry.url,
        topic,
        read.map((r) => r.value!),
      )
    ).map((l) => JSON.parse(l))
    const byId = new Map(decoded.map((d) => [d.id as string, d]))
    assert.equal(byId.size, orders.length)
    for (const o of orders) assert.deepEqual(byId.get(o.id), asJavaPrints(o), o.id)
    // Within a key (one partition), the order of sends.
    const k3 = read.filter((x) => x.key?.toString() === 'k3').map((x) => x.value!)
    const k3ids = (await javaDecode('avro', registry.url, topic, k3)).map((l) => JSON.parse(l).id)
    assert.deepEqual(
      k3ids,
      orders
        .map((o, i) => [o.id, i] as const)
        .filter(([, i]) => i % 7 === 3)
        .map(([id]) => id),
    )
  })

  test("the bytes equal what Apicurio's Java Avro serializer writes for the same schema and values", async () => {
    const topic = uniqueTopic('avro-bytes')
    const avro = new AvroSerializer<Order>({ registry: client, schema: orderText })
    await avro.prepare(topic)
    const dir = await mkdtemp(join(tmpdir(), 'sluice-avro-'))
    try {
      const schemaFile = join(dir, 'order.avsc')
      await writeFile(schemaFile, orderText)
      const orders = Array.from({ length: 20 }, (_, i) => makeOrder(i * 13))
      const java = await javaEncodeAvro(registry.url, topic, schemaFile, orders.map(avroJson))
      assert.equal(java.length, orders.length)
      orders.forEach((o, i) => {
        assert.deepEqual(Buffer.from(avro.serializer(o, topic)!), java[i], o.id)
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test("useLatestVersion writes with the subject's latest schema and its id", async () => {
    const topic = uniqueTopic('avro-latest')
    await createTopic(topic, 1)
    const v1 = {
      type: 'record',
      name: 'U',
      namespace: 'sluice.test',
      fields: [{ name: 'name', type: 'string' }],
    }
    const v2 = { ...v1, fields: [...v1.fields, { name: 'age', type: 'int', default: 0 }] }
    await client.register(`${topic}-value`, { schema: JSON.stringify(v1) })
    const v2id = await client.register(`${topic}-value`, { schema: JSON.stringify(v2) })
    assert.throws(
      () => new AvroSerializer({ registry: client, schema: v1, useLatestVersion: true, autoRegister: true }),
      (e: unknown) => e instanceof KafkaError && /autoRegister: false/.test(e.message),
    )
    const avro = new AvroSerializer({
      registry: client,
      schema: v1,
      useLatestVersion: true,
      autoRegister: false,
    })
    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: avro.serializer })
    try {
      await producer.send({ topic, value: { name: 'Ann', age: 40 } })
    } finally {
      await producer.close()
    }
    assert.equal(avro.schemaId(topic), v2id)
    const [r] = await readTopic(testBootstrap(), topic)
    assert.equal(r!.value!.readInt32BE(1), v2id)
    assert.deepEqual(JSON.parse((await javaDecode('avro', registry.url, topic, [r!.value!]))[0]!), {
      name: 'Ann',
      age: 40,
    })
  })

  test("registry errors fail the records that waited, with the registry's typed error; the next send tries again", async () => {
    const topic = uniqueTopic('avro-errors')
    await createTopic(topic, 1)
    const v1 = {
      type: 'record',
      name: 'E',
      namespace: 'sluice.test',
      fields: [{ name: 'n', type: 'string' }],
    }
    const lookupOnly = new AvroSerializer({ registry: client, schema: v1, autoRegister: false })
    const producer = new Producer({
      bootstrapServers: testBootstrap(),
      valueSerializer: lookupOnly.serializer,
    })
    try {
      const sends = [producer.send({ topic, value: { n: 'a' } }), producer.send({ topic, value: { n: 'b' } })]
      for (const s of sends) {
        const err = await failure(s)
        assert.ok(err instanceof SchemaRegistryError, err.message)
        assert.equal(err.code, 'ERR_SUBJECT_NOT_FOUND')
        assert.equal(err.retriable, false)
      }
      // Someone registers it; the next send looks it up again and goes through.
      await client.register(`${topic}-value`, { schema: JSON.stringify(v1) })
      await producer.send({ topic, value: { n: 'c' } })
    } finally {
      await producer.close()
    }

    // An incompatible schema: the registry's refusal, with its message, for that record.
    await registry.setCompatibility(`${topic}-value`, 'BACKWARD')
    const broken = new AvroSerializer({
      registry: client,
      schema: { ...v1, fields: [{ name: 'n', type: 'int' }] },
    })
    const p2 = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: broken.serializer })
    try {
      const err = await failure(p2.send({ topic, value: { n: 1 } }))
      assert.ok(err instanceof SchemaRegistryError)
      assert.equal(err.code, 'ERR_INCOMPATIBLE_SCHEMA')
      assert.equal(err.status, 409)
    } finally {
      await p2.close()
    }
    const read = await readTopic(testBootstrap(), topic)
    assert.deepEqual(
      (
        await javaDecode(
          'avro',
          registry.url,
          topic,
          read.map((r) => r.value!),
        )
      ).map((l) => JSON.parse(l)),
      [{ n: 'c' }],
    )
  })

  test('a stopped registry fails the waiting records with a retriable error; other topics are not held', async () => {
    const own = await startSchemaRegistry()
    const ownClient = new SchemaRegistryClient({
      url: own.url,
      retries: 1,
      retryBackoffMs: 1,
      retryBackoffMaxMs: 5,
    })
    const topic = uniqueTopic('avro-down')
    const ready = uniqueTopic('avro-up')
    await createTopic(topic, 1)
    await createTopic(ready, 1)
    const avro = new AvroSerializer({ registry: ownClient, schema: orderText })
    await avro.prepare(ready)
    await own.stop()
    const producer = new Producer({ bootstrapServers: testBootstrap(), valueSerializer: avro.serializer })
    try {
      const down = failure(producer.send({ topic, value: makeOrder(1) }))
      // The prepared topic needs no registry.
      await producer.send({ topic: ready, value: makeOrder(2) })
      const err = await down
      assert.ok(err instanceof SchemaRegistryError, err.message)
      assert.equal(err.code, 'ERR_SCHEMA_REGISTRY_UNREACHABLE')
      assert.equal(err.retriable, true)
    } finally {
      await producer.close()
    }
    assert.equal((await readTopic(testBootstrap(), topic)).length, 0)
    assert.equal((await readTopic(testBootstrap(), ready)).length, 1)
  })

  test('a registry that never answers: the records fail at max.block.ms with a TimeoutError', async () => {
    // A socket that accepts and stays silent (a real registry cannot be made to hang).
    const sockets: Socket[] = []
    const silent: Server = createServer((socket) => {
      sockets.push(socket)
    })
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const port = (silent.address() as { port: number }).port
    const hung = new SchemaRegistryClient({
      url: `http://127.0.0.1:${port}`,
      retries: 0,
      requestTimeoutMs: 600_000,
    })
    const avro = new AvroSerializer({ registry: hung, schema: orderText })
    const topic = uniqueTopic('avro-hung')
    await createTopic(topic, 1)
    const producer = new Producer({
      bootstrapServers: testBootstrap(),
      valueSerializer: avro.serializer,
      maxBlockMs: 2_000,
    })
    try {
      // The topic's metadata first: what runs out below is the serializer's wait alone.
      await producer.partitionsFor(topic)
      const err = await failure(producer.send({ topic, value: makeOrder(1) }))
      assert.equal(err.code, 'ERR_TIMEOUT', err.message)
      assert.match(err.message, /max\.block\.ms=2000/)
    } finally {
      await producer.close()
      // The serializer's request is still waiting (its own requestTimeoutMs): cut it.
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })
})

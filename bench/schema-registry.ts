/**
 * What Schema Registry serialization costs: records/s of ~100-byte records produced with the
 * Avro and JSON Schema serializers (and Protobuf where its generated message is present)
 * against the same records as plain bytes, on one local broker and one Apicurio Registry, the
 * modes alternating, 3 repetitions, median. Also the serializer alone (µs per record, no
 * broker). Writes bench/results/schema-registry.{json,md}.
 *
 *   node --import tsx bench/schema-registry.ts [--records 500000] [--reps 3] [--bootstrap-server B]
 *
 * It reports; it asserts nothing.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { create } from '@bufbuild/protobuf'
import { createTopics, parseBrokerList } from '../src/cluster/admin.js'
import { startKafka } from '../src/local-kafka/cluster.js'
import { ensureKafka } from '../src/local-kafka/distribution.js'
import { Producer } from '../src/producer/producer.js'
import type { Serializer } from '../src/producer/serializers.js'
import { AvroSerializer } from '../src/schema-registry/avro.js'
import { SchemaRegistryClient } from '../src/schema-registry/client.js'
import { JsonSchemaSerializer } from '../src/schema-registry/json-schema.js'
import { ProtobufSerializer } from '../src/schema-registry/protobuf.js'
import { Order_Status, OrderSchema } from '../test/fixtures/protobuf/gen/sluice/test/order_pb.js'
import { startSchemaRegistry } from '../test/helpers/schema-registry.js'
import { endOffsetTotals } from './end-offsets.js'
import { sendAllCallbacks } from './send-all.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    reps: { type: 'string', default: '3' },
    'bootstrap-server': { type: 'string' },
  },
})
const RECORDS = Number(values.records)
const REPS = Number(values.reps)

interface Order {
  id: string
  amount: number
  note: string
  placed: number
  status: 'NEW' | 'PAID' | 'SHIPPED'
  customer: { name: string; vip: boolean }
}
const avroSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'bench',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
    { name: 'note', type: 'string' },
    { name: 'placed', type: 'long' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
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
const jsonSchema = {
  title: 'Order',
  type: 'object',
  properties: {
    id: { type: 'string' },
    amount: { type: 'integer' },
    note: { type: 'string' },
    placed: { type: 'integer' },
    status: { enum: ['NEW', 'PAID', 'SHIPPED'] },
    customer: {
      type: 'object',
      properties: { name: { type: 'string' }, vip: { type: 'boolean' } },
      required: ['name', 'vip'],
    },
  },
  required: ['id', 'amount', 'note', 'placed', 'status', 'customer'],
}

/** 1,000 distinct orders, reused round-robin: building them is not what is measured. */
const orders: Order[] = Array.from({ length: 1000 }, (_, i) => ({
  id: `order-${100000 + i}`,
  amount: 1000 + i * 37,
  note: `a note of some forty characters, #${String(i).padStart(4, '0')}`,
  placed: 1_700_000_000_000 + i,
  status: (['NEW', 'PAID', 'SHIPPED'] as const)[i % 3]!,
  customer: { name: `customer ${i % 50}`, vip: i % 7 === 0 },
}))

const dist = await ensureKafka()
const cluster =
  values['bootstrap-server'] === undefined ? await startKafka({ name: `sr-bench-${process.pid}` }) : null
const bootstrap = values['bootstrap-server'] ?? cluster!.bootstrapServers
const registry = await startSchemaRegistry()
const client = new SchemaRegistryClient({ url: registry.url })

interface Mode {
  name: string
  serializer: Serializer<unknown> | 'buffer'
  value: (i: number) => unknown
}
const avro = new AvroSerializer<Order>({ registry: client, schema: avroSchema })
const json = new JsonSchemaSerializer<Order>({ registry: client, schema: jsonSchema })
const proto = new ProtobufSerializer({ registry: client, schema: OrderSchema })
/** The same orders as Protobuf messages (test/fixtures/protobuf's Order), made beforehand. */
const protoOrders = orders.map((o) =>
  create(OrderSchema, {
    id: o.id,
    customer: { name: o.customer.name, email: o.note },
    status: o.status === 'NEW' ? Order_Status.OPEN : Order_Status.SHIPPED,
    discountPercent: o.amount % 100,
  }),
)
// Plain bytes: the Avro-framed bytes of the same orders, made beforehand (same size on the wire).
const bytesTopic = 'sr-bench-prepare'
await avro.prepare(bytesTopic)
const plain = orders.map((o) => Buffer.from(avro.serializer(o, bytesTopic)!))
const modes: Mode[] = [
  { name: 'bytes', serializer: 'buffer', value: (i) => plain[i % 1000] },
  { name: 'avro', serializer: avro.serializer as Serializer<unknown>, value: (i) => orders[i % 1000] },
  { name: 'json-schema', serializer: json.serializer as Serializer<unknown>, value: (i) => orders[i % 1000] },
  {
    name: 'protobuf',
    serializer: proto.serializer as Serializer<unknown>,
    value: (i) => protoOrders[i % 1000],
  },
]

/** One run: RECORDS callback sends, paced by 'drain'; records/s from first send to last ack. */
async function runOnce(mode: Mode, rep: number): Promise<number> {
  const topic = `sr-bench-${mode.name}-${rep}-${process.pid}`
  await createTopics(parseBrokerList(bootstrap), [{ name: topic, partitions: 8, replicationFactor: 1 }])
  const producer = new Producer({
    bootstrapServers: bootstrap,
    valueSerializer: mode.serializer,
    lingerMs: 5,
    acks: 1,
  })
  // Metadata and the registry's answer come before the clock starts.
  await producer.send({ topic, value: mode.value(0) })
  const t0 = performance.now()
  const { failed, first } = await sendAllCallbacks(producer, RECORDS, (i) => ({
    topic,
    value: mode.value(i),
  }))
  const secs = (performance.now() - t0) / 1000
  await producer.close()
  if (failed > 0) throw new Error(`${mode.name}: ${failed} records failed: ${first}`)
  const inTopic = (await endOffsetTotals(dist.classpath, bootstrap, topic)).get(topic) ?? 0
  if (inTopic !== RECORDS + 1)
    throw new Error(`${mode.name}: ${inTopic} records in ${topic}, expected ${RECORDS + 1}`)
  return RECORDS / secs
}

/** The serializer alone, no producer: µs per record over 200k records (after 20k to warm up). */
function serializerMicros(mode: Mode): number {
  const topic = bytesTopic
  const s = mode.serializer
  if (s === 'buffer') return 0
  for (let i = 0; i < 20_000; i++) s(mode.value(i), topic)
  const n = 200_000
  const t0 = performance.now()
  for (let i = 0; i < n; i++) s(mode.value(i), topic)
  return ((performance.now() - t0) * 1000) / n
}

await json.prepare(bytesTopic)
await proto.prepare(bytesTopic)
const micros: Record<string, number> = {}
const sizes: Record<string, number> = {}
for (const m of modes) {
  let total = 0
  for (let i = 0; i < 1000; i++) {
    const v = m.value(i)
    total += m.serializer === 'buffer' ? (v as Buffer).length : m.serializer(v, bytesTopic)!.length
  }
  sizes[m.name] = total / 1000
}
for (const m of modes) micros[m.name] = serializerMicros(m)

const runs: Record<string, number[]> = Object.fromEntries(modes.map((m) => [m.name, []]))
for (let rep = 0; rep < REPS; rep++) {
  for (const m of rep % 2 === 0 ? modes : [...modes].reverse()) {
    const rps = await runOnce(m, rep)
    runs[m.name]!.push(rps)
    process.stderr.write(`rep ${rep + 1} ${m.name}: ${Math.round(rps).toLocaleString('en')} records/s\n`)
  }
}
await registry.stop()
await cluster?.stop()

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const base = median(runs.bytes!)
const rows = modes.map((m) => ({
  mode: m.name,
  recordsPerSec: Math.round(median(runs[m.name]!)),
  ratioToBytes: Number((median(runs[m.name]!) / base).toFixed(3)),
  serializerMicrosPerRecord: Number(micros[m.name]!.toFixed(2)),
  valueBytes: Number(sizes[m.name]!.toFixed(1)),
  runs: runs[m.name]!.map(Math.round),
}))
const valueBytes = plain.reduce((a, b) => a + b.length, 0) / plain.length
const result = { date: new Date().toISOString(), records: RECORDS, reps: REPS, valueBytes, rows }
const out = join(import.meta.dirname, 'results', 'schema-registry')
writeFileSync(`${out}.json`, `${JSON.stringify(result, null, 2)}\n`)
const md = [
  '# Schema Registry serializers: records/s against plain bytes',
  '',
  `${RECORDS.toLocaleString('en')} records per run, the same 1,000 orders round-robin (bytes: their Avro-framed bytes, made beforehand; Protobuf: test/fixtures' Order message with the same fields' data, made beforehand with create()), 8 partitions, acks=1, linger.ms=5, callback path paced by 'drain'; ${REPS} alternating repetitions, median; one local broker and Apicurio Registry on this machine. The serializer column is the serializer alone, without the producer.`,
  '',
  '| mode | value bytes | records/s | vs bytes | serializer µs/record | runs |',
  '|---|---:|---:|---:|---:|---|',
  ...rows.map(
    (r) =>
      `| ${r.mode} | ${r.valueBytes.toFixed(0)} | ${r.recordsPerSec.toLocaleString('en')} | ${r.ratioToBytes.toFixed(2)}x | ${r.serializerMicrosPerRecord.toFixed(2)} | ${r.runs.map((x) => x.toLocaleString('en')).join(', ')} |`,
  ),
  '',
]
writeFileSync(`${out}.md`, md.join('\n'))
process.stdout.write(md.join('\n'))

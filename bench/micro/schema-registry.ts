/**
 * The Protobuf serializer's synchronous path once its schema id is cached: checking the value
 * against the descriptor, making the message (for a plain object), encoding and framing; and
 * @bufbuild/protobuf's toBinary alone, the floor. The registry is a stub: prepare() only needs an id.
 */
import { create, toBinary } from '@bufbuild/protobuf'
import { timestampFromMs } from '@bufbuild/protobuf/wkt'
import type { SchemaRegistryClient } from '../../src/schema-registry/client.js'
import { ProtobufSerializer } from '../../src/schema-registry/protobuf.js'
import { Order_Status, OrderSchema } from '../../test/fixtures/protobuf/gen/sluice/test/order_pb.js'
import type { MicroBench } from './harness.js'

const stubRegistry = {
  register: async () => 1,
  lookup: async () => ({
    subject: 's',
    version: 1,
    id: 1,
    schema: '',
    schemaType: 'PROTOBUF',
    references: [],
  }),
} as unknown as SchemaRegistryClient

const init = {
  id: 'o-123456',
  customer: { name: 'Ann Example', email: 'ann@example.com' },
  lines: [
    { sku: 'A-1', quantity: 2, price: { currency: 'EUR', units: 12n, nanos: 500_000_000 } },
    { sku: 'B-22', quantity: 1, price: { currency: 'EUR', units: 3n }, notes: [{ text: 'gift wrap' }] },
  ],
  status: Order_Status.OPEN,
  tags: { channel: 'web', region: 'eu' },
  payment: { case: 'card' as const, value: '4111' },
  created: timestampFromMs(1_700_000_000_123),
  weight: 1.25,
}

export async function schemaRegistryBenches(): Promise<MicroBench[]> {
  const ser = new ProtobufSerializer({ registry: stubRegistry, schema: OrderSchema })
  await ser.prepare('t')
  const message = create(OrderSchema, init)
  const size = toBinary(OrderSchema, message).length
  const N = 256
  const bench = (name: string, one: () => Uint8Array | null): MicroBench => ({
    name,
    opsPerRun: N,
    bytesPerRun: N * size,
    run: () => {
      let x = 0
      for (let i = 0; i < N; i++) x ^= one()?.length ?? 0
      return x
    },
  })
  return [
    bench('protobuf/serialize a message', () => ser.serializer(message, 't')),
    bench('protobuf/serialize a plain object', () => ser.serializer(init, 't')),
    bench('protobuf/toBinary alone', () => toBinary(OrderSchema, message)),
  ]
}

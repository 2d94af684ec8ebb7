/**
 * Type-level checks of the public API, run by `npm run typecheck` (tsc over test/): each
 * `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused. Nothing
 * here runs; the functions are never called.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  type CreatedTopic,
  createTopics,
  type KafkaError,
  type KafkaErrorCode,
  loadPropertiesFile,
  Producer,
  type ProducerConfigInput,
  type RecordMetadata,
  type SendAllResult,
} from '../../src/index.js'

export function configTypos(): void {
  new Producer({ bootstrapServers: 'b:9092', lingerMs: 5 })
  new Producer({ 'bootstrap.servers': ['b:9092'], 'linger.ms': 5, acks: 'all' })
  // @ts-expect-error a misspelt setting
  new Producer({ bootstrapServers: 'b:9092', lingerMS: 5 })
  // @ts-expect-error not a compression type
  new Producer({ bootstrapServers: 'b:9092', compressionType: 'brotli' })
  // @ts-expect-error acks is 0, 1, -1 or 'all'
  new Producer({ bootstrapServers: 'b:9092', acks: 2 })
  // @ts-expect-error bootstrapServers is required
  new Producer({ lingerMs: 5 })
  // @ts-expect-error numbers are numbers in the object form (strings come from .properties)
  new Producer({ bootstrapServers: 'b:9092', lingerMs: '5' })
  // @ts-expect-error kafkajs's option name
  new Producer({ brokers: ['b:9092'] })
  // @ts-expect-error an arbitrary record of settings is not a config
  new Producer({ bootstrapServers: 'b:9092' } as Record<string, unknown>)
  const typed: ProducerConfigInput = { bootstrapServers: 'b:9092', enableIdempotence: false }
  new Producer(typed)
}

export async function fromProperties(): Promise<void> {
  const props = await loadPropertiesFile('producer.properties')
  new Producer(props)
  new Producer({ ...props, 'linger.ms': '5' })
}

export async function recordsFollowSerializers(): Promise<void> {
  const bytes = new Producer({ bootstrapServers: 'b:9092' })
  await bytes.send({ topic: 't', key: 'k', value: Buffer.from('v') })
  // @ts-expect-error the default serializer takes bytes or strings, not objects
  await bytes.send({ topic: 't', value: { a: 1 } })

  const json = new Producer({ bootstrapServers: 'b:9092', valueSerializer: 'json', keySerializer: 'string' })
  await json.send({ topic: 't', key: 'k', value: { a: 1, b: [2] } })
  // @ts-expect-error keys are strings with the string serializer
  await json.send({ topic: 't', key: 7, value: {} })

  const longs = new Producer({ 'bootstrap.servers': 'b:9092', 'value.serializer': 'long' })
  await longs.send({ topic: 't', value: 42n })
  // @ts-expect-error the long serializer takes a bigint or a number
  await longs.send({ topic: 't', value: 'forty-two' })

  interface Order {
    id: string
    total: number
  }
  const orders = new Producer({
    bootstrapServers: 'b:9092',
    valueSerializer: (o: Order) => Buffer.from(JSON.stringify(o)),
  })
  await orders.send({ topic: 'orders', value: { id: 'o-1', total: 3 } })
  // @ts-expect-error not an Order
  await orders.send({ topic: 'orders', value: { id: 'o-1' } })
  // @ts-expect-error a misspelt record field
  await orders.send({ topic: 'orders', value: { id: 'o-1', total: 3 }, partiton: 1 })
  await orders.sendBatch([{ topic: 'orders', value: null }])
}

export function eventsAndCallbacks(producer: Producer): void {
  producer.on('drain', () => {})
  // @ts-expect-error not an event of the producer
  producer.on('drian', () => {})
  producer.send({ topic: 't', value: 'v' }, (err, md) => {
    if (err !== null) {
      const e: KafkaError = err
      const code: KafkaErrorCode = e.code
      // Codes are literals: a comparison with a misspelt one does not compile.
      // @ts-expect-error no such code
      if (code === 'ERR_DELIVERY_TIMOUT') return
      if (code === 'ERR_DELIVERY_TIMEOUT' || code === 'NOT_LEADER_OR_FOLLOWER') return
      return
    }
    const m: RecordMetadata | null = md
    void m
  })
}

export async function streams(): Promise<void> {
  const bytes = new Producer({ bootstrapServers: 'b:9092' })
  const w = bytes.writable()
  w.write({ topic: 't', value: 'v' })
  // @ts-expect-error without a default topic a record needs its own
  w.write({ value: 'v' })
  // @ts-expect-error the default serializer takes bytes or strings, not objects
  w.write({ topic: 't', value: { a: 1 } })
  const withTopic = bytes.writable({ topic: 't', highWaterMark: 64, signal: AbortSignal.timeout(1000) })
  withTopic.write('a bare value')
  withTopic.write(Buffer.from('bytes'))
  withTopic.write({ key: 'k', value: 'no topic' })
  // @ts-expect-error a misspelt record field
  withTopic.write({ value: 'v', partiton: 1 })
  // @ts-expect-error not an option of writable()
  bytes.writable({ topic: 't', highWatermark: 64 })
  // Both kinds go into pipeline() as its destination.
  await pipeline(Readable.from(['a', 'b']), bytes.writable({ topic: 't' }))
  await pipeline(Readable.from([{ topic: 't', value: 'v' }]), bytes.writable())

  const json = new Producer({ bootstrapServers: 'b:9092', valueSerializer: 'json' })
  json.writable({ topic: 't' }).write({ value: { a: 1, b: [2] } })

  interface Order {
    id: string
    total: number
  }
  const orders = new Producer({
    bootstrapServers: 'b:9092',
    valueSerializer: (o: Order) => Buffer.from(JSON.stringify(o)),
  })
  async function* fromDb(): AsyncGenerator<{ topic: string; value: Order }> {
    yield { topic: 'orders', value: { id: 'o-1', total: 3 } }
  }
  const result: SendAllResult = await orders.sendAll(fromDb(), {
    onError: (err, record) => {
      const code: KafkaErrorCode = err.code
      const order: Order | null = record.value
      void code
      void order
    },
  })
  const counts: number = result.sent + result.failed
  void counts
  // @ts-expect-error not an Order
  await orders.sendAll([{ topic: 'orders', value: { id: 'o-1' } }])
  await bytes.sendAll(['v', Buffer.from('w')], { topic: 't', stopOnError: false })
  // @ts-expect-error bare values need a default topic
  await bytes.sendAll(['v'])
  // @ts-expect-error a misspelt option
  await bytes.sendAll([], { stopOnErorr: true })
}

export async function createTopicsTypes(
  props: Awaited<ReturnType<typeof loadPropertiesFile>>,
): Promise<void> {
  const created: CreatedTopic[] = await createTopics({ bootstrapServers: 'b:9092' }, [
    { name: 't', partitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
    { name: 'defaults' },
  ])
  void created
  await createTopics(props, [{ name: 't' }], { timeoutMs: 5000 })
  // @ts-expect-error the connection settings need bootstrapServers
  await createTopics({ securityProtocol: 'SSL' }, [{ name: 't' }])
  // @ts-expect-error partitions is a number
  await createTopics({ bootstrapServers: 'b:9092' }, [{ name: 't', partitions: '3' }])
  // @ts-expect-error a misspelt field
  await createTopics({ bootstrapServers: 'b:9092' }, [{ name: 't', partition: 3 }])
  // @ts-expect-error topic configs are strings, as Kafka takes them
  await createTopics({ bootstrapServers: 'b:9092' }, [{ name: 't', configs: { 'retention.ms': 1000 } }])
}

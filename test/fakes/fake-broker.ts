/**
 * An in-process fake Kafka cluster for fault injection: N brokers (TCP servers on 127.0.0.1,
 * port 0) sharing one in-memory model, answering with the project's codec. Never the only
 * evidence that something works: real-Kafka tests exist for that. Use it for what a real broker
 * can't do on demand: slow or lost responses, dropped connections mid-request, per-partition
 * error sequences, garbage.
 *
 *   const cluster = await startFakeCluster({ brokers: 3, topics: [{ name: 't', partitions: 3 }] })
 *   cluster.bootstrapServers                 // '127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3'
 *   cluster.broker(1).addRule({ apiKey: ApiKey.Produce, times: 1, dropConnection: 'after-append' })
 *   cluster.failPartition('t', 0, FakeError.NOT_LEADER_OR_FOLLOWER, { times: 2 })
 *   cluster.moveLeader('t', 0, 2)            // leader epoch + 1
 *   cluster.log('t', 0)                      // FakeRecord[]: offset, key, value, headers, producerId, sequence...
 *   await cluster.close()
 *
 * APIs answered (versions advertised: our descriptors' ranges, narrowed by `apiVersions`):
 * ApiVersions (an unsupported version gets a v0 UNSUPPORTED_VERSION answer, as Kafka does),
 * Metadata (running brokers, topic ids; unknown topics UNKNOWN_TOPIC_OR_PARTITION, or created
 * when `autoCreateTopics`), InitProducerId (new id at epoch 0; a transactional id bumps its
 * epoch), CreateTopics, Produce (RecordBatch v2 decoded by src/records/record-batch-decoder.ts,
 * which checks the CRC and reads only uncompressed batches: a failure is CORRUPT_MESSAGE; one batch per partition,
 * offsets assigned, NOT_LEADER_OR_FOLLOWER with a KIP-951 CurrentLeader hint and NodeEndpoints
 * when this broker isn't the leader, Kafka's idempotence checks, no response for acks=0).
 * Any other API key, or a version outside the advertised range, closes the connection and is
 * recorded in `broker.protocolErrors` (as Kafka closes it).
 *
 * Faults (faults.ts): `broker.onRequest(req => action | undefined)` or `broker.addRule(rule)`;
 * the cluster-level `cluster.onRequest` / `cluster.addRule` / `cluster.failPartition` apply to
 * every broker. The first handler returning an action wins: cluster-level ones, then the
 * broker's, in registration order. Each returns a function that removes it. Actions:
 *   { delayMs }                              handle it later (the connection's later requests wait)
 *   { dropConnection: 'before' }             close the socket, nothing done
 *   { dropConnection: 'after-append' }       do it (append), then close without answering
 *   { errorFor: { topic, partition, code, times?, currentLeader? } | [...] }
 *                                            per-partition error(s), a code or a code sequence
 *   { errorCode }                            every partition / topic, or the top-level code
 *   { respondWith: bytes | (req) => bytes }  write raw bytes instead (garbage)
 *   { noResponse: true }                     do it, never answer, keep the connection open
 *   { nodeEndpoints }                        Produce v10+ endpoints to send
 * `delayMs` combines with any of the others.
 *
 * Inspection: `broker.requests` / `cluster.requests` (ReceivedRequest: apiKey, apiVersion,
 * correlationId, partitions, body...), `broker.connectionCount` (accepted so far),
 * `broker.openConnections`, `broker.protocolErrors`. `broker.dropConnections()` cuts the open
 * connections; `broker.stop()` / `broker.start()` take it down (refusing connections, left out
 * of Metadata) and back on the same port. `close()` leaves no handle open.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { FrameDecoder } from '../../src/network/frame-decoder.js'
import { apiName } from '../../src/protocol/api-keys.js'
import { type ApiDescriptor, decodeRequest, encodeResponse } from '../../src/protocol/codec.js'
import { peekRequestHeader } from '../../src/protocol/header.js'
import { ApiVersions } from '../../src/protocol/messages/api-versions.js'
import { CreateTopics, type CreateTopicsRequest } from '../../src/protocol/messages/create-topics.js'
import { InitProducerId, type InitProducerIdRequest } from '../../src/protocol/messages/init-producer-id.js'
import { Metadata, type MetadataRequest } from '../../src/protocol/messages/metadata.js'
import { Produce, type ProduceRequest } from '../../src/protocol/messages/produce.js'
import { Writer } from '../../src/protocol/writer.js'
import { ClusterModel, type FakeRecord, type FakeTopic, type TopicSpec } from './cluster-model.js'
import { FakeError } from './error-codes.js'
import {
  type FaultAction,
  type FaultRule,
  type LeaderHint,
  type PartitionFault,
  type ReceivedRequest,
  type RequestHandler,
  ruleHandler,
  type TopicPartitionRef,
} from './faults.js'
import {
  apiVersionsResponse,
  createTopicsResponse,
  type Endpoint,
  type HandlerContext,
  initProducerIdResponse,
  metadataResponse,
  produceResponse,
} from './handlers.js'

export type { FakeRecord, FakeTopic, TopicSpec } from './cluster-model.js'
export { FakeError } from './error-codes.js'
export type { FaultAction, FaultRule, PartitionFault, ReceivedRequest, RequestHandler } from './faults.js'

type AnyApi = ApiDescriptor<unknown, unknown>

/** The APIs the fake answers, with the versions our descriptors cover. */
export const FAKE_APIS: ReadonlyMap<number, AnyApi> = new Map(
  [ApiVersions, Metadata, Produce, InitProducerId, CreateTopics].map((a) => [a.apiKey, a as AnyApi]),
)

export interface FakeClusterOptions {
  /** Number of brokers (node ids 0..n-1, default 1) or their node ids. */
  brokers?: number | number[]
  topics?: TopicSpec[]
  clusterId?: string
  /** Create unknown topics asked for in Metadata: true (1 partition) or a partition count. */
  autoCreateTopics?: boolean | number
  /** Narrower version ranges to advertise, by API key; null leaves an API out. */
  apiVersions?: Record<number, { min: number; max: number } | null>
  /** See ClusterModelOptions.duplicateResponse; default 'original-offsets' (Kafka 1.0+). */
  duplicateResponse?: 'original-offsets' | 'duplicate-sequence-error'
  /** Send KIP-951 CurrentLeader / NodeEndpoints with NOT_LEADER_OR_FOLLOWER; default true. */
  leaderHints?: boolean
  /** Clock for LogAppendTime; default Date.now. */
  now?: () => number
}

const MAX_REQUEST_BYTES = 100 * 1024 * 1024

interface FakeConnection {
  id: number
  socket: Socket
  closed: boolean
  /** Requests are handled one at a time per connection, as Kafka does. */
  chain: Promise<void>
}

export class FakeBroker {
  readonly nodeId: number
  readonly host = '127.0.0.1'
  readonly requests: ReceivedRequest[] = []
  readonly protocolErrors: Error[] = []
  readonly #cluster: FakeCluster
  readonly #ctx: HandlerContext
  readonly #handlers: RequestHandler[] = []
  readonly #connections = new Set<FakeConnection>()
  readonly #timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>()
  #server: Server | null = null
  #port = 0
  #accepted = 0

  /** @internal: use startFakeCluster. */
  constructor(cluster: FakeCluster, nodeId: number, ctx: Omit<HandlerContext, 'nodeId'>) {
    this.#cluster = cluster
    this.nodeId = nodeId
    this.#ctx = { ...ctx, nodeId }
  }

  get port(): number {
    return this.#port
  }

  get address(): string {
    return `${this.host}:${this.#port}`
  }

  get running(): boolean {
    return this.#server !== null
  }

  /** Connections accepted since the start. */
  get connectionCount(): number {
    return this.#accepted
  }

  get openConnections(): number {
    return this.#connections.size
  }

  /** Listens (again, on the same port after stop()). */
  async start(): Promise<void> {
    if (this.#server !== null) return
    const server = createServer((socket) => this.#accept(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, this.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#port = (server.address() as { port: number }).port
    this.#server = server
  }

  /** Stops listening and closes every connection: the broker is down. */
  async stop(): Promise<void> {
    const server = this.#server
    if (server === null) return
    this.#server = null
    this.dropConnections()
    for (const t of this.#timers) {
      clearTimeout(t.timer)
      t.done()
    }
    this.#timers.clear()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Closes every open connection from the broker's side. */
  dropConnections(): void {
    for (const c of this.#connections) this.#close(c)
  }

  onRequest(handler: RequestHandler): () => void {
    this.#handlers.push(handler)
    return () => {
      const i = this.#handlers.indexOf(handler)
      if (i >= 0) this.#handlers.splice(i, 1)
    }
  }

  addRule(rule: FaultRule): () => void {
    return this.onRequest(ruleHandler(rule))
  }

  #accept(socket: Socket): void {
    const conn: FakeConnection = { id: ++this.#accepted, socket, closed: false, chain: Promise.resolve() }
    this.#connections.add(conn)
    socket.setNoDelay(true)
    const decoder = new FrameDecoder(MAX_REQUEST_BYTES)
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (frame) => {
          const copy = Buffer.from(frame)
          conn.chain = conn.chain
            .then(() => this.#handle(conn, copy))
            .catch((err) => this.#violation(conn, err))
        })
      } catch (err) {
        this.#violation(conn, err)
      }
    })
    socket.on('error', () => this.#close(conn))
    socket.on('close', () => this.#close(conn))
  }

  #close(conn: FakeConnection): void {
    conn.closed = true
    this.#connections.delete(conn)
    conn.socket.destroy()
  }

  #violation(conn: FakeConnection, err: unknown): void {
    this.protocolErrors.push(err instanceof Error ? err : new Error(String(err)))
    this.#close(conn)
  }

  async #handle(conn: FakeConnection, frame: Buffer): Promise<void> {
    if (conn.closed) return
    let req: ReceivedRequest
    let api: AnyApi
    try {
      const head = peekRequestHeader(frame)
      const found = FAKE_APIS.get(head.apiKey)
      const range = this.#ctx.advertised.get(head.apiKey)
      if (found === undefined || range === undefined) {
        throw new Error(`broker ${this.nodeId}: ${apiName(head.apiKey)} is not supported by the fake`)
      }
      api = found
      if (head.apiKey === ApiVersions.apiKey && head.apiVersion > range.max) {
        this.#write(conn, this.#unsupportedApiVersions(head.correlationId))
        return
      }
      if (head.apiVersion < range.min || head.apiVersion > range.max) {
        throw new Error(
          `broker ${this.nodeId}: ${api.name} v${head.apiVersion} is outside the advertised v${range.min}-v${range.max}`,
        )
      }
      req = this.#received(conn, api, frame)
    } catch (err) {
      this.#violation(conn, err)
      return
    }
    this.requests.push(req)
    this.#cluster.requests.push(req)
    const action = this.#cluster.actionFor(req) ?? this.#actionFor(req) ?? {}
    if (action.delayMs !== undefined && action.delayMs > 0) {
      await this.#sleep(action.delayMs)
      if (conn.closed) return
    }
    if (action.dropConnection === 'before') {
      this.#close(conn)
      return
    }
    if (action.respondWith !== undefined) {
      const bytes = typeof action.respondWith === 'function' ? action.respondWith(req) : action.respondWith
      this.#write(conn, Buffer.from(bytes))
      return
    }
    const body = this.#answer(req, action)
    if (action.dropConnection === 'after-append') {
      this.#close(conn)
      return
    }
    if (action.noResponse === true || body === null) return
    const w = new Writer(1024)
    encodeResponse(w, api, req.apiVersion, req.correlationId, body)
    this.#write(conn, w.toBuffer())
  }

  #actionFor(req: ReceivedRequest): FaultAction | undefined {
    for (const h of [...this.#handlers]) {
      const a = h(req)
      if (a !== undefined && a !== null) return a
    }
    return undefined
  }

  #received(conn: FakeConnection, api: AnyApi, frame: Buffer): ReceivedRequest {
    const d = decodeRequest(api, frame)
    const req: ReceivedRequest = {
      seq: this.#cluster.requests.length,
      broker: this.nodeId,
      connectionId: conn.id,
      apiKey: d.apiKey,
      apiName: api.name,
      apiVersion: d.apiVersion,
      correlationId: d.correlationId,
      clientId: d.clientId,
      body: d.body,
      partitions: [],
      topics: [],
    }
    if (d.apiKey === Produce.apiKey) {
      const body = d.body as ProduceRequest
      req.acks = body.acks
      for (const td of body.topicData) {
        const name =
          d.apiVersion >= 13
            ? (this.#cluster.model.topicById(td.topicId ?? Buffer.alloc(16))?.name ?? '')
            : (td.name ?? '')
        req.topics!.push(name)
        for (const pd of td.partitionData) req.partitions.push({ topic: name, partition: pd.index })
      }
    } else if (d.apiKey === Metadata.apiKey) {
      const topics = (d.body as MetadataRequest).topics
      req.topics = topics === null ? null : topics.map((t) => t.name ?? '')
    } else if (d.apiKey === CreateTopics.apiKey) {
      req.topics = (d.body as CreateTopicsRequest).topics.map((t) => t.name)
    }
    return req
  }

  #answer(req: ReceivedRequest, action: FaultAction): unknown {
    switch (req.apiKey) {
      case ApiVersions.apiKey:
        return apiVersionsResponse(this.#ctx, action)
      case Metadata.apiKey:
        return metadataResponse(this.#ctx, req.apiVersion, req.body as MetadataRequest, action)
      case InitProducerId.apiKey:
        return initProducerIdResponse(this.#ctx, req.body as InitProducerIdRequest, action)
      case CreateTopics.apiKey:
        return createTopicsResponse(this.#ctx, req.body as CreateTopicsRequest, action)
      case Produce.apiKey:
        return produceResponse(this.#ctx, req.apiVersion, req.body as ProduceRequest, action)
      default:
        throw new Error(`unreachable: ${req.apiName}`)
    }
  }

  // Kafka answers an ApiVersions request of a version it doesn't know in v0, with
  // UNSUPPORTED_VERSION and its own ApiVersions range, so the client can retry lower.
  #unsupportedApiVersions(correlationId: number): Buffer {
    const range = this.#ctx.advertised.get(ApiVersions.apiKey)!
    const w = new Writer(64)
    encodeResponse(w, ApiVersions, 0, correlationId, {
      ...apiVersionsResponse(this.#ctx, {}),
      errorCode: FakeError.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiVersions.apiKey, minVersion: range.min, maxVersion: range.max }],
    })
    return w.toBuffer()
  }

  #write(conn: FakeConnection, bytes: Buffer): void {
    if (!conn.closed) conn.socket.write(bytes)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry)
          resolve()
        }, ms),
        done: resolve,
      }
      this.#timers.add(entry)
    })
  }
}

export class FakeCluster {
  readonly model: ClusterModel
  readonly brokers: FakeBroker[] = []
  /** Every request any broker received, in arrival order. */
  readonly requests: ReceivedRequest[] = []
  readonly #handlers: RequestHandler[] = []

  /** @internal: use startFakeCluster. */
  constructor(model: ClusterModel) {
    this.model = model
  }

  get bootstrapServers(): string {
    return this.brokers.map((b) => b.address).join(',')
  }

  broker(nodeId: number): FakeBroker {
    const b = this.brokers.find((x) => x.nodeId === nodeId)
    if (b === undefined) throw new Error(`no fake broker ${nodeId}`)
    return b
  }

  createTopic(spec: TopicSpec): FakeTopic {
    return this.model.createTopic(spec)
  }

  topic(name: string): FakeTopic | undefined {
    return this.model.topic(name)
  }

  /** Moves a partition's leadership (-1: none) and bumps its leader epoch. */
  moveLeader(topic: string, partition: number, nodeId: number): void {
    this.model.moveLeader(topic, partition, nodeId)
  }

  leaderOf(topic: string, partition: number): { leaderId: number; leaderEpoch: number } {
    const p = this.model.partition(topic, partition)
    return { leaderId: p.leader, leaderEpoch: p.leaderEpoch }
  }

  /** The records appended to a partition, in offset order. */
  log(topic: string, partition: number): FakeRecord[] {
    return this.model.log(topic, partition)
  }

  /** A handler consulted by every broker before its own. */
  onRequest(handler: RequestHandler): () => void {
    this.#handlers.push(handler)
    return () => {
      const i = this.#handlers.indexOf(handler)
      if (i >= 0) this.#handlers.splice(i, 1)
    }
  }

  addRule(rule: FaultRule): () => void {
    return this.onRequest(ruleHandler(rule))
  }

  /**
   * Produce requests touching the partition, on any broker, get `code` (or the codes of a
   * sequence in turn) `times` times (default 1, or the sequence's length); then it works again.
   */
  failPartition(
    topic: string,
    partition: number,
    code: number | number[],
    options: { times?: number; currentLeader?: LeaderHint; errorMessage?: string } = {},
  ): () => void {
    const fault: PartitionFault = { topic, partition, code, ...options }
    return this.addRule({ apiKey: Produce.apiKey, topic, partition, errorFor: fault })
  }

  /** @internal */
  actionFor(req: ReceivedRequest): FaultAction | undefined {
    for (const h of [...this.#handlers]) {
      const a = h(req)
      if (a !== undefined && a !== null) return a
    }
    return undefined
  }

  async close(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.stop()))
  }
}

/** Starts the brokers of a fake cluster; see the header comment. */
export async function startFakeCluster(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  const b = options.brokers ?? 1
  const nodeIds = typeof b === 'number' ? Array.from({ length: b }, (_, i) => i) : [...b]
  if (nodeIds.length === 0) throw new Error('a fake cluster needs at least one broker')
  const model = new ClusterModel({
    nodeIds,
    clusterId: options.clusterId ?? 'fake-cluster',
    duplicateResponse: options.duplicateResponse ?? 'original-offsets',
    now: options.now ?? Date.now,
  })
  for (const t of options.topics ?? []) model.createTopic(t)
  const advertised = new Map<number, { min: number; max: number }>()
  for (const [key, api] of FAKE_APIS) {
    const narrowed = options.apiVersions?.[key]
    if (narrowed === null) continue
    advertised.set(key, narrowed ?? { min: api.minVersion, max: api.maxVersion })
  }
  const auto = options.autoCreateTopics
  const cluster = new FakeCluster(model)
  const endpoints = (): Endpoint[] =>
    cluster.brokers
      .filter((x) => x.running)
      .map((x) => ({ nodeId: x.nodeId, host: x.host, port: x.port, rack: null }))
  for (const nodeId of nodeIds) {
    cluster.brokers.push(
      new FakeBroker(cluster, nodeId, {
        model,
        endpoints,
        leaderHints: options.leaderHints ?? true,
        autoCreatePartitions: auto === true ? 1 : typeof auto === 'number' ? auto : 0,
        advertised,
      }),
    )
  }
  try {
    await Promise.all(cluster.brokers.map((x) => x.start()))
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}

export type { TopicPartitionRef }

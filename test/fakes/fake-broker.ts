/**
 * An in-process fake Kafka cluster for fault injection: N brokers (TCP servers on 127.0.0.1,
 * port 0) sharing one in-memory model, answering with the project's codec. Never the only
 * evidence that something works: real-Kafka tests exist for that. Use it for what a real broker
 * can't do on demand: slow or lost responses, dropped connections mid-request, per-partition
 * error sequences, garbage, coordinator moves, fencing at a chosen moment.
 *
 *   const cluster = await startFakeCluster({ brokers: 3, topics: [{ name: 't', partitions: 3 }] })
 *   cluster.bootstrapServers                 // '127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3'
 *   cluster.broker(1).addRule({ apiKey: ApiKey.Produce, times: 1, dropConnection: 'after-append' })
 *   cluster.failPartition('t', 0, FakeError.NOT_LEADER_OR_FOLLOWER, { times: 2 })
 *   cluster.moveLeader('t', 0, 2)            // leader epoch + 1
 *   cluster.log('t', 0)                      // FakeRecord[]: offset, key, value, headers, producerId,
 *                                            // sequence, transactional, txnState...
 *   await cluster.close()
 *
 * APIs answered (versions advertised: our descriptors' ranges, narrowed by `apiVersions`):
 * ApiVersions (an unsupported version gets a v0 UNSUPPORTED_VERSION answer, as Kafka does; the
 * features of a Kafka 4.0 broker with `transaction.version` = the `transactionVersion` option),
 * Metadata (running brokers, topic ids; unknown topics UNKNOWN_TOPIC_OR_PARTITION, or created
 * when `autoCreateTopics`), CreateTopics, Produce (RecordBatch v2 decoded by
 * src/records/record-batch-decoder.ts, which checks the CRC and reads only uncompressed batches:
 * a failure is CORRUPT_MESSAGE; one batch per partition, offsets assigned, NOT_LEADER_OR_FOLLOWER
 * with a KIP-951 CurrentLeader hint and NodeEndpoints when this broker isn't the leader, Kafka's
 * idempotence checks, no response for acks=0; transactional batches checked as in txn-produce.ts).
 * Transactions (txn-handlers.ts, transaction-coordinator.ts): FindCoordinator v0-v6 (group and
 * transaction keys, batched from v4), InitProducerId (null id: a new id at epoch 0 from any
 * broker; a transactional id: Kafka's coordinator with KIP-360 bumps and fencing),
 * AddPartitionsToTxn v0-v3, AddOffsetsToTxn, EndTxn v0-v5 (v5 bumps the epoch), TxnOffsetCommit
 * (txn-offset-commit.ts, to the group coordinator). A key's coordinator is its hash over the
 * running brokers unless pinned; the other brokers answer NOT_COORDINATOR.
 * Any other API key, or a version outside the advertised range, closes the connection and is
 * recorded in `broker.protocolErrors` (as Kafka closes it).
 *
 * Faults (faults.ts): `broker.onRequest(req => action | undefined)` or `broker.addRule(rule)`;
 * the cluster-level `cluster.onRequest` / `cluster.addRule` / `cluster.failPartition` apply to
 * every broker. The first handler returning an action wins: cluster-level ones, then the
 * broker's, in registration order. Each returns a function that removes it. Actions:
 *   { delayMs }                              handle it later (the connection's later requests wait)
 *   { dropConnection: 'before' }             close the socket, nothing done
 *   { dropConnection: 'after-append' }       do it (append, commit...), then close without answering
 *   { errorFor: { topic, partition, code, times?, currentLeader?, api? } | [...] }
 *                                            per-partition error(s) of Produce (default),
 *                                            Metadata, AddPartitionsToTxn or TxnOffsetCommit
 *   { errorCode }                            every partition / topic / key, or the top-level
 *                                            code; the request has no effect
 *   { respondWith: bytes | (req) => bytes }  write raw bytes instead (garbage)
 *   { noResponse: true }                     do it, never answer, keep the connection open
 *   { nodeEndpoints }                        Produce v10+ endpoints to send
 * `delayMs` combines with any of the others.
 *
 * TLS (an SSL listener): `tls` gives node:tls server options (key, cert, requestCert, ca...), for
 * every broker or per node id; `broker.tlsClientErrors` holds the handshakes it refused and
 * `broker.servernames` the SNI name of each accepted connection (false: none).
 * `advertisedHost` (cluster option, or `broker.advertisedHost`) is the host Metadata gives for a
 * broker instead of 127.0.0.1.
 *
 * Inspection: `broker.requests` / `cluster.requests` (ReceivedRequest: apiKey, apiVersion,
 * correlationId, partitions, transactionalId, body...), `broker.connectionCount` (accepted so
 * far), `broker.openConnections`, `broker.protocolErrors`. `broker.dropConnections()` cuts the
 * open connections; `broker.stop()` / `broker.start()` take it down (refusing connections, left
 * out of Metadata, its coordinator keys move to the others) and back on the same port.
 * Transactions (fake-cluster.ts): `cluster.transaction(id)`, `cluster.readCommitted(t, p)`,
 * `cluster.markers(t, p)`, `cluster.committedOffsets(group)`, `cluster.pendingOffsets(group)`;
 * levers: `setCoordinator` / `moveCoordinator` / `resetCoordinator`,
 * `setTransactionCompletionDelay` + `completeTransaction(s)`, `timeOutTransaction`,
 * `expireTransactionalId`, `setTransactionEpoch`, `setTransactionVersion`. `close()` leaves no
 * handle or timer open.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls'
import { FrameDecoder } from '../../src/network/frame-decoder.js'
import { apiName } from '../../src/protocol/api-keys.js'
import { APIS } from '../../src/protocol/apis.js'
import { type ApiDescriptor, decodeRequest, encodeResponse } from '../../src/protocol/codec.js'
import { peekRequestHeader } from '../../src/protocol/header.js'
import {
  AddOffsetsToTxn,
  type AddOffsetsToTxnRequest,
} from '../../src/protocol/messages/add-offsets-to-txn.js'
import {
  AddPartitionsToTxn,
  type AddPartitionsToTxnRequest,
} from '../../src/protocol/messages/add-partitions-to-txn.js'
import { ApiVersions } from '../../src/protocol/messages/api-versions.js'
import { CreateTopics, type CreateTopicsRequest } from '../../src/protocol/messages/create-topics.js'
import { EndTxn, type EndTxnRequest } from '../../src/protocol/messages/end-txn.js'
import { FindCoordinator, type FindCoordinatorRequest } from '../../src/protocol/messages/find-coordinator.js'
import { InitProducerId, type InitProducerIdRequest } from '../../src/protocol/messages/init-producer-id.js'
import { Metadata, type MetadataRequest } from '../../src/protocol/messages/metadata.js'
import { Produce, type ProduceRequest } from '../../src/protocol/messages/produce.js'
import {
  SaslAuthenticate,
  type SaslAuthenticateRequest,
} from '../../src/protocol/messages/sasl-authenticate.js'
import { SaslHandshake, type SaslHandshakeRequest } from '../../src/protocol/messages/sasl-handshake.js'
import {
  TxnOffsetCommit,
  type TxnOffsetCommitRequest,
} from '../../src/protocol/messages/txn-offset-commit.js'
import { Writer } from '../../src/protocol/writer.js'
import { ClusterModel, type TopicSpec } from './cluster-model.js'
import { CoordinatorPlacement } from './coordinator-placement.js'
import { FakeError } from './error-codes.js'
import { FakeCluster } from './fake-cluster.js'
import {
  type FaultAction,
  type FaultRule,
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
  metadataResponse,
  produceResponse,
} from './handlers.js'
import { summarize } from './request-summary.js'
import { FakeSaslListener, type FakeSaslOptions } from './sasl-listener.js'
import {
  addOffsetsToTxnResponse,
  addPartitionsToTxnResponse,
  endTxnResponse,
  findCoordinatorResponse,
  initProducerIdResponse,
} from './txn-handlers.js'
import { txnOffsetCommitResponse } from './txn-offset-commit.js'

export type { FakeMarker, FakeRecord, FakeTopic, TopicSpec, TxnFate } from './cluster-model.js'
export type { CoordinatorKind } from './coordinator-placement.js'
export { FakeError } from './error-codes.js'
export { FakeCluster } from './fake-cluster.js'
export type {
  FaultAction,
  FaultApi,
  FaultRule,
  PartitionFault,
  ReceivedRequest,
  RequestHandler,
} from './faults.js'
export {
  type FakeCommittedOffset,
  type FakePendingOffsets,
  OFFSETS_TOPIC,
  offsetsPartitionFor,
} from './group-coordinator.js'
export type { FakeTransaction, TxnPartition, TxnState } from './transaction-coordinator.js'

type AnyApi = ApiDescriptor<unknown, unknown>

/** The APIs the fake answers (every API Sluice speaks), with the versions our descriptors cover. */
export const FAKE_APIS: ReadonlyMap<number, AnyApi> = new Map(APIS.map((a) => [a.apiKey, a]))

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
  /** Clock for LogAppendTime and transaction start times; default Date.now. */
  now?: () => number
  /** Finalized transaction.version reported in ApiVersions (0 leaves it out); default 2. */
  transactionVersion?: 0 | 1 | 2
  /** See FakeCluster.setTransactionCompletionDelay; default 0. */
  transactionCompletionDelayMs?: number
  /** transaction.max.timeout.ms: longer InitProducerId timeouts are refused; default 900000. */
  transactionMaxTimeoutMs?: number
  /** transaction.partition.verification.enable; default true, as in Kafka. */
  partitionVerification?: boolean
  /** A SASL_PLAINTEXT listener (sasl-listener.ts); absent: plaintext, SaslHandshake not offered. */
  sasl?: FakeSaslOptions
  /** node:tls server options: the brokers listen with TLS (per node id when a function). */
  tls?: TlsOptions | ((nodeId: number) => TlsOptions)
  /** The host Metadata advertises for every broker; default 127.0.0.1 (the one listened on). */
  advertisedHost?: string
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
  /** Bytes read from and written to clients' sockets (after TLS), for the byte metrics. */
  bytesReceived = 0
  bytesSent = 0
  readonly protocolErrors: Error[] = []
  /** TLS handshakes the broker refused (tls listener only). */
  readonly tlsClientErrors: Error[] = []
  /** The SNI server name of each accepted TLS connection, in order; false when none was sent. */
  readonly servernames: (string | false)[] = []
  /** The host Metadata gives for this broker; null: `host`. */
  advertisedHost: string | null = null
  readonly #tls: TlsOptions | null
  readonly #cluster: FakeCluster
  readonly #ctx: HandlerContext
  readonly #handlers: RequestHandler[] = []
  readonly #connections = new Set<FakeConnection>()
  readonly #timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>()
  #server: Server | null = null
  #port = 0
  #accepted = 0

  /** @internal: use startFakeCluster. */
  constructor(
    cluster: FakeCluster,
    nodeId: number,
    ctx: Omit<HandlerContext, 'nodeId'>,
    tls: TlsOptions | null = null,
  ) {
    this.#cluster = cluster
    this.nodeId = nodeId
    this.#ctx = { ...ctx, nodeId }
    this.#tls = tls
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

  /** The SASL listener (shared by the cluster's brokers), when the cluster has one. */
  get sasl(): FakeSaslListener | undefined {
    return this.#ctx.sasl
  }

  get openConnections(): number {
    return this.#connections.size
  }

  /** Listens (again, on the same port after stop()). */
  async start(): Promise<void> {
    if (this.#server !== null) return
    const tls = this.#tls
    let server: Server
    if (tls === null) server = createServer((socket) => this.#accept(socket))
    else {
      server = createTlsServer(tls, (socket: TLSSocket) => {
        this.servernames.push(socket.servername ?? false)
        this.#accept(socket)
      })
      server.on('tlsClientError', (err) => this.tlsClientErrors.push(err))
    }
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
      this.bytesReceived += chunk.length
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
    const sasl = this.#ctx.sasl
    const saslKey = `${this.nodeId}:${conn.id}`
    if (sasl?.expectsRawToken(saslKey) === true) {
      // SaslHandshake v0: the token is a bare frame, and so is the answer; a refusal closes.
      const answer = sasl.rawToken(saslKey, frame)
      if (answer === null) {
        this.#closeAfterWrites(conn)
        return
      }
      const size = Buffer.allocUnsafe(4)
      size.writeInt32BE(answer.length, 0)
      this.#write(conn, Buffer.concat([size, answer]))
      return
    }
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
      sasl?.check(saslKey, req.apiKey, req.apiName)
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
    // Kafka answers a failed SaslAuthenticate, then closes the connection.
    if (req.apiKey === SaslAuthenticate.apiKey && sasl?.failed(saslKey) === true) this.#closeAfterWrites(conn)
  }

  /** Closes the connection once what was written has gone (end(), not destroy()). */
  #closeAfterWrites(conn: FakeConnection): void {
    conn.closed = true
    this.#connections.delete(conn)
    conn.socket.end()
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
    return {
      seq: this.#cluster.requests.length,
      broker: this.nodeId,
      connectionId: conn.id,
      apiKey: d.apiKey,
      apiName: api.name,
      apiVersion: d.apiVersion,
      correlationId: d.correlationId,
      clientId: d.clientId,
      body: d.body,
      ...summarize(this.#cluster.model, d.apiKey, d.apiVersion, d.body),
    }
  }

  #answer(req: ReceivedRequest, action: FaultAction): unknown {
    switch (req.apiKey) {
      case ApiVersions.apiKey:
        return apiVersionsResponse(this.#ctx, req.apiVersion, action)
      case Metadata.apiKey:
        return metadataResponse(this.#ctx, req.apiVersion, req.body as MetadataRequest, action)
      case InitProducerId.apiKey:
        return initProducerIdResponse(this.#ctx, req.apiVersion, req.body as InitProducerIdRequest, action)
      case CreateTopics.apiKey:
        return createTopicsResponse(this.#ctx, req.body as CreateTopicsRequest, action)
      case Produce.apiKey:
        return produceResponse(this.#ctx, req.apiVersion, req.body as ProduceRequest, action)
      case FindCoordinator.apiKey:
        return findCoordinatorResponse(this.#ctx, req.apiVersion, req.body as FindCoordinatorRequest, action)
      case AddPartitionsToTxn.apiKey:
        return addPartitionsToTxnResponse(
          this.#ctx,
          req.apiVersion,
          req.body as AddPartitionsToTxnRequest,
          action,
        )
      case AddOffsetsToTxn.apiKey:
        return addOffsetsToTxnResponse(this.#ctx, req.apiVersion, req.body as AddOffsetsToTxnRequest, action)
      case EndTxn.apiKey:
        return endTxnResponse(this.#ctx, req.apiVersion, req.body as EndTxnRequest, action)
      case TxnOffsetCommit.apiKey:
        return txnOffsetCommitResponse(this.#ctx, req.apiVersion, req.body as TxnOffsetCommitRequest, action)
      case SaslHandshake.apiKey:
        return this.#ctx.sasl!.handshake(
          `${this.nodeId}:${req.connectionId}`,
          req.apiVersion,
          req.body as SaslHandshakeRequest,
        )
      case SaslAuthenticate.apiKey:
        return this.#ctx.sasl!.authenticate(
          `${this.nodeId}:${req.connectionId}`,
          req.apiVersion,
          req.body as SaslAuthenticateRequest,
        )
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
      ...apiVersionsResponse(this.#ctx, 0, {}),
      errorCode: FakeError.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiVersions.apiKey, minVersion: range.min, maxVersion: range.max }],
    })
    return w.toBuffer()
  }

  #write(conn: FakeConnection, bytes: Buffer): void {
    if (conn.closed) return
    this.bytesSent += bytes.length
    conn.socket.write(bytes)
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
    transactionVersion: options.transactionVersion ?? 2,
    transactionCompletionDelayMs: options.transactionCompletionDelayMs ?? 0,
    transactionMaxTimeoutMs: options.transactionMaxTimeoutMs ?? 900_000,
  })
  for (const t of options.topics ?? []) model.createTopic(t)
  const advertised = new Map<number, { min: number; max: number }>()
  for (const [key, api] of FAKE_APIS) {
    const narrowed = options.apiVersions?.[key]
    if (narrowed === null) continue
    if ((key === SaslHandshake.apiKey || key === SaslAuthenticate.apiKey) && options.sasl === undefined)
      continue
    advertised.set(key, narrowed ?? { min: api.minVersion, max: api.maxVersion })
  }
  const auto = options.autoCreateTopics
  const sasl = options.sasl === undefined ? undefined : new FakeSaslListener(options.sasl)
  const brokers: FakeBroker[] = []
  const placement = new CoordinatorPlacement(() => brokers.filter((x) => x.running).map((x) => x.nodeId))
  const cluster = new FakeCluster(model, placement)
  const endpoints = (): Endpoint[] =>
    cluster.brokers
      .filter((x) => x.running)
      .map((x) => ({ nodeId: x.nodeId, host: x.advertisedHost ?? x.host, port: x.port, rack: null }))
  for (const nodeId of nodeIds) {
    const tls =
      options.tls === undefined ? null : typeof options.tls === 'function' ? options.tls(nodeId) : options.tls
    const broker = new FakeBroker(
      cluster,
      nodeId,
      {
        model,
        endpoints,
        leaderHints: options.leaderHints ?? true,
        autoCreatePartitions: auto === true ? 1 : typeof auto === 'number' ? auto : 0,
        advertised,
        coordinatorOf: (kind, key) => placement.of(kind, key),
        partitionVerification: options.partitionVerification ?? true,
        ...(sasl === undefined ? {} : { sasl }),
      },
      tls,
    )
    broker.advertisedHost = options.advertisedHost ?? null
    brokers.push(broker)
    cluster.brokers.push(broker)
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

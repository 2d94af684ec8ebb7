import type { MetadataManager } from '../cluster/metadata-manager.js'
import { type Codec, loadCodec } from '../compression/index.js'
import { type Offload, offloadFor } from '../compression/offload/offload.js'
import {
  type BatchEvent,
  type BatchOutcomeEvent,
  batchChannel,
  errorChannel,
  type RequestEvent,
  type ResponseEvent,
  requestChannel,
  responseChannel,
  retryChannel,
} from '../diagnostics.js'
import {
  asMaybeWritten,
  isConnectionSetupRefusal,
  NetworkError,
  ProducerClosedError,
  ProtocolError,
  TimeoutError,
} from '../errors.js'
import { errorFields, Log } from '../logging.js'
import type { NodeKey, ProducerMetrics } from '../metrics/producer-metrics.js'
import { backoffMs } from '../network/backoff.js'
import type { BrokerConnection } from '../network/broker-connection.js'
import type { BrokerAddress, ConnectionPool } from '../network/connection-pool.js'
import { brokerError, ErrorCode, errorForCode } from '../protocol/error-codes.js'
import { Produce, type ProduceRequest, type ProduceResponse } from '../protocol/messages/produce.js'
import { timerDelay } from '../timers.js'
import type { RecordAccumulator } from './accumulator.js'
import type { ProducerConfig } from './config/index.js'
import type { PartitionQueue } from './partition-queue.js'
import type { BuiltInPartitioner } from './partitioner.js'
import type { ProducerBatch } from './producer-batch.js'
import type { Idempotence } from './txn/idempotence.js'

/** The sender's part of the producer's metrics. */
export type SenderMetrics = Pick<
  ProducerMetrics,
  'batchDrained' | 'requestSent' | 'produceAnswered' | 'retried' | 'failed' | 'batchSplit'
>

/**
 * Who hears of each delivery outcome (the producer's health and circuit breaker): per batch
 * acknowledged or failed for good, per request failed unanswered; never per record.
 */
export interface DeliveryObserver {
  /** A batch of `topic` was acknowledged (or written, with acks=0). */
  delivered(topic: string): void
  /** A batch failed for good, or a Produce request failed unanswered (`what` says which). */
  failed(err: Error, what: string): void
}

/** Errors after which the partition's leader may have moved: refresh metadata before retrying. */
const STALE_METADATA_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
])

/**
 * Drains ready batches from the accumulator into one Produce request per leader broker, keeps at
 * most `max.in.flight.requests.per.connection` requests in flight on each connection, and
 * completes, retries (with backoff, within `delivery.timeout.ms`) or fails each batch by the
 * broker's answer.
 */
export class Sender {
  readonly #acc: RecordAccumulator
  readonly #metadata: MetadataManager
  readonly #pool: ConnectionPool
  readonly #config: ProducerConfig
  /** Producer id, sequences and transaction state; null without idempotence. */
  readonly #tm: Idempotence | null
  /** The compression codec; null until loaded (always loaded for 'none'). */
  #codec: Codec | null = null
  /** Where large batches compress off the event loop; null: every batch inline. */
  #offload: Offload | null = null
  #closed = false
  readonly #level: number | undefined
  #metadataRequestedAt = 0
  #metadataAttempts = 0
  #scheduled = false
  #timer: NodeJS.Timeout | null = null
  #timerAt = Number.POSITIVE_INFINITY
  #cursor = 0
  #fatal: Error | null = null
  readonly #connecting = new Set<string>()
  /** Brokers whose last connection attempt was refused for good (TLS or authentication), by host:port. */
  readonly #refusals = new Map<string, Error>()

  readonly #partitioner: BuiltInPartitioner
  readonly #metrics: SenderMetrics
  readonly #log: Log
  /** The node-id tag of each leader, made once. */
  readonly #nodeKeys = new Map<number, NodeKey>()
  readonly #observer: DeliveryObserver | null

  constructor(
    acc: RecordAccumulator,
    metadata: MetadataManager,
    pool: ConnectionPool,
    config: ProducerConfig,
    partitioner: BuiltInPartitioner,
    tm: Idempotence | null,
    metrics: SenderMetrics,
    log: Log = Log.silent,
    observer: DeliveryObserver | null = null,
  ) {
    this.#observer = observer
    this.#metrics = metrics
    this.#log = log
    this.#tm = tm
    this.#partitioner = partitioner
    this.#acc = acc
    this.#metadata = metadata
    this.#pool = pool
    this.#config = config
    this.#level = levelFor(config)
    loadCodec(config.compressionType).then(
      (codec) => {
        this.#codec = codec
        // A producer closed before its codec loaded takes no share of the worker pool.
        if (!this.#closed) this.#offload = offloadFor(codec)
        this.wakeup()
      },
      (err: Error) => this.#failAll(err),
    )
  }

  /** Runs the drain loop soon (once per tick however often it is called). */
  wakeup(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      try {
        this.#run()
      } catch (err) {
        // A bug in the drain loop must not take the process down; fail what is queued instead.
        this.#failAll(err instanceof Error ? err : new Error(String(err)))
      }
    })
  }

  #run(): void {
    const now = Date.now()
    const tm = this.#tm
    if (tm !== null) {
      const fatal = tm.fatalError
      if (fatal !== null) {
        this.#failAll(fatal)
        return
      }
      if (tm.abortsUndrained) this.#abortUndrained(tm.abortReason)
      tm.maintain()
    }
    const snapshot = this.#metadata.snapshot
    const queues = this.#acc.queues
    const byLeader = new Map<number, PartitionQueue[]>()
    let nextWake = Number.POSITIVE_INFINITY
    let needMetadata = false
    const n = queues.length
    const start = n === 0 ? 0 : this.#cursor % n
    this.#cursor = start + 1
    for (let k = 0; k < n; k++) {
      const q = queues[(start + k) % n]!
      this.#expireQueued(q, now)
      const head = q.head
      if (head === undefined) continue
      // Records waiting for this topic keep its metadata from expiring (metadata.max.idle.ms).
      this.#metadata.touch(q.topic, now)
      const readyAt = this.#acc.readyAt(q)
      if (readyAt > now) {
        if (readyAt < nextWake) nextWake = readyAt
        continue
      }
      if (this.#mustWait(q, head)) continue
      const leader = snapshot.topic(q.topic)?.partitions[q.partition]?.leader ?? -1
      if (leader < 0 || !snapshot.brokers.has(leader)) {
        needMetadata = true
        continue
      }
      let group = byLeader.get(leader)
      if (group === undefined) {
        group = []
        byLeader.set(leader, group)
      }
      group.push(q)
    }
    if (needMetadata) this.#refreshMetadata()
    this.#partitioner.updateLoadStats(queues, snapshot)
    // Queued batches also expire: wake up in time to fail them.
    for (const q of queues) {
      const head = q.head
      if (head !== undefined) nextWake = Math.min(nextWake, head.createdMs + this.#config.deliveryTimeoutMs)
    }
    if (nextWake !== Number.POSITIVE_INFINITY) this.#wakeAt(nextWake)
    if (byLeader.size === 0) return

    if (this.#codec === null) return
    if (tm !== null && !tm.prepareDrain()) return
    for (const [leaderId, group] of byLeader) {
      const broker = snapshot.brokers.get(leaderId)!
      const conn = this.#pool.peek(broker)
      this.#partitioner.updateNodeLatencyStats(
        leaderId,
        now,
        conn?.isOpen === true && conn.connection.inFlight < this.#config.maxInFlightRequestsPerConnection,
      )
      if (conn === null) {
        const key = `${broker.host}:${broker.port}`
        const refusal = this.#refusals.get(key)
        if (refusal !== undefined) {
          this.#refusals.delete(key)
          this.#failRefused(group, refusal)
          continue
        }
        this.#connect(broker)
        continue
      }
      this.#drainTo(conn, group, now, this.#nodeKey(leaderId))
    }
  }

  #drainTo(conn: BrokerConnection, group: PartitionQueue[], now: number, node: NodeKey): void {
    const maxInFlight = this.#config.maxInFlightRequestsPerConnection
    if (conn.connection.inFlight >= maxInFlight || !conn.isOpen) return
    // The version is chosen before any batch leaves its queue: a broker with no Produce version
    // both sides speak fails the ready batches here, unsent.
    let version: number
    try {
      version = conn.versionOf(Produce, this.#tm?.produceVersionCap)
    } catch (err) {
      for (const q of group) {
        const head = q.head
        if (head !== undefined && this.#acc.readyAt(q) <= now)
          this.#fail(head, toError(err), head.attempts > 0 ? 'unknown' : 'unsent')
      }
      this.wakeup() // for the batches behind them
      return
    }
    while (conn.connection.inFlight < maxInFlight && conn.isOpen) {
      const batches: ProducerBatch[] = []
      try {
        let size = 0
        for (const q of group) {
          const head = q.head
          if (head === undefined || this.#acc.readyAt(q) > now) continue
          if (this.#mustWait(q, head)) continue
          q.seal(head)
          if (!this.#compressed(head)) continue
          this.#tm?.stamp(q, head)
          const bytes = head.encode().length
          // One batch always goes, however large; more only while the request stays in bounds.
          if (batches.length > 0 && size + bytes > this.#config.maxRequestSize) continue
          batches.push(q.takeHead())
          size += bytes
        }
      } catch (err) {
        // Batches taken for this request must not be left in flight with no request.
        this.#failUndispatched(batches, toError(err))
        throw err
      }
      if (batches.length === 0) return
      this.#send(conn, version, batches, node, now)
    }
  }

  /**
   * Order rules for the head batch of a partition. With max.in.flight=1 (and no idempotence) one
   * batch at a time. With idempotence the transaction manager decides: a retried batch goes
   * only as the partition's first unfinished one (one request at a time while a partition
   * recovers, as in the Java producer), new batches wait while a sequence is in doubt, and a
   * transactional batch waits until its partition has joined the transaction.
   */
  #mustWait(q: PartitionQueue, head: ProducerBatch): boolean {
    const tm = this.#tm
    if (tm === null) return this.#config.maxInFlightRequestsPerConnection === 1 && q.inFlightCount > 0
    if (!tm.mayDrain(q, head)) return true
    // The first unfinished batch may still be in flight from an earlier attempt.
    return head.baseSequence >= 0 && q.hasInFlightSequence(head.baseSequence)
  }

  /**
   * Whether the (sealed) batch's records are ready to be framed: uncompressed, or compressed.
   * Large batches are compressed off the event loop (offload.ts says from which size); the loop
   * runs again when that finishes.
   */
  #compressed(batch: ProducerBatch): boolean {
    const codec = this.#codec!
    if (codec.id === 0 || batch.isCompressed) return true
    const offload = this.#offload
    try {
      const offThread = offload !== null && batch.sizeInBytes >= offload.threshold ? offload.compress : null
      const pending = batch.compress(codec, this.#level, offThread)
      if (pending === null) return true
      pending.then(
        () => this.wakeup(),
        (err: Error) => {
          this.#fail(batch, err)
          this.wakeup()
        },
      )
      return false
    } catch (err) {
      this.#fail(batch, toError(err))
      this.wakeup() // for the batches behind it
      return false
    }
  }

  /**
   * Fails a batch for good, wherever it is; nothing happens if it is already done. `fate`:
   * 'unwritten' when it was definitely not written (the broker said so, or this attempt never
   * left) so sequences after it may move, 'unknown' when it may have been (sent, then no
   * answer), 'unsent' when it never left.
   */
  #fail(batch: ProducerBatch, err: Error, fate: 'unwritten' | 'unknown' | 'unsent' = 'unsent'): void {
    if (batch.state === 'done') return
    if (fate === 'unknown') err = asMaybeWritten(err)
    this.#metrics.failed(batch.topic, batch.recordCount, Date.now())
    if (errorChannel.hasSubscribers) errorChannel.publish(this.#outcome(batch, err))
    if (this.#log.enabled('debug'))
      this.#log.debug(
        {
          topic: batch.topic,
          partition: batch.partition,
          records: batch.recordCount,
          fate,
          ...errorFields(err),
        },
        'a batch failed',
      )
    const tm = this.#tm
    if (tm !== null) {
      if (fate === 'unknown' && batch.baseSequence >= 0) tm.onUnknownFate(batch, err)
      else tm.onFailed(batch, err, fate === 'unwritten' && batch.attempts < this.#config.retries)
    }
    // Before the records' callbacks run, so they see the breaker and health() as they now are.
    this.#observer?.failed(err, `a batch for ${batch.topic}-${batch.partition} failed`)
    this.#acc.fail(batch, err)
  }

  /**
   * Batches taken for a request that never reached the connection: this attempt wrote nothing,
   * but an earlier one may have.
   */
  #failUndispatched(batches: readonly ProducerBatch[], err: Error): void {
    for (const b of batches) this.#fail(b, err, b.attempts > 1 ? 'unknown' : 'unwritten')
  }

  /** Batches of an answered request whose handling threw: the broker may have written them. */
  #failUnsettled(batches: readonly ProducerBatch[], err: Error): void {
    for (const b of batches) if (b.state === 'in-flight') this.#fail(b, err, 'unknown')
  }

  /** The transaction is being aborted: batches never sent fail now; those sent finish first. */
  #abortUndrained(reason: Error): void {
    for (const q of this.#acc.queues) {
      if (q.head === undefined) continue
      for (const b of q.takeUnsent()) {
        this.#metrics.failed(b.topic, b.recordCount, Date.now())
        this.#acc.fail(b, reason)
      }
    }
  }

  #send(conn: BrokerConnection, version: number, batches: ProducerBatch[], node: NodeKey, now: number): void {
    const acks = this.#config.acks
    let response: Promise<ProduceResponse>
    let request: ProduceRequest
    try {
      request = this.#request(batches, version >= PRODUCE_FIRST_TOPIC_ID)
      // Produce v13 names topics by id only. As Java's Sender, a request with a topic whose id the
      // metadata did not give (Metadata before v10, or the all-zero id) goes out at v12 at most,
      // which names them (the request carries both).
      if (
        version >= PRODUCE_FIRST_TOPIC_ID &&
        request.topicData.some((t) => sameId(t.topicId ?? null, ZERO_UUID))
      ) {
        try {
          version = conn.versionOf(Produce, PRODUCE_FIRST_TOPIC_ID - 1)
        } catch {
          // The broker speaks only v13+: the request names the topic by an id it can't resolve.
        }
      }
      response = conn.sendAt(Produce, version, request, acks !== 0)
    } catch (err) {
      this.#failUndispatched(batches, toError(err))
      return
    }
    const metrics = this.#metrics
    const clientId = this.#config.clientId
    let records = 0
    for (const b of batches) {
      records += b.recordCount
      metrics.batchDrained(b, now)
      if (batchChannel.hasSubscribers) {
        batchChannel.publish({
          clientId,
          topic: b.topic,
          partition: b.partition,
          records: b.recordCount,
          bytes: b.sizeInBytes,
          attempt: b.attempts,
        } satisfies BatchEvent)
      }
    }
    metrics.requestSent(records, now)
    if (requestChannel.hasSubscribers) {
      requestChannel.publish({
        clientId,
        node: node.nodeId,
        batches: batches.length,
        records,
      } satisfies RequestEvent)
    }
    response.then(
      (res) => {
        try {
          if (acks !== 0) {
            const answered = Date.now()
            metrics.produceAnswered(node, answered - now, res.throttleTimeMs, answered)
            if (responseChannel.hasSubscribers) {
              responseChannel.publish({
                clientId,
                node: node.nodeId,
                batches: batches.length,
                records,
                latencyMs: answered - now,
                throttleTimeMs: res.throttleTimeMs,
              } satisfies ResponseEvent)
            }
          }
          if (acks === 0) for (const b of batches) this.#complete(b, -1n, -1)
          else this.#onResponse(res, batches, version >= PRODUCE_FIRST_TOPIC_ID ? request : null)
        } catch (err) {
          this.#failUnsettled(batches, toError(err))
        }
        this.wakeup()
      },
      (err: Error) => {
        try {
          if (this.#fatal === null) this.#observer?.failed(err, `a Produce request to ${node.nodeId} failed`)
          // The request left (encoding failures throw above): its batches' fate is unknown.
          for (const b of batches) this.#retryOrFail(b, err, true)
        } catch (e) {
          this.#failUnsettled(batches, toError(e))
        }
        this.wakeup()
      },
    )
  }

  #request(batches: readonly ProducerBatch[], useTopicIds: boolean): ProduceRequest {
    const topicData: ProduceRequest['topicData'] = []
    const byTopic = new Map<string, ProduceRequest['topicData'][number]>()
    const snapshot = this.#metadata.snapshot
    for (const b of batches) {
      let t = byTopic.get(b.topic)
      if (t === undefined) {
        const topicId = useTopicIds ? (snapshot.topic(b.topic)?.topicId ?? null) : null
        t = { name: b.topic, topicId: topicId ?? ZERO_UUID, partitionData: [] }
        byTopic.set(b.topic, t)
        topicData.push(t)
      }
      t.partitionData.push({ index: b.partition, records: b.encode() })
    }
    return {
      transactionalId: this.#tm?.transactionalId ?? null,
      acks: this.#config.acks,
      timeoutMs: this.#config.requestTimeoutMs,
      topicData,
    }
  }

  /**
   * `byId`: the request, when it named topics by id (Produce v13+). The answer's ids are those the
   * request sent, whatever the metadata says by now (a topic recreated meanwhile has a new id).
   */
  #onResponse(res: ProduceResponse, batches: ProducerBatch[], byId: ProduceRequest | null): void {
    const answered = new Set<ProducerBatch>()
    for (const t of res.responses) {
      const name =
        byId === null ? t.name : byId.topicData.find((r) => sameId(r.topicId ?? null, t.topicId))?.name
      for (const p of t.partitionResponses) {
        const batch = batches.find((b) => b.partition === p.index && b.topic === name)
        if (batch === undefined || answered.has(batch)) continue
        answered.add(batch)
        this.#onPartitionResult(batch, p, res.nodeEndpoints)
      }
    }
    for (const b of batches) {
      if (!answered.has(b)) {
        this.#retryOrFail(
          b,
          new ProtocolError(`the broker's Produce response did not mention ${b.topic}-${b.partition}`, {
            retriable: true,
          }),
          true,
        )
      }
    }
  }

  #onPartitionResult(
    batch: ProducerBatch,
    p: ProduceResponse['responses'][number]['partitionResponses'][number],
    endpoints: ProduceResponse['nodeEndpoints'],
  ): void {
    const code = p.errorCode
    if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      this.#tm?.onCompleted(batch, p.baseOffset)
      this.#complete(batch, p.baseOffset, Number(p.logAppendTimeMs))
      return
    }
    if (code === ErrorCode.MESSAGE_TOO_LARGE && batch.recordCount > 1) {
      // Split in halves until the parts fit the topic's max.message.bytes; a single record
      // that still does not fit fails below.
      const parts = this.#acc.split(batch, Math.ceil(batch.sizeInBytes / 2))
      this.#metrics.batchSplit(Date.now())
      this.#tm?.replaceSplit(batch, parts)
      return
    }
    const detail = p.errorMessage ? `: ${p.errorMessage}` : ''
    const err = brokerError(code, `producing to ${batch.topic}-${batch.partition}${detail}`)
    if (STALE_METADATA_ERRORS.has(code)) {
      const hint = p.currentLeader
      const moved = this.#metadata.applyLeaderHint(
        batch.topic,
        batch.partition,
        hint.leaderId,
        hint.leaderEpoch,
        endpoints,
      )
      // With the new leader known, retry at once (KIP-951); otherwise ask for fresh metadata.
      if (moved) batch.skipBackoff = true
      else this.#refreshMetadata()
    }
    const tm = this.#tm
    const retriable =
      tm !== null &&
      batch.baseSequence >= 0 &&
      (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID)
        ? this.#withinLimits(batch) && tm.canRetry(batch, code, p.logStartOffset)
        : errorForCode(code).retriable
    this.#retryOrFail(batch, err, retriable, true)
  }

  #withinLimits(batch: ProducerBatch): boolean {
    return (
      batch.attempts <= this.#config.retries &&
      Date.now() < batch.createdMs + this.#config.deliveryTimeoutMs &&
      this.#fatal === null
    )
  }

  /**
   * `definite` says the broker answered for this batch (so an error means it was not written);
   * after a lost connection or a timeout the batch's fate is unknown.
   */
  #retryOrFail(batch: ProducerBatch, err: Error, retriable: boolean, definite = false): void {
    if (batch.state !== 'in-flight') return
    const now = Date.now()
    const deadline = batch.createdMs + this.#config.deliveryTimeoutMs
    if (retriable && batch.attempts <= this.#config.retries && now < deadline && this.#fatal === null) {
      if (err instanceof NetworkError) this.#refreshMetadata()
      this.#metrics.retried(batch.topic, batch.recordCount, now)
      if (retryChannel.hasSubscribers) retryChannel.publish(this.#outcome(batch, err))
      this.#log.warn(
        {
          topic: batch.topic,
          partition: batch.partition,
          records: batch.recordCount,
          attempt: batch.attempts,
          attemptsLeft: this.#config.retries - batch.attempts,
          ...errorFields(err),
        },
        'retrying a batch',
      )
      const retryAt = batch.skipBackoff
        ? now
        : now + backoffMs(this.#config.retryBackoffMs, this.#config.retryBackoffMaxMs, batch.attempts - 1)
      batch.skipBackoff = false
      this.#acc.queue(batch.topic, batch.partition).requeue(batch, retryAt)
      return
    }
    const where = `${batch.recordCount} record(s) for ${batch.topic}-${batch.partition}`
    const limit = `delivery.timeout.ms=${this.#config.deliveryTimeoutMs}`
    const final =
      retriable && now >= deadline
        ? definite
          ? new TimeoutError(
              `${where} expired: not delivered within ${limit} (last error: ${err.message})`,
              'ERR_DELIVERY_TIMEOUT',
              {
                cause: err,
              },
            )
          : new TimeoutError(
              `${where} expired within ${limit}: the last attempt was sent and not answered, so they may have been written (last error: ${err.message})`,
              'ERR_DELIVERY_TIMEOUT',
              { cause: err, maybeWritten: true },
            )
        : err
    this.#fail(batch, final, definite ? 'unwritten' : 'unknown')
  }

  #complete(batch: ProducerBatch, baseOffset: bigint, logAppendTimeMs: number): void {
    this.#observer?.delivered(batch.topic)
    this.#acc.complete(batch, baseOffset, logAppendTimeMs)
  }

  /** Fails queued batches that waited longer than delivery.timeout.ms (those not in flight). */
  #expireQueued(q: PartitionQueue, now: number): void {
    const limit = this.#config.deliveryTimeoutMs
    for (let head = q.head; head !== undefined; head = q.head) {
      if (now - head.createdMs < limit) return
      // A batch that was sent before may have been written: its sequence is in doubt.
      const sentBefore = head.attempts > 0
      const waited = `${head.recordCount} record(s) for ${q.topic}-${q.partition} expired after ${now - head.createdMs} ms`
      this.#fail(
        head,
        sentBefore
          ? new TimeoutError(
              `${waited} waiting to be sent again (delivery.timeout.ms=${limit}); an earlier attempt was not answered, so they may have been written`,
              'ERR_DELIVERY_TIMEOUT',
              { maybeWritten: true },
            )
          : new TimeoutError(
              `${waited} waiting to be sent (delivery.timeout.ms=${limit}); never sent, so not written`,
              'ERR_DELIVERY_TIMEOUT',
            ),
        sentBefore ? 'unknown' : 'unsent',
      )
    }
  }

  #wakeAt(at: number): void {
    if (this.#timer !== null && this.#timerAt <= at) return
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(
      () => {
        this.#timer = null
        this.#timerAt = Number.POSITIVE_INFINITY
        this.wakeup()
      },
      timerDelay(at - Date.now()),
    )
  }

  /**
   * Asks for fresh metadata, no sooner than the retry backoff after the previous ask (doubling up
   * to retry.backoff.max.ms while asks keep coming), so a leader that stays unknown can't turn
   * the loop into a storm of Metadata requests.
   */
  #refreshMetadata(): void {
    const now = Date.now()
    const gap = backoffMs(this.#config.retryBackoffMs, this.#config.retryBackoffMaxMs, this.#metadataAttempts)
    if (now - this.#metadataRequestedAt < gap) {
      this.#wakeAt(this.#metadataRequestedAt + gap)
      return
    }
    // Asks spaced well apart start the backoff over.
    this.#metadataAttempts =
      now - this.#metadataRequestedAt > 2 * this.#config.retryBackoffMaxMs ? 0 : this.#metadataAttempts + 1
    this.#metadataRequestedAt = now
    this.#metadata.refresh().then(
      () => this.wakeup(),
      () => this.#wakeAt(Date.now() + this.#config.retryBackoffMs),
    )
  }

  #connect(broker: BrokerAddress): void {
    const k = `${broker.host}:${broker.port}`
    if (this.#connecting.has(k)) return
    this.#connecting.add(k)
    this.#pool.get(broker).then(
      () => {
        this.#connecting.delete(k)
        this.wakeup()
      },
      (err: unknown) => {
        this.#connecting.delete(k)
        if (isConnectionSetupRefusal(err)) {
          // Asking again would get the same answer: what waits for this broker fails (next run).
          this.#refusals.set(k, err)
          this.wakeup()
          return
        }
        // The leader may have gone; learn where the partitions went, then try again.
        this.#refreshMetadata()
        this.#wakeAt(Math.max(this.#pool.readyAt(broker), Date.now() + this.#config.retryBackoffMs))
      },
    )
  }

  /**
   * The leader refused the connection (TLS or authentication): the batches waiting for it fail
   * with that error. A batch never sent was not written; one sent before, on an earlier
   * connection, may have been. Records sent later try the broker again, after the reconnect backoff.
   */
  #failRefused(group: readonly PartitionQueue[], err: Error): void {
    for (const q of group)
      for (const b of q.takeWaiting()) this.#fail(b, err, b.attempts > 0 ? 'unknown' : 'unsent')
  }

  /** Fails every queued batch and every later send (in-flight ones settle with their responses). */
  #failAll(err: Error): void {
    this.#fatal = err
    this.abortQueued(err)
  }

  /**
   * Fails everything still queued with `err`; used when close() gives up. A batch sent before
   * (waiting for its retry) may have been written: it fails with `sentBefore`.
   */
  abortQueued(err: Error, sentBefore: Error = asMaybeWritten(err)): void {
    for (const q of this.#acc.queues)
      for (const b of q.takeWaiting()) this.#acc.fail(b, b.attempts > 0 ? sentBefore : err)
  }

  #outcome(batch: ProducerBatch, error: Error): BatchOutcomeEvent {
    return {
      clientId: this.#config.clientId,
      topic: batch.topic,
      partition: batch.partition,
      records: batch.recordCount,
      attempt: batch.attempts,
      error,
    }
  }

  #nodeKey(nodeId: number): NodeKey {
    let k = this.#nodeKeys.get(nodeId)
    if (k === undefined) {
      k = { nodeId: `node-${nodeId}` }
      this.#nodeKeys.set(nodeId, k)
    }
    return k
  }

  get fatalError(): Error | null {
    return this.#fatal ?? this.#tm?.fatalError ?? null
  }

  /** Stops the loop; batches whose requests fail from now on fail instead of being retried. */
  close(): void {
    this.#fatal ??= new ProducerClosedError('the producer was closed before the record was delivered')
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#closed = true
    // Compressions under way finish inline if the pool stops under them.
    this.#offload?.release()
  }
}

const ZERO_UUID = new Uint8Array(16)
/** Produce v13 (KIP-516) names topics by id instead of by name. */
const PRODUCE_FIRST_TOPIC_ID = 13

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

function sameId(a: Uint8Array | null, b: Uint8Array | null | undefined): boolean {
  if (a === null || b === null || b === undefined || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function levelFor(config: ProducerConfig): number | undefined {
  switch (config.compressionType) {
    case 'gzip':
      return config.compressionGzipLevel
    case 'lz4':
      return config.compressionLz4Level
    case 'zstd':
      return config.compressionZstdLevel
    default:
      return undefined
  }
}

import { setTimeout as sleep } from 'node:timers/promises'
import type { MetadataManager } from '../../cluster/metadata-manager.js'
import {
  FatalProducerError,
  KafkaError,
  ProducerClosedError,
  ProducerFencedError,
  TimeoutError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionStateError,
} from '../../errors.js'
import { backoffMs } from '../../network/backoff.js'
import type { ConnectionPool } from '../../network/connection-pool.js'
import { brokerError, ErrorCode, errorForCode } from '../../protocol/error-codes.js'
import { AddOffsetsToTxn } from '../../protocol/messages/add-offsets-to-txn.js'
import { AddPartitionsToTxn } from '../../protocol/messages/add-partitions-to-txn.js'
import { END_TXN_MAX_BEFORE_TRANSACTION_V2, EndTxn } from '../../protocol/messages/end-txn.js'
import { InitProducerId } from '../../protocol/messages/init-producer-id.js'
import {
  TXN_OFFSET_COMMIT_MAX_BEFORE_TRANSACTION_V2,
  TxnOffsetCommit,
} from '../../protocol/messages/txn-offset-commit.js'
import type { PartitionQueue, RecordAccumulator } from '../accumulator.js'
import type { ProducerConfig } from '../config/index.js'
import type { ProducerBatch } from '../producer-batch.js'
import { type CoordinatorKind, Coordinators } from './coordinators.js'
import { type ProducerIdentity, SequenceBook } from './sequence-book.js'
import { isTransitionValid, type TxnState } from './states.js'

const EPOCH_MAX = 32767
/** Produce v12 means "transactions v2" to the broker; without it the transactional producer stays below. */
export const PRODUCE_MAX_BEFORE_TRANSACTION_V2 = 11
/** TxnOffsetCommit v6 names topics by id; Sluice sends names. */
const TXN_OFFSET_COMMIT_MAX = 5
/** Java's backoff for retrying the first AddPartitionsToTxn after CONCURRENT_TRANSACTIONS. */
const ADD_PARTITIONS_CONCURRENT_BACKOFF_MS = 20

export interface OffsetToCommit {
  topic: string
  partition: number
  /** The offset of the next record the consumer will read. */
  offset: bigint | number
  metadata?: string | null
  leaderEpoch?: number
}

/** The consumer group the offsets belong to (a consumer's `groupMetadata()`), or just its id. */
export interface ConsumerGroupMetadata {
  groupId: string
  generationId?: number
  memberId?: string
  groupInstanceId?: string | null
}

/** Retry this coordinator request (after the backoff), looking the coordinator up again when `relookup`. */
class Retry {
  constructor(
    readonly relookup: boolean,
    readonly backoffMs?: number,
  ) {}
}

/**
 * Producer id, epoch and sequence numbers for the idempotent producer, and the transaction
 * state machine for the transactional one: the Java producer's TransactionManager. The sender
 * asks it before draining a partition and tells it how each batch ended; the producer's
 * transactional methods drive the coordinator requests, one at a time.
 */
export class TransactionManager {
  readonly transactionalId: string | null
  readonly #config: ProducerConfig
  readonly #acc: RecordAccumulator
  readonly #coordinators: Coordinators
  readonly #wakeSender: () => void

  #state: TxnState = 'UNINITIALIZED'
  #lastError: Error | null = null
  #producerId = -1n
  #epoch = -1
  #closed = false

  // Idempotence.
  readonly #book: SequenceBook
  #identityCache: ProducerIdentity = { producerId: -1n, epoch: -1 }
  #initInFlight: Promise<void> | null = null

  // Transactions.
  #transactionV2 = false
  #coordinatorCanBumpEpoch = false
  #transactionStarted = false
  readonly #inTransaction = new Set<PartitionQueue>()
  readonly #newPartitions = new Set<PartitionQueue>()
  readonly #pendingPartitions = new Set<PartitionQueue>()
  /** Coordinator requests run one at a time, in order. */
  #chain: Promise<unknown> = Promise.resolve()
  #addScheduled = false
  /** A user call that timed out (max.block.ms) still runs; calling it again waits for the same result. */
  #pendingTransition: {
    operation: string
    target: TxnState
    result: Promise<void>
    settled: boolean
  } | null = null

  constructor(
    config: ProducerConfig,
    pool: ConnectionPool,
    metadata: MetadataManager,
    acc: RecordAccumulator,
    wakeSender: () => void,
  ) {
    this.transactionalId = config.transactionalId
    this.#config = config
    this.#acc = acc
    this.#coordinators = new Coordinators(pool, metadata)
    this.#book = new SequenceBook((b) => acc.queue(b.topic, b.partition))
    this.#wakeSender = wakeSender
  }

  get isTransactional(): boolean {
    return this.transactionalId !== null
  }

  get state(): TxnState {
    return this.#state
  }

  get producerId(): bigint {
    return this.#producerId
  }

  get epoch(): number {
    return this.#epoch
  }

  get hasProducerId(): boolean {
    return this.#producerId >= 0n
  }

  get fatalError(): Error | null {
    return this.#state === 'FATAL_ERROR' ? this.#lastError : null
  }

  get transactionV2(): boolean {
    return this.#transactionV2
  }

  /** The highest Produce version to use: transactions v1 must not look like v2 to the broker. */
  get produceVersionCap(): number | undefined {
    return this.isTransactional && !this.#transactionV2 ? PRODUCE_MAX_BEFORE_TRANSACTION_V2 : undefined
  }

  // ---------------------------------------------------------------------------------------------
  // The sender's side: before each drain, per partition, per batch outcome.

  /**
   * Called at the top of each sender loop: resolves sequences left in doubt by batches whose
   * fate was unknown, and bumps the idempotent epoch when asked to (KIP-360).
   */
  maintain(): void {
    if (this.#state === 'FATAL_ERROR') return
    const unresolvable = this.#book.resolve(this.isTransactional)
    if (unresolvable > 0) this.#unresolvableInTransaction()
    if (!this.isTransactional && this.#book.epochBumpRequired && this.hasProducerId)
      this.#bumpIdempotentEpoch()
  }

  /** Whether batches may be drained now; starts an InitProducerId when the idempotent producer has no id. */
  prepareDrain(): boolean {
    if (this.#state === 'FATAL_ERROR') return false
    if (!this.isTransactional) {
      if (!this.hasProducerId) {
        this.#initIdempotent()
        return false
      }
      return true
    }
    return this.hasProducerId && this.#state !== 'INITIALIZING' && this.#state !== 'UNINITIALIZED'
  }

  /** Whether queued batches that were never sent must fail now: the transaction is being aborted. */
  get abortsUndrained(): boolean {
    return this.#state === 'ABORTABLE_ERROR' || this.#state === 'ABORTING_TRANSACTION'
  }

  /** The error those batches fail with. */
  get abortReason(): Error {
    return this.#lastError ?? new TransactionAbortedError()
  }

  /** Whether the head batch of `q` may be drained now. */
  mayDrain(q: PartitionQueue, head: ProducerBatch): boolean {
    if (this.#state === 'FATAL_ERROR') return false
    if (this.isTransactional && !this.#inTransaction.has(q)) return false
    return this.#book.mayDrain(q, head, this.#identity)
  }

  /** Stamps producer id, epoch and sequence on a batch the first time it is drained. */
  stamp(q: PartitionQueue, batch: ProducerBatch): void {
    if (!this.hasProducerId) return
    this.#book.stamp(q, batch, this.#identity, this.isTransactional)
  }

  /** A batch was split into parts that cover its sequence range: track the parts instead. */
  replaceSplit(batch: ProducerBatch, parts: readonly ProducerBatch[]): void {
    this.#book.replaceSplit(batch, parts)
  }

  onCompleted(batch: ProducerBatch, baseOffset: bigint): void {
    this.#book.onCompleted(batch, baseOffset)
  }

  /** OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID on a batch: may it be retried? */
  canRetry(batch: ProducerBatch, code: number, logStartOffset: bigint): boolean {
    return this.#book.canRetry(batch, code, logStartOffset, this.#identity, this.isTransactional)
  }

  /**
   * A batch failed for good. `adjustSequences`: the broker definitely did not write it (its
   * retries were not exhausted), so later sequences may be moved.
   */
  onFailed(batch: ProducerBatch, err: Error, adjustSequences: boolean): void {
    this.#maybeTransitionToErrorState(err)
    if (this.#state === 'FATAL_ERROR') {
      this.#book.forget(batch)
      return
    }
    const code = err instanceof KafkaError ? err.errorCode : -1
    this.#book.onFailed(batch, code, adjustSequences, this.isTransactional)
  }

  /** A record of the open transaction failed before it was appended (serializer, size, metadata, memory). */
  onRecordFailed(err: Error): void {
    if (!this.isTransactional || this.#state !== 'IN_TRANSACTION') return
    if (err instanceof TransactionStateError || err instanceof ProducerClosedError) return
    this.#maybeTransitionToErrorState(err)
  }

  /** A sent batch ended without a definite answer: the broker may hold it. */
  onUnknownFate(batch: ProducerBatch, err: Error): void {
    this.#maybeTransitionToErrorState(err)
    this.#book.onUnknownFate(batch)
  }

  /** The current id and epoch as one object, made again only when they change (asked per drained batch). */
  get #identity(): ProducerIdentity {
    const c = this.#identityCache
    if (c.producerId === this.#producerId && c.epoch === this.#epoch) return c
    this.#identityCache = { producerId: this.#producerId, epoch: this.#epoch }
    return this.#identityCache
  }

  /** A transaction's batch may or may not have been written: it can't commit. */
  #unresolvableInTransaction(): void {
    if (this.#coordinatorCanBumpEpoch) {
      this.#toAbortableError(
        new TransactionAbortableError(
          "some records sent in this transaction were never acknowledged and can't be retried; abort the transaction and go on",
        ),
      )
    } else {
      this.#toFatal(
        new FatalProducerError(
          "some records sent in this transaction were never acknowledged and can't be retried, and the coordinator can't bump the epoch",
        ),
      )
    }
  }

  /** KIP-360 for the idempotent producer: a new epoch locally; the affected partitions restart at 0. */
  #bumpIdempotentEpoch(): void {
    if (this.#epoch >= EPOCH_MAX) {
      // Epochs are exhausted: take a new producer id; every partition starts over.
      this.#producerId = -1n
      this.#epoch = -1
      this.#state = 'UNINITIALIZED'
      this.#book.epochBumpRequired = false
      return
    }
    this.#epoch++
    this.#book.rewriteAfterBump(this.#identity)
  }

  #resetSequences(): void {
    // Batches still unfinished keep their place: they start again from 0 under the new identity.
    this.#book.resetAll(this.#identity)
  }

  #initIdempotent(): void {
    if (this.#initInFlight !== null || this.#closed) return
    this.#initInFlight = this.#initIdempotentOnce().then(
      () => {
        this.#initInFlight = null
        this.#wakeSender()
      },
      (err: Error) => {
        this.#initInFlight = null
        if (err instanceof KafkaError && !err.retriable) {
          this.#toFatal(err)
          this.#wakeSender()
          return
        }
        setTimeout(() => this.#wakeSender(), this.#config.retryBackoffMs).unref()
      },
    )
  }

  async #initIdempotentOnce(): Promise<void> {
    const conn = await this.#coordinators.connectAny()
    const res = await conn.send(InitProducerId, {
      transactionalId: null,
      transactionTimeoutMs: this.#config.transactionTimeoutMs,
      producerId: -1n,
      producerEpoch: -1,
      enable2Pc: false,
      keepPreparedTxn: false,
    })
    if (res.errorCode !== ErrorCode.NONE) throw brokerError(res.errorCode, 'InitProducerId')
    this.#producerId = res.producerId
    this.#epoch = res.producerEpoch
    this.#state = 'READY'
    this.#resetSequences()
  }

  // ---------------------------------------------------------------------------------------------
  // Errors and states.

  #maybeTransitionToErrorState(err: Error): void {
    if (
      err instanceof ProducerFencedError ||
      (err instanceof KafkaError &&
        (err.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED ||
          err.errorCode === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
          err.errorCode === ErrorCode.PRODUCER_FENCED ||
          err.errorCode === ErrorCode.UNSUPPORTED_VERSION))
    ) {
      this.#toFatal(
        err instanceof KafkaError && err.errorCode === ErrorCode.PRODUCER_FENCED ? this.#fenced() : err,
      )
    } else if (this.isTransactional) {
      if (this.#coordinatorCanBumpEpoch && !this.#isCompleting) this.#book.epochBumpRequired = true
      this.#toAbortableError(err)
    }
  }

  get #isCompleting(): boolean {
    return this.#state === 'COMMITTING_TRANSACTION' || this.#state === 'ABORTING_TRANSACTION'
  }

  #toAbortableError(err: Error): void {
    if (this.#state === 'ABORTING_TRANSACTION' || this.#state === 'FATAL_ERROR') return
    if (!isTransitionValid(this.#state, 'ABORTABLE_ERROR')) return
    this.#state = 'ABORTABLE_ERROR'
    this.#lastError = err
    this.#wakeSender()
  }

  #toFatal(err: Error): void {
    if (this.#state === 'FATAL_ERROR') return
    this.#state = 'FATAL_ERROR'
    this.#lastError = err
    this.#wakeSender()
  }

  #transition(target: TxnState): void {
    if (!isTransitionValid(this.#state, target)) {
      throw new TransactionStateError(
        `transactional id '${this.transactionalId}': can't go from ${this.#state} to ${target}`,
      )
    }
    this.#state = target
    this.#lastError = null
  }

  #fenced(): ProducerFencedError {
    return new ProducerFencedError(
      `the producer with transactional.id '${this.transactionalId}' (producer id ${this.#producerId}, epoch ${this.#epoch}) was fenced: another producer with the same transactional.id has started; close this one`,
    )
  }

  /** The error a transactional call fails with while the transaction manager is in an error state. */
  #failIfError(operation: string): void {
    if (this.#state === 'FATAL_ERROR') {
      const e = this.#lastError
      if (e instanceof ProducerFencedError) throw this.#fenced()
      throw new FatalProducerError(
        `can't ${operation}: the producer hit a fatal error (${e?.message}); close it`,
        {
          cause: e,
        },
      )
    }
    if (this.#state === 'ABORTABLE_ERROR') {
      throw new TransactionAbortableError(
        `can't ${operation}: the transaction must be aborted first (${this.#lastError?.message})`,
        { cause: this.#lastError },
      )
    }
  }

  #ensureTransactional(operation: string): void {
    if (!this.isTransactional) {
      throw new TransactionStateError(`${operation}() needs a transactional producer: set transactional.id`)
    }
    if (this.#closed) throw new ProducerClosedError(`can't ${operation}: the producer is closed`)
  }

  #throwIfPending(operation: string): void {
    const p = this.#pendingTransition
    if (p === null) return
    if (p.settled) {
      this.#pendingTransition = null
      return
    }
    throw new TransactionStateError(
      `can't ${operation}: the earlier ${p.operation}() timed out and is still running; call ${p.operation}() again`,
    )
  }

  /**
   * Runs a transition's work once; a call after a timeout (max.block.ms) waits for the same work.
   */
  #runTransition(operation: string, target: TxnState, start: () => Promise<void>): Promise<void> {
    const p = this.#pendingTransition
    if (p !== null) {
      if (p.settled) this.#pendingTransition = null
      else if (p.target !== target) {
        return Promise.reject(
          new TransactionStateError(
            `can't ${operation}: the earlier ${p.operation}() timed out and is still running; call ${p.operation}() again`,
          ),
        )
      } else return this.#withTimeout(operation, p.result)
    }
    let result: Promise<void>
    try {
      result = start()
    } catch (err) {
      return Promise.reject(err)
    }
    const entry = { operation, target, result, settled: false }
    this.#pendingTransition = entry
    result.then(
      () => {
        entry.settled = true
      },
      () => {
        entry.settled = true
      },
    )
    return this.#withTimeout(operation, result)
  }

  #withTimeout(operation: string, result: Promise<void>): Promise<void> {
    const limit = this.#config.maxBlockMs
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutError(
              `${operation}() did not finish within max.block.ms=${limit}; it goes on in the background: call ${operation}() again to wait for it`,
            ),
          ),
        limit,
      )
    })
    return Promise.race([result, timeout]).finally(() => clearTimeout(timer))
  }

  // ---------------------------------------------------------------------------------------------
  // The transactional API.

  initTransactions(): Promise<void> {
    try {
      this.#ensureTransactional('initTransactions')
      this.#throwIfPending('initTransactions')
    } catch (err) {
      return Promise.reject(err)
    }
    if (this.#state !== 'UNINITIALIZED' && this.#pendingTransition === null) {
      return Promise.reject(
        new TransactionStateError(`initTransactions() was already called (state ${this.#state})`),
      )
    }
    return this.#runTransition('initTransactions', 'INITIALIZING', () => {
      this.#transition('INITIALIZING')
      return this.#enqueue(() => this.#initProducerId(false))
    })
  }

  beginTransaction(): void {
    this.#ensureTransactional('beginTransaction')
    this.#throwIfPending('beginTransaction')
    this.#failIfError('beginTransaction')
    if (this.#state !== 'READY') {
      throw new TransactionStateError(
        this.#state === 'UNINITIALIZED'
          ? 'beginTransaction() before initTransactions(): call and await initTransactions() first'
          : `beginTransaction() while a transaction is ${this.#state === 'IN_TRANSACTION' ? 'already open' : this.#state}`,
      )
    }
    this.#transition('IN_TRANSACTION')
    this.#transactionV2 = this.#coordinatorTransactionVersion() >= 2
  }

  /** Called when a record is appended to partition `q`: it joins the transaction. */
  addPartition(q: PartitionQueue): void {
    if (!this.isTransactional) return
    this.#failIfError('send')
    this.#throwIfPending('send')
    if (this.#state !== 'IN_TRANSACTION') {
      throw new TransactionStateError(
        `can't send to ${q.topic}-${q.partition} outside a transaction (state ${this.#state}): call beginTransaction() first`,
      )
    }
    if (this.#inTransaction.has(q) || this.#newPartitions.has(q) || this.#pendingPartitions.has(q)) return
    if (this.#transactionV2) {
      // KIP-890: the broker adds the partition when the transactional Produce (v12+) arrives.
      this.#inTransaction.add(q)
      this.#transactionStarted = true
      return
    }
    this.#newPartitions.add(q)
    if (!this.#addScheduled) {
      this.#addScheduled = true
      this.#enqueue(() => this.#addPartitions()).catch(() => {})
    }
  }

  sendOffsetsToTransaction(
    offsets: readonly OffsetToCommit[],
    group: ConsumerGroupMetadata | string,
  ): Promise<void> {
    try {
      this.#ensureTransactional('sendOffsetsToTransaction')
      this.#throwIfPending('sendOffsetsToTransaction')
      this.#failIfError('sendOffsetsToTransaction')
      if (this.#state !== 'IN_TRANSACTION') {
        throw new TransactionStateError(
          `sendOffsetsToTransaction() needs an open transaction (state ${this.#state}): call beginTransaction() first`,
        )
      }
    } catch (err) {
      return Promise.reject(err)
    }
    const g: ConsumerGroupMetadata = typeof group === 'string' ? { groupId: group } : group
    if (typeof g.groupId !== 'string' || g.groupId.length === 0) {
      return Promise.reject(new TransactionStateError('sendOffsetsToTransaction() needs a non-empty groupId'))
    }
    return this.#withTimeout(
      'sendOffsetsToTransaction',
      this.#enqueue(() => this.#sendOffsets(offsets, g)),
    )
  }

  commitTransaction(): Promise<void> {
    try {
      this.#ensureTransactional('commitTransaction')
      if (this.#pendingTransition?.target !== 'COMMITTING_TRANSACTION') {
        this.#throwIfPending('commitTransaction')
        this.#failIfError('commitTransaction')
        if (this.#state !== 'IN_TRANSACTION') {
          throw new TransactionStateError(
            `commitTransaction() without an open transaction (state ${this.#state})`,
          )
        }
      }
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#runTransition('commitTransaction', 'COMMITTING_TRANSACTION', () => {
      this.#transition('COMMITTING_TRANSACTION')
      return this.#complete(true)
    })
  }

  abortTransaction(): Promise<void> {
    try {
      this.#ensureTransactional('abortTransaction')
      if (this.#pendingTransition?.target !== 'ABORTING_TRANSACTION') {
        this.#throwIfPending('abortTransaction')
        if (this.#state === 'FATAL_ERROR') this.#failIfError('abortTransaction')
        if (this.#state !== 'IN_TRANSACTION' && this.#state !== 'ABORTABLE_ERROR') {
          throw new TransactionStateError(
            `abortTransaction() without an open transaction (state ${this.#state})`,
          )
        }
      }
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#runTransition('abortTransaction', 'ABORTING_TRANSACTION', () => {
      const cause = this.#lastError
      this.#transition('ABORTING_TRANSACTION')
      this.#lastError = cause
      this.#newPartitions.clear()
      this.#wakeSender()
      return this.#complete(false)
    })
  }

  /** Whether a transaction is open or ending (close() aborts it). */
  get hasOngoingTransaction(): boolean {
    return this.#state === 'IN_TRANSACTION' || this.#isCompleting || this.#state === 'ABORTABLE_ERROR'
  }

  close(): void {
    this.#closed = true
  }

  // ---------------------------------------------------------------------------------------------
  // Coordinator requests.

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work, work)
    this.#chain = run.catch(() => {})
    return run
  }

  /**
   * Sends to the coordinator until `handle` says done: network errors and Retry answers are tried
   * again after the retry backoff (looking the coordinator up again where needed).
   */
  async #coordinatorCall<T>(
    kind: CoordinatorKind,
    key: string,
    send: (conn: import('../../network/broker-connection.js').BrokerConnection) => Promise<T | Retry>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new ProducerClosedError('the producer closed during a transactional request')
      let outcome: T | Retry
      try {
        const conn = await this.#coordinators.connect(kind, key)
        outcome = await send(conn)
      } catch (err) {
        if (!(err instanceof KafkaError) || !err.retriable) throw err
        this.#coordinators.invalidate(kind, key)
        outcome = new Retry(true)
      }
      if (!(outcome instanceof Retry)) return outcome
      if (outcome.relookup) this.#coordinators.invalidate(kind, key)
      const wait =
        outcome.backoffMs ??
        backoffMs(this.#config.retryBackoffMs, this.#config.retryBackoffMaxMs, Math.min(attempt, 10))
      await sleep(wait, undefined, { ref: false })
    }
  }

  /** The cluster's transaction.version as the coordinator last reported it (KIP-890 needs 2). */
  #coordinatorTransactionVersion(): number {
    const conn = this.#coordinators.peek('transaction', this.transactionalId ?? '')
    if (conn === null) return this.#transactionV2 ? 2 : 0
    return conn.featureLevel('transaction.version')
  }

  /** InitProducerId with the transactional id: a first id, or (bump) a new epoch after an abort. */
  async #initProducerId(bump: boolean): Promise<void> {
    const txnId = this.transactionalId!
    await this.#coordinatorCall('transaction', txnId, async (conn) => {
      this.#coordinatorCanBumpEpoch = conn.versionOf(InitProducerId) >= 3
      const res = await conn.send(InitProducerId, {
        transactionalId: txnId,
        transactionTimeoutMs: this.#config.transactionTimeoutMs,
        producerId: this.#producerId,
        producerEpoch: this.#epoch,
        enable2Pc: false,
        keepPreparedTxn: false,
      })
      const code = res.errorCode
      if (code === ErrorCode.NONE) {
        this.#producerId = res.producerId
        this.#epoch = res.producerEpoch
        this.#transactionV2 = conn.featureLevel('transaction.version') >= 2
        this.#state = 'READY'
        this.#lastError = null
        if (bump) this.#resetSequences()
        else this.#book.clear()
        return undefined
      }
      if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE)
        return new Retry(true)
      if (errorForCode(code).retriable) return new Retry(false)
      throw this.#fail(code, 'InitProducerId')
    })
    this.#wakeSender()
  }

  async #addPartitions(): Promise<void> {
    this.#addScheduled = false
    if (this.#newPartitions.size === 0) return
    for (const q of this.#newPartitions) this.#pendingPartitions.add(q)
    this.#newPartitions.clear()
    const txnId = this.transactionalId!
    let concurrentBackoff: number | undefined
    try {
      await this.#coordinatorCall('transaction', txnId, async (conn) => {
        if (this.#state === 'FATAL_ERROR' || this.#state === 'ABORTABLE_ERROR') return undefined
        const byTopic = new Map<string, number[]>()
        for (const q of this.#pendingPartitions) {
          let list = byTopic.get(q.topic)
          if (list === undefined) {
            list = []
            byTopic.set(q.topic, list)
          }
          list.push(q.partition)
        }
        const res = await conn.send(AddPartitionsToTxn, {
          v3AndBelowTransactionalId: txnId,
          v3AndBelowProducerId: this.#producerId,
          v3AndBelowProducerEpoch: this.#epoch,
          v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        })
        let partitionErrors: string[] = []
        for (const t of res.resultsByTopicV3AndBelow) {
          for (const p of t.resultsByPartition) {
            const code = p.partitionErrorCode
            if (code === ErrorCode.NONE) continue
            if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE)
              return new Retry(true)
            if (code === ErrorCode.CONCURRENT_TRANSACTIONS) {
              // The previous transaction is still completing: try again soon.
              if (this.#inTransaction.size === 0) concurrentBackoff = ADD_PARTITIONS_CONCURRENT_BACKOFF_MS
              return new Retry(false, concurrentBackoff)
            }
            if (errorForCode(code).retriable) return new Retry(false)
            if (code === ErrorCode.OPERATION_NOT_ATTEMPTED) continue
            if (
              code === ErrorCode.INVALID_PRODUCER_EPOCH ||
              code === ErrorCode.PRODUCER_FENCED ||
              code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
              code === ErrorCode.INVALID_TXN_STATE ||
              code === ErrorCode.UNKNOWN_PRODUCER_ID ||
              code === ErrorCode.INVALID_PRODUCER_ID_MAPPING ||
              code === ErrorCode.TRANSACTION_ABORTABLE
            ) {
              throw this.#fail(code, `AddPartitionsToTxn ${t.name}-${p.partitionIndex}`)
            }
            partitionErrors.push(`${t.name}-${p.partitionIndex}: ${errorForCode(code).name}`)
          }
        }
        for (const q of this.#pendingPartitions) this.#inTransaction.add(q)
        if (partitionErrors.length > 0) {
          const err = new TransactionAbortableError(
            `could not add partitions to the transaction: ${partitionErrors.join(', ')}`,
          )
          partitionErrors = []
          this.#toAbortableError(err)
          return undefined
        }
        this.#transactionStarted = true
        return undefined
      })
    } finally {
      this.#pendingPartitions.clear()
      this.#wakeSender()
    }
  }

  async #sendOffsets(offsets: readonly OffsetToCommit[], group: ConsumerGroupMetadata): Promise<void> {
    const txnId = this.transactionalId!
    if (!this.#transactionV2) {
      await this.#coordinatorCall('transaction', txnId, async (conn) => {
        const res = await conn.send(AddOffsetsToTxn, {
          transactionalId: txnId,
          producerId: this.#producerId,
          producerEpoch: this.#epoch,
          groupId: group.groupId,
        })
        const code = res.errorCode
        if (code === ErrorCode.NONE) return undefined
        if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE)
          return new Retry(true)
        if (errorForCode(code).retriable) return new Retry(false)
        throw this.#fail(code, `AddOffsetsToTxn for group '${group.groupId}'`)
      })
    }
    this.#transactionStarted = true
    const pending = new Map<string, OffsetToCommit>()
    for (const o of offsets) pending.set(`${o.topic}\u0000${o.partition}`, o)
    await this.#coordinatorCall('group', group.groupId, async (conn) => {
      const byTopic = new Map<string, OffsetToCommit[]>()
      for (const o of pending.values()) {
        let list = byTopic.get(o.topic)
        if (list === undefined) {
          list = []
          byTopic.set(o.topic, list)
        }
        list.push(o)
      }
      const res = await conn.send(
        TxnOffsetCommit,
        {
          transactionalId: txnId,
          groupId: group.groupId,
          producerId: this.#producerId,
          producerEpoch: this.#epoch,
          generationIdOrMemberEpoch: group.generationId ?? -1,
          memberId: group.memberId ?? '',
          groupInstanceId: group.groupInstanceId ?? null,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list.map((o) => ({
              partitionIndex: o.partition,
              committedOffset: BigInt(o.offset),
              committedLeaderEpoch: o.leaderEpoch ?? -1,
              committedMetadata: o.metadata ?? '',
            })),
          })),
        },
        true,
        this.#transactionV2 ? TXN_OFFSET_COMMIT_MAX : TXN_OFFSET_COMMIT_MAX_BEFORE_TRANSACTION_V2,
      )
      let relookup = false
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const code = p.errorCode
          const k = `${t.name}\u0000${p.partitionIndex}`
          if (code === ErrorCode.NONE) {
            pending.delete(k)
            continue
          }
          if (
            code === ErrorCode.COORDINATOR_NOT_AVAILABLE ||
            code === ErrorCode.NOT_COORDINATOR ||
            code === ErrorCode.REQUEST_TIMED_OUT
          ) {
            relookup = true
            continue
          }
          if (errorForCode(code).retriable) continue
          throw this.#fail(code, `TxnOffsetCommit ${t.name}-${p.partitionIndex} for group '${group.groupId}'`)
        }
      }
      return pending.size === 0 ? undefined : new Retry(relookup)
    })
  }

  /** Commit or abort: wait for every record of the transaction, then EndTxn. */
  async #complete(commit: boolean): Promise<void> {
    this.#acc.beginFlush()
    try {
      this.#wakeSender()
      while (this.#acc.incomplete.size > 0) await this.#acc.awaitIncomplete()
    } finally {
      this.#acc.endFlush()
    }
    await this.#enqueue(async () => {
      if (commit && this.#state !== 'COMMITTING_TRANSACTION') this.#failIfError('commitTransaction')
      if (this.#state === 'FATAL_ERROR') this.#failIfError(commit ? 'commitTransaction' : 'abortTransaction')
      if (
        this.#transactionStarted &&
        !(
          this.#lastError instanceof KafkaError &&
          this.#lastError.errorCode === ErrorCode.INVALID_PRODUCER_ID_MAPPING
        )
      ) {
        await this.#endTxn(commit)
      }
      this.#finishTransaction()
      if (this.#state === 'INITIALIZING') await this.#initProducerId(true)
    })
  }

  async #endTxn(commit: boolean): Promise<void> {
    const txnId = this.transactionalId!
    await this.#coordinatorCall('transaction', txnId, async (conn) => {
      const res = await conn.send(
        EndTxn,
        {
          transactionalId: txnId,
          producerId: this.#producerId,
          producerEpoch: this.#epoch,
          committed: commit,
        },
        true,
        this.#transactionV2 ? undefined : END_TXN_MAX_BEFORE_TRANSACTION_V2,
      )
      const code = res.errorCode
      if (code === ErrorCode.NONE) {
        if (this.#transactionV2 && res.producerId >= 0n) {
          // KIP-890: every transaction ends with a new epoch (or a new id when epochs run out).
          if (res.producerId !== this.#producerId || res.producerEpoch !== this.#epoch) {
            this.#producerId = res.producerId
            this.#epoch = res.producerEpoch
            this.#resetSequences()
          }
        }
        return undefined
      }
      if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE)
        return new Retry(true)
      if (errorForCode(code).retriable) return new Retry(false)
      throw this.#fail(code, commit ? 'EndTxn (commit)' : 'EndTxn (abort)')
    })
  }

  #finishTransaction(): void {
    const next: TxnState =
      this.#book.epochBumpRequired && this.#state === 'ABORTING_TRANSACTION' ? 'INITIALIZING' : 'READY'
    this.#transition(next)
    this.#book.epochBumpRequired = false
    this.#transactionStarted = false
    this.#newPartitions.clear()
    this.#pendingPartitions.clear()
    this.#inTransaction.clear()
  }

  /**
   * The error for a coordinator's answer as the Java producer classifies it: fenced and
   * authorization errors are fatal, lost producer state is abortable when the epoch can be
   * bumped, the rest abortable or fatal per Kafka. Moves the state machine accordingly.
   */
  #fail(code: number, what: string): Error {
    const cause = brokerError(code, what)
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) {
      const err = this.#fenced()
      this.#toFatal(err)
      return err
    }
    if (code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING) {
      if (this.#coordinatorCanBumpEpoch) {
        this.#book.epochBumpRequired = true
        const err = new TransactionAbortableError(`${cause.message}; abort the transaction and go on`, {
          cause,
          errorCode: code,
        })
        this.#toAbortableError(err)
        return err
      }
      const err = new FatalProducerError(cause.message, { cause, errorCode: code })
      this.#toFatal(err)
      return err
    }
    if (
      code === ErrorCode.TRANSACTION_ABORTABLE ||
      code === ErrorCode.GROUP_AUTHORIZATION_FAILED ||
      code === ErrorCode.TOPIC_AUTHORIZATION_FAILED ||
      code === ErrorCode.FENCED_INSTANCE_ID ||
      code === ErrorCode.UNKNOWN_MEMBER_ID ||
      code === ErrorCode.ILLEGAL_GENERATION
    ) {
      const err = new TransactionAbortableError(`${cause.message}; abort the transaction and go on`, {
        cause,
        errorCode: code,
      })
      this.#toAbortableError(err)
      return err
    }
    const err = new FatalProducerError(cause.message, { cause, errorCode: code })
    this.#toFatal(err)
    return err
  }
}

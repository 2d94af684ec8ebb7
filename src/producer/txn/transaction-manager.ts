import type { MetadataManager } from '../../cluster/metadata-manager.js'
import {
  FatalProducerError,
  KafkaError,
  ProducerClosedError,
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionStateError,
} from '../../errors.js'
import type { ConnectionPool } from '../../network/connection-pool.js'
import { brokerError, ErrorCode } from '../../protocol/error-codes.js'
import type { RecordAccumulator } from '../accumulator.js'
import type { ProducerConfig } from '../config/index.js'
import type { PartitionQueue } from '../partition-queue.js'
import type { ProducerBatch } from '../producer-batch.js'
import { BlockingCalls } from './blocking-calls.js'
import { CoordinatorRequests, failureOf } from './coordinator-requests.js'
import { Coordinators } from './coordinators.js'
import type { Idempotence } from './idempotence.js'
import { type ProducerIdentity, SequenceBook } from './sequence-book.js'
import { isTransitionValid, type TxnState } from './states.js'
import type { ConsumerGroupMetadata, OffsetToCommit } from './types.js'

const EPOCH_MAX = 32767
/** Produce v12 means "transactions v2" to the broker; without it the transactional producer stays below. */
export const PRODUCE_MAX_BEFORE_TRANSACTION_V2 = 11

/** Told of the producer's identity changes and of a fatal error (for logs and metrics). */
export interface TxnObserver {
  /** A new producer id or epoch; `bump` when it is an epoch bump (not the first id). */
  identity?(producerId: bigint, epoch: number, why: string, bump: boolean): void
  fatal?(err: Error): void
}

/**
 * Producer id, epoch and sequence numbers for the idempotent producer, and the transaction
 * state machine for the transactional one: the Java producer's TransactionManager. The sender
 * asks it before draining a partition and tells it how each batch ended; the producer's
 * transactional methods drive the coordinator requests, one at a time.
 */
export class TransactionManager implements Idempotence {
  readonly transactionalId: string | null
  readonly #config: ProducerConfig
  readonly #acc: RecordAccumulator
  readonly #requests: CoordinatorRequests
  readonly #wakeSender: () => void

  #state: TxnState = 'UNINITIALIZED'
  #lastError: Error | null = null
  #producerId = -1n
  #epoch = -1
  readonly #observer: TxnObserver
  #closed = false

  // Idempotence.
  readonly #book: SequenceBook
  #identityCache: ProducerIdentity = { producerId: -1n, epoch: -1 }
  #initInFlight: Promise<void> | null = null

  // Transactions.
  #transactionV2 = false
  #transactionStarted = false
  readonly #inTransaction = new Set<PartitionQueue>()
  readonly #newPartitions = new Set<PartitionQueue>()
  readonly #pendingPartitions = new Set<PartitionQueue>()
  /** Coordinator requests run one at a time, in order. */
  #chain: Promise<unknown> = Promise.resolve()
  #addScheduled = false
  /** A user call that timed out (max.block.ms) still runs; calling it again waits for the same result. */
  readonly #calls: BlockingCalls

  constructor(
    config: ProducerConfig,
    pool: ConnectionPool,
    metadata: MetadataManager,
    acc: RecordAccumulator,
    wakeSender: () => void,
    observer: TxnObserver = {},
  ) {
    this.#observer = observer
    this.transactionalId = config.transactionalId
    this.#config = config
    this.#acc = acc
    this.#calls = new BlockingCalls(config.maxBlockMs)
    // The requests read the state they send under through this view, and fail through #fail.
    const tm = this
    this.#requests = new CoordinatorRequests(config, new Coordinators(pool, metadata), {
      transactionalId: config.transactionalId ?? '',
      get producerId() {
        return tm.#producerId
      },
      get epoch() {
        return tm.#epoch
      },
      get transactionV2() {
        return tm.#transactionV2
      },
      get closed() {
        return tm.#closed
      },
      get inErrorState() {
        return tm.#state === 'FATAL_ERROR' || tm.#state === 'ABORTABLE_ERROR'
      },
      fail: (code, what) => this.#fail(code, what),
    })
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
    if (this.#requests.canBumpEpoch) {
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
      this.#observer.identity?.(-1n, -1, 'epochs exhausted: a new producer id is next', true)
      return
    }
    this.#epoch++
    this.#observer.identity?.(this.#producerId, this.#epoch, 'epoch bumped (KIP-360)', true)
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
    const id = await this.#requests.initIdempotent()
    this.#producerId = id.producerId
    this.#epoch = id.epoch
    this.#observer.identity?.(id.producerId, id.epoch, 'producer id', false)
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
      if (this.#requests.canBumpEpoch && !this.#isCompleting) this.#book.epochBumpRequired = true
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
    this.#observer.fatal?.(err)
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

  // ---------------------------------------------------------------------------------------------
  // The transactional API.

  initTransactions(): Promise<void> {
    try {
      this.#ensureTransactional('initTransactions')
      this.#calls.throwIfPending('initTransactions')
    } catch (err) {
      return Promise.reject(err)
    }
    if (this.#state !== 'UNINITIALIZED' && !this.#calls.hasPending) {
      return Promise.reject(
        new TransactionStateError(`initTransactions() was already called (state ${this.#state})`),
      )
    }
    return this.#calls.run('initTransactions', 'INITIALIZING', () => {
      this.#transition('INITIALIZING')
      return this.#enqueue(() => this.#initProducerId(false))
    })
  }

  beginTransaction(): void {
    this.#ensureTransactional('beginTransaction')
    this.#calls.throwIfPending('beginTransaction')
    this.#failIfError('beginTransaction')
    if (this.#state !== 'READY') {
      throw new TransactionStateError(
        this.#state === 'UNINITIALIZED'
          ? 'beginTransaction() before initTransactions(): call and await initTransactions() first'
          : `beginTransaction() while a transaction is ${this.#state === 'IN_TRANSACTION' ? 'already open' : this.#state}`,
      )
    }
    this.#transition('IN_TRANSACTION')
    this.#transactionV2 = this.#requests.transactionVersion() >= 2
  }

  /** Called when a record is appended to partition `q`: it joins the transaction. */
  addPartition(q: PartitionQueue): void {
    if (!this.isTransactional) return
    this.#failIfError('send')
    this.#calls.throwIfPending('send')
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
      this.#calls.throwIfPending('sendOffsetsToTransaction')
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
    return this.#calls.withTimeout(
      'sendOffsetsToTransaction',
      this.#enqueue(() => this.#sendOffsets(offsets, g)),
    )
  }

  commitTransaction(): Promise<void> {
    try {
      this.#ensureTransactional('commitTransaction')
      if (this.#calls.pendingTarget !== 'COMMITTING_TRANSACTION') {
        this.#calls.throwIfPending('commitTransaction')
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
    return this.#calls.run('commitTransaction', 'COMMITTING_TRANSACTION', () => {
      this.#transition('COMMITTING_TRANSACTION')
      return this.#complete(true)
    })
  }

  abortTransaction(): Promise<void> {
    try {
      this.#ensureTransactional('abortTransaction')
      if (this.#calls.pendingTarget !== 'ABORTING_TRANSACTION') {
        this.#calls.throwIfPending('abortTransaction')
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
    return this.#calls.run('abortTransaction', 'ABORTING_TRANSACTION', () => {
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
  // Coordinator requests, one at a time, and what their answers do to the state.

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work, work)
    this.#chain = run.catch(() => {})
    return run
  }

  /** InitProducerId with the transactional id: a first id, or (bump) a new epoch after an abort. */
  async #initProducerId(bump: boolean): Promise<void> {
    const res = await this.#requests.initProducerId()
    this.#producerId = res.producerId
    this.#epoch = res.epoch
    this.#observer.identity?.(res.producerId, res.epoch, bump ? 'epoch bumped' : 'producer id', bump)
    this.#transactionV2 = res.transactionV2
    this.#state = 'READY'
    this.#lastError = null
    if (bump) this.#resetSequences()
    else this.#book.clear()
    this.#wakeSender()
  }

  async #addPartitions(): Promise<void> {
    this.#addScheduled = false
    if (this.#newPartitions.size === 0) return
    for (const q of this.#newPartitions) this.#pendingPartitions.add(q)
    this.#newPartitions.clear()
    try {
      const res = await this.#requests.addPartitions(this.#pendingPartitions, this.#inTransaction.size === 0)
      if (res === 'not-sent') return
      for (const q of this.#pendingPartitions) this.#inTransaction.add(q)
      if (res === 'added') this.#transactionStarted = true
      else this.#toAbortableError(res)
    } finally {
      this.#pendingPartitions.clear()
      this.#wakeSender()
    }
  }

  async #sendOffsets(offsets: readonly OffsetToCommit[], group: ConsumerGroupMetadata): Promise<void> {
    if (!this.#transactionV2) await this.#requests.addOffsets(group.groupId)
    this.#transactionStarted = true
    await this.#requests.commitOffsets(offsets, group)
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
        const next = await this.#requests.endTxn(commit)
        // KIP-890: every transaction ends with a new epoch (or a new id when epochs run out).
        if (next !== null && (next.producerId !== this.#producerId || next.epoch !== this.#epoch)) {
          this.#producerId = next.producerId
          this.#epoch = next.epoch
          this.#observer.identity?.(
            next.producerId,
            next.epoch,
            'new epoch after the transaction (KIP-890)',
            true,
          )
          this.#resetSequences()
        }
      }
      // The sender may have found the transaction's fate unresolvable while EndTxn was out
      // (an unanswered batch and no KIP-360): that fatal error is the answer, not a transition.
      if (this.#state === 'FATAL_ERROR') this.#failIfError(commit ? 'commitTransaction' : 'abortTransaction')
      this.#finishTransaction()
      if (this.#state === 'INITIALIZING') await this.#initProducerId(true)
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
   * The error for a coordinator's answer, classified as the Java producer does (`failureOf`);
   * moves the state machine accordingly.
   */
  #fail(code: number, what: string): Error {
    const cause = brokerError(code, what)
    let kind = failureOf(code)
    if (kind === 'fenced') {
      const err = this.#fenced()
      this.#toFatal(err)
      return err
    }
    if (kind === 'producer-id-lost') {
      // Java's abortableErrorIfPossible: abortable only when the coordinator can bump the epoch.
      if (this.#requests.canBumpEpoch) this.#book.epochBumpRequired = true
      else kind = 'fatal'
    }
    if (kind === 'fatal') {
      const err = new FatalProducerError(cause.message, { cause, errorCode: code })
      this.#toFatal(err)
      return err
    }
    const err = new TransactionAbortableError(`${cause.message}; abort the transaction and go on`, {
      cause,
      errorCode: code,
    })
    this.#toAbortableError(err)
    return err
  }
}

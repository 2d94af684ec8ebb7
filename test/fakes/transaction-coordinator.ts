/**
 * The transaction coordinator of the fake cluster: one entry per transactional id with Kafka's
 * state machine (Kafka 4.x TransactionCoordinator and TransactionMetadata), without the
 * transaction log. Where the wire version matters it follows Kafka: a request's own version says
 * which transaction protocol the client speaks (EndTxn v5+ and the brokers' implicit adds for
 * Produce v12+ / TxnOffsetCommit v5+ are transactions v2, everything older is v1), while the
 * cluster's finalized `transaction.version` only decides how the coordinator ends a transaction
 * on its own (fencing an ongoing one on InitProducerId, a timeout).
 *
 *   Empty/CompleteCommit/CompleteAbort --add partitions--> Ongoing --EndTxn--> PrepareCommit or
 *   PrepareAbort --markers written--> CompleteCommit or CompleteAbort
 *
 * Writing the markers takes `completionDelayMs` (0: before the EndTxn answer; Infinity: until
 * `complete()`); meanwhile the coordinator answers CONCURRENT_TRANSACTIONS where Kafka does.
 * Answers carry Kafka's newer codes (PRODUCER_FENCED); the handlers turn them into what older
 * request versions expect.
 */
import { FakeError } from './error-codes.js'

export type TxnState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'

export interface TxnPartition {
  topic: string
  partition: number
}

/** What `cluster.transaction(id)` shows: a copy of the coordinator's entry. */
export interface FakeTransaction {
  transactionalId: string
  state: TxnState
  producerId: bigint
  producerEpoch: number
  /** The epoch before the last bump (-1: none), which Kafka uses to recognise retries. */
  lastProducerEpoch: number
  /** The partitions of the current transaction, sorted; `__consumer_offsets-N` for offsets. */
  partitions: TxnPartition[]
  transactionTimeoutMs: number
  /** When the first partition was added (-1: no transaction started). */
  startTimeMs: number
  /** 2 when the last transition came from a transactions-v2 request, else 0. */
  clientTransactionVersion: number
}

export interface TxnAnswer {
  errorCode: number
  producerId: bigint
  producerEpoch: number
}

export interface TransactionCoordinatorOptions {
  allocateProducerId: () => bigint
  /** Writes the markers of a finished transaction to its partitions (data and offsets). */
  writeMarkers: (
    partitions: TxnPartition[],
    producerId: bigint,
    producerEpoch: number,
    commit: boolean,
  ) => void
  /** The cluster's finalized transaction.version. */
  serverTransactionVersion: () => number
  now: () => number
  /** How long writing the markers takes; default 0. */
  completionDelayMs?: number
  /** transaction.max.timeout.ms; default 900000. */
  maxTimeoutMs?: number
}

interface Entry {
  readonly transactionalId: string
  producerId: bigint
  previousProducerId: bigint
  nextProducerId: bigint
  producerEpoch: number
  lastProducerEpoch: number
  timeoutMs: number
  state: TxnState
  readonly partitions: Map<string, TxnPartition>
  startTimeMs: number
  clientTransactionVersion: number
  completion: NodeJS.Timeout | null
}

const NO_ID = -1n
const NO_EPOCH = -1
/** Kafka never hands out Short.MAX_VALUE, so that it can always fence. */
const isEpochExhausted = (epoch: number): boolean => epoch >= 0x7fff - 1

const answer = (errorCode: number, producerId = NO_ID, producerEpoch = NO_EPOCH): TxnAnswer => ({
  errorCode,
  producerId,
  producerEpoch,
})

const tpKey = (tp: TxnPartition): string => `${tp.topic}\u0000${tp.partition}`

export class TransactionCoordinator {
  readonly #options: TransactionCoordinatorOptions
  readonly #entries = new Map<string, Entry>()
  completionDelayMs: number
  readonly maxTimeoutMs: number

  constructor(options: TransactionCoordinatorOptions) {
    this.#options = options
    this.completionDelayMs = options.completionDelayMs ?? 0
    this.maxTimeoutMs = options.maxTimeoutMs ?? 900_000
  }

  snapshot(transactionalId: string): FakeTransaction | undefined {
    const e = this.#entries.get(transactionalId)
    if (e === undefined) return undefined
    return {
      transactionalId: e.transactionalId,
      state: e.state,
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      lastProducerEpoch: e.lastProducerEpoch,
      partitions: [...e.partitions.values()]
        .map((p) => ({ ...p }))
        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
      transactionTimeoutMs: e.timeoutMs,
      startTimeMs: e.startTimeMs,
      clientTransactionVersion: e.clientTransactionVersion,
    }
  }

  /** InitProducerId with a transactional id; `expected` is the request's producer id and epoch (v3+). */
  initProducerId(
    transactionalId: string,
    timeoutMs: number,
    expected: { producerId: bigint; producerEpoch: number } | null,
  ): TxnAnswer {
    if (transactionalId === '') return answer(FakeError.INVALID_REQUEST)
    if (timeoutMs <= 0 || timeoutMs > this.maxTimeoutMs) return answer(FakeError.INVALID_TRANSACTION_TIMEOUT)
    let e = this.#entries.get(transactionalId)
    if (e === undefined) {
      e = {
        transactionalId,
        producerId: this.#options.allocateProducerId(),
        previousProducerId: NO_ID,
        nextProducerId: NO_ID,
        producerEpoch: NO_EPOCH,
        lastProducerEpoch: NO_EPOCH,
        timeoutMs,
        state: 'Empty',
        partitions: new Map(),
        startTimeMs: -1,
        clientTransactionVersion: 0,
        completion: null,
      }
      this.#entries.set(transactionalId, e)
    }
    // KIP-360: a producer that names its id is fenced unless it is this id, or the previous one
    // at an exhausted epoch (a retry after a rotation whose answer was lost).
    if (
      expected !== null &&
      !(
        e.producerEpoch === NO_EPOCH ||
        expected.producerId === e.producerId ||
        (expected.producerId === e.previousProducerId && isEpochExhausted(expected.producerEpoch))
      )
    ) {
      return answer(FakeError.PRODUCER_FENCED)
    }
    switch (e.state) {
      case 'PrepareCommit':
      case 'PrepareAbort':
        return answer(FakeError.CONCURRENT_TRANSACTIONS)
      case 'Ongoing':
        // Kafka bumps the epoch, aborts the transaction and lets the client retry; the retry
        // bumps again (and rotates the id if that exhausts the epochs).
        this.#fenceAndAbort(e)
        return answer(FakeError.CONCURRENT_TRANSACTIONS)
      default:
        break
    }
    if (
      isEpochExhausted(e.producerEpoch) &&
      (expected === null || expected.producerEpoch === e.producerEpoch)
    ) {
      e.lastProducerEpoch = expected === null ? NO_EPOCH : e.producerEpoch
      e.previousProducerId = e.producerId
      e.producerId = this.#options.allocateProducerId()
      e.producerEpoch = 0
    } else if (expected === null) {
      e.lastProducerEpoch = NO_EPOCH
      e.producerEpoch++
    } else if (e.producerEpoch === NO_EPOCH || expected.producerEpoch === e.producerEpoch) {
      e.lastProducerEpoch = e.producerEpoch
      e.producerEpoch++
    } else if (expected.producerEpoch !== e.lastProducerEpoch) {
      // Matching the last epoch is a retry of a bump whose answer was lost: same answer again.
      return answer(FakeError.PRODUCER_FENCED)
    }
    e.timeoutMs = timeoutMs
    e.state = 'Empty'
    e.partitions.clear()
    e.startTimeMs = -1
    return answer(FakeError.NONE, e.producerId, e.producerEpoch)
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn / a broker's implicit add (transactions v2). */
  addPartitions(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    partitions: TxnPartition[],
    clientTransactionVersion: number,
  ): number {
    if (transactionalId === '') return FakeError.INVALID_REQUEST
    const e = this.#entries.get(transactionalId)
    if (e === undefined || e.producerId !== producerId) return FakeError.INVALID_PRODUCER_ID_MAPPING
    if (e.producerEpoch !== producerEpoch) return FakeError.PRODUCER_FENCED
    if (e.state === 'PrepareCommit' || e.state === 'PrepareAbort') return FakeError.CONCURRENT_TRANSACTIONS
    if (e.state === 'Ongoing' && partitions.every((p) => e.partitions.has(tpKey(p)))) return FakeError.NONE
    if (e.state !== 'Ongoing') e.startTimeMs = this.#options.now()
    for (const p of partitions) e.partitions.set(tpKey(p), { topic: p.topic, partition: p.partition })
    e.state = 'Ongoing'
    e.clientTransactionVersion = clientTransactionVersion
    return FakeError.NONE
  }

  /**
   * A partition leader's verify-only check (transactions v1 with partition verification): one
   * code per partition, TRANSACTION_ABORTABLE for a partition not in the transaction.
   */
  verify(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    partitions: TxnPartition[],
  ): number[] {
    const all = (code: number) => partitions.map(() => code)
    if (transactionalId === '') return all(FakeError.INVALID_REQUEST)
    const e = this.#entries.get(transactionalId)
    if (e === undefined || e.producerId !== producerId) return all(FakeError.INVALID_PRODUCER_ID_MAPPING)
    if (e.producerEpoch !== producerEpoch) return all(FakeError.PRODUCER_FENCED)
    if (e.state === 'PrepareCommit' || e.state === 'PrepareAbort')
      return all(FakeError.CONCURRENT_TRANSACTIONS)
    return partitions.map((p) =>
      e.partitions.has(tpKey(p)) ? FakeError.NONE : FakeError.TRANSACTION_ABORTABLE,
    )
  }

  /** EndTxn from a client speaking transactions v1 (EndTxn v0-v4) or v2 (v5+). */
  endTxn(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    commit: boolean,
    clientTransactionVersion: number,
  ): TxnAnswer {
    if (transactionalId === '') return answer(FakeError.INVALID_REQUEST)
    const e = this.#entries.get(transactionalId)
    if (e === undefined) return answer(FakeError.INVALID_PRODUCER_ID_MAPPING)
    return clientTransactionVersion >= 2
      ? this.#endTxnV2(e, producerId, producerEpoch, commit)
      : this.#endTxnV1(e, producerId, producerEpoch, commit)
  }

  #endTxnV1(e: Entry, producerId: bigint, producerEpoch: number, commit: boolean): TxnAnswer {
    if (e.producerId !== producerId) return answer(FakeError.INVALID_PRODUCER_ID_MAPPING)
    if (e.producerEpoch !== producerEpoch) return answer(FakeError.PRODUCER_FENCED)
    switch (e.state) {
      case 'Ongoing':
        this.#prepareEnd(e, commit, 0, NO_ID)
        return answer(FakeError.NONE)
      case 'CompleteCommit':
        return answer(commit ? FakeError.NONE : FakeError.INVALID_TXN_STATE)
      case 'CompleteAbort':
        return answer(commit ? FakeError.INVALID_TXN_STATE : FakeError.NONE)
      case 'PrepareCommit':
        return answer(commit ? FakeError.CONCURRENT_TRANSACTIONS : FakeError.INVALID_TXN_STATE)
      case 'PrepareAbort':
        return answer(commit ? FakeError.INVALID_TXN_STATE : FakeError.CONCURRENT_TRANSACTIONS)
      case 'Empty':
        return answer(FakeError.INVALID_TXN_STATE)
    }
  }

  // Transactions v2: every commit or abort bumps the epoch, so the same epoch means "the next
  // EndTxn" and only epoch + 1 on the coordinator's side marks a retry:
  //                   abort retry | abort current | commit retry | commit current
  //   Empty           FENCED        bump            FENCED         INVALID_TXN_STATE
  //   CompleteAbort   NONE          bump            INVALID        INVALID
  //   CompleteCommit  INVALID       bump            NONE           INVALID
  #endTxnV2(e: Entry, producerId: bigint, producerEpoch: number, commit: boolean): TxnAnswer {
    const retryOnOverflow =
      e.previousProducerId === producerId && producerEpoch === 0x7fff - 1 && e.producerEpoch === 0
    const retryOnEpochBump = e.producerEpoch === producerEpoch + 1
    const isRetry = retryOnEpochBump || retryOnOverflow
    let validEpoch: boolean
    switch (e.state) {
      case 'Ongoing':
      case 'Empty':
        validEpoch = producerEpoch === e.producerEpoch
        break
      case 'PrepareCommit':
      case 'PrepareAbort':
        validEpoch = retryOnEpochBump
        break
      default:
        validEpoch = isRetry || producerEpoch === e.producerEpoch
    }
    if (e.producerId !== producerId && !retryOnOverflow) return answer(FakeError.INVALID_PRODUCER_ID_MAPPING)
    if (!validEpoch) return answer(FakeError.PRODUCER_FENCED)
    const current = () => answer(FakeError.NONE, e.producerId, e.producerEpoch)
    const end = (asCommit: boolean): TxnAnswer => {
      const next = isEpochExhausted(e.producerEpoch) ? this.#options.allocateProducerId() : NO_ID
      if (e.state !== 'Ongoing') {
        // An abort with no partitions added (allowed from v2) starts and ends a transaction.
        e.startTimeMs = this.#options.now()
      }
      this.#prepareEnd(e, asCommit, 2, next)
      // Kafka's clients see MAX-1 followed by (new id, 0) when the epochs run out.
      return next === NO_ID ? current() : answer(FakeError.NONE, next, 0)
    }
    switch (e.state) {
      case 'Ongoing':
        return end(commit)
      case 'CompleteCommit':
        if (commit) return isRetry ? current() : answer(FakeError.INVALID_TXN_STATE)
        return isRetry ? answer(FakeError.INVALID_TXN_STATE) : end(false)
      case 'CompleteAbort':
        if (commit) return answer(FakeError.INVALID_TXN_STATE)
        return isRetry ? current() : end(false)
      case 'PrepareCommit':
        return answer(commit ? FakeError.CONCURRENT_TRANSACTIONS : FakeError.INVALID_TXN_STATE)
      case 'PrepareAbort':
        return answer(commit ? FakeError.INVALID_TXN_STATE : FakeError.CONCURRENT_TRANSACTIONS)
      case 'Empty':
        return commit ? answer(FakeError.INVALID_TXN_STATE) : end(false)
    }
  }

  /**
   * What Kafka does when a transaction outlives its timeout: fence the producer (epoch + 1) and
   * abort. False when the transaction is not ongoing.
   */
  timeOut(transactionalId: string): boolean {
    const e = this.#entries.get(transactionalId)
    if (e === undefined || e.state !== 'Ongoing') return false
    this.#fenceAndAbort(e)
    return true
  }

  /** Writes the markers of a transaction in PrepareCommit/PrepareAbort now. False when none is. */
  complete(transactionalId: string): boolean {
    const e = this.#entries.get(transactionalId)
    if (e === undefined || (e.state !== 'PrepareCommit' && e.state !== 'PrepareAbort')) return false
    this.#complete(e)
    return true
  }

  /** Every transaction waiting for its markers, now. */
  completeAll(): void {
    for (const e of this.#entries.values()) {
      if (e.state === 'PrepareCommit' || e.state === 'PrepareAbort') this.#complete(e)
    }
  }

  /** Forgets a transactional id, as its expiration does (transactional.id.expiration.ms). */
  expire(transactionalId: string): boolean {
    const e = this.#entries.get(transactionalId)
    if (e === undefined) return false
    if (e.completion !== null) clearTimeout(e.completion)
    return this.#entries.delete(transactionalId)
  }

  /** Sets the epoch of an idle transactional id, e.g. near exhaustion (a test shortcut). */
  setEpoch(transactionalId: string, producerEpoch: number): void {
    const e = this.#entries.get(transactionalId)
    if (e === undefined) throw new Error(`no transactional id ${transactionalId} in the fake coordinator`)
    if (e.state === 'Ongoing' || e.state === 'PrepareCommit' || e.state === 'PrepareAbort') {
      throw new Error(`transactional id ${transactionalId} is ${e.state}`)
    }
    e.producerEpoch = producerEpoch
    e.lastProducerEpoch = NO_EPOCH
  }

  /** Stops the pending marker timers (the transactions stay in their Prepare state). */
  dispose(): void {
    for (const e of this.#entries.values()) {
      if (e.completion !== null) clearTimeout(e.completion)
      e.completion = null
    }
  }

  #fenceAndAbort(e: Entry): void {
    e.producerEpoch++
    e.lastProducerEpoch = NO_EPOCH
    // The coordinator ends it with its own transaction version: v2 bumps once more.
    this.#prepareEnd(e, false, this.#options.serverTransactionVersion() >= 2 ? 2 : 0, NO_ID)
  }

  #prepareEnd(e: Entry, commit: boolean, clientTransactionVersion: number, nextProducerId: bigint): void {
    if (clientTransactionVersion >= 2) {
      e.lastProducerEpoch = e.producerEpoch
      e.producerEpoch++
    }
    e.nextProducerId = nextProducerId
    e.clientTransactionVersion = clientTransactionVersion
    e.state = commit ? 'PrepareCommit' : 'PrepareAbort'
    const delay = this.completionDelayMs
    if (delay <= 0) this.#complete(e)
    else if (Number.isFinite(delay)) e.completion = setTimeout(() => this.#complete(e), delay)
  }

  #complete(e: Entry): void {
    if (e.completion !== null) clearTimeout(e.completion)
    e.completion = null
    const commit = e.state === 'PrepareCommit'
    this.#options.writeMarkers([...e.partitions.values()], e.producerId, e.producerEpoch, commit)
    e.state = commit ? 'CompleteCommit' : 'CompleteAbort'
    e.partitions.clear()
    if (e.clientTransactionVersion >= 2 && e.nextProducerId !== NO_ID) {
      e.previousProducerId = e.producerId
      e.producerId = e.nextProducerId
      e.producerEpoch = 0
    }
    e.nextProducerId = NO_ID
  }
}

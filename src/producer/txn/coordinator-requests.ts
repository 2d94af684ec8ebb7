import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaError, ProducerClosedError, TransactionAbortableError } from '../../errors.js'
import { backoffMs } from '../../network/backoff.js'
import type { BrokerConnection } from '../../network/broker-connection.js'
import { brokerError, ErrorCode, errorForCode } from '../../protocol/error-codes.js'
import { AddOffsetsToTxn } from '../../protocol/messages/add-offsets-to-txn.js'
import { AddPartitionsToTxn } from '../../protocol/messages/add-partitions-to-txn.js'
import { END_TXN_MAX_BEFORE_TRANSACTION_V2, EndTxn } from '../../protocol/messages/end-txn.js'
import { InitProducerId } from '../../protocol/messages/init-producer-id.js'
import {
  TXN_OFFSET_COMMIT_MAX_BEFORE_TRANSACTION_V2,
  TxnOffsetCommit,
} from '../../protocol/messages/txn-offset-commit.js'
import type { ProducerConfig } from '../config/index.js'
import type { PartitionQueue } from '../partition-queue.js'
import type { CoordinatorKind, Coordinators } from './coordinators.js'
import type { ProducerIdentity } from './sequence-book.js'
import type { ConsumerGroupMetadata, OffsetToCommit } from './types.js'

/** TxnOffsetCommit v6 names topics by id; Sluice sends names. */
const TXN_OFFSET_COMMIT_MAX = 5
/** Java's backoff for retrying the first AddPartitionsToTxn after CONCURRENT_TRANSACTIONS. */
export const ADD_PARTITIONS_CONCURRENT_BACKOFF_MS = 20

// -----------------------------------------------------------------------------------------------
// What an error code means, per request: one table.

/** The coordinator requests of a transactional producer. */
export type CoordinatorRequest =
  | 'InitProducerId'
  | 'AddPartitionsToTxn'
  | 'AddOffsetsToTxn'
  | 'TxnOffsetCommit'
  | 'EndTxn'

/**
 * What to do with an error code a coordinator answered (for a request, or one of its partitions):
 *
 * - `done`: no error.
 * - `retry`: send again to the same coordinator after the retry backoff.
 * - `relookup`: the coordinator moved or is away: find it again, then send again.
 * - `retry-soon`: `retry`, but after 20 ms when it is the transaction's first AddPartitionsToTxn
 *   (CONCURRENT_TRANSACTIONS: the previous transaction is still completing).
 * - `skip`: the code says nothing of its own (OPERATION_NOT_ATTEMPTED: another partition's code
 *   decides).
 * - `refuse`: this partition can't join the transaction; once every partition is read, the
 *   transaction becomes abortable.
 * - `fail`: the request fails; `failureOf(code)` says whether fatally or abortably.
 */
export type CoordinatorAction = 'done' | 'retry' | 'relookup' | 'retry-soon' | 'skip' | 'refuse' | 'fail'

interface RequestRules {
  /** Codes this request handles unlike the common rule. */
  readonly overrides: ReadonlyMap<number, CoordinatorAction>
  /** What a code that is neither overridden, a coordinator move, nor retriable means. */
  readonly otherwise: 'fail' | 'refuse'
}

const COMMON: RequestRules = { overrides: new Map(), otherwise: 'fail' }

const RULES: Readonly<Record<CoordinatorRequest, RequestRules>> = {
  InitProducerId: COMMON,
  AddOffsetsToTxn: COMMON,
  EndTxn: COMMON,
  AddPartitionsToTxn: {
    overrides: new Map<number, CoordinatorAction>([
      [ErrorCode.CONCURRENT_TRANSACTIONS, 'retry-soon'],
      [ErrorCode.OPERATION_NOT_ATTEMPTED, 'skip'],
      // These end the request at once; any other refusal is one partition's.
      [ErrorCode.INVALID_PRODUCER_EPOCH, 'fail'],
      [ErrorCode.PRODUCER_FENCED, 'fail'],
      [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'fail'],
      [ErrorCode.INVALID_TXN_STATE, 'fail'],
      [ErrorCode.UNKNOWN_PRODUCER_ID, 'fail'],
      [ErrorCode.INVALID_PRODUCER_ID_MAPPING, 'fail'],
      [ErrorCode.TRANSACTION_ABORTABLE, 'fail'],
    ]),
    otherwise: 'refuse',
  },
  TxnOffsetCommit: {
    // The group coordinator timed out writing the offsets: Java looks it up again.
    overrides: new Map<number, CoordinatorAction>([[ErrorCode.REQUEST_TIMED_OUT, 'relookup']]),
    otherwise: 'fail',
  },
}

/**
 * The one classification of coordinator error codes: NONE is done; the request's own overrides;
 * NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE look the coordinator up again; codes Kafka
 * defines as retriable are retried; the rest fail (or, for AddPartitionsToTxn, refuse the
 * partition).
 */
export function classify(request: CoordinatorRequest, code: number): CoordinatorAction {
  if (code === ErrorCode.NONE) return 'done'
  const rules = RULES[request]
  const special = rules.overrides.get(code)
  if (special !== undefined) return special
  if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) return 'relookup'
  return errorForCode(code).retriable ? 'retry' : rules.otherwise
}

/**
 * How a failed coordinator request ends the transaction, as the Java producer decides:
 *
 * - `fenced`: another producer took over the transactional id (fatal, ProducerFencedError).
 * - `producer-id-lost`: the coordinator lost or refused our producer id: abortable when the
 *   coordinator can bump the epoch (Java's abortableErrorIfPossible), else fatal.
 * - `abortable`: abort the transaction and go on.
 * - `fatal`: close the producer.
 */
export type CoordinatorFailure = 'fenced' | 'producer-id-lost' | 'abortable' | 'fatal'

const FAILURES = new Map<number, CoordinatorFailure>([
  [ErrorCode.INVALID_PRODUCER_EPOCH, 'fenced'],
  [ErrorCode.PRODUCER_FENCED, 'fenced'],
  [ErrorCode.UNKNOWN_PRODUCER_ID, 'producer-id-lost'],
  [ErrorCode.INVALID_PRODUCER_ID_MAPPING, 'producer-id-lost'],
  [ErrorCode.TRANSACTION_ABORTABLE, 'abortable'],
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'abortable'],
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'abortable'],
  [ErrorCode.FENCED_INSTANCE_ID, 'abortable'],
  [ErrorCode.UNKNOWN_MEMBER_ID, 'abortable'],
  [ErrorCode.ILLEGAL_GENERATION, 'abortable'],
])

export function failureOf(code: number): CoordinatorFailure {
  return FAILURES.get(code) ?? 'fatal'
}

// -----------------------------------------------------------------------------------------------
// The requests.

/** What the requests read of the transaction manager, and how they tell it a request failed. */
export interface TransactionContext {
  readonly transactionalId: string
  /** The identity to send under, read at each attempt. */
  readonly producerId: bigint
  readonly epoch: number
  readonly transactionV2: boolean
  readonly closed: boolean
  /** The transaction is in an error state: partitions are no longer added. */
  readonly inErrorState: boolean
  /** A request failed for good (`fail`): the error to throw; moves the state machine. */
  fail(code: number, what: string): Error
}

/** A transactional InitProducerId's answer. */
export interface InitializedProducer extends ProducerIdentity {
  /** The cluster's transaction.version is 2 (KIP-890). */
  readonly transactionV2: boolean
}

/** Retry this coordinator request (after the backoff), looking the coordinator up again when `relookup`. */
class Retry {
  constructor(
    readonly relookup: boolean,
    readonly backoffMs?: number,
  ) {}
}

/**
 * The coordinator requests: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn and
 * TxnOffsetCommit, EndTxn, each sent until its answer classifies as done or failed. The caller
 * runs them one at a time and applies their results to the state machine.
 */
export class CoordinatorRequests {
  /** The coordinator speaks InitProducerId v3+ (KIP-360): it can bump the epoch of an open id. */
  canBumpEpoch = false
  readonly #config: ProducerConfig
  readonly #coordinators: Coordinators
  readonly #txn: TransactionContext

  constructor(config: ProducerConfig, coordinators: Coordinators, txn: TransactionContext) {
    this.#config = config
    this.#coordinators = coordinators
    this.#txn = txn
  }

  /** The idempotent producer's InitProducerId, asked of any broker; rejects with the broker's error. */
  async initIdempotent(): Promise<ProducerIdentity> {
    const conn = await this.#coordinators.connectAny()
    const res = await conn.send(InitProducerId, {
      transactionalId: null,
      transactionTimeoutMs: this.#config.transactionTimeoutMs,
      producerId: -1n,
      producerEpoch: -1,
      enable2Pc: false,
      keepPreparedTxn: false,
    })
    if (res.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
      // Kafka 4.x grants idempotence by the IdempotentWrite ACL on the cluster (or Write on a topic).
      throw brokerError(
        res.errorCode,
        'InitProducerId (idempotence is on): grant this principal IdempotentWrite on the cluster ' +
          '(kafka-acls --add --allow-principal User:<name> --operation IdempotentWrite --cluster), ' +
          'or set enable.idempotence=false',
      )
    }
    if (res.errorCode !== ErrorCode.NONE) throw brokerError(res.errorCode, 'InitProducerId')
    return { producerId: res.producerId, epoch: res.producerEpoch }
  }

  /** The cluster's transaction.version as the coordinator last reported it (KIP-890 needs 2). */
  transactionVersion(): number {
    const conn = this.#coordinators.peek('transaction', this.#txn.transactionalId)
    if (conn === null) return this.#txn.transactionV2 ? 2 : 0
    return conn.featureLevel('transaction.version')
  }

  /** InitProducerId with the transactional id: a first id, or a new epoch of the current one. */
  initProducerId(): Promise<InitializedProducer> {
    const txn = this.#txn
    return this.#call('transaction', txn.transactionalId, async (conn) => {
      this.canBumpEpoch = conn.versionOf(InitProducerId) >= 3
      const res = await conn.send(InitProducerId, {
        transactionalId: txn.transactionalId,
        transactionTimeoutMs: this.#config.transactionTimeoutMs,
        producerId: txn.producerId,
        producerEpoch: txn.epoch,
        enable2Pc: false,
        keepPreparedTxn: false,
      })
      const action = this.#act('InitProducerId', res.errorCode, 'InitProducerId')
      if (action !== 'done') return action
      return {
        producerId: res.producerId,
        epoch: res.producerEpoch,
        transactionV2: conn.featureLevel('transaction.version') >= 2,
      }
    })
  }

  /**
   * AddPartitionsToTxn for `partitions` (transactions v1). Resolves 'added' when every partition
   * joined, with a TransactionAbortableError when some were refused (the others joined), or
   * 'not-sent' when the transaction was already in an error state. `firstAdd`: no partition has
   * joined this transaction yet.
   */
  addPartitions(
    partitions: Iterable<PartitionQueue>,
    firstAdd: boolean,
  ): Promise<'added' | 'not-sent' | TransactionAbortableError> {
    const txn = this.#txn
    return this.#call('transaction', txn.transactionalId, async (conn) => {
      if (txn.inErrorState) return 'not-sent' as const
      const byTopic = new Map<string, number[]>()
      for (const q of partitions) {
        let list = byTopic.get(q.topic)
        if (list === undefined) {
          list = []
          byTopic.set(q.topic, list)
        }
        list.push(q.partition)
      }
      const res = await conn.send(AddPartitionsToTxn, {
        v3AndBelowTransactionalId: txn.transactionalId,
        v3AndBelowProducerId: txn.producerId,
        v3AndBelowProducerEpoch: txn.epoch,
        v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      })
      const refused: string[] = []
      for (const t of res.resultsByTopicV3AndBelow) {
        for (const p of t.resultsByPartition) {
          const code = p.partitionErrorCode
          switch (classify('AddPartitionsToTxn', code)) {
            case 'done':
            case 'skip':
              continue
            case 'relookup':
              return new Retry(true)
            case 'retry':
              return new Retry(false)
            case 'retry-soon':
              return new Retry(false, firstAdd ? ADD_PARTITIONS_CONCURRENT_BACKOFF_MS : undefined)
            case 'refuse':
              refused.push(`${t.name}-${p.partitionIndex}: ${errorForCode(code).name}`)
              continue
            case 'fail':
              throw txn.fail(code, `AddPartitionsToTxn ${t.name}-${p.partitionIndex}`)
          }
        }
      }
      if (refused.length === 0) return 'added' as const
      return new TransactionAbortableError(
        `could not add partitions to the transaction: ${refused.join(', ')}`,
      )
    })
  }

  /** AddOffsetsToTxn (transactions v1): the group's offsets partition joins the transaction. */
  async addOffsets(groupId: string): Promise<void> {
    const txn = this.#txn
    await this.#call('transaction', txn.transactionalId, async (conn) => {
      const res = await conn.send(AddOffsetsToTxn, {
        transactionalId: txn.transactionalId,
        producerId: txn.producerId,
        producerEpoch: txn.epoch,
        groupId,
      })
      const action = this.#act('AddOffsetsToTxn', res.errorCode, `AddOffsetsToTxn for group '${groupId}'`)
      return action === 'done' ? undefined : action
    })
  }

  /** TxnOffsetCommit to the group coordinator, resending the partitions not yet committed. */
  async commitOffsets(offsets: readonly OffsetToCommit[], group: ConsumerGroupMetadata): Promise<void> {
    const txn = this.#txn
    const pending = new Map<string, OffsetToCommit>()
    for (const o of offsets) pending.set(`${o.topic}\u0000${o.partition}`, o)
    await this.#call('group', group.groupId, async (conn) => {
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
          transactionalId: txn.transactionalId,
          groupId: group.groupId,
          producerId: txn.producerId,
          producerEpoch: txn.epoch,
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
        txn.transactionV2 ? TXN_OFFSET_COMMIT_MAX : TXN_OFFSET_COMMIT_MAX_BEFORE_TRANSACTION_V2,
      )
      let relookup = false
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const code = p.errorCode
          const action = classify('TxnOffsetCommit', code)
          if (action === 'done') pending.delete(`${t.name}\u0000${p.partitionIndex}`)
          else if (action === 'relookup') relookup = true
          else if (action === 'fail') {
            throw txn.fail(code, `TxnOffsetCommit ${t.name}-${p.partitionIndex} for group '${group.groupId}'`)
          }
          // 'retry': the partition stays pending.
        }
      }
      return pending.size === 0 ? undefined : new Retry(relookup)
    })
  }

  /**
   * EndTxn. With transactions v2 it resolves with the identity the coordinator moved the producer
   * to (KIP-890: each transaction ends with a new epoch, or a new id), else null.
   */
  endTxn(commit: boolean): Promise<ProducerIdentity | null> {
    const txn = this.#txn
    return this.#call('transaction', txn.transactionalId, async (conn) => {
      const res = await conn.send(
        EndTxn,
        {
          transactionalId: txn.transactionalId,
          producerId: txn.producerId,
          producerEpoch: txn.epoch,
          committed: commit,
        },
        true,
        txn.transactionV2 ? undefined : END_TXN_MAX_BEFORE_TRANSACTION_V2,
      )
      const action = this.#act('EndTxn', res.errorCode, commit ? 'EndTxn (commit)' : 'EndTxn (abort)')
      if (action !== 'done') return action
      if (txn.transactionV2 && res.producerId >= 0n) {
        return { producerId: res.producerId, epoch: res.producerEpoch }
      }
      return null
    })
  }

  /** A request-level code: 'done', a Retry, or it throws the failure. */
  #act(request: CoordinatorRequest, code: number, what: string): 'done' | Retry {
    const action = classify(request, code)
    if (action === 'done') return 'done'
    if (action === 'relookup') return new Retry(true)
    if (action === 'retry' || action === 'retry-soon') return new Retry(false)
    throw this.#txn.fail(code, what)
  }

  /**
   * Sends to the coordinator until `send` says done: network errors and Retry answers are tried
   * again after the retry backoff (looking the coordinator up again where needed).
   */
  async #call<T>(
    kind: CoordinatorKind,
    key: string,
    send: (conn: BrokerConnection) => Promise<T | Retry>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.#txn.closed)
        throw new ProducerClosedError('the producer closed during a transactional request')
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
}

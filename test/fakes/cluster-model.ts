/**
 * The in-memory state the fake brokers of one cluster share: topics (ids, partitions, leaders,
 * leader epochs, replicas), one log per partition with its transaction markers,
 * idempotent-producer state, producer ids, the transaction coordinator and the transactional
 * offsets of groups, and the finalized features. It knows nothing about sockets or the wire
 * format.
 */
import { randomBytes } from 'node:crypto'
import type { DecodedBatch, DecodedHeader } from '../../src/records/record-batch-decoder.js'
import { FakeError } from './error-codes.js'
import { GroupOffsets, OFFSETS_TOPIC } from './group-coordinator.js'
import {
  checkSequence,
  lastSequenceOf,
  type ProducerEntry,
  recordAppend,
  recordMarker,
} from './producer-state.js'
import { TransactionCoordinator, type TxnPartition } from './transaction-coordinator.js'

/** A record's transaction: null when its batch was not transactional. */
export type TxnFate = 'ongoing' | 'committed' | 'aborted' | null

export interface FakeRecord {
  topic: string
  partition: number
  offset: bigint
  timestamp: number
  timestampType: 'CreateTime' | 'LogAppendTime'
  key: Buffer | null
  value: Buffer | null
  headers: DecodedHeader[]
  producerId: bigint
  producerEpoch: number
  /** The record's own sequence (baseSequence + index), -1 for non-idempotent batches. */
  sequence: number
  /** Base offset of the batch it arrived in. */
  batchBaseOffset: bigint
  /** The partition's leader epoch when it was appended. */
  leaderEpoch: number
  /** Its batch had the transactional bit. */
  transactional: boolean
  /** What its transaction's marker said so far; null for non-transactional records. */
  txnState: TxnFate
}

/** A transaction marker (control batch) in a partition's log; it takes one offset. */
export interface FakeMarker {
  offset: bigint
  producerId: bigint
  producerEpoch: number
  commit: boolean
}

export interface FakePartition {
  readonly index: number
  /** -1: no leader (Metadata says LEADER_NOT_AVAILABLE). */
  leader: number
  leaderEpoch: number
  replicas: number[]
  readonly records: FakeRecord[]
  readonly markers: FakeMarker[]
  nextOffset: bigint
  readonly producers: Map<bigint, ProducerEntry>
}

export interface FakeTopic {
  readonly name: string
  readonly topicId: Buffer
  readonly partitions: FakePartition[]
  readonly timestampType: 'CreateTime' | 'LogAppendTime'
}

export interface TopicSpec {
  name: string
  /** Default 1. */
  partitions?: number
  /** Default min(3, brokers). */
  replicationFactor?: number
  /** Leader node per partition; default round-robin over the brokers. */
  leaders?: number[]
  /** 16 bytes; default random. */
  topicId?: Uint8Array
  /** `message.timestamp.type`; default CreateTime. */
  timestampType?: 'CreateTime' | 'LogAppendTime'
}

export type AppendResult =
  | { errorCode: 0; baseOffset: bigint; logAppendTime: number; duplicate: boolean }
  | { errorCode: number; message: string }

export interface ClusterModelOptions {
  nodeIds: number[]
  clusterId: string
  /**
   * How a duplicate batch (same producer, epoch and sequences as one of the last 5) is answered:
   * 'original-offsets' (Kafka since 1.0: NONE and the first append's offsets, the default) or
   * 'duplicate-sequence-error' (DUPLICATE_SEQUENCE_NUMBER, as brokers before 1.0 did).
   */
  duplicateResponse: 'original-offsets' | 'duplicate-sequence-error'
  now: () => number
  /** Finalized transaction.version (0-2). */
  transactionVersion: number
  /** How long the coordinator takes to write a transaction's markers (0: at once). */
  transactionCompletionDelayMs: number
  /** transaction.max.timeout.ms. */
  transactionMaxTimeoutMs: number
}

export class ClusterModel {
  readonly nodeIds: readonly number[]
  readonly clusterId: string
  readonly topics = new Map<string, FakeTopic>()
  readonly txns: TransactionCoordinator
  readonly groupOffsets = new GroupOffsets()
  /** Finalized transaction.version; change it with setTransactionVersion. */
  transactionVersion: number
  /** Grows with every change of the finalized features, as Kafka's metadata offset does. */
  featuresEpoch = 1n
  readonly #options: ClusterModelOptions
  #nextProducerId = 1000n

  constructor(options: ClusterModelOptions) {
    this.#options = options
    this.nodeIds = options.nodeIds
    this.clusterId = options.clusterId
    this.transactionVersion = options.transactionVersion
    this.txns = new TransactionCoordinator({
      allocateProducerId: () => this.allocateProducerId(),
      writeMarkers: (partitions, producerId, epoch, commit) =>
        this.#writeMarkers(partitions, producerId, epoch, commit),
      serverTransactionVersion: () => this.transactionVersion,
      now: options.now,
      completionDelayMs: options.transactionCompletionDelayMs,
      maxTimeoutMs: options.transactionMaxTimeoutMs,
    })
  }

  setTransactionVersion(level: number): void {
    if (level !== this.transactionVersion) this.featuresEpoch++
    this.transactionVersion = level
  }

  now(): number {
    return this.#options.now()
  }

  createTopic(spec: TopicSpec): FakeTopic {
    if (this.topics.has(spec.name)) throw new Error(`topic ${spec.name} already exists`)
    const count = spec.partitions ?? 1
    const rf = spec.replicationFactor ?? Math.min(3, this.nodeIds.length)
    const partitions: FakePartition[] = []
    for (let i = 0; i < count; i++) {
      const leader = spec.leaders?.[i] ?? this.nodeIds[i % this.nodeIds.length]!
      const at = Math.max(0, this.nodeIds.indexOf(leader))
      const replicas = [leader]
      for (let k = 1; k < rf; k++) replicas.push(this.nodeIds[(at + k) % this.nodeIds.length]!)
      partitions.push({
        index: i,
        leader,
        leaderEpoch: 0,
        replicas,
        records: [],
        markers: [],
        nextOffset: 0n,
        producers: new Map(),
      })
    }
    const topic: FakeTopic = {
      name: spec.name,
      topicId: spec.topicId === undefined ? randomBytes(16) : Buffer.from(spec.topicId),
      partitions,
      timestampType: spec.timestampType ?? 'CreateTime',
    }
    this.topics.set(spec.name, topic)
    return topic
  }

  topic(name: string): FakeTopic | undefined {
    return this.topics.get(name)
  }

  topicById(id: Uint8Array): FakeTopic | undefined {
    for (const t of this.topics.values()) if (t.topicId.equals(id)) return t
    return undefined
  }

  partition(topic: string, partition: number): FakePartition {
    const p = this.topics.get(topic)?.partitions[partition]
    if (p === undefined) throw new Error(`no partition ${topic}-${partition} in the fake cluster`)
    return p
  }

  /** Moves leadership (-1: leaderless) and bumps the leader epoch, as an election would. */
  moveLeader(topic: string, partition: number, nodeId: number): void {
    const p = this.partition(topic, partition)
    if (nodeId !== -1 && !this.nodeIds.includes(nodeId)) throw new Error(`no broker ${nodeId}`)
    p.leader = nodeId
    p.leaderEpoch++
    if (nodeId !== -1 && !p.replicas.includes(nodeId)) p.replicas.unshift(nodeId)
  }

  /** Copies of the partition's records, in offset order. */
  log(topic: string, partition: number): FakeRecord[] {
    return this.partition(topic, partition).records.map((r) => ({ ...r }))
  }

  /**
   * What a read_committed consumer gets: records below the last stable offset (the first
   * offset of a transaction still open) that are not transactional or were committed.
   */
  readCommitted(topic: string, partition: number): FakeRecord[] {
    const p = this.partition(topic, partition)
    let lso = p.nextOffset
    for (const entry of p.producers.values()) {
      if (entry.txnFirstOffset !== null && entry.txnFirstOffset < lso) lso = entry.txnFirstOffset
    }
    return p.records
      .filter((r) => r.offset < lso && (r.txnState === null || r.txnState === 'committed'))
      .map((r) => ({ ...r }))
  }

  markers(topic: string, partition: number): FakeMarker[] {
    return this.partition(topic, partition).markers.map((m) => ({ ...m }))
  }

  allocateProducerId(): bigint {
    return this.#nextProducerId++
  }

  /** Ends a producer's transaction on its partitions: data partitions and group offsets. */
  #writeMarkers(partitions: TxnPartition[], producerId: bigint, epoch: number, commit: boolean): void {
    for (const tp of partitions) {
      if (tp.topic === OFFSETS_TOPIC) {
        this.groupOffsets.complete(tp.partition, producerId, commit)
        continue
      }
      const p = this.topics.get(tp.topic)?.partitions[tp.partition]
      if (p === undefined) continue
      const fate: TxnFate = commit ? 'committed' : 'aborted'
      for (const r of p.records) {
        if (r.producerId === producerId && r.txnState === 'ongoing') r.txnState = fate
      }
      p.markers.push({ offset: p.nextOffset, producerId, producerEpoch: epoch, commit })
      p.nextOffset++
      recordMarker(p.producers, producerId, epoch)
    }
  }

  /**
   * Appends one validated batch to a partition's log, with Kafka's idempotence checks and its
   * rule that a producer with a transaction open here writes only transactional batches.
   */
  append(topic: FakeTopic, p: FakePartition, batch: DecodedBatch): AppendResult {
    const idempotent = batch.producerId >= 0n
    const lastSeq = lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta)
    if (idempotent) {
      const entry = p.producers.get(batch.producerId)
      const verdict = checkSequence(entry, batch.producerEpoch, batch.baseSequence, lastSeq)
      if (verdict.kind === 'reject') return { errorCode: verdict.code, message: verdict.message }
      if (verdict.kind === 'duplicate') {
        if (this.#options.duplicateResponse === 'duplicate-sequence-error') {
          return { errorCode: FakeError.DUPLICATE_SEQUENCE_NUMBER, message: 'duplicate sequence number' }
        }
        return {
          errorCode: 0,
          baseOffset: verdict.batch.firstOffset,
          logAppendTime: verdict.batch.logAppendTime,
          duplicate: true,
        }
      }
      if (!batch.transactional && entry !== undefined && entry.txnFirstOffset !== null) {
        return {
          errorCode: FakeError.INVALID_TXN_STATE,
          message: `Expected transactional write from producer ${batch.producerId} in partition ${topic.name}-${p.index}`,
        }
      }
    }
    const logAppendTime = topic.timestampType === 'LogAppendTime' ? this.now() : -1
    const baseOffset = p.nextOffset
    batch.records.forEach((r, i) => {
      p.records.push({
        topic: topic.name,
        partition: p.index,
        offset: baseOffset + BigInt(i),
        timestamp: logAppendTime >= 0 ? logAppendTime : batch.baseTimestamp + r.timestampDelta,
        timestampType: topic.timestampType,
        key: r.key,
        value: r.value,
        headers: r.headers,
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        sequence: idempotent ? lastSequenceOf(batch.baseSequence, i) : -1,
        batchBaseOffset: baseOffset,
        leaderEpoch: p.leaderEpoch,
        transactional: batch.transactional,
        txnState: batch.transactional ? 'ongoing' : null,
      })
    })
    p.nextOffset = baseOffset + BigInt(batch.records.length)
    if (idempotent) {
      recordAppend(
        p.producers,
        batch.producerId,
        batch.producerEpoch,
        {
          firstSeq: batch.baseSequence,
          lastSeq,
          firstOffset: baseOffset,
          lastOffset: p.nextOffset - 1n,
          logAppendTime,
        },
        batch.transactional,
      )
    }
    return { errorCode: 0, baseOffset, logAppendTime, duplicate: false }
  }
}

/**
 * The in-memory state the fake brokers of one cluster share: topics (ids, partitions, leaders,
 * leader epochs, replicas), one log per partition, idempotent-producer state and producer ids.
 * It knows nothing about sockets or the wire format.
 */
import { randomBytes } from 'node:crypto'
import type { DecodedBatch, DecodedHeader } from '../../src/records/record-batch-decoder.js'
import { FakeError } from './error-codes.js'
import { checkSequence, lastSequenceOf, type ProducerEntry, recordAppend } from './producer-state.js'

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
}

export interface FakePartition {
  readonly index: number
  /** -1: no leader (Metadata says LEADER_NOT_AVAILABLE). */
  leader: number
  leaderEpoch: number
  replicas: number[]
  readonly records: FakeRecord[]
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
}

export class ClusterModel {
  readonly nodeIds: readonly number[]
  readonly clusterId: string
  readonly topics = new Map<string, FakeTopic>()
  readonly #options: ClusterModelOptions
  #nextProducerId = 1000n
  readonly #transactional = new Map<string, { producerId: bigint; producerEpoch: number }>()

  constructor(options: ClusterModelOptions) {
    this.#options = options
    this.nodeIds = options.nodeIds
    this.clusterId = options.clusterId
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

  log(topic: string, partition: number): FakeRecord[] {
    return [...this.partition(topic, partition).records]
  }

  /** InitProducerId: a new id at epoch 0, or for a transactional id its id with the epoch bumped. */
  initProducerId(transactionalId: string | null): { producerId: bigint; producerEpoch: number } {
    if (transactionalId !== null) {
      const known = this.#transactional.get(transactionalId)
      if (known !== undefined) {
        known.producerEpoch++
        return { ...known }
      }
    }
    const allocated = { producerId: this.#nextProducerId++, producerEpoch: 0 }
    if (transactionalId !== null) this.#transactional.set(transactionalId, allocated)
    return { ...allocated }
  }

  /** Appends one validated batch to a partition's log, with Kafka's idempotence checks. */
  append(topic: FakeTopic, p: FakePartition, batch: DecodedBatch): AppendResult {
    const idempotent = batch.producerId >= 0n
    const lastSeq = lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta)
    if (idempotent) {
      const verdict = checkSequence(
        p.producers.get(batch.producerId),
        batch.producerEpoch,
        batch.baseSequence,
        lastSeq,
      )
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
      })
    })
    p.nextOffset = baseOffset + BigInt(batch.records.length)
    if (idempotent) {
      recordAppend(p.producers, batch.producerId, batch.producerEpoch, {
        firstSeq: batch.baseSequence,
        lastSeq,
        firstOffset: baseOffset,
        lastOffset: p.nextOffset - 1n,
        logAppendTime,
      })
    }
    return { errorCode: 0, baseOffset, logAppendTime, duplicate: false }
  }
}

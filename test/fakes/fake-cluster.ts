/**
 * The cluster-wide handle of the fake: its brokers, the shared model, cluster-level fault
 * handlers, and the test's levers and views (leaders, coordinators, transactions, logs). See
 * fake-broker.ts for the whole picture; startFakeCluster builds it.
 */
import type { ClusterModel, FakeMarker, FakeRecord, FakeTopic, TopicSpec } from './cluster-model.js'
import type { CoordinatorKind, CoordinatorPlacement } from './coordinator-placement.js'
import type { FakeBroker } from './fake-broker.js'
import {
  type FaultAction,
  type FaultRule,
  type LeaderHint,
  type PartitionFault,
  type ReceivedRequest,
  type RequestHandler,
  ruleHandler,
} from './faults.js'
import type { FakeCommittedOffset, FakePendingOffsets } from './group-coordinator.js'
import type { FakeTransaction } from './transaction-coordinator.js'

const PRODUCE = 0

export class FakeCluster {
  readonly model: ClusterModel
  readonly brokers: FakeBroker[] = []
  /** Every request any broker received, in arrival order. */
  readonly requests: ReceivedRequest[] = []
  readonly #handlers: RequestHandler[] = []
  readonly #placement: CoordinatorPlacement

  /** @internal: use startFakeCluster. */
  constructor(model: ClusterModel, placement: CoordinatorPlacement) {
    this.model = model
    this.#placement = placement
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

  /** Copies of the records appended to a partition, in offset order, with their transaction's fate. */
  log(topic: string, partition: number): FakeRecord[] {
    return this.model.log(topic, partition)
  }

  /** The records a read_committed consumer would get (see ClusterModel.readCommitted). */
  readCommitted(topic: string, partition: number): FakeRecord[] {
    return this.model.readCommitted(topic, partition)
  }

  /** The transaction markers written to a partition, in offset order (each took an offset). */
  markers(topic: string, partition: number): FakeMarker[] {
    return this.model.markers(topic, partition)
  }

  /** The broker coordinating a transactional id or group now; -1 when none is up. */
  coordinatorOf(kind: CoordinatorKind, key: string): number {
    return this.#placement.of(kind, key)
  }

  /**
   * Pins a key's coordinator to a broker (the others answer NOT_COORDINATOR; a pinned broker
   * that is down makes FindCoordinator answer COORDINATOR_NOT_AVAILABLE). The transaction and
   * offsets state moves with it, as Kafka's new coordinator loads it from its log.
   */
  setCoordinator(kind: CoordinatorKind, key: string, nodeId: number): void {
    this.broker(nodeId)
    this.#placement.pin(kind, key, nodeId)
  }

  /**
   * Moves a key's coordinator to `nodeId`, or to the next running broker after the current one;
   * returns the new coordinator's node id.
   */
  moveCoordinator(kind: CoordinatorKind, key: string, nodeId?: number): number {
    let to = nodeId
    if (to === undefined) {
      const running = this.brokers.filter((b) => b.running).map((b) => b.nodeId)
      const at = running.indexOf(this.#placement.of(kind, key))
      const next = running[(at + 1) % running.length]
      if (next === undefined || running.length < 2) throw new Error('no other running broker to move to')
      to = next
    }
    this.setCoordinator(kind, key, to)
    return to
  }

  /** Back to the default placement (the key's hash over the running brokers). */
  resetCoordinator(kind: CoordinatorKind, key: string): void {
    this.#placement.unpin(kind, key)
  }

  /** The coordinator's entry for a transactional id (a copy), or undefined when it has none. */
  transaction(transactionalId: string): FakeTransaction | undefined {
    return this.model.txns.snapshot(transactionalId)
  }

  /**
   * How long the coordinator takes to write a transaction's markers after EndTxn (or a fence or
   * timeout): 0 writes them before answering, Infinity waits for completeTransaction(s).
   * Meanwhile it answers CONCURRENT_TRANSACTIONS where Kafka does.
   */
  setTransactionCompletionDelay(ms: number): void {
    this.model.txns.completionDelayMs = ms
  }

  /** Writes the pending markers of a transaction now; false when none is pending. */
  completeTransaction(transactionalId: string): boolean {
    return this.model.txns.complete(transactionalId)
  }

  completeTransactions(): void {
    this.model.txns.completeAll()
  }

  /**
   * What the coordinator does when an ongoing transaction outlives its timeout: bumps the epoch
   * (fencing the producer) and aborts it. False when none is ongoing.
   */
  timeOutTransaction(transactionalId: string): boolean {
    return this.model.txns.timeOut(transactionalId)
  }

  /** Forgets a transactional id (its next request gets INVALID_PRODUCER_ID_MAPPING). */
  expireTransactionalId(transactionalId: string): boolean {
    return this.model.txns.expire(transactionalId)
  }

  /** Sets the epoch of an idle transactional id, e.g. to 32766 to reach epoch exhaustion. */
  setTransactionEpoch(transactionalId: string, producerEpoch: number): void {
    this.model.txns.setEpoch(transactionalId, producerEpoch)
  }

  get transactionVersion(): number {
    return this.model.transactionVersion
  }

  /** Finalizes another transaction.version (0-2); ApiVersions reports it with a new features epoch. */
  setTransactionVersion(level: 0 | 1 | 2): void {
    this.model.setTransactionVersion(level)
  }

  /** The group's offsets committed by finished transactions, sorted by topic and partition. */
  committedOffsets(groupId: string): FakeCommittedOffset[] {
    return this.model.groupOffsets.committed(groupId)
  }

  /** The group's offsets waiting for their transaction to end, per producer id. */
  pendingOffsets(groupId: string): FakePendingOffsets[] {
    return this.model.groupOffsets.pending(groupId)
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
    return this.addRule({ apiKey: PRODUCE, topic, partition, errorFor: fault })
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
    this.model.txns.dispose()
    await Promise.all(this.brokers.map((b) => b.stop()))
  }
}

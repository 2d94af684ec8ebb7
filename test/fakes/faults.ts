/**
 * What a test can make a fake broker do to one request, and the rule list that picks it.
 * See fake-broker.ts for how the actions play out.
 */

export interface TopicPartitionRef {
  topic: string
  partition: number
}

/** A request as the fake broker received it (decoded with the project's codec). */
export interface ReceivedRequest {
  /** Order of arrival across the whole cluster. */
  seq: number
  broker: number
  /** Which of that broker's accepted connections it came on (1, 2, ...). */
  connectionId: number
  apiKey: number
  apiName: string
  apiVersion: number
  correlationId: number
  clientId: string | null
  /** The decoded body; its type depends on apiKey (ProduceRequest, MetadataRequest, ...). */
  body: unknown
  /**
   * The partitions it names, in request order: Produce (written to), AddPartitionsToTxn (added),
   * TxnOffsetCommit (offsets committed for); topic ids resolved to names ('' when unknown).
   */
  partitions: TopicPartitionRef[]
  /**
   * Metadata: the topic names asked for (null: all topics); Produce, CreateTopics,
   * AddPartitionsToTxn, TxnOffsetCommit: the topics named.
   */
  topics: string[] | null
  /** Produce only; else undefined. */
  acks?: number
  /** Produce, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit. */
  transactionalId?: string | null
  /** AddOffsetsToTxn, TxnOffsetCommit. */
  groupId?: string
  /** FindCoordinator: the key type (0 group, 1 transaction) and the keys asked for. */
  keyType?: number
  keys?: string[]
}

export type FaultApi = 'produce' | 'metadata' | 'addPartitionsToTxn' | 'txnOffsetCommit'

export type LeaderHint = { leaderId: number; leaderEpoch: number } | 'actual' | 'none'

export interface PartitionFault extends TopicPartitionRef {
  /**
   * The error code, or a sequence of codes: the n-th request touching the partition gets
   * codes[n] (0 lets that one through normally). Use -1 as partition for a topic-level error
   * in Metadata.
   */
  code: number | number[]
  /**
   * How many requests touching the partition it applies to: default 1 for a single code, the
   * sequence's length for an array; Infinity for always. Counted on this object, so a handler
   * returning the same object each time uses it up.
   */
  times?: number
  /**
   * Which API it applies to; default 'produce'. For 'addPartitionsToTxn' the other partitions
   * of the request get OPERATION_NOT_ATTEMPTED and nothing is added, as Kafka answers when one
   * partition fails.
   */
  api?: FaultApi
  errorMessage?: string
  /**
   * KIP-951 CurrentLeader hint (Produce v10+): explicit, 'actual' (the model's leader), or
   * 'none'. Default: 'actual' for NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH when the
   * cluster's `leaderHints` is on, else 'none'.
   */
  currentLeader?: LeaderHint
}

export interface FaultAction {
  /** Wait this long before handling the request (later requests on the connection queue behind it). */
  delayMs?: number
  /**
   * Close the socket without answering: 'before' handling the request (nothing is appended), or
   * 'after-append' (the request took effect, the response is lost).
   */
  dropConnection?: 'before' | 'after-append'
  /** Per-partition errors (no append for those partitions). */
  errorFor?: PartitionFault | PartitionFault[]
  /**
   * One error for the whole request: every partition / topic / coordinator key of it, or the
   * top-level code. The request has no effect.
   */
  errorCode?: number
  /** Write these bytes instead of a response (garbage); nothing else happens. */
  respondWith?: Uint8Array | ((req: ReceivedRequest) => Uint8Array)
  /** Handle the request (appends happen) but send no response; the connection stays open. */
  noResponse?: boolean
  /** Produce: the throttle time to answer with (the request is handled normally). */
  throttleTimeMs?: number
  /** Produce v10+: NodeEndpoints to send instead of those of the leaders named in hints. */
  nodeEndpoints?: { nodeId: number; host: string; port: number; rack: string | null }[]
}

export type RequestHandler = (req: ReceivedRequest) => FaultAction | undefined | null

export interface FaultRule extends FaultAction {
  /** Only requests of this API key (default: any). */
  apiKey?: number
  /**
   * Only requests touching this partition (Produce, AddPartitionsToTxn, TxnOffsetCommit) or
   * topic (those and Metadata, CreateTopics).
   */
  topic?: string
  partition?: number
  /** Any further condition. */
  match?: (req: ReceivedRequest) => boolean
  /** How many matching requests it applies to; default Infinity. */
  times?: number
}

/** The handler that applies `rule` to the requests it matches, `times` times. */
export function ruleHandler(rule: FaultRule): RequestHandler {
  let left = rule.times ?? Number.POSITIVE_INFINITY
  const { apiKey, topic, partition, match, times: _times, ...action } = rule
  return (req) => {
    if (left <= 0) return undefined
    if (apiKey !== undefined && req.apiKey !== apiKey) return undefined
    if (topic !== undefined) {
      const touches =
        partition === undefined
          ? (req.topics ?? []).includes(topic) || req.partitions.some((p) => p.topic === topic)
          : req.partitions.some((p) => p.topic === topic && p.partition === partition)
      if (!touches) return undefined
    }
    if (match !== undefined && !match(req)) return undefined
    // A rule that only injects partition errors steps aside once they are used up, so that
    // later handlers get their turn.
    const onlyFaults = action.errorFor !== undefined && Object.keys(action).length === 1
    if (onlyFaults && faultsOf(action).every(exhausted)) return undefined
    left--
    return action
  }
}

const used = new WeakMap<PartitionFault, number>()

const limitOf = (f: PartitionFault): number => f.times ?? (Array.isArray(f.code) ? f.code.length : 1)

export function exhausted(f: PartitionFault): boolean {
  return (used.get(f) ?? 0) >= limitOf(f)
}

/**
 * The error code the fault gives the partition now (consuming one use), or undefined when it
 * does not apply or is used up.
 */
export function takeFault(
  faults: PartitionFault[],
  api: FaultApi,
  topic: string,
  partition: number,
): { code: number; fault: PartitionFault } | undefined {
  for (const f of faults) {
    if ((f.api ?? 'produce') !== api || f.topic !== topic || f.partition !== partition) continue
    const n = used.get(f) ?? 0
    if (n >= limitOf(f)) continue
    used.set(f, n + 1)
    const code = Array.isArray(f.code) ? (f.code[n] ?? 0) : f.code
    return { code, fault: f }
  }
  return undefined
}

export function faultsOf(action: FaultAction): PartitionFault[] {
  const e = action.errorFor
  return e === undefined ? [] : Array.isArray(e) ? e : [e]
}

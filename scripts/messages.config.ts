/**
 * The table scripts/gen-messages.ts generates src/protocol/messages/ from: which of Kafka's APIs
 * Sluice speaks, the versions its definitions cover, and the few things a JSON spec can't say
 * (why a descriptor stops early, notes for readers, hand-written constants).
 *
 * Keys of `docs` and `optional` are `<StructName>.<FieldName>` with the spec's spelling; the
 * top-level struct is the message itself, e.g. `ProduceRequest.TransactionalId`.
 */

export interface ApiConfig {
  /** The API's name; its specs are `<name>Request.json` and `<name>Response.json`. */
  readonly name: string
  /** src/protocol/messages/<file>.ts */
  readonly file: string
  /** The versions our definitions cover, `min-max`; may be narrower than the spec's. */
  readonly versions: string
  /** The descriptor (what we offer brokers) stops below the definitions' max, and why. */
  readonly descriptorMax?: {
    readonly version: number
    /** The exported constant holding it. */
    readonly constant: string
    readonly doc: string
    /**
     * `latestVersionUnstable`: Kafka marks the newest version unstable, brokers don't offer it.
     * `brokerOnlyVersions`: the versions above are a broker-to-broker form of the request that
     * shares no top-level field with the client's form. The spec test checks the reason holds.
     */
    readonly reason: 'latestVersionUnstable' | 'brokerOnlyVersions'
  }
  /** Paragraphs after the first line of the file's comment, before the grammar. */
  readonly summary?: readonly string[]
  /** Paragraphs after the grammar. */
  readonly notes?: readonly string[]
  /** Interface names that differ from the spec's struct names: spec name -> ours. */
  readonly renames?: Readonly<Record<string, string>>
  /** Doc comments for interface fields, instead of the spec's short description. */
  readonly docs?: Readonly<Record<string, string>>
  /**
   * Request fields that are optional in the interface although present in every version (the
   * generator makes a request field optional when some version lacks it).
   */
  readonly optional?: readonly string[]
  /** Hand-written TypeScript, emitted verbatim after the imports. */
  readonly extra?: readonly string[]
}

export const APIS: readonly ApiConfig[] = [
  {
    name: 'ApiVersions',
    file: 'api-versions',
    versions: '0-5',
    summary: ['Responses always use response header v0.'],
  },
  {
    name: 'Metadata',
    file: 'metadata',
    versions: '0-13',
    docs: {
      'MetadataRequest.Topics': 'Null asks for every topic (v1+).',
      'MetadataRequestTopic.TopicId': 'Null or omitted: the all-zero UUID (look up by name).',
    },
  },
  {
    name: 'Produce',
    file: 'produce',
    versions: '3-13',
    summary: ['v13 names topics by id instead of by name.'],
    notes: [
      '`records` is an already-encoded RecordBatch (or null), written as (compact) nullable bytes. ' +
        'Offsets and times decode as bigint: offsets can exceed 2^53.',
    ],
    renames: { PartitionProduceResponse: 'ProducePartitionResponse' },
    docs: {
      'TopicProduceData.TopicId': 'Used from v13; null or omitted is the all-zero UUID.',
      'PartitionProduceData.Records': 'An already-encoded RecordBatch.',
      'PartitionProduceResponse.CurrentLeader':
        'The new leader when the error says leadership moved (KIP-951); -1/-1 when not sent.',
      'ProduceResponse.NodeEndpoints': 'Endpoints of the leaders named in currentLeader (KIP-951).',
    },
  },
  {
    name: 'InitProducerId',
    file: 'init-producer-id',
    versions: '0-6',
    descriptorMax: {
      version: 5,
      constant: 'INIT_PRODUCER_ID_MAX_STABLE',
      doc: 'Highest stable version: Kafka marks v6 (two-phase commit, KIP-939) unstable.',
      reason: 'latestVersionUnstable',
    },
    summary: [
      'Kafka marks v6 (two-phase commit, KIP-939) unstable, so brokers do not offer it by default; ' +
        'the descriptor stops at v5 and the definitions still cover v6.',
    ],
  },
  {
    name: 'CreateTopics',
    file: 'create-topics',
    versions: '2-7',
    optional: ['CreateTopicsRequest.validateOnly'],
    docs: {
      'CreatableTopic.NumPartitions': "-1 to use the broker's default (or the assignments' count).",
      'CreatableTopic.ReplicationFactor': "-1 to use the broker's default.",
    },
  },
  {
    name: 'FindCoordinator',
    file: 'find-coordinator',
    versions: '0-6',
    summary: [
      'v4+ looks up several keys in one request (KIP-699) and answers per key; v6 adds the share-group ' +
        'key type (KIP-932).',
    ],
    docs: {
      'FindCoordinatorRequest.KeyType': 'A CoordinatorType; from v1 (v0 always looks up a group).',
      'FindCoordinatorResponse.Coordinators': 'One per key asked for.',
    },
    extra: [
      '/** Values of `keyType`. Transaction needs v1+, Share v6+. */',
      'export const CoordinatorType = { Group: 0, Transaction: 1, Share: 2 } as const',
    ],
  },
  {
    name: 'AddPartitionsToTxn',
    file: 'add-partitions-to-txn',
    versions: '0-5',
    descriptorMax: {
      version: 3,
      constant: 'ADD_PARTITIONS_TO_TXN_MAX_CLIENT',
      doc: "The versions a transactional producer uses (Java's `forClient` range).",
      reason: 'brokerOnlyVersions',
    },
    summary: [
      "v0-v3 are the client's form: one transaction, its topics at the top level (the `v3AndBelow*` " +
        'fields). v4+ is the batched form brokers send to the transaction coordinator (KIP-890): several ' +
        'transactions per request, each answered separately, and a verify-only mode; the coordinator ' +
        "authorizes it as a cluster action. Java's producer never sends more than v3, so the descriptor " +
        'stops there while the definitions cover every version, so a fake coordinator can read and ' +
        'answer the batched form too.',
    ],
    optional: ['AddPartitionsToTxnTransaction.VerifyOnly'],
    docs: {
      'AddPartitionsToTxnRequest.Transactions': 'The batched form.',
      'AddPartitionsToTxnRequest.V3AndBelowTransactionalId': "The client's form.",
      'AddPartitionsToTxnResponse.ErrorCode': 'An error for the whole request.',
    },
  },
  {
    name: 'AddOffsetsToTxn',
    file: 'add-offsets-to-txn',
    versions: '0-4',
    summary: [
      "Adds a consumer group's offsets partition to the transaction, before TxnOffsetCommit goes to " +
        'the group coordinator.',
    ],
  },
  {
    name: 'EndTxn',
    file: 'end-txn',
    versions: '0-5',
    summary: [
      'v5 belongs to transactions version 2 (KIP-890): the coordinator bumps the epoch on every commit ' +
        "or abort and returns the producer id and epoch to use next. Java's producer sends v5 only when " +
        "the cluster's finalized `transaction.version` is 2 or more and caps EndTxn at v4 otherwise; " +
        "choosing is the caller's business, the descriptor covers every version.",
    ],
    docs: { 'EndTxnRequest.Committed': 'True to commit, false to abort.' },
    extra: [
      "/** The newest EndTxn version to send without transactions version 2 (Java's EndTxnRequest caps at it). */",
      'export const END_TXN_MAX_BEFORE_TRANSACTION_V2 = 4',
    ],
  },
  {
    name: 'TxnOffsetCommit',
    file: 'txn-offset-commit',
    versions: '0-6',
    summary: [
      "Sent to the group coordinator; v3+ carries the consumer's group metadata (KIP-447) so the " +
        'coordinator can fence zombies; v6 names topics by id instead of by name. v5+ belongs to ' +
        "transactions version 2 (KIP-890): the coordinator adds the group's offsets partition to the " +
        "transaction itself, so no AddOffsetsToTxn comes first; without it Java's producer caps " +
        'TxnOffsetCommit at v4 (TXN_OFFSET_COMMIT_MAX_BEFORE_TRANSACTION_V2).',
    ],
    docs: {
      'TxnOffsetCommitRequest.GenerationIdOrMemberEpoch':
        "The consumer's generation (classic groups) or member epoch (KIP-848 groups).",
      'TxnOffsetCommitRequestTopic.TopicId': 'Used from v6; null or omitted is the all-zero UUID.',
    },
    extra: [
      "/** The newest version to send without transactions version 2 (Java's LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2). */",
      'export const TXN_OFFSET_COMMIT_MAX_BEFORE_TRANSACTION_V2 = 4',
    ],
  },
  {
    name: 'SaslHandshake',
    file: 'sasl-handshake',
    versions: '0-1',
    summary: [
      'Opens a SASL exchange on a new connection (or a KIP-368 re-authentication on an ' +
        'authenticated one). v1: the tokens follow in SaslAuthenticate requests; v0: they follow ' +
        'as raw size-prefixed frames, for brokers without SaslAuthenticate.',
    ],
  },
  {
    name: 'SaslAuthenticate',
    file: 'sasl-authenticate',
    versions: '0-2',
    summary: [
      "Carries one SASL token each way. v1+ answers with the session's lifetime (KIP-368): the " +
        'client must re-authenticate before it ends, or the broker closes the connection.',
    ],
  },
]

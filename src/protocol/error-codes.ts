/**
 * Kafka's error codes (`org.apache.kafka.common.protocol.Errors`, Kafka 4.4): numeric code, name,
 * and whether it is retriable, which is true exactly when Kafka's exception class for it is a
 * RetriableException (test/protocol/error-codes.test.ts checks this against Kafka's own table).
 * The messages are our own short descriptions.
 */
import { BrokerError } from '../errors.js'

export interface ErrorInfo {
  code: number
  name: BrokerErrorName
  retriable: boolean
  message: string
}

const R = true
const F = false

// [code, name, retriable, message]
const TABLE = [
  [-1, 'UNKNOWN_SERVER_ERROR', F, 'the broker hit an unexpected error while handling the request'],
  [0, 'NONE', F, 'no error'],
  [1, 'OFFSET_OUT_OF_RANGE', F, 'the requested offset is outside the range the partition holds'],
  [2, 'CORRUPT_MESSAGE', R, 'a record failed its CRC check, is malformed, or is otherwise corrupt'],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', R, 'this broker does not host the topic or partition'],
  [4, 'INVALID_FETCH_SIZE', F, 'the requested fetch size is invalid'],
  [5, 'LEADER_NOT_AVAILABLE', R, 'the partition has no leader right now, e.g. during an election'],
  [6, 'NOT_LEADER_OR_FOLLOWER', R, 'this broker is not the leader (or a follower) for the partition'],
  [7, 'REQUEST_TIMED_OUT', R, 'the broker timed out waiting, e.g. for replicas to acknowledge'],
  [8, 'BROKER_NOT_AVAILABLE', F, 'the broker is not available'],
  [9, 'REPLICA_NOT_AVAILABLE', R, 'a replica the request needs is not available'],
  [10, 'MESSAGE_TOO_LARGE', F, 'the batch is larger than the broker or topic accepts'],
  [11, 'STALE_CONTROLLER_EPOCH', F, 'the request came from an outdated controller'],
  [12, 'OFFSET_METADATA_TOO_LARGE', F, 'the offset commit metadata is too large'],
  [13, 'NETWORK_EXCEPTION', R, 'the broker lost its connection while handling the request'],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', R, 'the coordinator is still loading its state'],
  [15, 'COORDINATOR_NOT_AVAILABLE', R, 'the coordinator is not available'],
  [16, 'NOT_COORDINATOR', R, 'this broker is not the coordinator for that key'],
  [17, 'INVALID_TOPIC_EXCEPTION', F, 'the topic name is invalid or the topic may not be written'],
  [18, 'RECORD_LIST_TOO_LARGE', F, 'the records in the request exceed the broker segment size'],
  [19, 'NOT_ENOUGH_REPLICAS', R, 'fewer in-sync replicas than min.insync.replicas; nothing was written'],
  [
    20,
    'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
    R,
    'written to the leader, but too few in-sync replicas to acknowledge',
  ],
  [21, 'INVALID_REQUIRED_ACKS', F, 'acks must be -1, 0 or 1'],
  [22, 'ILLEGAL_GENERATION', F, 'the group generation in the request is not current'],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', F, 'the member protocols are incompatible with the group'],
  [24, 'INVALID_GROUP_ID', F, 'the group id is invalid'],
  [25, 'UNKNOWN_MEMBER_ID', F, 'the coordinator does not know this member id'],
  [26, 'INVALID_SESSION_TIMEOUT', F, 'the session timeout is outside the range the broker allows'],
  [27, 'REBALANCE_IN_PROGRESS', F, 'the group is rebalancing'],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', F, 'the offset commit was rejected for its size'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', F, 'not authorized to access the topic'],
  [30, 'GROUP_AUTHORIZATION_FAILED', F, 'not authorized to access the group'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', F, 'not authorized for this cluster operation'],
  [32, 'INVALID_TIMESTAMP', F, 'a record timestamp is outside the range the topic accepts'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', F, 'the broker does not support that SASL mechanism'],
  [34, 'ILLEGAL_SASL_STATE', F, 'the request is not valid at this point of SASL authentication'],
  [35, 'UNSUPPORTED_VERSION', F, 'the broker does not support this request version'],
  [36, 'TOPIC_ALREADY_EXISTS', F, 'a topic with that name already exists'],
  [37, 'INVALID_PARTITIONS', F, 'the partition count is invalid'],
  [38, 'INVALID_REPLICATION_FACTOR', F, 'the replication factor is invalid'],
  [39, 'INVALID_REPLICA_ASSIGNMENT', F, 'the replica assignment is invalid'],
  [40, 'INVALID_CONFIG', F, 'the configuration is invalid'],
  [41, 'NOT_CONTROLLER', R, 'this broker is not the active controller'],
  [42, 'INVALID_REQUEST', F, 'the broker could not make sense of the request; likely a client bug'],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', F, 'the message format on the broker does not support this request'],
  [44, 'POLICY_VIOLATION', F, 'the request breaks a policy configured on the broker'],
  [
    45,
    'OUT_OF_ORDER_SEQUENCE_NUMBER',
    F,
    'the broker got a sequence number other than the one it expected next',
  ],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', F, 'the broker already has a batch with this sequence number'],
  [
    47,
    'INVALID_PRODUCER_EPOCH',
    F,
    'the producer epoch is outdated, or the request arrived after a newer one',
  ],
  [48, 'INVALID_TXN_STATE', F, 'the operation is not valid in the current transaction state'],
  [49, 'INVALID_PRODUCER_ID_MAPPING', F, 'the producer id does not match the transactional id'],
  [50, 'INVALID_TRANSACTION_TIMEOUT', F, 'the transaction timeout exceeds transaction.max.timeout.ms'],
  [51, 'CONCURRENT_TRANSACTIONS', R, 'another transaction for this producer is still being completed'],
  [52, 'TRANSACTION_COORDINATOR_FENCED', F, 'a newer transaction coordinator has taken over'],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', F, 'not authorized to use the transactional id'],
  [54, 'SECURITY_DISABLED', F, 'security features are disabled on the broker'],
  [
    55,
    'OPERATION_NOT_ATTEMPTED',
    F,
    'the broker skipped the operation because another part of the request failed',
  ],
  [56, 'KAFKA_STORAGE_ERROR', R, 'the broker could not access the log directory for the partition'],
  [57, 'LOG_DIR_NOT_FOUND', F, 'the requested log directory does not exist'],
  [58, 'SASL_AUTHENTICATION_FAILED', F, 'SASL authentication failed'],
  [
    59,
    'UNKNOWN_PRODUCER_ID',
    F,
    'the broker has no state for this producer id, e.g. after retention removed it',
  ],
  [60, 'REASSIGNMENT_IN_PROGRESS', F, 'a partition reassignment is in progress'],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', F, 'delegation token authentication is disabled'],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', F, 'the delegation token was not found'],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', F, 'the principal does not own the delegation token'],
  [
    64,
    'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED',
    F,
    'delegation token requests are not allowed on this connection',
  ],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', F, 'not authorized for the delegation token operation'],
  [66, 'DELEGATION_TOKEN_EXPIRED', F, 'the delegation token has expired'],
  [67, 'INVALID_PRINCIPAL_TYPE', F, 'the principal type is not supported'],
  [68, 'NON_EMPTY_GROUP', F, 'the group still has members'],
  [69, 'GROUP_ID_NOT_FOUND', F, 'the group does not exist'],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', R, 'the fetch session id is not known'],
  [71, 'INVALID_FETCH_SESSION_EPOCH', R, 'the fetch session epoch is not the expected one'],
  [72, 'LISTENER_NOT_FOUND', R, 'the leader has no endpoint for the listener the request came on'],
  [73, 'TOPIC_DELETION_DISABLED', F, 'topic deletion is disabled'],
  [74, 'FENCED_LEADER_EPOCH', R, 'the leader epoch in the request is older than the broker one'],
  [75, 'UNKNOWN_LEADER_EPOCH', R, 'the leader epoch in the request is newer than the broker one'],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', F, 'the compression type is not supported here'],
  [77, 'STALE_BROKER_EPOCH', F, 'the broker epoch is outdated'],
  [78, 'OFFSET_NOT_AVAILABLE', R, 'the leader high watermark has not caught up yet'],
  [79, 'MEMBER_ID_REQUIRED', F, 'the group requires a member id to join'],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', R, 'the preferred leader is not available'],
  [81, 'GROUP_MAX_SIZE_REACHED', F, 'the group is at its maximum size'],
  [82, 'FENCED_INSTANCE_ID', F, 'another member with this static instance id has replaced this one'],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', R, 'no replica eligible for leadership is available'],
  [84, 'ELECTION_NOT_NEEDED', R, 'leader election is not needed for the partition'],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', F, 'no partition reassignment is in progress'],
  [
    86,
    'GROUP_SUBSCRIBED_TO_TOPIC',
    F,
    'the group is subscribed to the topic, so its offsets cannot be deleted',
  ],
  [
    87,
    'INVALID_RECORD',
    F,
    'the broker rejected a record as invalid, e.g. a missing key on a compacted topic',
  ],
  [88, 'UNSTABLE_OFFSET_COMMIT', R, 'offsets are pending commit by a transaction'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', R, 'the throttling quota was exceeded'],
  [90, 'PRODUCER_FENCED', F, 'a newer producer with the same transactional id has fenced this one'],
  [91, 'RESOURCE_NOT_FOUND', F, 'the resource does not exist'],
  [92, 'DUPLICATE_RESOURCE', F, 'the resource appears more than once in the request'],
  [93, 'UNACCEPTABLE_CREDENTIAL', F, 'the credential does not meet the broker requirements'],
  [94, 'INCONSISTENT_VOTER_SET', F, 'the voter set does not match between replicas'],
  [95, 'INVALID_UPDATE_VERSION', F, 'the update version is invalid'],
  [96, 'FEATURE_UPDATE_FAILED', F, 'the feature update could not be applied'],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', F, 'the forwarded principal could not be deserialized'],
  [98, 'SNAPSHOT_NOT_FOUND', F, 'the requested snapshot does not exist'],
  [99, 'POSITION_OUT_OF_RANGE', F, 'the requested position is outside the snapshot'],
  [100, 'UNKNOWN_TOPIC_ID', R, 'this broker does not know the topic id'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', F, 'a broker with this id is already registered'],
  [102, 'BROKER_ID_NOT_REGISTERED', F, 'the broker id is not registered'],
  [103, 'INCONSISTENT_TOPIC_ID', R, 'the topic id in the request does not match the broker one'],
  [104, 'INCONSISTENT_CLUSTER_ID', F, 'the cluster id does not match'],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', F, 'the transactional id does not exist'],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', R, 'the fetch session saw a topic id it did not expect'],
  [107, 'INELIGIBLE_REPLICA', F, 'the replica is not eligible for the partition ISR'],
  [108, 'NEW_LEADER_ELECTED', F, 'a new leader was elected while the request was handled'],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', F, 'the offset now lives only in tiered storage'],
  [110, 'FENCED_MEMBER_EPOCH', F, 'the member epoch is fenced by the coordinator'],
  [111, 'UNRELEASED_INSTANCE_ID', F, 'the static instance id has not been released yet'],
  [112, 'UNSUPPORTED_ASSIGNOR', F, 'the group does not support that assignor'],
  [113, 'STALE_MEMBER_EPOCH', F, 'the member epoch is outdated'],
  [114, 'MISMATCHED_ENDPOINT_TYPE', F, 'the request was sent to the wrong kind of endpoint'],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', F, 'this endpoint type does not support the request'],
  [116, 'UNKNOWN_CONTROLLER_ID', F, 'the controller id is not known'],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', F, 'the client telemetry subscription id is not known'],
  [118, 'TELEMETRY_TOO_LARGE', F, 'the client telemetry payload is too large'],
  [119, 'INVALID_REGISTRATION', F, 'the controller rejected the broker registration'],
  [120, 'TRANSACTION_ABORTABLE', F, 'the transaction hit an error that requires aborting it'],
  [121, 'INVALID_RECORD_STATE', F, 'the record is not in a state that allows this operation'],
  [122, 'SHARE_SESSION_NOT_FOUND', R, 'the share session is not known'],
  [123, 'INVALID_SHARE_SESSION_EPOCH', R, 'the share session epoch is not the expected one'],
  [124, 'FENCED_STATE_EPOCH', F, 'the share state epoch is outdated'],
  [125, 'INVALID_VOTER_KEY', F, 'the voter key does not match the receiving replica'],
  [126, 'DUPLICATE_VOTER', F, 'the voter is already part of the voter set'],
  [127, 'VOTER_NOT_FOUND', F, 'the voter is not part of the voter set'],
  [128, 'INVALID_REGULAR_EXPRESSION', F, 'the regular expression is invalid'],
  [129, 'REBOOTSTRAP_REQUIRED', F, 'the client must rediscover the cluster from its bootstrap servers'],
  [130, 'STREAMS_INVALID_TOPOLOGY', F, 'the streams topology is invalid'],
  [131, 'STREAMS_INVALID_TOPOLOGY_EPOCH', F, 'the streams topology epoch is invalid'],
  [132, 'STREAMS_TOPOLOGY_FENCED', F, 'the streams topology was replaced by a newer one'],
  [133, 'SHARE_SESSION_LIMIT_REACHED', R, 'the broker has reached its share session limit'],
  [134, 'GROUP_DELETION_FAILED', F, 'the group could not be deleted'],
  [
    135,
    'STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED',
    F,
    'the streams topology description could not be updated',
  ],
  [136, 'CONTROLLER_ID_NOT_REGISTERED', F, 'the controller id is not registered'],
] as const satisfies readonly (readonly [number, string, boolean, string])[]

/** The name of every error code Kafka defines (a BrokerError's `code`). */
export type BrokerErrorName = (typeof TABLE)[number][1]

const BY_CODE = new Map<number, ErrorInfo>()
for (const [code, name, retriable, message] of TABLE) BY_CODE.set(code, { code, name, retriable, message })

/** Every entry of the table, in code order. */
export const ALL_ERRORS: readonly ErrorInfo[] = [...BY_CODE.values()]

/**
 * The entry for a broker error code. A code this table does not know reads, as in the Java
 * client, as a non-retriable UNKNOWN_SERVER_ERROR, but keeps its own numeric code.
 */
export function errorForCode(code: number): ErrorInfo {
  return (
    BY_CODE.get(code) ?? {
      code,
      name: 'UNKNOWN_SERVER_ERROR',
      retriable: false,
      message: `the broker returned error code ${code}, which this client does not know`,
    }
  )
}

/** A BrokerError for `code`; `context` (what was being done) is prefixed to the message. */
export function brokerError(code: number, context?: string): BrokerError {
  const e = errorForCode(code)
  const message = `${e.name} (${code}): ${e.message}`
  return new BrokerError(
    e.name,
    code,
    e.retriable,
    context === undefined ? message : `${context}: ${message}`,
  )
}

/** Codes Sluice acts on by name. Each is checked against the table by the tests. */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  FENCED_INSTANCE_ID: 82,
  INVALID_RECORD: 87,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  UNKNOWN_TOPIC_ID: 100,
  INCONSISTENT_TOPIC_ID: 103,
  TRANSACTION_ABORTABLE: 120,
  REBOOTSTRAP_REQUIRED: 129,
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

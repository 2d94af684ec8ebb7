/**
 * Kafka API keys, and which header versions an API's request and response use.
 *
 * Request header v1 is used by non-flexible versions and v2 (v1 plus tagged fields) by flexible
 * ones. Responses likewise use header v0 or v1, except ApiVersions: its responses always use
 * v0, because a client must be able to read the answer before it knows what the broker speaks.
 */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  WriteTxnMarkers: 27,
  TxnOffsetCommit: 28,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DescribeCluster: 60,
  DescribeProducers: 61,
  DescribeTransactions: 65,
  ListTransactions: 66,
} as const

const NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]))

/** The API's name for messages and logs, e.g. `Produce`, or `ApiKey(42)` when unknown here. */
export function apiName(apiKey: number): string {
  return NAMES.get(apiKey) ?? `ApiKey(${apiKey})`
}

export function requestHeaderVersion(_apiKey: number, flexible: boolean): 1 | 2 {
  return flexible ? 2 : 1
}

export function responseHeaderVersion(apiKey: number, flexible: boolean): 0 | 1 {
  return flexible && apiKey !== ApiKey.ApiVersions ? 1 : 0
}

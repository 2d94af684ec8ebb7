/** Small helpers for driving the fakes with the project's own BrokerConnection. */
import { BrokerConnection } from '../../src/network/broker-connection.js'
import { Metadata, type MetadataResponse } from '../../src/protocol/messages/metadata.js'
import {
  Produce,
  type ProducePartitionResponse,
  type ProduceResponse,
} from '../../src/protocol/messages/produce.js'
import { type BatchInput, encodeRecordBatch } from '../fakes/record-batch.js'

export function openConnection(
  port: number,
  requestTimeoutMs = 5000,
  host = '127.0.0.1',
): Promise<BrokerConnection> {
  return BrokerConnection.open({
    host,
    port,
    clientId: 'fakes-selftest',
    requestTimeoutMs,
    connectTimeoutMs: 2000,
  })
}

export function metadata(c: BrokerConnection, topics: string[] | null): Promise<MetadataResponse> {
  return c.send(Metadata, {
    topics: topics === null ? null : topics.map((name) => ({ name })),
    allowAutoTopicCreation: false,
  })
}

/**
 * One Produce request writing one batch to each of `parts`. From v13 topics go by id: it is
 * looked up with Metadata first (the all-zero id when the topic is unknown).
 */
export async function produce(
  c: BrokerConnection,
  topic: string,
  parts: { partition: number; batch: BatchInput }[],
  acks = -1,
  options: { transactionalId?: string | null; version?: number } = {},
): Promise<ProduceResponse> {
  const version = options.version ?? c.versionOf(Produce)
  const topicId = version >= 13 ? (await metadata(c, [topic])).topics[0]!.topicId : null
  return c.connection.send(
    Produce,
    version,
    {
      transactionalId: options.transactionalId ?? null,
      acks,
      timeoutMs: 5000,
      topicData: [
        {
          name: topic,
          topicId,
          partitionData: parts.map((p) => ({ index: p.partition, records: encodeRecordBatch(p.batch) })),
        },
      ],
    },
    acks !== 0,
  )
}

/** The response of one partition from a single-topic Produce response. */
export function partitionResult(res: ProduceResponse, partition: number): ProducePartitionResponse {
  const r = res.responses[0]?.partitionResponses.find((p) => p.index === partition)
  if (r === undefined) throw new Error(`no response for partition ${partition}`)
  return r
}

export const values = (records: { value: Buffer | null }[]): (string | null)[] =>
  records.map((r) => r.value?.toString() ?? null)

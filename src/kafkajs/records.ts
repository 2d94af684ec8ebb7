/**
 * kafkajs messages -> Sluice records, and Sluice's per-record results -> kafkajs's RecordMetadata
 * (one entry per topic-partition, as kafkajs reads them off the Produce response).
 *
 * The message itself travels as the record's key (a MessageKey), so the kafkajs partitioner sees
 * the whole message (key, value, headers, partition) whenever Sluice partitions the record, and
 * the key serializer (`serializeKey`) turns it into the key's bytes.
 */
import type { RecordHeaders, RecordMetadata as SluiceRecordMetadata } from '../producer/record.js'
import { KafkaJSNonRetriableError } from './errors.js'
import type { IHeaders, Message } from './partitioners.js'

/** kafkajs's RecordMetadata. */
export interface RecordMetadata {
  topicName: string
  partition: number
  errorCode: number
  offset?: string
  timestamp?: string
  baseOffset?: string
  logAppendTime?: string
  logStartOffset?: string
}

export interface TopicMessages {
  topic: string
  messages: Message[]
}

/** The record key Sluice carries: the message it came from. */
export class MessageKey {
  readonly message: Message
  constructor(message: Message) {
    this.message = message
  }
}

/** The key serializer: the message's key as kafkajs encodes it (Buffer as is, else String(key)). */
export function serializeKey(data: unknown): Uint8Array | null {
  const key = data instanceof MessageKey ? data.message.key : data
  if (key === null || key === undefined) return null
  return Buffer.isBuffer(key) ? key : Buffer.from(String(key))
}

/** The value serializer: Buffer as is, null as null, anything else as the UTF-8 of String(value). */
export function serializeValue(data: unknown): Uint8Array | null {
  if (data === null || data === undefined) return null
  return Buffer.isBuffer(data) ? data : Buffer.from(String(data))
}

function headersOf(headers: IHeaders | undefined): RecordHeaders | undefined {
  if (headers === undefined || headers === null) return undefined
  const pairs: [string, string | Buffer][] = []
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value])
      pairs.push([name, Buffer.isBuffer(v) ? v : String(v)])
  }
  return pairs
}

/** What the Sluice producer is given for one message. */
export interface SluiceRecord {
  topic: string
  key: MessageKey
  value: Buffer | string | null
  headers?: RecordHeaders
  timestamp: number
}

export function toRecord(topic: string, message: Message): SluiceRecord {
  const record: SluiceRecord = {
    topic,
    key: new MessageKey(message),
    value: message.value,
    timestamp:
      message.timestamp === undefined || message.timestamp === null ? Date.now() : Number(message.timestamp),
  }
  const headers = headersOf(message.headers)
  if (headers !== undefined) record.headers = headers
  return record
}

/** kafkajs's checks of sendBatch's arguments, with its messages. */
export function validateTopicMessages(topicMessages: readonly TopicMessages[]): void {
  if (topicMessages.some(({ topic }) => !topic)) throw new KafkaJSNonRetriableError('Invalid topic')
  for (const { topic, messages } of topicMessages) {
    if (!messages) {
      throw new KafkaJSNonRetriableError(`Invalid messages array [${messages}] for topic "${topic}"`)
    }
    const withoutValue = messages.find((m) => m.value === undefined)
    if (withoutValue !== undefined) {
      throw new KafkaJSNonRetriableError(
        `Invalid message without value for topic "${topic}": ${JSON.stringify(withoutValue)}`,
      )
    }
  }
}

/** Topics given twice are merged, in first-seen order, as kafkajs does. */
export function mergeTopicMessages(topicMessages: readonly TopicMessages[]): TopicMessages[] {
  const merged = new Map<string, Message[]>()
  for (const { topic, messages } of topicMessages) {
    let list = merged.get(topic)
    if (list === undefined) {
      list = []
      merged.set(topic, list)
    }
    for (const m of messages) list.push(m)
  }
  return [...merged].map(([topic, messages]) => ({ topic, messages }))
}

/**
 * One entry per topic-partition written: topics in the order given, partitions ascending,
 * baseOffset the first offset written there. Sluice does not keep the Produce response's
 * log_start_offset, and its timestamp is CreateTime unless the topic uses LogAppendTime: both
 * are '-1' here (kafkajs gives the broker's values).
 */
export function toRecordMetadata(
  topics: readonly string[],
  results: readonly SluiceRecordMetadata[],
): RecordMetadata[] {
  const first = new Map<string, Map<number, bigint>>()
  for (const md of results) {
    let partitions = first.get(md.topic)
    if (partitions === undefined) {
      partitions = new Map()
      first.set(md.topic, partitions)
    }
    const seen = partitions.get(md.partition)
    if (seen === undefined || md.offset < seen) partitions.set(md.partition, md.offset)
  }
  const out: RecordMetadata[] = []
  for (const topicName of topics) {
    const partitions = first.get(topicName)
    if (partitions === undefined) continue
    for (const [partition, offset] of [...partitions].sort((a, b) => a[0] - b[0])) {
      out.push({
        topicName,
        partition,
        errorCode: 0,
        baseOffset: String(offset),
        logAppendTime: '-1',
        logStartOffset: '-1',
      })
    }
  }
  return out
}

/**
 * The fields a record may have, checked on every send(): a misspelt field (`partiton`) or a
 * kafkajs-shaped call (`{ topic, messages }`) would otherwise be sent with the field ignored.
 */
import { InvalidRecordError } from '../errors.js'
import { suggest } from './config/suggest.js'
import type { ProducerRecord } from './record.js'

const FIELDS = ['topic', 'partition', 'key', 'value', 'headers', 'timestamp'] as const
const NAMES = FIELDS.map((f) => ({ dotted: f, camel: f }))

/**
 * The record's topic, once its topic, fields and partition are checked; throws an
 * InvalidRecordError naming what is wrong. Small on purpose, with the messages built in
 * functions of their own: it runs for every record, and a smaller send path is one V8 inlines
 * more of.
 */
export function checkRecord(record: ProducerRecord): string {
  const topic = record.topic
  if (typeof topic !== 'string' || topic.length === 0) throw badTopicError(topic)
  const unknown = unknownRecordField(record)
  if (unknown !== null) throw unknownRecordFieldError(unknown, topic)
  const partition = record.partition
  if (partition !== undefined && partition !== null && !(Number.isInteger(partition) && partition >= 0)) {
    throw badPartitionError(partition, topic)
  }
  return topic
}

/** send() was given something other than a record object. */
export function notARecordError(record: unknown): InvalidRecordError {
  return new InvalidRecordError(
    `send() needs a record object { topic, value, ... }, got ${describeValue(record)}`,
  )
}

function badTopicError(topic: unknown): InvalidRecordError {
  return new InvalidRecordError(`a record needs a non-empty string topic, got ${describeValue(topic)}`)
}

function badPartitionError(partition: unknown, topic: string): InvalidRecordError {
  return new InvalidRecordError(
    `the partition of a record for topic '${topic}' must be an integer >= 0, got ${describeValue(partition)}`,
    'ERR_INVALID_PARTITION',
  )
}

/** A short, safe description of a value the caller gave, for error messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null'
  if (v === undefined) return 'undefined'
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint')
    return `${typeof v} ${String(v)}`
  if (Array.isArray(v)) return 'an array'
  return `a ${typeof v}`
}

/** The first field of `record` that a ProducerRecord does not have, or null. */
export function unknownRecordField(record: object): string | null {
  // A for-in with comparisons: no allocation on the hot path (Object.keys would make an array).
  for (const k in record) {
    if (
      k !== 'topic' &&
      k !== 'value' &&
      k !== 'key' &&
      k !== 'headers' &&
      k !== 'partition' &&
      k !== 'timestamp'
    )
      return k
  }
  return null
}

export function unknownRecordFieldError(field: string, topic: string): InvalidRecordError {
  if (field === 'messages' || field === 'topicMessages') {
    return new InvalidRecordError(
      `a record for topic '${topic}' has a '${field}' field: send() takes one record { topic, key, value, headers, partition, timestamp }; ` +
        "for many records use sendBatch([...records]), or for kafkajs-shaped code import { Kafka } from 'sluice/kafkajs'",
    )
  }
  const hint = suggest(field, NAMES)
  return new InvalidRecordError(
    `a record for topic '${topic}' has an unknown field '${field}'` +
      (hint === null ? '' : `: did you mean '${hint}'?`) +
      ` (a record has ${FIELDS.join(', ')})`,
  )
}

/** sendBatch() was given something other than an array of records. */
export function notABatchError(input: unknown): InvalidRecordError {
  const kafkajsShape =
    typeof input === 'object' && input !== null && ('topicMessages' in input || 'messages' in input)
  return new InvalidRecordError(
    'sendBatch() takes an array of records [{ topic, key, value, ... }, ...]' +
      (kafkajsShape
        ? "; this looks like kafkajs's sendBatch({ topicMessages }): import { Kafka } from 'sluice/kafkajs' for that shape"
        : `, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`),
  )
}

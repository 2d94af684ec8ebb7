/**
 * The fields a record may have, checked on every send(): a misspelt field (`partiton`) or a
 * kafkajs-shaped call (`{ topic, messages }`) would otherwise be sent with the field ignored.
 */
import { InvalidRecordError } from '../errors.js'
import { suggest } from './config/suggest.js'

const FIELDS = ['topic', 'partition', 'key', 'value', 'headers', 'timestamp'] as const
const NAMES = FIELDS.map((f) => ({ dotted: f, camel: f }))

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

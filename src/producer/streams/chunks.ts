/**
 * What producer.writable() and producer.sendAll() take: records, and with a default topic,
 * records without one or bare values.
 */
import { InvalidRecordError } from '../../errors.js'
import type { ProducerRecord } from '../record.js'
import type { SerializerInput } from '../serializers.js'

/** A record whose topic may be left out: the stream's (or sendAll's) default `topic` fills it in. */
export type RecordWithDefaultTopic<K, V> = Omit<ProducerRecord<K, V>, 'topic'> & { topic?: string }

/**
 * With a default topic, a chunk is a record (its `topic` optional), or a bare value (a string or
 * bytes, when the value serializer takes them) sent as `{ topic, value }` with a null key.
 * Anything else is taken as a record, so with the 'json' serializer an object value goes in
 * `{ value }`.
 */
export type ChunkWithDefaultTopic<K, V> = RecordWithDefaultTopic<K, V> | Extract<V, string | Uint8Array>

/** The chunks for a producer whose serializers are `KS` and `VS`, with a default topic. */
export type DefaultTopicChunk<KS, VS> = ChunkWithDefaultTopic<SerializerInput<KS>, SerializerInput<VS>>

/**
 * The record to send for `chunk`: itself when it names its topic (or there is no default, in
 * which case send() reports a missing topic), else a copy with the default topic, or
 * `{ topic, value: chunk }` for a string or bytes.
 */
export function toRecord(chunk: unknown, topic: string | undefined): ProducerRecord {
  if (topic === undefined) return chunk as ProducerRecord
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) return { topic, value: chunk }
  if (chunk !== null && typeof chunk === 'object' && (chunk as { topic?: unknown }).topic === undefined) {
    return { ...(chunk as Omit<ProducerRecord, 'topic'>), topic }
  }
  return chunk as ProducerRecord
}

/** Checks a default topic option once, where it is given (`where`: 'writable()' or 'sendAll()'). */
export function checkDefaultTopic(topic: unknown, where: string): string | undefined {
  if (topic === undefined) return undefined
  if (typeof topic !== 'string' || topic.length === 0) {
    const got = typeof topic === 'string' ? 'an empty string' : topic === null ? 'null' : `a ${typeof topic}`
    throw new InvalidRecordError(`${where}: the default topic must be a non-empty string, got ${got}`)
  }
  return topic
}

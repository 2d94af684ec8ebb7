/** Confluent's subject name strategies, shared by the Avro and Protobuf serializers. */
import { ConfigError } from '../errors.js'

/**
 * Confluent's subject name strategies: `topic` (TopicNameStrategy, `<topic>-value` or
 * `<topic>-key`, the default), `record` (RecordNameStrategy, the record's full name: an Avro
 * record's, a Protobuf message's) and `topic-record` (TopicRecordNameStrategy,
 * `<topic>-<full name>`), or a function.
 */
export type SubjectNameStrategy =
  | 'topic'
  | 'record'
  | 'topic-record'
  | ((topic: string, isKey: boolean, recordName: string | undefined) => string)

/** The subject for each topic under `strategy`; a ConfigError for an unknown strategy. */
export function subjectNamer(
  strategy: SubjectNameStrategy,
  isKey: boolean,
  recordName: string | undefined,
): (topic: string) => string {
  if (typeof strategy === 'function') return (topic) => strategy(topic, isKey, recordName)
  if (strategy === 'topic') return (topic) => `${topic}-${isKey ? 'key' : 'value'}`
  if (strategy !== 'record' && strategy !== 'topic-record') {
    throw new ConfigError(
      'subjectNameStrategy',
      `must be 'topic', 'record', 'topic-record' or a function, got ${String(strategy)}`,
    )
  }
  if (recordName === undefined) {
    throw new ConfigError(
      'subjectNameStrategy',
      `'${strategy}' needs a named schema (a record, enum or fixed)`,
    )
  }
  return strategy === 'record' ? () => recordName : (topic) => `${topic}-${recordName}`
}

/**
 * sluice/schema-registry: a Confluent Schema Registry client, Confluent's wire framing, and an
 * Avro serializer on `avsc` (an optional peer dependency, imported only here).
 */

export type { AvroSerializerOptions, SubjectNameStrategy } from './avro.js'
export { AvroDeserializer, AvroSerializer } from './avro.js'
export type { CallOptions, SchemaRegistryAuth, SchemaRegistryOptions } from './client.js'
export { SchemaRegistryClient } from './client.js'
export { SchemaRegistryError } from './errors.js'
export type { Unframed } from './framing.js'
export {
  encodeMessageIndexes,
  frame,
  frameProtobuf,
  HEADER_SIZE,
  MAGIC_BYTE,
  SchemaFramingError,
  unframe,
  unframeProtobuf,
} from './framing.js'
export type {
  CompatibilityResult,
  RegisteredSchema,
  Schema,
  SchemaById,
  SchemaReference,
  SchemaType,
} from './types.js'

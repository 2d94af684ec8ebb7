/**
 * sluice/schema-registry: a Confluent Schema Registry client, Confluent's wire framing, an Avro
 * serializer on `avsc` and a JSON Schema serializer on `ajv` (optional peer dependencies, loaded
 * only when a serializer is made).
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
  JsonSchemaDeserializerOptions,
  JsonSchemaFormat,
  JsonSchemaSerializerOptions,
} from './json-schema.js'
export { JsonSchemaDeserializer, JsonSchemaSerializer } from './json-schema.js'
export type {
  CompatibilityResult,
  RegisteredSchema,
  Schema,
  SchemaById,
  SchemaReference,
  SchemaType,
} from './types.js'

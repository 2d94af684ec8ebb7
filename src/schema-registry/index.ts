/**
 * sluice/schema-registry: a Confluent Schema Registry client, Confluent's wire framing, an Avro
 * serializer on `avsc`, a Protobuf serializer on `@bufbuild/protobuf` and a JSON Schema serializer
 * on `ajv` (optional peer dependencies, each loaded when its first serializer is made).
 */

export type { AvroSerializerOptions } from './avro.js'
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
export type { ProtobufSerializerOptions, ProtobufValue } from './protobuf.js'
export { ProtobufDeserializer, ProtobufSerializer } from './protobuf.js'
export type { SubjectNameStrategy } from './subject-name.js'
export type { SchemaRegistryTls } from './tls.js'
export type {
  CompatibilityResult,
  RegisteredSchema,
  Schema,
  SchemaById,
  SchemaReference,
  SchemaType,
} from './types.js'

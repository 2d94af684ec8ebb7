/** The shapes of Confluent's Schema Registry REST API (v7), as this client exposes them. */

/** Confluent's schema types; an absent `schemaType` means AVRO. */
export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON'

/** A schema that refers to another registered schema by name (an import, a named type, a $ref). */
export interface SchemaReference {
  /** The name the referring schema uses: the Avro full name, the .proto import path, the $ref URL. */
  name: string
  subject: string
  version: number
}

/** A schema to register, look up or check. */
export interface Schema {
  schema: string
  /** Default AVRO. */
  schemaType?: SchemaType
  references?: readonly SchemaReference[]
}

/** A schema as the registry has it: its global id and, under a subject, its version. */
export interface RegisteredSchema {
  subject: string
  version: number
  id: number
  schema: string
  schemaType: SchemaType
  references: SchemaReference[]
}

/** A schema fetched by its global id. */
export interface SchemaById {
  id: number
  schema: string
  schemaType: SchemaType
  references: SchemaReference[]
}

export interface CompatibilityResult {
  compatible: boolean
  /** The registry's reasons, when it gives them (`?verbose=true`). */
  messages: string[]
}

/**
 * Loads the golden fixtures written by test/java/MessageFixtures.java and turns the values Kafka
 * wrote (its JsonConverter's JSON) into the objects our codec uses, guided by our definitions.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  BUFFER_DEFAULT,
  EMPTY_ARRAY,
  type FieldDef,
  inRange,
  type MessageDef,
  STRUCT_DEFAULT,
} from '../../../src/protocol/schema.js'

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'messages')

export interface Sample {
  version: number
  variant: 'values' | 'nulls'
  correlationId: number
  clientId?: string | null
  headerVersion: number
  body: string
  frame: string
  values: Record<string, unknown>
}

export interface Fixture {
  name: string
  apiKey: number
  samples: Sample[]
}

export function loadFixture(name: string, dir = FIXTURE_DIR): Fixture {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Fixture
}

/** Kafka's JSON for one message version as our decoded object (absent fields at their defaults). */
export function toOurs(
  def: MessageDef,
  version: number,
  json: Record<string, unknown>,
): Record<string, unknown> {
  return struct(def.fields, version, json)
}

function struct(
  fields: readonly FieldDef[],
  version: number,
  json: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    const v = json[f.name]
    out[f.name] =
      inRange(f.versions, version) && v !== undefined ? convert(f, f.type, version, v) : defaultOf(f, version)
  }
  return out
}

function convert(f: FieldDef, type: string, version: number, v: unknown): unknown {
  if (v === null) return null
  if (type.startsWith('[]')) return (v as unknown[]).map((e) => convert(f, type.slice(2), version, e))
  switch (type) {
    case 'int64':
      return BigInt(v as string)
    case 'uuid':
      return Buffer.from(v as string, 'base64url')
    case 'bytes':
    case 'records':
      return Buffer.from(v as string, 'base64')
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint16':
    case 'uint32':
    case 'float64':
    case 'bool':
    case 'string':
      return v
    default:
      return struct(f.fields!, version, v as Record<string, unknown>)
  }
}

function defaultOf(f: FieldDef, version: number): unknown {
  if (f.default === EMPTY_ARRAY) return []
  if (f.default === BUFFER_DEFAULT) return Buffer.alloc(f.type === 'uuid' ? 16 : 0)
  if (f.default === STRUCT_DEFAULT) return struct(f.fields!, version, {})
  return f.default
}

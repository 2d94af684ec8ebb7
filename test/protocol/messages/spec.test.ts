/**
 * Our message definitions against Kafka's own JSON specs, field by field: this is what notices
 * when a new Kafka version adds a field or a version.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  camelCase,
  type FieldDef,
  type MessageDef,
  parseVersions,
  type VersionRange,
} from '../../../src/protocol/schema.js'
import { APIS } from './apis.js'
import { type MessageSpec, readSpec, type SpecField } from './kafka-spec.js'

/**
 * APIs whose descriptor deliberately stops below the spec's newest version, and why:
 * `latestVersionUnstable` (Kafka marks the newest version unstable; brokers don't offer it), or
 * `brokerOnlyVersions` (the versions above are a different, broker-to-broker form of the request
 * that shares no top-level field with the client's form).
 */
const NARROWER: Record<
  string,
  { maxVersion: number; reason: 'latestVersionUnstable' | 'brokerOnlyVersions' }
> = {
  InitProducerId: { maxVersion: 5, reason: 'latestVersionUnstable' },
  AddPartitionsToTxn: { maxVersion: 3, reason: 'brokerOnlyVersions' },
}

const range = (r: VersionRange) => (r.min > r.max ? 'none' : `${r.min}-${r.max === Infinity ? '+' : r.max}`)
const specRange = (s: string | undefined) => range(parseVersions(s ?? 'none'))

interface Shape {
  name: string
  type: string
  versions: string
  nullableVersions: string
  tag: number | null
  taggedVersions: string
  default: string | null
  fields: Shape[] | null
}

function fromSpec(fields: SpecField[], spec: MessageSpec): Shape[] {
  return fields.map((f) => {
    const elem = f.type.replace(/^\[\]/, '')
    const nested = f.fields ?? spec.commonStructs?.find((s) => s.name === elem)?.fields
    return {
      name: camelCase(f.name),
      type: f.type,
      versions: specRange(f.versions),
      nullableVersions: specRange(f.nullableVersions),
      tag: f.tag ?? null,
      taggedVersions: specRange(f.taggedVersions),
      default: f.default === undefined ? null : String(f.default),
      fields: nested === undefined ? null : fromSpec(nested, spec),
    }
  })
}

function fromOurs(fields: readonly FieldDef[]): Shape[] {
  return fields.map((f) => ({
    name: f.name,
    type: f.type,
    versions: range(f.versions),
    nullableVersions: range(f.nullableVersions),
    tag: f.tag ?? null,
    taggedVersions: range(f.taggedVersions),
    default: f.specDefault ?? null,
    fields: f.fields === undefined ? null : fromOurs(f.fields),
  }))
}

function checkMessage(ours: MessageDef, spec: MessageSpec): void {
  assert.equal(ours.name, spec.name)
  assert.equal(ours.type, spec.type)
  assert.equal(ours.apiKey, spec.apiKey)
  assert.equal(range(ours.validVersions), specRange(spec.validVersions))
  assert.equal(ours.flexibleFrom, parseVersions(spec.flexibleVersions).min, 'first flexible version')
  assert.deepEqual(fromOurs(ours.fields), fromSpec(spec.fields, spec))
}

describe('message definitions match Kafka’s JSON specs', () => {
  for (const api of APIS) {
    test(api.name, async () => {
      const request = await readSpec(api.request.name)
      const response = await readSpec(api.response.name)
      checkMessage(api.request, request)
      checkMessage(api.response, response)

      const valid = parseVersions(request.validVersions)
      assert.equal(api.minVersion, valid.min)
      const narrower = NARROWER[api.name]
      if (narrower === undefined) {
        assert.equal(api.maxVersion, valid.max)
      } else if (narrower.reason === 'latestVersionUnstable') {
        assert.equal(api.maxVersion, narrower.maxVersion)
        assert.equal(
          request.latestVersionUnstable,
          true,
          `${api.name}: the reason for stopping early is gone`,
        )
        assert.equal(narrower.maxVersion, valid.max - 1)
      } else {
        assert.equal(api.maxVersion, narrower.maxVersion)
        assert.notEqual(request.latestVersionUnstable, true)
        // Every top-level request field belongs to one form: it ends at maxVersion (client) or
        // starts right after it (broker), and both forms exist.
        const forms = request.fields.map((f) => {
          const r = parseVersions(f.versions)
          if (r.max === narrower.maxVersion) return 'client'
          if (r.min === narrower.maxVersion + 1) return 'broker'
          return `${f.name} spans both forms`
        })
        assert.deepEqual([...new Set(forms)].sort(), ['broker', 'client'])
      }
    })
  }

  test('a drifted definition is noticed', async () => {
    const spec = await readSpec('ProduceRequest')
    const api = APIS.find((a) => a.name === 'Produce')!
    const drifted: MessageDef = { ...api.request, fields: api.request.fields.slice(1) }
    assert.throws(() => checkMessage(drifted, spec), assert.AssertionError)
  })
})

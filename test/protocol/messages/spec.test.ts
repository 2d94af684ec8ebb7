/**
 * The message modules are generated from Kafka's own JSON specs (scripts/gen-messages.ts, from
 * the kafka-clients jar of SPEC_KAFKA_VERSION): the committed files must be what the generator
 * writes today, like the embedded WebAssembly against its source. Independently of the generator,
 * every definition as the codec sees it is compared with the spec field by field, and a report
 * says what the newest Kafka in the jar cache has beyond our version ranges.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import {
  GENERATED_MARK,
  generateAll,
  generateApi,
  type MessageSpec,
  openSpecJar,
  ROOT,
  SPEC_KAFKA_VERSION,
  type SpecField,
  type SpecJar,
} from '../../../scripts/gen-messages.js'
import { type ApiConfig, APIS as CONFIG } from '../../../scripts/messages.config.js'
import { kafkaCacheRoot } from '../../../src/local-kafka/distribution.js'
import { APIS } from '../../../src/protocol/apis.js'
import type { ApiDescriptor } from '../../../src/protocol/codec.js'
import {
  camelCase,
  type FieldDef,
  type MessageDef,
  parseVersions,
  type VersionRange,
} from '../../../src/protocol/schema.js'

const range = (r: VersionRange) => (r.min > r.max ? 'none' : `${r.min}-${r.max === Infinity ? '+' : r.max}`)
const specRange = (s: string | undefined) => range(parseVersions(s ?? 'none'))
const intersect = (a: VersionRange, b: VersionRange): VersionRange => ({
  min: Math.max(a.min, b.min),
  max: Math.min(a.max, b.max),
})

let jarPromise: Promise<SpecJar> | undefined
const specJar = () => {
  jarPromise ??= openSpecJar()
  return jarPromise
}

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

/** The spec's fields that exist in some version of `within` (our range). */
function fromSpec(fields: SpecField[], spec: MessageSpec, within: VersionRange): Shape[] {
  return fields
    .filter((f) => {
      const r = intersect(parseVersions(f.versions), within)
      return r.min <= r.max
    })
    .map((f) => {
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
        fields:
          nested === undefined ? null : fromSpec(nested, spec, intersect(parseVersions(f.versions), within)),
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

/** A definition against Kafka's spec of the message, within the versions we cover (`ours`). */
function checkMessage(def: MessageDef, spec: MessageSpec, ours: string): void {
  const within = parseVersions(ours)
  assert.equal(def.name, spec.name)
  assert.equal(def.type, spec.type)
  assert.equal(def.apiKey, spec.apiKey)
  assert.equal(range(def.validVersions), range(within), 'our versions')
  const valid = parseVersions(spec.validVersions)
  assert.ok(valid.min <= within.min && valid.max >= within.max, `${spec.name} has versions ${ours}`)
  const flexible = intersect(parseVersions(spec.flexibleVersions), within)
  assert.equal(
    def.flexibleFrom,
    flexible.min <= flexible.max ? flexible.min : Infinity,
    'first flexible version',
  )
  assert.deepEqual(fromOurs(def.fields), fromSpec(spec.fields, spec, within))
}

/** Where two texts first differ, for the failure message. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n')
  const y = b.split('\n')
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i])
      return `line ${i + 1}: committed ${JSON.stringify(x[i])}, generated ${JSON.stringify(y[i])}`
  }
  return 'no line differs'
}

function configOf(api: ApiDescriptor<unknown, unknown>): ApiConfig {
  const c = CONFIG.find((a) => a.name === api.name)
  assert.ok(c !== undefined, `${api.name} is in scripts/messages.config.ts`)
  return c
}

describe(`message modules are generated from Kafka ${SPEC_KAFKA_VERSION}'s JSON specs`, () => {
  test('the generated files are current', async () => {
    const files = await generateAll(await specJar())
    for (const [path, text] of files) {
      const target = join(ROOT, path)
      const committed = existsSync(target) ? readFileSync(target, 'utf8') : ''
      if (committed !== text) {
        assert.fail(`${path} is out of date: run npm run gen:messages (${firstDifference(committed, text)})`)
      }
    }
    // A module the generator no longer writes (an API dropped from the table) must go too.
    const dir = join(ROOT, 'src', 'protocol', 'messages')
    for (const name of readdirSync(dir)) {
      const path = `src/protocol/messages/${name}`
      if (readFileSync(join(dir, name), 'utf8').startsWith(GENERATED_MARK)) {
        assert.ok(files.has(path), `${path} is generated but no longer in scripts/messages.config.ts`)
      }
    }
  })

  test('the registry lists every API of the table, in its order', () => {
    assert.deepEqual(
      APIS.map((a) => a.name),
      CONFIG.map((c) => c.name),
    )
  })

  for (const api of APIS) {
    test(`${api.name}: definitions match the spec within our versions; the descriptor's range holds`, async () => {
      const config = configOf(api)
      const jar = await specJar()
      const request = await jar.read(api.request.name)
      checkMessage(api.request, request, config.versions)
      checkMessage(api.response, await jar.read(api.response.name), config.versions)

      const ours = parseVersions(config.versions)
      assert.equal(api.minVersion, ours.min)
      const narrower = config.descriptorMax
      if (narrower === undefined) {
        assert.equal(api.maxVersion, ours.max)
        return
      }
      assert.equal(api.maxVersion, narrower.version)
      if (narrower.reason === 'latestVersionUnstable') {
        assert.equal(
          request.latestVersionUnstable,
          true,
          `${api.name}: the reason for stopping early is gone`,
        )
        assert.equal(narrower.version, parseVersions(request.validVersions).max - 1)
      } else {
        assert.notEqual(request.latestVersionUnstable, true)
        // Every top-level request field belongs to one form: it ends at maxVersion (client) or
        // starts right after it (broker), and both forms exist.
        const forms = request.fields.map((f) => {
          const r = parseVersions(f.versions)
          if (r.max === narrower.version) return 'client'
          if (r.min === narrower.version + 1) return 'broker'
          return `${f.name} spans both forms`
        })
        assert.deepEqual([...new Set(forms)].sort(), ['broker', 'client'])
      }
    })
  }

  test('the generator keeps to our versions when a newer spec has more', async () => {
    const jar = await specJar()
    const produce = CONFIG.find((a) => a.name === 'Produce')!
    const newer = (spec: MessageSpec): MessageSpec => ({
      ...spec,
      validVersions: '3-14',
      fields: [
        ...spec.fields,
        { name: 'FromV14', type: 'int32', versions: '14+' },
        {
          name: 'NestedFromV14',
          type: '[]Nested',
          versions: '14+',
          fields: [{ name: 'X', type: 'int8', versions: '14+' }],
        },
      ],
    })
    const later: SpecJar = {
      ...jar,
      kafkaVersion: SPEC_KAFKA_VERSION,
      read: async (n) => newer(await jar.read(n)),
    }
    assert.equal(await generateApi(produce, later), await generateApi(produce, jar))

    const dropped: SpecJar = {
      ...jar,
      read: async (n) => ({ ...(await jar.read(n)), validVersions: '4-13' }),
    }
    await assert.rejects(generateApi(produce, dropped), /our versions 3-13 are not all in Kafka's 4-13/)
  })

  test('a drifted definition is noticed', async () => {
    const spec = await (await specJar()).read('ProduceRequest')
    const api = APIS.find((a) => a.name === 'Produce')!
    const versions = configOf(api).versions
    checkMessage(api.request, spec, versions)
    const drifted: MessageDef[] = [
      { ...api.request, fields: api.request.fields.slice(1) },
      { ...api.request, flexibleFrom: api.request.flexibleFrom + 1 },
      {
        ...api.request,
        fields: api.request.fields.map((f, i) => (i === 0 ? { ...f, specDefault: undefined } : f)),
      },
    ]
    for (const d of drifted) assert.throws(() => checkMessage(d, spec, versions), assert.AssertionError)
  })
})

/** The newest Kafka whose kafka-clients jar is in the cache, or SLUICE_SPEC_REPORT_KAFKA. */
function newestKafka(): string {
  const asked = process.env.SLUICE_SPEC_REPORT_KAFKA
  if (asked !== undefined && asked !== '') return asked
  const root = kafkaCacheRoot()
  const cached = existsSync(root)
    ? readdirSync(root).filter(
        (v) => /^\d+\.\d+\.\d+$/.test(v) && existsSync(join(root, v, 'libs', `kafka-clients-${v}.jar`)),
      )
    : []
  const key = (v: string) => v.split('.').map(Number)
  cached.sort((a, b) => {
    const [x, y] = [key(a), key(b)]
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
    return 0
  })
  return cached.at(-1) ?? SPEC_KAFKA_VERSION
}

test('report: what a newer Kafka’s specs add beyond our versions (never fails)', async (t) => {
  const version = newestKafka()
  const jar = version === SPEC_KAFKA_VERSION ? await specJar() : await openSpecJar(version)
  t.diagnostic(
    `Kafka ${version}'s specs (ours are from ${SPEC_KAFKA_VERSION}; ` +
      'SLUICE_SPEC_REPORT_KAFKA=<version> reports on another):',
  )
  for (const api of CONFIG) {
    const ours = parseVersions(api.versions)
    const names = [`${api.name}Request`, `${api.name}Response`]
    if (!names.every((n) => jar.names.includes(n))) {
      t.diagnostic(`  ${api.name}: not in this Kafka`)
      continue
    }
    const valid = parseVersions((await jar.read(names[0]!)).validVersions)
    const notes: string[] = []
    if (valid.max > ours.max)
      notes.push(`v${ours.max + 1}-v${valid.max} beyond our v${ours.min}-v${ours.max}`)
    if (valid.min > ours.min) notes.push(`no longer has v${ours.min}-v${valid.min - 1}`)
    if (api.descriptorMax !== undefined && api.descriptorMax.version < Math.min(ours.max, valid.max)) {
      notes.push(`our descriptor stops at v${api.descriptorMax.version} (${api.descriptorMax.reason})`)
    }
    if (version !== SPEC_KAFKA_VERSION && valid.min <= ours.min) {
      const committed = readFileSync(join(ROOT, 'src', 'protocol', 'messages', `${api.file}.ts`), 'utf8')
      const body = (s: string) => s.slice(s.indexOf('\n') + 1)
      if (body(await generateApi(api, jar)) !== body(committed)) notes.push('changes within our versions too')
    }
    t.diagnostic(
      `  ${api.name}: spec v${valid.min}-v${valid.max}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
    )
  }
  const used = new Set(CONFIG.map((a) => `${a.name}Request`))
  const others: { key: number; text: string }[] = []
  for (const name of jar.names) {
    if (!name.endsWith('Request') || used.has(name)) continue
    const spec = await jar.read(name)
    if (spec.type !== 'request' || typeof spec.apiKey !== 'number') continue
    others.push({
      key: spec.apiKey,
      text: `${name.slice(0, -'Request'.length)} (${spec.apiKey}, v${spec.validVersions})`,
    })
  }
  others.sort((a, b) => a.key - b.key)
  t.diagnostic(`  ${others.length} APIs we don't use:`)
  for (let i = 0; i < others.length; i += 6) {
    t.diagnostic(
      `    ${others
        .slice(i, i + 6)
        .map((o) => o.text)
        .join(', ')}`,
    )
  }
})

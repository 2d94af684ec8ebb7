/**
 * Every setting's default and valid range against the definitions in Kafka's own jar
 * (ProducerConfig.configDef(), read at test time by test/java/ProducerConfigDef.java), and the
 * Java settings Sluice leaves out (java-not-implemented.ts) against Kafka's full list.
 * Integration tier (Java).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { ConfigError } from '../../src/errors.js'
import {
  CONFIG_DEFINITIONS,
  type ProducerConfig,
  type ProducerProperties,
  resolveConfig,
} from '../../src/producer/config/index.js'
import { runJava } from '../helpers/java.js'
import { NOT_IMPLEMENTED } from './java-not-implemented.js'

interface JavaKey {
  name: string
  type: 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD'
  hasDefault: boolean
  default: string | string[] | null
  validator: string | null
  validatorText: string | null
  min: string | null
  max: string | null
  validStrings: string[] | null
  caseInsensitive: boolean
}

const BOOTSTRAP = { 'bootstrap.servers': 'localhost:9092' }

/** Where Sluice's default deliberately differs from Java's, and why. */
const DEFAULT_EXCEPTIONS: Readonly<Record<string, string>> = {
  'client.id':
    "Java's empty default becomes producer-<n>; Sluice's is sluice-producer-<n> (see config-java.test.ts).",
  'key.serializer':
    "Java requires a serializer class; Sluice defaults to 'buffer' (bytes as they are, strings as UTF-8).",
  'value.serializer':
    "Java requires a serializer class; Sluice defaults to 'buffer' (bytes as they are, strings as UTF-8).",
  'ssl.keystore.type':
    'Java defaults to JKS; Sluice reads the format from the file (and refuses JKS with a fix).',
  'ssl.truststore.type':
    'Java defaults to JKS; Sluice reads the format from the file (and refuses JKS with a fix).',
}

/**
 * Where Sluice accepts a narrower range than Java's validator: Sluice's range, and why. Besides
 * these, every Java LONG setting stops at Number.MAX_SAFE_INTEGER in Sluice (LONG_MAX below).
 */
const NO_NEGATIVE = 'Java has no validator, so it takes any value; a negative one has no meaning here.'
const RANGE_EXCEPTIONS: Readonly<Record<string, { min: string; max?: string; why: string }>> = {
  'buffer.memory': { min: '1', why: 'Java allows 0, with which every send fails.' },
  'max.request.size': { min: '1', why: 'Java allows 0, which refuses every record.' },
  'metrics.sample.window.ms': {
    min: '1',
    why: 'Java allows 0, a window that holds no sample (rates would divide by 0).',
  },
  'connections.max.idle.ms': {
    min: '-1',
    why: 'Java has no validator; -1 (never close) is the only negative value with a meaning.',
  },
  'sasl.login.connect.timeout.ms': { min: '0', why: NO_NEGATIVE },
  'sasl.login.read.timeout.ms': { min: '0', why: NO_NEGATIVE },
  'sasl.login.retry.backoff.ms': { min: '0', why: NO_NEGATIVE },
  'sasl.login.retry.backoff.max.ms': { min: '0', why: NO_NEGATIVE },
  'socket.connection.setup.timeout.ms': { min: '0', why: NO_NEGATIVE },
  'socket.connection.setup.timeout.max.ms': { min: '0', why: NO_NEGATIVE },
  'transaction.timeout.ms': { min: '0', why: `${NO_NEGATIVE} (The coordinator refuses it.)` },
}

const LONG_MAX = BigInt(Number.MAX_SAFE_INTEGER)
const TYPE_BOUNDS: Partial<Record<JavaKey['type'], [bigint, bigint]>> = {
  SHORT: [-(2n ** 15n), 2n ** 15n - 1n],
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  LONG: [-(2n ** 63n), 2n ** 63n - 1n],
}

/** Settings a probe of one setting needs beside it, for Sluice's cross-setting rules. */
const COMPANIONS: Readonly<Record<string, Record<string, string>>> = {
  // batch.size and max.request.size must fit in buffer.memory.
  'batch.size': { 'buffer.memory': '2147483647' },
  'max.request.size': { 'buffer.memory': '2147483647' },
  'buffer.memory': { 'batch.size': '0', 'max.request.size': '1' },
  // delivery.timeout.ms >= linger.ms + request.timeout.ms (Java's KafkaProducer rule).
  'delivery.timeout.ms': { 'linger.ms': '0', 'request.timeout.ms': '0' },
  // Idempotence (the default) allows at most 5.
  'max.in.flight.requests.per.connection': { 'enable.idempotence': 'false' },
}

const sluiceNames = new Set(CONFIG_DEFINITIONS.map((d) => d.name))
const camelOf = new Map(CONFIG_DEFINITIONS.map((d) => [d.name, d.camel as keyof ProducerConfig]))

/** Whether Sluice accepts `name=value` (a .properties string); a refusal must be a ConfigError. */
function sluiceAccepts(name: string, value: string): boolean {
  try {
    resolveConfig({ ...BOOTSTRAP, ...COMPANIONS[name], [name]: value })
    return true
  } catch (err) {
    assert.ok(err instanceof ConfigError, `${name}=${value}: ${(err as Error).message}`)
    return false
  }
}

/**
 * A Range's bounds, or those a lambda validator states as "[min,...,max] or value"
 * (compression.gzip.level's), with the extra value.
 */
function javaRange(k: JavaKey): { min: string | null; max: string | null; also: string[] } {
  const m = /^\[(-?[\d.]+),\.\.\.,(-?[\d.]+)\] or (-?\d+)$/.exec(k.validatorText ?? '')
  if (k.validator === 'LambdaValidator' && m !== null) return { min: m[1]!, max: m[2]!, also: [m[3]!] }
  return { min: k.min, max: k.max, also: [] }
}

/** Integer probes around a range; doubles step by a thousandth. */
function around(v: string, type: JavaKey['type']): [string, string] {
  if (type === 'DOUBLE') return [String(Number(v) - 0.001), String(Number(v) + 0.001)]
  return [String(BigInt(v) - 1n), String(BigInt(v) + 1n)]
}

describe("producer settings against Kafka's ProducerConfig.configDef()", () => {
  let java: JavaKey[] = []
  const byName = new Map<string, JavaKey>()
  before(async () => {
    java = JSON.parse((await runJava('ProducerConfigDef.java', ['keys'])).stdout) as JavaKey[]
    for (const k of java) byName.set(k.name, k)
  })

  /** Java's verdict on each `name=value`: whether it parses as its type and passes its validator. */
  async function javaAccepts(probes: readonly [string, string][]): Promise<boolean[]> {
    const input = `${probes.map(([n, v]) => `${n}\t${v}`).join('\n')}\n`
    const out = (await runJava('ProducerConfigDef.java', ['validate'], input)).stdout
      .split('\n')
      .filter(Boolean)
    assert.equal(out.length, probes.length)
    return out.map((l) => l === 'ok')
  }

  /** The probes Java and Sluice give different verdicts on, one line each. */
  async function verdictsDiffering(probes: readonly [string, string][]): Promise<string[]> {
    const javaVerdicts = await javaAccepts(probes)
    return probes.flatMap(([name, value], i) => {
      const ours = sluiceAccepts(name, value)
      return ours === javaVerdicts[i]
        ? []
        : [
            `${name}=${JSON.stringify(value)}: Java ${javaVerdicts[i] ? 'accepts' : 'refuses'}, Sluice ${ours ? 'accepts' : 'refuses'}`,
          ]
    })
  }

  const implemented = () => java.filter((k) => sluiceNames.has(k.name))

  test("Kafka's settings are exactly the implemented ones and NOT_IMPLEMENTED", () => {
    assert.ok(java.length > 100, `read ${java.length} settings`)
    const javaNames = java.map((k) => k.name).sort()
    const listed = [...implemented().map((k) => k.name), ...Object.keys(NOT_IMPLEMENTED)].sort()
    assert.deepEqual(
      javaNames,
      listed,
      'a Java setting is neither implemented nor listed in NOT_IMPLEMENTED, or a listed one is gone',
    )
    for (const name of Object.keys(NOT_IMPLEMENTED))
      assert.ok(!sluiceNames.has(name), `${name} is implemented`)
  })

  test('a NOT_IMPLEMENTED setting is refused, saying Sluice does not support it', () => {
    for (const name of Object.keys(NOT_IMPLEMENTED)) {
      assert.throws(
        () => resolveConfig({ ...BOOTSTRAP, [name]: 'x' }),
        (err: unknown) => err instanceof ConfigError && /does not support/.test(err.message),
        name,
      )
    }
  })

  test('docs/COMPATIBILITY.md lists NOT_IMPLEMENTED, with the same reasons', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'COMPATIBILITY.md'), 'utf8')
    const heading = '## Java ProducerConfig settings Sluice does not implement'
    const at = doc.indexOf(heading)
    assert.ok(at >= 0, `no section '${heading}'`)
    const next = doc.indexOf('\n## ', at + heading.length)
    const section = doc.slice(at, next < 0 ? undefined : next)
    const rows = [...section.matchAll(/^\| `([^`]+)` \| (.*) \|$/gm)].map((m) => [m[1]!, m[2]!] as const)
    assert.deepEqual(Object.fromEntries(rows), NOT_IMPLEMENTED)
    assert.deepEqual(
      rows.map((r) => r[0]),
      Object.keys(NOT_IMPLEMENTED).sort(),
      'sorted by name, each once',
    )
  })

  test("each implemented setting's default is Java's, but for DEFAULT_EXCEPTIONS", () => {
    const ours = resolveConfig(BOOTSTRAP)
    const differs: string[] = []
    for (const k of implemented()) {
      if (k.name === 'bootstrap.servers') {
        assert.equal(k.hasDefault, false)
        assert.throws(() => resolveConfig({} as ProducerProperties), /bootstrap\.servers/)
        continue
      }
      const value = ours[camelOf.get(k.name)!]
      let same: boolean
      if (!k.hasDefault) same = false
      else if (k.default === null) same = value === null
      else {
        // Java's default given to Sluice explicitly must resolve to Sluice's own default.
        const given = Array.isArray(k.default) ? k.default.join(',') : k.default
        let resolved: unknown
        try {
          resolved = resolveConfig({ ...BOOTSTRAP, [k.name]: given })[camelOf.get(k.name)!]
        } catch {
          resolved = Symbol('refused')
        }
        same = JSON.stringify(resolved) === JSON.stringify(value)
        if (['INT', 'SHORT', 'LONG', 'DOUBLE', 'BOOLEAN'].includes(k.type)) {
          same &&= String(value) === String(Number(k.default) || k.default)
        }
      }
      if (!same) differs.push(k.name)
      if (!same && DEFAULT_EXCEPTIONS[k.name] === undefined) {
        assert.fail(
          `${k.name}: Java's default is ${JSON.stringify(k.default)}, Sluice's ${JSON.stringify(value)}`,
        )
      }
    }
    assert.deepEqual(
      differs.sort(),
      Object.keys(DEFAULT_EXCEPTIONS).sort(),
      'DEFAULT_EXCEPTIONS lists exactly the differences',
    )
  })

  test("numeric settings accept Java's range, bounds included, and refuse past them (min-1, min, max, max+1)", async () => {
    const probes: { name: string; value: string; ours: boolean }[] = []
    for (const k of implemented()) {
      const bounds = TYPE_BOUNDS[k.type]
      if (bounds === undefined && k.type !== 'DOUBLE') continue
      const range = javaRange(k)
      const javaMin = range.min ?? (bounds === undefined ? null : String(bounds[0]))
      const javaMax = range.max ?? (bounds === undefined ? null : String(bounds[1]))
      const ex = RANGE_EXCEPTIONS[k.name]
      const min = ex?.min ?? javaMin
      let max = ex?.max ?? javaMax
      if (k.type === 'LONG' && max !== null && BigInt(max) > LONG_MAX) max = String(LONG_MAX)
      // Java's own bounds, then Sluice's where they differ: Sluice must accept inside its range
      // and refuse outside; Java's verdicts at the same points are checked below.
      const points = new Set<string>(['-2', '-1', '0', '1'])
      for (const b of [javaMin, javaMax, min, max]) {
        if (b === null) continue
        points.add(b)
        for (const p of around(b, k.type)) points.add(p)
      }
      for (const value of points) {
        const n = Number(value)
        const inside =
          range.also.includes(value) ||
          ((min === null || (k.type === 'DOUBLE' ? n >= Number(min) : BigInt(value) >= BigInt(min))) &&
            (max === null || (k.type === 'DOUBLE' ? n <= Number(max) : BigInt(value) <= BigInt(max))))
        probes.push({ name: k.name, value, ours: inside })
      }
    }
    const javaVerdicts = await javaAccepts(probes.map((p) => [p.name, p.value]))
    const problems: string[] = []
    const differsFromJava = new Set<string>()
    probes.forEach((p, i) => {
      const java = javaVerdicts[i]!
      const ours = sluiceAccepts(p.name, p.value)
      if (ours !== p.ours) {
        problems.push(
          `${p.name}=${p.value}: Sluice ${ours ? 'accepts' : 'refuses'}, expected ${p.ours ? 'accept' : 'refuse'}`,
        )
      }
      if (ours !== java) {
        const longCap = byName.get(p.name)!.type === 'LONG' && BigInt(p.value) > LONG_MAX
        if (longCap || RANGE_EXCEPTIONS[p.name] !== undefined) differsFromJava.add(p.name)
        else
          problems.push(
            `${p.name}=${p.value}: Java ${java ? 'accepts' : 'refuses'}, Sluice ${ours ? 'accepts' : 'refuses'}`,
          )
      }
    })
    assert.deepEqual(problems, [])
    for (const name of Object.keys(RANGE_EXCEPTIONS)) {
      assert.ok(differsFromJava.has(name), `${name} is in RANGE_EXCEPTIONS but Sluice's range is Java's`)
    }
  })

  test('settings Java restricts to a set of strings accept the same set (case included)', async () => {
    const enumerated = implemented().filter((k) => k.validStrings !== null && k.validStrings.length > 0)
    assert.ok(enumerated.length >= 4, enumerated.map((k) => k.name).join(', '))
    const everyValid = java.flatMap((k) => k.validStrings ?? [])
    const probes: [string, string][] = []
    for (const k of enumerated) {
      const values = new Set(['', 'bogus', ...everyValid])
      for (const v of k.validStrings!)
        for (const x of [v, v.toLowerCase(), v.toUpperCase(), ` ${v} `]) values.add(x)
      for (const v of values) probes.push([k.name, v])
    }
    assert.deepEqual(await verdictsDiffering(probes), [])
  })

  test('boolean settings accept what Java accepts', async () => {
    const booleans = implemented().filter((k) => k.type === 'BOOLEAN')
    const probes: [string, string][] = booleans.flatMap((k) =>
      ['true', 'false', 'TRUE', 'False', ' true ', 'yes', '1', ''].map(
        (v) => [k.name, v] as [string, string],
      ),
    )
    assert.deepEqual(await verdictsDiffering(probes), [])
  })
})

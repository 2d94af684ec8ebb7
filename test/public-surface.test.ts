/**
 * What `import 'sluice'` loads, from the built package (dist/, as npm ships it, resolved through
 * package.json's "exports" by self-reference): every module URL the loader sees is recorded by a
 * load hook in the child process. The library must not load src/local-kafka (the launcher for
 * tests, benchmarks and `sluice perf`), the CLI, test support, or a decompressor; nor may
 * `sluice/kafkajs` load kafkajs.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Runs `await import(specifier)` in a child with a load hook; the URLs loaded, in order, and its export names. */
function loadedBy(specifier: string, log: string): { urls: string[]; exports: string[]; resolved: string } {
  const hooks = [
    "import { appendFileSync } from 'node:fs'",
    'let log',
    'export function initialize(data) { log = data.log }',
    "export async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context) }",
  ].join('\n')
  const script = [
    "import { register } from 'node:module'",
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { log: ${JSON.stringify(log)} } })`,
    `const m = await import(${JSON.stringify(specifier)})`,
    `console.log(JSON.stringify({ exports: Object.keys(m), resolved: import.meta.resolve(${JSON.stringify(specifier)}) }))`,
  ].join('\n')
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  const { exports, resolved } = JSON.parse(out) as { exports: string[]; resolved: string }
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean)
  return { urls, exports, resolved }
}

describe("import 'sluice'", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-surface-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const { urls, exports, resolved } = loadedBy('sluice', join(dir, 'loaded.txt'))
  const ours = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).slice(ROOT.length))

  test('resolves to dist/index.js and loads only library modules from dist/', () => {
    assert.equal(fileURLToPath(resolved), join(ROOT, 'dist', 'index.js'))
    assert.ok(ours.includes('dist/producer/producer.js'), `the hook saw the library load: ${ours.join(', ')}`)
    for (const path of ours) assert.match(path, /^dist\//, `${path} is outside dist/`)
  })

  test('does not load src/local-kafka, the CLI or any third-party package', () => {
    assert.deepEqual(
      ours.filter((p) => /^dist\/(local-kafka|cli)\//.test(p)),
      [],
    )
    // Not fzstd (tests only) nor @hpcc-js/wasm-zstd (zstd on Node < 22.15, imported on the
    // first zstd batch, not before).
    assert.deepEqual(
      urls.filter((u) => u.includes('/node_modules/')),
      [],
    )
  })

  test('exports nothing from local-kafka', () => {
    for (const name of ['startKafka', 'ensureKafka', 'LocalKafka']) assert.ok(!exports.includes(name), name)
    assert.ok(exports.includes('Producer'))
  })

  test('dist/index.d.ts reaches no local-kafka or CLI declaration', () => {
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(join(ROOT, file), 'utf8')
      for (const m of text.matchAll(/(?:from|import\()\s*'(\.[^']+)\.js'/g)) {
        visit(join(file, '..', `${m[1]}.d.ts`))
      }
    }
    visit('dist/index.d.ts')
    assert.ok(seen.has('dist/producer/producer.d.ts'))
    assert.deepEqual(
      [...seen].filter((f) => /^dist\/(local-kafka|cli)\//.test(f)),
      [],
    )
  })
})

describe("import 'sluice/kafkajs'", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-surface-kafkajs-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const { urls, exports, resolved } = loadedBy('sluice/kafkajs', join(dir, 'loaded.txt'))

  test("resolves to dist/kafkajs/index.js and exports kafkajs's producer API", () => {
    assert.equal(fileURLToPath(resolved), join(ROOT, 'dist', 'kafkajs', 'index.js'))
    for (const name of [
      'Kafka',
      'Partitioners',
      'CompressionTypes',
      'logLevel',
      'KafkaJSError',
      'KafkaJSProtocolError',
    ]) {
      assert.ok(exports.includes(name), name)
    }
  })

  test('loads no third-party package (kafkajs is a devDependency for tests only) and nothing outside dist/', () => {
    assert.deepEqual(
      urls.filter((u) => u.includes('/node_modules/')),
      [],
    )
    const ours = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).slice(ROOT.length))
    assert.ok(ours.includes('dist/kafkajs/producer.js'), ours.join(', '))
    for (const path of ours) assert.match(path, /^dist\//, `${path} is outside dist/`)
    assert.deepEqual(
      ours.filter((p) => /^dist\/(local-kafka|cli)\//.test(p)),
      [],
    )
  })
})

describe("import 'sluice/health'", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-surface-health-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const { urls, exports, resolved } = loadedBy('sluice/health', join(dir, 'loaded.txt'))

  test('resolves to dist/health/index.js, exports healthHandler and loads nothing but itself', () => {
    assert.equal(fileURLToPath(resolved), join(ROOT, 'dist', 'health', 'index.js'))
    for (const name of ['healthHandler', 'isLive', 'isReady']) assert.ok(exports.includes(name), name)
    assert.deepEqual(
      urls.filter((u) => u.includes('/node_modules/')),
      [],
    )
    const ours = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).slice(ROOT.length))
    assert.deepEqual(ours, ['dist/health/index.js'], 'types only from the producer: no library code')
  })
})

describe("import 'sluice/schema-registry'", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-surface-registry-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const { urls, exports, resolved } = loadedBy('sluice/schema-registry', join(dir, 'loaded.txt'))

  test('resolves to dist/schema-registry/index.js and exports the client and the serializers', () => {
    assert.equal(fileURLToPath(resolved), join(ROOT, 'dist', 'schema-registry', 'index.js'))
    for (const name of [
      'SchemaRegistryClient',
      'SchemaRegistryError',
      'AvroSerializer',
      'AvroDeserializer',
      'ProtobufSerializer',
      'ProtobufDeserializer',
      'JsonSchemaSerializer',
      'JsonSchemaDeserializer',
      'frameProtobuf',
    ]) {
      assert.ok(exports.includes(name), name)
    }
  })

  test('loads none of avsc, @bufbuild/protobuf and ajv (each when its first serializer is made)', () => {
    assert.deepEqual(
      urls.filter((u) => u.includes('/node_modules/')),
      [],
    )
    const ours = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).slice(ROOT.length))
    assert.ok(ours.includes('dist/schema-registry/protobuf.js'), ours.join(', '))
    for (const path of ours) assert.match(path, /^dist\//, `${path} is outside dist/`)
  })
})

describe("import 'sluice/workers'", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-surface-workers-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const { urls, exports, resolved } = loadedBy('sluice/workers', join(dir, 'loaded.txt'))

  test('resolves to dist/workers/index.js, exports WorkerProducer and loads only dist/ (no thread started on import)', () => {
    assert.equal(fileURLToPath(resolved), join(ROOT, 'dist', 'workers', 'index.js'))
    for (const name of ['WorkerProducer', 'WorkerExitedError', 'MAX_WORKERS'])
      assert.ok(exports.includes(name), name)
    assert.deepEqual(
      urls.filter((u) => u.includes('/node_modules/')),
      [],
    )
    const ours = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).slice(ROOT.length))
    for (const path of ours)
      assert.match(path, /^dist\/(?!local-kafka|cli)/, `${path} is outside the library`)
    assert.ok(!ours.includes('dist/workers/worker.js'), 'the worker script loads only in a worker thread')
  })
})

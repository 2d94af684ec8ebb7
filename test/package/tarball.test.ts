/**
 * What users get: `npm pack`, the tarball installed into fresh projects as a user installs it,
 * then the README's Usage example run from there against the real broker (ESM and CommonJS),
 * and type-checked under TypeScript strict (module nodenext in an ESM and in a CommonJS
 * project, and moduleResolution bundler). What the example wrote is read back by Kafka's own
 * consumer.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { readTopic } from '../helpers/independent-reader.js'
import { createTopic, testBootstrap, uniqueTopic } from '../helpers/kafka.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const TIMEOUT = 300_000

let work = ''
let tarball = ''

/** The README's first ts block under "## Usage", pointed at the test broker and `topic`. */
function usageExample(bootstrap: string, topic: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const usage = readme.slice(readme.indexOf('\n## Usage'))
  const m = /```ts\n([\s\S]*?)```/.exec(usage)
  assert.ok(m !== null, 'README has a ts block under ## Usage')
  const code = m[1]!
  assert.match(code, /localhost:9092/, 'the example names a broker to replace')
  assert.match(code, /'orders'/, 'the example names a topic to replace')
  return code.replaceAll('localhost:9092', bootstrap).replaceAll("'orders'", `'${topic}'`)
}

/** The README's js block under "## Coming from kafkajs", pointed at the test broker and `topic`. */
function kafkajsExample(bootstrap: string, topic: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Coming from kafkajs'))
  const m = /```js\n([\s\S]*?)```/.exec(section)
  assert.ok(m !== null, 'README has a js block under ## Coming from kafkajs')
  const code = m[1]!
  assert.match(code, /from 'sluice\/kafkajs'/, 'the example imports sluice/kafkajs')
  assert.match(code, /localhost:9092/, 'the example names a broker to replace')
  assert.match(code, /'orders'/, 'the example names a topic to replace')
  return code.replaceAll('localhost:9092', bootstrap).replaceAll("'orders'", `'${topic}'`)
}

/** The README's js block under "### Worker threads", pointed at the test broker and `topic`. */
function workersExample(bootstrap: string, topic: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n### Worker threads'))
  const m = /```js\n([\s\S]*?)```/.exec(section)
  assert.ok(m !== null, 'README has a js block under ### Worker threads')
  const code = m[1]!
  assert.match(code, /from 'sluice\/workers'/, 'the example imports sluice/workers')
  assert.match(code, /localhost:9092/, 'the example names a broker to replace')
  assert.match(code, /'orders'/, 'the example names a topic to replace')
  return code.replaceAll('localhost:9092', bootstrap).replaceAll("'orders'", `'${topic}'`)
}

/** A fresh project with the tarball installed (npm, from the local cache where it can). */
function project(name: string, type: 'module' | 'commonjs'): string {
  const dir = join(work, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type }))
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
    {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  return dir
}

function node(dir: string, file: string): string {
  return execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 120_000 })
}

function tsc(dir: string, compilerOptions: Record<string, unknown>, files: string[]): void {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        lib: ['ES2023'],
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        skipLibCheck: false,
        ...compilerOptions,
      },
      files,
    }),
  )
  try {
    execFileSync(process.execPath, [TSC, '-p', dir], { cwd: dir, encoding: 'utf8' })
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string }
    assert.fail(`tsc in ${dir} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'sluice-tarball-'))
  // --ignore-scripts: pack the dist/ the suite built. npm pack would otherwise run `prepare`,
  // whose build deletes dist/ while other files of the tier run the built CLI from it.
  const out = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  tarball = join(work, out.trim().split('\n').at(-1)!)
})

after(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true })
})

describe('the packed tarball', () => {
  test('ships the built code, the docs the README links to and the LICENSE, and no sources or tests', {
    timeout: TIMEOUT,
  }, () => {
    const listing = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n')
    assert.ok(listing.includes('package/dist/index.js'))
    assert.ok(listing.includes('package/dist/index.d.ts'))
    assert.ok(listing.includes('package/dist/compression/offload/worker.js'), 'the compression worker')
    assert.ok(listing.includes('package/LICENSE'))
    assert.ok(listing.some((f) => f.startsWith('package/src/')) === false, 'no src/')
    assert.ok(listing.some((f) => f.startsWith('package/test/')) === false, 'no test/')
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    for (const [, link] of readme.matchAll(/\]\(((?:docs\/)[^)#]+)/g)) {
      assert.ok(
        listing.includes(`package/${link}`),
        `the README links to ${link}, which the tarball must hold`,
      )
    }
    // Source maps carry their sources: the tarball has no src/ for them to point at.
    const dir = join(work, 'unpacked')
    mkdirSync(dir)
    execFileSync('tar', ['xzf', tarball, '-C', dir])
    const maps = readdirSync(join(dir, 'package', 'dist')).filter((f) => f.endsWith('.js.map'))
    assert.ok(maps.length > 0)
    for (const f of maps) {
      const map = JSON.parse(readFileSync(join(dir, 'package', 'dist', f), 'utf8')) as {
        sources: string[]
        sourcesContent?: string[]
      }
      assert.equal(map.sourcesContent?.length, map.sources.length, `${f} inlines its sources`)
    }
  })

  test("the README's Usage example runs from an ESM project and from a CommonJS one, and type-checks under strict", {
    timeout: TIMEOUT,
  }, async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('tarball')
    await createTopic(topic, 1)
    const example = usageExample(bootstrap, topic)
    const imports = /import \{ [^}]+ \} from 'sluice'\n/.exec(example)?.[0] ?? ''
    assert.match(imports, /\bProducer\b/, 'the example imports Producer from sluice')

    const esm = project('esm-app', 'module')
    writeFileSync(
      join(esm, 'main.mjs'),
      `${example}\nconsole.log(JSON.stringify({ offset: String(md.offset) }))\n`,
    )
    const esmOut = JSON.parse(node(esm, 'main.mjs')) as { offset: string }
    assert.equal(esmOut.offset, '0')

    const cjs = project('cjs-app', 'commonjs')
    const required = example.replace(
      /import \{ ([^}]+) \} from 'sluice'\n/,
      "const { $1 } = require('sluice')\n",
    )
    assert.notEqual(required, example, 'the example imports Producer from sluice')
    writeFileSync(
      join(cjs, 'main.cjs'),
      `async function main() {\n${required}\nconsole.log(JSON.stringify({ offset: String(md.offset) }))\n}\nmain().catch((e) => { console.error(e); process.exit(1) })\n`,
    )
    const cjsOut = JSON.parse(node(cjs, 'main.cjs')) as { offset: string }
    assert.equal(cjsOut.offset, '1')

    // TypeScript strict, ESM, module nodenext: the example compiles and its output runs.
    writeFileSync(
      join(esm, 'main.ts'),
      `${example}\nconsole.log(JSON.stringify({ offset: String(md.offset) }))\nexport {}\n`,
    )
    tsc(esm, { module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' }, ['main.ts'])
    const tsOut = JSON.parse(node(esm, join('out', 'main.js'))) as { offset: string }
    assert.equal(tsOut.offset, '2')

    // TypeScript strict in the CommonJS project (nodenext compiles imports to require()).
    writeFileSync(
      join(cjs, 'main.ts'),
      `${imports.replace(' } from', ', KafkaError } from')}\nasync function main(): Promise<void> {\n${example.replace(imports, '')}\nconsole.log(JSON.stringify({ offset: String(md.offset), kafkaError: typeof KafkaError }))\n}\nvoid main()\n`,
    )
    tsc(cjs, { module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' }, ['main.ts'])
    assert.match(readFileSync(join(cjs, 'out', 'main.js'), 'utf8'), /require\("sluice"\)/)
    const cjsTsOut = JSON.parse(node(cjs, join('out', 'main.js'))) as { offset: string; kafkaError: string }
    assert.deepEqual(cjsTsOut, { offset: '3', kafkaError: 'function' })

    // Bundler resolution (Vite, esbuild, webpack users): types resolve through "exports".
    const bundler = join(esm, 'bundler')
    mkdirSync(bundler)
    writeFileSync(join(bundler, 'main.ts'), `${example}\nexport const offset: bigint = md.offset\n`)
    tsc(esm, { module: 'esnext', moduleResolution: 'bundler', noEmit: true }, [join('bundler', 'main.ts')])

    const written = await readTopic(bootstrap, topic)
    assert.equal(written.length, 4, 'one record from each run')
    assert.deepEqual(
      written.map((r) => r.offset),
      [0n, 1n, 2n, 3n],
    )
    const sent = /send\(\{[^}]*key: '([^']*)', value: '([^']*)'/.exec(example)
    assert.ok(sent !== null, 'the example sends a key and a value')
    for (const r of written) {
      assert.equal(r.key?.toString(), sent[1])
      assert.equal(r.value?.toString(), sent[2])
    }
  })

  test("sluice/kafkajs: the README's kafkajs example runs from ESM and CommonJS without kafkajs installed, and type-checks under strict", {
    timeout: TIMEOUT,
  }, async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('tarball-kafkajs')
    await createTopic(topic, 1)
    const example = kafkajsExample(bootstrap, topic)
    const show = 'console.log(JSON.stringify(md))\n'
    // The answer is the last line: kafkajs's default logger may print before it.
    const answer = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { baseOffset?: string }[]

    const esm = project('kafkajs-esm', 'module')
    assert.equal(
      existsSync(join(esm, 'node_modules', 'kafkajs')),
      false,
      'kafkajs is not installed with sluice',
    )
    writeFileSync(join(esm, 'main.mjs'), `${example}\n${show}`)
    const esmOut = answer(node(esm, 'main.mjs'))
    assert.deepEqual(esmOut, [
      {
        topicName: topic,
        partition: 0,
        errorCode: 0,
        baseOffset: '0',
        logAppendTime: '-1',
        logStartOffset: '-1',
      },
    ])

    const cjs = project('kafkajs-cjs', 'commonjs')
    const required = example.replace(
      /import \{ ([^}]*) \} from 'sluice\/kafkajs'\n/,
      "const { $1 } = require('sluice/kafkajs')\n",
    )
    assert.notEqual(required, example, 'the example imports from sluice/kafkajs')
    writeFileSync(
      join(cjs, 'main.cjs'),
      `async function main() {\n${required}\n${show}}\nmain().catch((e) => { console.error(e); process.exit(1) })\n`,
    )
    const cjsOut = answer(node(cjs, 'main.cjs'))
    assert.equal(cjsOut[0]?.baseOffset, '1')

    // TypeScript strict, module nodenext, the library's declarations checked too (skipLibCheck false).
    writeFileSync(join(esm, 'main.ts'), `${example}\n${show}export {}\n`)
    tsc(esm, { module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' }, ['main.ts'])
    const tsOut = answer(node(esm, join('out', 'main.js')))
    assert.equal(tsOut[0]?.baseOffset, '2')

    const written = await readTopic(bootstrap, topic)
    assert.equal(written.length, 3, 'one record from each run')
    for (const r of written) {
      assert.equal(r.key?.toString(), 'order-1')
      assert.equal(r.value?.toString(), '{"a":1}')
      assert.deepEqual(
        r.headers.map(([k, v]) => [k, v?.toString()]),
        [['source', 'web']],
      )
    }
  })

  test('sluice/prometheus, sluice/otel, sluice/schema-registry and sluice/health load from CommonJS too; without their optional peers they say what to install', {
    timeout: TIMEOUT,
  }, () => {
    const dir = project('cjs-entries', 'commonjs')
    writeFileSync(
      join(dir, 'main.cjs'),
      [
        "const out = { core: typeof require('sluice').Producer }",
        "for (const entry of ['sluice/prometheus', 'sluice/otel', 'sluice/schema-registry']) {",
        '  try { require(entry); out[entry] = "loaded" } catch (e) { out[entry] = e.code + ": " + e.message.split("\\n")[0] }',
        '}',
        "const sr = require('sluice/schema-registry')",
        "out.client = typeof new sr.SchemaRegistryClient({ url: 'http://127.0.0.1:1' }).register",
        "try { new sr.AvroSerializer({ registry: new sr.SchemaRegistryClient({ url: 'http://127.0.0.1:1' }), schema: '\"string\"' }); out.avro = 'made' } catch (e) { out.avro = e.code + ': ' + e.message }",
        "const registry = new sr.SchemaRegistryClient({ url: 'http://127.0.0.1:1' })",
        "try { new sr.JsonSchemaSerializer({ registry, schema: { type: 'object' } }); out.json = 'made' } catch (e) { out.json = e.code + ': ' + e.message }",
        "try { new sr.JsonSchemaSerializer({ registry, schema: { type: 'object' }, validate: false }); out.jsonUnvalidated = 'made' } catch (e) { out.jsonUnvalidated = e.code + ': ' + e.message }",
        "out.health = typeof require('sluice/health').healthHandler",
        "try { new sr.ProtobufSerializer({ registry: new sr.SchemaRegistryClient({ url: 'http://127.0.0.1:1' }), schema: { kind: 'message', typeName: 'a.B' } }); out.protobuf = 'made' } catch (e) { out.protobuf = e.code + ': ' + e.message }",
        'console.log(JSON.stringify(out))',
      ].join('\n'),
    )
    const out = JSON.parse(node(dir, 'main.cjs')) as Record<string, string>
    assert.equal(out.core, 'function')
    // Neither peer is installed in this project: the entry point fails to load, naming it.
    assert.match(out['sluice/prometheus']!, /prom-client/)
    assert.match(out['sluice/otel']!, /@opentelemetry\/api/)
    // The registry client needs no peer; Avro needs avsc and Protobuf @bufbuild/protobuf, and
    // each says so when made.
    assert.equal(out['sluice/schema-registry'], 'loaded')
    assert.equal(out.client, 'function')
    assert.match(out.avro!, /^ERR_CONFIG: .*'avsc'.*npm install avsc/)
    // JSON Schema validation needs ajv, and says so; without validation it needs nothing.
    assert.match(out.json!, /^ERR_CONFIG: .*'ajv'.*npm install ajv/)
    assert.equal(out.jsonUnvalidated, 'made')
    assert.equal(out.health, 'function', 'sluice/health needs no peer')
    assert.match(out.protobuf!, /^ERR_CONFIG: .*'@bufbuild\/protobuf'.*npm install @bufbuild\/protobuf/)
  })

  test('compression workers start from the installed package, imported (ESM) and required (CommonJS)', {
    timeout: TIMEOUT,
  }, () => {
    const dir = project('worker-app', 'module')
    // The pool is internal: reached by its file, as the producer reaches it.
    const pool = './node_modules/sluice/dist/compression/offload/pool.js'
    const codecs = './node_modules/sluice/dist/compression/index.js'
    const body = (load: string) =>
      `${load}\nconst pool = new CompressionPool({ size: 1 })\n` +
      "loadCodec('zstd').then((c) => pool.compress(c, Buffer.alloc(300000, 'sluice '), undefined))\n" +
      '  .then((out) => { console.log(JSON.stringify({ bytes: out.length, completed: pool.completed, fallbacks: pool.fallbacks })); return pool.close() })\n'
    writeFileSync(
      join(dir, 'pool.mjs'),
      body(`import { CompressionPool } from '${pool}'\nimport { loadCodec } from '${codecs}'`),
    )
    writeFileSync(
      join(dir, 'pool.cjs'),
      body(`const { CompressionPool } = require('${pool}')\nconst { loadCodec } = require('${codecs}')`),
    )
    for (const file of ['pool.mjs', 'pool.cjs']) {
      const out = JSON.parse(node(dir, file)) as { bytes: number; completed: number; fallbacks: number }
      assert.ok(out.bytes > 0, file)
      assert.deepEqual(
        { completed: out.completed, fallbacks: out.fallbacks },
        { completed: 1, fallbacks: 0 },
        file,
      )
    }
  })

  test("sluice/workers: the README's worker example runs from ESM and from CommonJS (require), its worker threads loaded from the installed package", {
    timeout: TIMEOUT,
  }, async () => {
    const bootstrap = testBootstrap()
    const topic = uniqueTopic('tarball-workers')
    await createTopic(topic, 1)
    const example = workersExample(bootstrap, topic)
    const show = 'console.log(JSON.stringify({ offset: String(md.offset), partition: md.partition }))\n'
    const esm = project('workers-esm', 'module')
    writeFileSync(join(esm, 'main.mjs'), `${example}\n${show}`)
    assert.deepEqual(JSON.parse(node(esm, 'main.mjs')), { offset: '1000', partition: 0 })

    const cjs = project('workers-cjs', 'commonjs')
    const required = example.replace(
      /import \{ ([^}]+) \} from 'sluice\/workers'\n/,
      "const { $1 } = require('sluice/workers')\n",
    )
    assert.notEqual(required, example)
    writeFileSync(
      join(cjs, 'main.cjs'),
      `async function main() {\n${required}\n${show}}\nmain().catch((e) => { console.error(e); process.exit(1) })\n`,
    )
    assert.deepEqual(JSON.parse(node(cjs, 'main.cjs')), { offset: '2001', partition: 0 })
    const written = await readTopic(bootstrap, topic)
    assert.equal(written.length, 2002, 'every record of both runs, once')
    assert.deepEqual(written.map((r) => r.key?.toString()).slice(0, 3), ['o-0', 'o-1', 'o-2'])
  })
})

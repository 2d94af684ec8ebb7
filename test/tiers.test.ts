/** The test tiers (scripts/test-tiers.ts) cover every test file once, and unit files stay unit. */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { test } from 'node:test'
import { TIERS, tierProblems, UNIT_FORBIDDEN_IMPORTS } from '../scripts/test-tiers.js'

const root = join(import.meta.dirname, '..')

function testFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) testFiles(p, out)
    else if (name.endsWith('.test.ts')) out.push(relative(root, p).split(sep).join('/'))
  }
  return out
}

test('every test file is in exactly one tier, and every listed file exists', () => {
  assert.deepEqual(tierProblems(testFiles(join(root, 'test'))), [])
})

test('tierProblems reports files in no tier, in two, and listed but missing', () => {
  const listed = [...TIERS.unit, ...TIERS.integration, ...TIERS.integrationAlone, ...TIERS.soak]
  const problems = tierProblems([...listed.slice(1), 'test/new.test.ts'])
  assert.equal(problems.length, 2)
  assert.match(problems[0]!, /test\/new\.test\.ts is in no tier/)
  assert.match(problems[1]!, new RegExp(`${listed[0]!.replace(/[.]/g, '\\.')} is listed .* does not exist`))
})

test('unit-tier files import none of the helpers that reach Kafka or Java', () => {
  for (const file of TIERS.unit) {
    const text = readFileSync(join(root, file), 'utf8')
    const imports = [...text.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!)
    for (const bad of UNIT_FORBIDDEN_IMPORTS) {
      assert.ok(
        !imports.some((i) => i.endsWith(bad)),
        `${file} imports ${bad}: it belongs in the integration tier`,
      )
    }
    if (file !== 'test/tiers.test.ts') {
      assert.ok(!text.includes('SLUICE_TEST_BOOTSTRAP'), `${file} reads SLUICE_TEST_BOOTSTRAP`)
    }
  }
})

test('under the unit guard, launching java fails with a message naming the tier list', () => {
  const probe = [
    "import { spawn, execFile } from 'node:child_process'",
    "import { promisify } from 'node:util'",
    "try { spawn('java', ['-version']); console.log('spawned') } catch (e) { console.log('spawn: ' + e.message) }",
    "await promisify(execFile)('/usr/bin/javac', ['-version']).then(() => console.log('ran'), (e) => console.log('execFile: ' + e.message))",
    "console.log(await promisify(execFile)(process.execPath, ['-e', 'process.stdout.write(\"node ok\")']).then((r) => r.stdout))",
  ].join('\n')
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      join(root, 'scripts', 'unit-guard.ts'),
      '--input-type=module',
      '-e',
      probe,
    ],
    { encoding: 'utf8', cwd: root },
  )
  assert.match(out, /^spawn: a unit-tier test launched `java`.*scripts\/test-tiers\.ts/m)
  assert.match(out, /^execFile: a unit-tier test launched `javac`/m)
  assert.match(out, /^node ok$/m, 'other programs still run')
})

test('in the unit tier, asking for the test broker fails with a message naming the tier list', () => {
  const probe =
    "import { testBootstrap } from './test/helpers/kafka.ts'\ntry { testBootstrap() } catch (e) { console.log(e.message) }"
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, SLUICE_TEST_TIER: 'unit', SLUICE_TEST_BOOTSTRAP: '127.0.0.1:9' },
  })
  assert.match(out, /a unit-tier test asked for Apache Kafka.*scripts\/test-tiers\.ts/)
})

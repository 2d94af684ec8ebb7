import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { VERSION } from '../../src/version.js'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
}
const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname

test('VERSION matches package.json', () => {
  assert.equal(VERSION, pkg.version)
})

test('sluice --version and --help work from the built package', () => {
  assert.equal(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).trim(), pkg.version)
  const help = execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' })
  assert.match(help, /Usage: sluice <command>/)
  assert.match(help, /perf/)
})

test('an unknown command exits with status 2 and the help', () => {
  assert.throws(
    () => execFileSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8', stdio: 'pipe' }),
    (err: { status?: number; stderr?: string }) =>
      err.status === 2 && /unknown command 'frobnicate'/.test(err.stderr ?? ''),
  )
})

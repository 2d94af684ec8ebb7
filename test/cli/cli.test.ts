import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
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
      err.status === 2 && /unknown command 'frobnicate'\nRun 'sluice --help'/.test(err.stderr ?? ''),
  )
})

function sluice(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

test('-v prints the version; the main help lists every command with examples', () => {
  assert.equal(sluice(['-v']).stdout.trim(), pkg.version)
  const help = sluice(['--help']).stdout
  for (const c of ['produce', 'topics', 'perf', 'help']) assert.match(help, new RegExp(`^  ${c} `, 'm'))
  assert.match(help, /Examples:\n {2}sluice topics create /)
  assert.equal(sluice(['help']).stdout, help)
  assert.equal(sluice([]).stdout, help)
})

test('each command has help with examples, as `sluice help CMD` and `sluice CMD --help`', () => {
  for (const [command, usage] of [
    ['perf', /^Usage: sluice perf /],
    ['produce', /^Usage: sluice produce /],
    ['topics', /^Usage: sluice topics create /],
  ] as const) {
    const a = sluice(['help', command])
    const b = sluice([command, '--help'])
    const c = sluice([command, '-h'])
    assert.equal(a.status, 0, a.stderr)
    assert.match(a.stdout, usage)
    assert.match(a.stdout, new RegExp(`\\nExamples:\\n {2}.*sluice ${command} `))
    assert.equal(b.stdout, a.stdout)
    assert.equal(c.stdout, a.stdout)
  }
  assert.equal(sluice(['topics', 'create', '--help']).stdout, sluice(['help', 'topics']).stdout)
})

test('misspelt commands, subcommands and options get a suggestion and exit status 2', () => {
  const cases: [string[], RegExp][] = [
    [['prodcue'], /unknown command 'prodcue'; did you mean 'produce'\?/],
    [['help', 'topcs'], /unknown command 'topcs'; did you mean 'topics'\?/],
    [['--verison'], /unknown option '--verison'/],
    [['perf', '--num-record', '5'], /unknown option '--num-record'; did you mean '--num-records'\?/],
    [
      ['produce', '-t', 'x', '--key-seprator', ':'],
      /unknown option '--key-seprator'; did you mean '--key-separator'\?/,
    ],
    [['topics', 'craete', 'x'], /unknown subcommand 'craete'; did you mean 'create'\?/],
    [
      ['topics', 'create', 'x', '--partition', '3'],
      /unknown option '--partition'; did you mean '--partitions'\?/,
    ],
    [['topics', 'list', '--bootstrap-sever', 'h:1'], /did you mean '--bootstrap-server'\?/],
  ]
  for (const [args, re] of cases) {
    const r = sluice(args)
    assert.equal(r.status, 2, args.join(' '))
    assert.match(r.stderr, re)
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
  }
})

test('sluice produce and topics need a broker: exit status 2 without --bootstrap-server', () => {
  const p = sluice(['produce', '-t', 'x'])
  assert.equal(p.status, 2)
  assert.match(p.stderr, /--bootstrap-server is required/)
  const t = sluice(['topics', 'list'])
  assert.equal(t.status, 2)
  assert.match(t.stderr, /--bootstrap-server is required/)
  const f = sluice(['produce', '-t', 'x', '-b', '127.0.0.1:1', '/nonexistent/file.txt'])
  assert.equal(f.status, 2)
  assert.match(f.stderr, /cannot read '\/nonexistent\/file.txt': no such file/)
})

/** The README's configuration table is generated from the definitions and can't drift. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { replaceConfigTable } from '../src/producer/config/docs.js'

test('README.md contains the current generated configuration table', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  assert.equal(
    replaceConfigTable(readme),
    readme,
    'README.md is out of date: regenerate its table with replaceConfigTable() (see test/producer/config.test.ts)',
  )
})

test('README.md opens with the two set-up commands: the main job and the tests', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  const commands = block.split('\n').filter((l) => l.trim() !== '')
  assert.equal(commands.length, 2)
  assert.match(commands[0]!, /npm run perf/)
  assert.match(commands[1]!, /npm test/)
})

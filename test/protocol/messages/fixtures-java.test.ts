/**
 * The committed golden fixtures (test/fixtures/messages/) are what Kafka's Java message classes
 * write today: test/java/MessageFixtures.java run again must reproduce them byte for byte.
 * Integration tier, as it runs Java; fixtures.test.ts checks our codec against them.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { runJava } from '../../helpers/java.js'
import { FIXTURE_DIR } from './fixtures.js'

test('MessageFixtures.java reproduces the committed fixtures', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-fixtures-'))
  try {
    await runJava('MessageFixtures.java', [dir])
    const fresh = (await readdir(dir)).sort()
    const committed = (await readdir(FIXTURE_DIR)).sort()
    assert.deepEqual(fresh, committed)
    for (const name of fresh) {
      assert.equal(
        await readFile(join(dir, name), 'utf8'),
        await readFile(join(FIXTURE_DIR, name), 'utf8'),
        name,
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

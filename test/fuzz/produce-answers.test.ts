/**
 * A seeded sample of the fuzzed Produce answers (test/fuzz/produce-answers.ts) for CI, with and
 * without idempotence: every record settles once, typed, nothing escapes, close() returns.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { answerSpec, runAgainstFuzzedAnswers } from './produce-answers.js'

const SEED = 20261204

for (const idempotent of [true, false]) {
  test(`fuzzed Produce answers, ${idempotent ? 'idempotent' : 'acks=1'}: every record settles once, typed`, {
    timeout: 240_000,
  }, async () => {
    let written = 0
    let failed = 0
    await fc.assert(
      fc.asyncProperty(answerSpec, async (spec) => {
        const r = await runAgainstFuzzedAnswers(spec, idempotent)
        written += r.written
        failed += r.failed
      }),
      { numRuns: 20, seed: SEED + (idempotent ? 1 : 0) },
    )
    assert.equal(written + failed, 20 * 8)
    assert.ok(written > 0 && failed > 0, `written ${written}, failed ${failed}`)
  })
}

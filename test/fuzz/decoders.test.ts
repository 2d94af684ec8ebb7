/**
 * A seeded sample of the decoder fuzzing (test/fuzz/decoders.ts) for CI: every response of
 * every API and version, mutated and random, and frame streams cut at random points.
 * scripts/fuzz.ts runs the same properties a million times.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fuzzFrames, fuzzResponses, responseTargets } from './decoders.js'

const SEED = 20261204

test('every response decoder returns a value or throws ProtocolError, whatever the bytes', () => {
  const targets = responseTargets()
  assert.ok(targets.length >= 24, `${targets.length} golden responses`)
  const tally = fuzzResponses({ runsPerTarget: 300, seed: SEED })
  assert.equal(tally.decoded + tally.rejected, targets.length * 300)
  assert.ok(tally.rejected > 0, 'mutations were refused')
  assert.ok(tally.decoded > 0, 'some mutations still decode (a changed value is still a value)')
})

test('the frame decoder gives back intact streams, however cut, and refuses corrupt sizes with ProtocolError', () => {
  assert.equal(fuzzFrames({ runs: 3000, seed: SEED }), 3000)
})

/**
 * The fuzzing at full size: `--runs` inputs (default 1,000,000) spread over every golden
 * response (test/fuzz/decoders.ts), a tenth as many frame streams, and `--answer-runs` producers
 * (default 1000, half idempotent) against fuzzed Produce answers (test/fuzz/produce-answers.ts).
 * Prints the counts, the time and the peak RSS; exits 1 with fast-check's counterexample (and its
 * seed) on a failure.
 *   npm run fuzz -- [--runs N] [--answer-runs N] [--seed S]
 */
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { fuzzFrames, fuzzResponses, responseTargets } from '../test/fuzz/decoders.js'
import { answerSpec, runAgainstFuzzedAnswers } from '../test/fuzz/produce-answers.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000000' },
    'answer-runs': { type: 'string', default: '1000' },
    seed: { type: 'string' },
  },
})
const runs = Number(values.runs)
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed)
const targets = responseTargets()
let peak = process.memoryUsage().rss
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss)
}, 100)
sampler.unref()
const started = performance.now()
const perTarget = Math.ceil(runs / targets.length)
try {
  const tally = fuzzResponses({ runsPerTarget: perTarget, seed })
  const frames = fuzzFrames({ runs: Math.ceil(runs / 10), seed })
  const answerRuns = Number(values['answer-runs'])
  let written = 0
  let failed = 0
  for (const idempotent of [true, false]) {
    await fc.assert(
      fc.asyncProperty(answerSpec, async (spec) => {
        const r = await runAgainstFuzzedAnswers(spec, idempotent)
        written += r.written
        failed += r.failed
      }),
      { numRuns: Math.ceil(answerRuns / 2), seed: seed + (idempotent ? 1 : 0) },
    )
  }
  peak = Math.max(peak, process.memoryUsage().rss)
  const seconds = (performance.now() - started) / 1000
  process.stdout.write(
    `${JSON.stringify({
      seed,
      responses: targets.length,
      inputs: tally.decoded + tally.rejected,
      decoded: tally.decoded,
      rejectedWithProtocolError: tally.rejected,
      frameStreams: frames,
      producersAgainstFuzzedAnswers: 2 * Math.ceil(answerRuns / 2),
      recordsWritten: written,
      recordsFailedTyped: failed,
      seconds: Number(seconds.toFixed(1)),
      peakRssMiB: Math.round(peak / 2 ** 20),
    })}\n`,
  )
} catch (err) {
  process.stderr.write(`fuzz failure (seed ${seed}):\n${(err as Error).stack ?? err}\n`)
  process.exitCode = 1
}

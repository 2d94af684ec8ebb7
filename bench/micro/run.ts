/**
 * Micro-benchmarks of the producer's hot path, to judge a change in seconds:
 *
 *   node --import tsx bench/micro/run.ts [filter ...] [--save FILE] [--compare FILE]
 *                                        [--samples N] [--sample-ms MS] [--warmup-ms MS]
 *                                        [--clock cpu|wall]
 *
 * A filter keeps the benchmarks whose name contains it (`records`, `crc32c`, `murmur2`, `codec`,
 * `accumulator`, `lz4`, `protobuf`...). Each result is the median of several timed samples after a warmup;
 * ± is the samples' spread. `--save` writes the results as JSON; `--compare` prints each rate
 * as a ratio to a saved run (above 1 is faster), e.g. saved before a change and compared after.
 * Time is the process's CPU time by default (steady on a shared machine); `--clock wall` for
 * elapsed time.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { accumulatorBenches } from './accumulator.js'
import { crc32cBenches, murmur2Benches } from './checksums.js'
import { compressionBenches } from './compression.js'
import { DEFAULT_MEASURE, formatRow, type MicroBench, type MicroResult, measure } from './harness.js'
import { metricsBenches } from './metrics.js'
import { recordBenches } from './records.js'
import { schemaRegistryBenches } from './schema-registry.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    save: { type: 'string' },
    compare: { type: 'string' },
    samples: { type: 'string' },
    'sample-ms': { type: 'string' },
    'warmup-ms': { type: 'string' },
    clock: { type: 'string' },
  },
})

const opts = {
  samples: Number(values.samples ?? DEFAULT_MEASURE.samples),
  sampleMs: Number(values['sample-ms'] ?? DEFAULT_MEASURE.sampleMs),
  warmupMs: Number(values['warmup-ms'] ?? DEFAULT_MEASURE.warmupMs),
  clock: values.clock === 'wall' ? ('wall' as const) : DEFAULT_MEASURE.clock,
}
const wanted = (name: string) => positionals.length === 0 || positionals.some((f) => name.includes(f))

const all: MicroBench[] = [
  ...recordBenches(),
  ...accumulatorBenches(),
  ...crc32cBenches(),
  ...murmur2Benches(),
  ...metricsBenches(),
  ...(await compressionBenches()),
  ...(await schemaRegistryBenches()),
]
const selected = all.filter((b) => wanted(b.name))
if (selected.length === 0) {
  console.error(
    `no benchmark matches ${positionals.join(', ')}; names:\n${all.map((b) => b.name).join('\n')}`,
  )
  process.exit(2)
}

const baseline = new Map<string, MicroResult>()
if (values.compare !== undefined) {
  for (const r of JSON.parse(readFileSync(values.compare, 'utf8')).results as MicroResult[])
    baseline.set(r.name, r)
}

console.log(
  `Node ${process.version}, ${opts.clock} time, median of ${opts.samples} samples of ~${opts.sampleMs} ms after ${opts.warmupMs} ms warmup`,
)
const results: MicroResult[] = []
for (const bench of selected) {
  const r = measure(bench, opts)
  results.push(r)
  const before = baseline.get(r.name)
  const ratio = before === undefined ? '' : `  x${(r.opsPerSec / before.opsPerSec).toFixed(2)} vs saved`
  console.log(formatRow(r) + ratio)
}
if (values.save !== undefined) {
  writeFileSync(values.save, `${JSON.stringify({ node: process.version, opts, results }, null, 2)}\n`)
}

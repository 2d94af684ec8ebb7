/**
 * Uses the shared worker pool the way a producer does, then returns without stopping anything:
 * the process must exit by itself. `release` releases the pool's share first, `keep` does not
 * (idle workers are unref'd). Prints the workers running after the jobs and after release.
 */
import { loadCodec } from '../../../src/compression/index.js'
import { offloadFor, setOffloadMode } from '../../../src/compression/offload/offload.js'

const how = process.argv[2]
setOffloadMode('worker')
const offload = offloadFor(await loadCodec('lz4'))!
const data = Buffer.alloc(1024 * 1024, 'sluice ')
const outs = await Promise.all([offload.compress(data, undefined), offload.compress(data, undefined)])
const poolOf = offload.pool
const during = poolOf?.workers ?? -1
if (how === 'release') offload.release()
// Let a terminate() settle before reporting.
await new Promise((r) => setTimeout(r, 50))
console.log(JSON.stringify({ sizes: outs.map((o) => o.length), during, after: poolOf?.workers ?? -1 }))

/**
 * The producer's per-record bookkeeping without the network: RecordAccumulator.append of 100 B
 * records into 64 KiB batches (each record with its completion), then each batch encoded and
 * completed as a Produce response would, calling every record's callback with its metadata.
 */
import { RecordAccumulator } from '../../src/producer/accumulator.js'
import { MemoryBudget } from '../../src/producer/memory.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import type { MicroBench } from './harness.js'

const BATCH_SIZE = 64 * 1024
const BASE_TIMESTAMP = 1_700_000_000_000

export function accumulatorBenches(): MicroBench[] {
  return [1, 8].map((partitions) => {
    const records = 20_000
    const value = Buffer.alloc(100, 0x61)
    const acc = new RecordAccumulator({
      batchSize: BATCH_SIZE,
      lingerMs: 5,
      memory: new MemoryBudget(Number.MAX_SAFE_INTEGER),
      onMemoryReleased: () => {},
    })
    let acked = 0
    const callback = (err: Error | null, md: RecordMetadata | null) => {
      if (err === null && md !== null) acked++
    }
    return {
      name: `accumulator/append+complete 100B p${partitions}`,
      opsPerRun: records,
      bytesPerRun: records * value.length,
      run: () => {
        for (let i = 0; i < records; i++) {
          acc.append(
            't',
            i % partitions,
            BASE_TIMESTAMP + (i >> 8),
            null,
            value,
            [],
            callback,
            BASE_TIMESTAMP,
          )
        }
        for (const q of acc.queues) {
          while (q.head !== undefined) {
            const b = q.takeHead()
            b.encode()
            acc.complete(b, 0n, -1)
          }
        }
        return acked
      },
    }
  })
}

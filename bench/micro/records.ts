/**
 * Record encoding: RecordBatchBuilder append + build, filling 64 KiB batches as the producer does
 * with its default batch.size, for 100 B and 1 KiB values, bare, with a 16-byte key, and with a
 * key and two headers. MB/s counts value bytes.
 */
import { RecordBatchBuilder, type RecordHeader } from '../../src/records/record-batch-builder.js'
import type { MicroBench } from './harness.js'

const BATCH_SIZE = 64 * 1024
const BASE_TIMESTAMP = 1_700_000_000_000

interface Shape {
  label: string
  key: Uint8Array | null
  headers: readonly RecordHeader[] | null
}

const SHAPES: Shape[] = [
  { label: 'bare', key: null, headers: null },
  { label: 'key', key: Buffer.from('order-0000012345'), headers: null },
  {
    label: 'key+2headers',
    key: Buffer.from('order-0000012345'),
    headers: [
      { key: 'trace-id', value: Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736') },
      { key: 'source', value: Buffer.from('checkout') },
    ],
  },
]

export function recordBenches(): MicroBench[] {
  const out: MicroBench[] = []
  for (const size of [100, 1024]) {
    for (const shape of SHAPES) {
      const value = Buffer.alloc(size, 0x61)
      const perRecord = RecordBatchBuilder.sizeOfRecord(0, 0, shape.key, value, shape.headers)
      const records = Math.floor((BATCH_SIZE - 61) / (perRecord + 2))
      const builder = new RecordBatchBuilder(BATCH_SIZE)
      out.push({
        name: `records/append+build ${size === 100 ? '100B' : '1KiB'} ${shape.label}`,
        opsPerRun: records,
        bytesPerRun: records * size,
        run: () => {
          builder.reset()
          for (let i = 0; i < records; i++)
            builder.append(BASE_TIMESTAMP + (i >> 4), shape.key, value, shape.headers)
          return builder.build({ producerId: 42n, producerEpoch: 0, baseSequence: 0 })
        },
      })
    }
  }
  return out
}

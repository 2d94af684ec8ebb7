/**
 * The known workload of the metrics tests: ten 10-byte records with a fixed timestamp in one
 * batch are 17 bytes each (length 1, attributes 1, timestamp delta 1, offset delta 1, key length
 * -1: 1, value length 1, value 10, header count 1) and 61 + 170 = 231 bytes as a batch.
 */
import type { Producer } from '../../src/producer/producer.js'

export const VALUE = 'aaaaaaaaaa'
export const TIMESTAMP = 1_700_000_000_000
export const RECORD_BYTES = 17
export const BATCH_BYTES = 61 + 10 * RECORD_BYTES

/** Sends the ten records to partition 0 of `topic` and waits for all of them. */
export async function tenRecords(producer: Producer, topic: string): Promise<void> {
  const sends = Array.from({ length: 10 }, () =>
    producer.send({ topic, partition: 0, value: VALUE, timestamp: TIMESTAMP }),
  )
  await producer.flush()
  await Promise.all(sends)
}

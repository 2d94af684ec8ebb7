/**
 * Drives a producer through the callback path with backpressure: `total` sequence-numbered
 * records round-robin over the partitions of one topic (explicit partitions, so each partition's
 * send order is known), outcomes kept in a SequenceLedger. A progress hook lets a test inject
 * faults at record counts and hold production until a fault has played out.
 */
import { once } from 'node:events'
import type { Producer } from '../../src/producer/producer.js'
import type { SequenceLedger } from './sequence-ledger.js'

const DEFAULT_KEY = Buffer.alloc(90, 'k')

export interface SequencedLoad {
  producer: Producer
  topic: string
  ledger: SequenceLedger
  total: number
  /**
   * Sent as every record's key (one shared buffer), to give records a realistic size; the
   * partitions are explicit, so it does not choose them. Default: 90 bytes.
   */
  key?: Uint8Array
  /** Records between calls of `onProgress`; default 1000. */
  step?: number
  /** Called with the number of records sent so far; a returned promise holds sending until it settles. */
  onProgress?: (sent: number) => Promise<void> | undefined
}

export interface LoadResult {
  /** How many times send() returned false and the load waited for 'drain'. */
  drainWaits: number
}

/** Sends every record, then flushes; resolves when every send has settled (see the ledger). */
export async function produceSequenced(load: SequencedLoad): Promise<LoadResult> {
  const { producer, topic, ledger, total } = load
  const step = load.step ?? 1000
  const partitions = ledger.partitions
  const key = load.key ?? DEFAULT_KEY
  let drainWaits = 0
  for (let i = 0; i < total; i++) {
    const partition = i % partitions
    const seq = ledger.next(partition)
    const ready = producer.send({ topic, partition, key, value: String(seq) }, (err, md) =>
      ledger.settle(partition, seq, err, md),
    )
    if (!ready) {
      drainWaits++
      await once(producer, 'drain')
    }
    if ((i + 1) % step === 0) {
      const hold = load.onProgress?.(i + 1)
      if (hold !== undefined) await hold
      // Sends that never block would starve the sockets and timers.
      else if (ready) await new Promise((r) => setImmediate(r))
    }
  }
  await producer.flush()
  return { drainWaits }
}

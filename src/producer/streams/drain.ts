/**
 * One 'drain' listener per producer for all its streams and sendAll() calls waiting, so that
 * many of them at once do not trip EventEmitter's max-listeners warning.
 */
import type { ProducerRecord, SendCallback, SendOptions } from '../record.js'

/** What the streams use of a Producer. */
export interface RecordSink {
  send(record: ProducerRecord, callback: SendCallback, options?: SendOptions): boolean
  readonly needsDrain: boolean
  on(event: 'drain', listener: () => void): unknown
  off(event: 'drain', listener: () => void): unknown
  flush(): Promise<void>
}

interface Waiters {
  readonly callbacks: Set<() => void>
  readonly listener: () => void
}

const waiting = new WeakMap<RecordSink, Waiters>()

/** Calls `callback` at the producer's next 'drain'; the function returned cancels that. */
export function onNextDrain(producer: RecordSink, callback: () => void): () => void {
  let w = waiting.get(producer)
  if (w === undefined) {
    const callbacks = new Set<() => void>()
    const listener = (): void => {
      const due = [...callbacks]
      callbacks.clear()
      producer.off('drain', listener)
      waiting.delete(producer)
      for (const f of due) f()
    }
    w = { callbacks, listener }
    waiting.set(producer, w)
    producer.on('drain', listener)
  }
  const entry = (): void => callback()
  w.callbacks.add(entry)
  const mine = w
  return () => {
    if (!mine.callbacks.delete(entry) || mine.callbacks.size > 0) return
    producer.off('drain', mine.listener)
    if (waiting.get(producer) === mine) waiting.delete(producer)
  }
}

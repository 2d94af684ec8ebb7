/**
 * The benches' send loop: `count` records through the callback path at full speed, honouring
 * send()'s false and 'drain'; resolves once every record has settled, with the failures.
 */

interface CallbackSender<R> {
  send(record: R, callback: (err: Error | null) => void): boolean
  once(event: 'drain', listener: () => void): unknown
}

export interface SendAllOutcome {
  failed: number
  /** The first failure's message ('' when none failed). */
  first: string
}

/**
 * `yieldEvery` N: give the event loop a turn (setImmediate) after every N records, as an
 * application fed by I/O would, instead of sending until 'drain'.
 */
export function sendAllCallbacks<R>(
  producer: CallbackSender<R>,
  count: number,
  record: (i: number) => R,
  yieldEvery = Number.POSITIVE_INFINITY,
): Promise<SendAllOutcome> {
  return new Promise((resolve) => {
    let settled = 0
    const outcome: SendAllOutcome = { failed: 0, first: '' }
    const cb = (err: Error | null) => {
      if (err !== null) {
        outcome.failed++
        outcome.first ||= err.message
      }
      if (++settled === count) resolve(outcome)
    }
    let i = 0
    const pump = () => {
      const stop = Math.min(count, i + yieldEvery)
      while (i < stop) {
        const ok = producer.send(record(i), cb)
        i++
        if (!ok) {
          producer.once('drain', pump)
          return
        }
      }
      if (i < count) setImmediate(pump)
    }
    pump()
  })
}

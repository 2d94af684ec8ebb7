import type { EventEmitter } from 'node:events'
import type { Warn } from './logging.js'

/**
 * Emits `event` on the producer: a listener that throws is told as a SluiceListenerWarning, not
 * thrown into the producer's own bookkeeping (a timer, a promise chain), where it would cut that
 * short or become an unhandled rejection.
 */
export function emitGuarded(emitter: EventEmitter, event: string, warn: Warn, ...args: unknown[]): void {
  try {
    emitter.emit(event, ...args)
  } catch (err) {
    warn(`a '${event}' listener threw: ${(err as Error)?.stack ?? err}`, { type: 'SluiceListenerWarning' })
  }
}

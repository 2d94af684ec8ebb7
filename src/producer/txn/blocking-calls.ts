import { TimeoutError, TransactionStateError } from '../../errors.js'
import { timerDelay } from '../../timers.js'
import type { TxnState } from './states.js'

interface Pending {
  readonly operation: string
  readonly target: TxnState
  readonly result: Promise<void>
  settled: boolean
}

/**
 * The transactional calls that block up to `max.block.ms` (initTransactions, commit, abort): one
 * that timed out still runs in the background; calling it again waits for the same result, and
 * any other transactional call fails until it has settled (the Java producer's pending result).
 */
export class BlockingCalls {
  readonly #maxBlockMs: number
  #pending: Pending | null = null

  constructor(maxBlockMs: number) {
    this.#maxBlockMs = maxBlockMs
  }

  /** The state the last call was moving to, settled or not; null when none is kept. */
  get pendingTarget(): TxnState | null {
    return this.#pending?.target ?? null
  }

  /** Whether a call is kept (settled calls are dropped by `throwIfPending` and `run`). */
  get hasPending(): boolean {
    return this.#pending !== null
  }

  /** Throws when an earlier call timed out and is still running. */
  throwIfPending(operation: string): void {
    const p = this.#pending
    if (p === null) return
    if (p.settled) {
      this.#pending = null
      return
    }
    throw stillRunning(operation, p.operation)
  }

  /** Runs a transition's work once; a call after a timeout (max.block.ms) waits for the same work. */
  run(operation: string, target: TxnState, start: () => Promise<void>): Promise<void> {
    const p = this.#pending
    if (p !== null) {
      if (p.settled) this.#pending = null
      else if (p.target !== target) return Promise.reject(stillRunning(operation, p.operation))
      else return this.withTimeout(operation, p.result)
    }
    let result: Promise<void>
    try {
      result = start()
    } catch (err) {
      return Promise.reject(err)
    }
    const entry: Pending = { operation, target, result, settled: false }
    this.#pending = entry
    result.then(
      () => {
        entry.settled = true
      },
      () => {
        entry.settled = true
      },
    )
    return this.withTimeout(operation, result)
  }

  /** `result`, or a TimeoutError after max.block.ms (the work goes on). */
  withTimeout(operation: string, result: Promise<void>): Promise<void> {
    const limit = this.#maxBlockMs
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutError(
              `${operation}() did not finish within max.block.ms=${limit}; it goes on in the background: call ${operation}() again to wait for it`,
            ),
          ),
        timerDelay(limit),
      )
    })
    return Promise.race([result, timeout]).finally(() => clearTimeout(timer))
  }
}

function stillRunning(operation: string, earlier: string): TransactionStateError {
  return new TransactionStateError(
    `can't ${operation}: the earlier ${earlier}() timed out and is still running; call ${earlier}() again`,
  )
}

/**
 * Runs faults in the background of a load, one at a time: `start` waits for the running fault
 * to finish, then begins the next one without waiting for it; `settled` waits for the running
 * one; `failure` rejects with the first fault that failed, so a test can race its load against
 * it instead of hanging on a stalled producer.
 */
export class FaultRunner {
  #current: Promise<void> = Promise.resolve()
  #started = 0
  #reject: (err: unknown) => void = () => {}
  readonly failure: Promise<never>

  constructor() {
    this.failure = new Promise<never>((_, reject) => {
      this.#reject = reject
    })
    this.failure.catch(() => {}) // observed by whoever races against it
  }

  /** Faults started so far. */
  get started(): number {
    return this.#started
  }

  async start(fault: () => Promise<void>): Promise<void> {
    await this.#current
    this.#started++
    this.#current = fault()
    this.#current.catch((err: unknown) => this.#reject(err))
  }

  settled(): Promise<void> {
    return this.#current
  }
}

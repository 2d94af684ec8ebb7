import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Runs `body`, then returns the unhandled rejections seen until `settleMs` later (a rejection
 * meant to come after the body ended has to come within that time).
 */
export async function unhandledDuring(body: () => Promise<void>, settleMs: number): Promise<unknown[]> {
  const seen: unknown[] = []
  const listener = (reason: unknown) => seen.push(reason)
  process.on('unhandledRejection', listener)
  try {
    await body()
    await sleep(settleMs)
  } finally {
    process.off('unhandledRejection', listener)
  }
  return seen
}

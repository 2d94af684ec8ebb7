/** Node fires a timer longer than 2^31-1 ms after 1 ms; Kafka's long timeouts must be capped. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1

export function timerDelay(ms: number): number {
  return Math.max(0, Math.min(ms, MAX_TIMER_DELAY))
}

/**
 * Waits for `p`, but not past `deadline` (epoch ms) nor once `signal` aborts; never rejects.
 * `p` is handled whatever happens: a rejection that comes after the wait ended is nobody's
 * unhandled rejection.
 */
export async function untilDeadline(
  p: Promise<unknown>,
  deadline: number,
  signal: AbortSignal,
): Promise<void> {
  const settled = p.then(
    () => {},
    () => {},
  )
  const ms = deadline - Date.now()
  if (ms <= 0 || signal.aborted) return
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  await Promise.race([
    settled,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timerDelay(ms))
      onAbort = resolve
      signal.addEventListener('abort', onAbort, { once: true })
    }),
  ])
  clearTimeout(timer)
  signal.removeEventListener('abort', onAbort!)
}

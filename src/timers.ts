/** Node fires a timer longer than 2^31-1 ms after 1 ms; Kafka's long timeouts must be capped. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1

export function timerDelay(ms: number): number {
  return Math.max(0, Math.min(ms, MAX_TIMER_DELAY))
}

/**
 * Exponential backoff with +-20% jitter, as Kafka's ExponentialBackoff: base * 2^attempts,
 * capped at max. `attempts` counts failures so far, starting at 0.
 */
export function backoffMs(baseMs: number, maxMs: number, attempts: number): number {
  if (baseMs <= 0) return 0
  const capped = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30))
  const jitter = 0.8 + Math.random() * 0.4
  return Math.max(0, Math.round(Math.min(maxMs, capped * jitter)))
}

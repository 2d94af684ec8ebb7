/** "Did you mean" for unknown setting names. */

/** Kafka producer settings Sluice does not implement (yet); named so the error can say so. */
const JAVA_ONLY = new Set([
  'bootstrap.resolve.timeout.ms',
  'buffer.memory.allocation.strategy',
  'client.dns.lookup',
  'client.rack',
  'config.providers',
  'enable.metrics.push',
  'metadata.cluster.check.enable',
  'metadata.recovery.rebootstrap.trigger.ms',
  'partitioner.rack.aware',
  'transaction.two.phase.commit.enable',
])
const JAVA_ONLY_PREFIXES = ['ssl.', 'sasl.', 'security.', 'metric.', 'metrics.']
// metric.reporters (Java classes) stays Java's; metrics.sample.window.ms, metrics.num.samples and
// metrics.recording.level are settings here, so they never reach this check.

export function isUnsupportedJavaSetting(key: string): boolean {
  return JAVA_ONLY.has(key) || JAVA_ONLY_PREFIXES.some((prefix) => key.startsWith(prefix))
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[._\-\s]/g, '')
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost))
    }
    prev = cur
  }
  return prev[b.length]!
}

/**
 * The known name closest to `key`, in the same style (dotted or camelCase) as `key`, or null
 * when nothing is close. Spelling differences in case and separators count as exact.
 */
export function suggest(key: string, names: readonly { dotted: string; camel: string }[]): string | null {
  const dottedStyle = key.includes('.') || key.includes('_') || key.includes('-')
  const k = normalize(key)
  let best: { name: string; d: number } | null = null
  for (const n of names) {
    const d = distance(k, normalize(n.camel))
    if (best === null || d < best.d) best = { name: dottedStyle ? n.dotted : n.camel, d }
  }
  if (best === null) return null
  const allowed = Math.max(2, Math.floor(k.length / 5))
  return best.d <= allowed ? best.name : null
}

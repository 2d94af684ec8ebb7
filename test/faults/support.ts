/**
 * Shared pieces of the Producer fault-injection tests: quick timeouts, sending with every
 * outcome kept, and the check that what the producer acknowledged is what the (fake) broker's
 * log holds.
 */
import assert from 'node:assert/strict'
import type { ProducerConfigInput } from '../../src/producer/config/index.js'
import type { Producer } from '../../src/producer/producer.js'
import type { RecordMetadata } from '../../src/producer/record.js'
import type { FakeCluster } from '../fakes/fake-broker.js'

/** Small timeouts and backoffs so that a fault resolves in milliseconds. */
export const QUICK = {
  lingerMs: 0,
  maxBlockMs: 5_000,
  requestTimeoutMs: 2_000,
  deliveryTimeoutMs: 10_000,
  retryBackoffMs: 10,
  retryBackoffMaxMs: 50,
  reconnectBackoffMs: 10,
  reconnectBackoffMaxMs: 50,
} satisfies Partial<ProducerConfigInput>

/** Bound for a test's own waits (never a claim about how fast something is). */
export const TEST_TIMEOUT = 30_000

export interface Spec {
  topic: string
  partition: number
  value: string
}

export interface Sent extends Spec {
  outcome: PromiseSettledResult<RecordMetadata>
}

/** `count` records with unique values `${tag}-${i}`, round-robin over `partitions`. */
export function records(topic: string, tag: string, count: number, partitions: readonly number[]): Spec[] {
  return Array.from({ length: count }, (_, i) => ({
    topic,
    partition: partitions[i % partitions.length]!,
    value: `${tag}-${i}`,
  }))
}

/** Sends every record in one tick (so they share batches and requests) and waits for all outcomes. */
export async function sendAll(producer: Producer, specs: readonly Spec[]): Promise<Sent[]> {
  const promises = specs.map((s) => producer.send({ topic: s.topic, partition: s.partition, value: s.value }))
  const outcomes = await Promise.allSettled(promises)
  return specs.map((s, i) => ({ ...s, outcome: outcomes[i]! }))
}

export function fulfilled(sent: readonly Sent[]): (Sent & { md: RecordMetadata })[] {
  return sent.flatMap((s) => (s.outcome.status === 'fulfilled' ? [{ ...s, md: s.outcome.value }] : []))
}

export function rejected(sent: readonly Sent[]): (Sent & { reason: unknown })[] {
  return sent.flatMap((s) => (s.outcome.status === 'rejected' ? [{ ...s, reason: s.outcome.reason }] : []))
}

export function assertAllFulfilled(sent: readonly Sent[]): void {
  const failed = rejected(sent)
  assert.equal(
    failed.length,
    0,
    `${failed.length} of ${sent.length} sends failed; first: ${failed[0] === undefined ? '' : String(failed[0].reason)}`,
  )
}

/** The values of a partition's log, in offset order. */
export function logValues(cluster: FakeCluster, topic: string, partition: number): string[] {
  return cluster.log(topic, partition).map((r) => r.value?.toString('utf8') ?? '<null>')
}

/**
 * Every acknowledged record is in the fake log at the offset its send() resolved with, and
 * appears there `copies` times ('once': exactly once; 'at-least-once': one or more), in send
 * order per partition (by first copy).
 */
export function assertAcknowledgedInLog(
  cluster: FakeCluster,
  sent: readonly Sent[],
  copies: 'once' | 'at-least-once' = 'once',
): void {
  const partitions = new Map<string, (Sent & { md: RecordMetadata })[]>()
  for (const s of fulfilled(sent)) {
    assert.equal(s.md.topic, s.topic, `topic of ${s.value}`)
    assert.equal(s.md.partition, s.partition, `partition of ${s.value}`)
    const k = `${s.topic}\0${s.partition}`
    const list = partitions.get(k) ?? []
    list.push(s)
    partitions.set(k, list)
  }
  for (const list of partitions.values()) {
    const { topic, partition } = list[0]!
    const log = cluster.log(topic, partition)
    const offsetsOf = new Map<string, bigint[]>()
    for (const r of log) {
      const v = r.value?.toString('utf8') ?? '<null>'
      const o = offsetsOf.get(v) ?? []
      o.push(r.offset)
      offsetsOf.set(v, o)
    }
    let previous = -1n
    for (const s of list) {
      const found = offsetsOf.get(s.value) ?? []
      if (copies === 'once') {
        assert.equal(
          found.length,
          1,
          `${s.value} is in ${topic}-${partition} ${found.length} times, not once`,
        )
      } else {
        assert.ok(found.length >= 1, `${s.value} is missing from ${topic}-${partition}`)
      }
      assert.ok(
        found.includes(s.md.offset),
        `${s.value} resolved with offset ${s.md.offset}, but the log has it at [${found.join(', ')}]`,
      )
      const first = found[0]!
      assert.ok(
        first > previous,
        `${s.value} (offset ${first}) is out of send order in ${topic}-${partition}`,
      )
      previous = first
    }
  }
}

/** No value appears twice in the partition's log. */
export function assertNoDuplicates(cluster: FakeCluster, topic: string, partition: number): void {
  const values = logValues(cluster, topic, partition)
  const seen = new Set<string>()
  for (const v of values) {
    assert.ok(!seen.has(v), `${v} is in ${topic}-${partition} more than once`)
    seen.add(v)
  }
}

/** Polls `condition` until it holds, failing with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Resolves with `promise`, or fails naming `what` when it takes longer than `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, bound])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Access to the Apache Kafka that scripts/run-tests.ts starts for the integration tier. A test
 * that needs Kafka fails (never skips) when none was started, and a unit-tier file that asks for
 * it fails with a message saying so (scripts/test-tiers.ts).
 */
import { randomBytes } from 'node:crypto'
import { createTopics, type NewTopic, parseBrokerList } from '../../src/cluster/admin.js'
import { Producer } from '../../src/producer/producer.js'

export function testBootstrap(): string {
  if (process.env.SLUICE_TEST_TIER === 'unit') {
    throw new Error(
      'a unit-tier test asked for Apache Kafka: unit tests run without it. ' +
        'Move the file to the integration tier in scripts/test-tiers.ts.',
    )
  }
  const b = process.env.SLUICE_TEST_BOOTSTRAP
  if (b === undefined || b === '') {
    throw new Error(
      'SLUICE_TEST_BOOTSTRAP is not set: run the suite with `npm test`, which starts Apache Kafka',
    )
  }
  return b
}

export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/** Creates a topic and waits until every partition has a leader. */
export async function createTopic(
  name: string,
  partitions: number,
  options: Omit<NewTopic, 'name' | 'partitions'> & { bootstrap?: string } = {},
): Promise<void> {
  const bootstrap = options.bootstrap ?? testBootstrap()
  await createTopics(parseBrokerList(bootstrap), [{ name, partitions, ...options }])
  // Leaders are elected asynchronously; the producer waits for metadata anyway, but tests that
  // look at partition counts want them settled.
  const probe = new Producer({ bootstrapServers: bootstrap, maxBlockMs: 30_000 })
  try {
    const deadline = Date.now() + 30_000
    for (;;) {
      const ok = await probe.partitionsFor(name)
      if (ok.length === partitions && ok.every((p) => p.leader >= 0)) return
      if (Date.now() > deadline) throw new Error(`topic ${name} has no leaders after 30 s`)
      await new Promise((r) => setTimeout(r, 100))
    }
  } finally {
    await probe.close()
  }
}

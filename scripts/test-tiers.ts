/**
 * Which tier every test file belongs to. scripts/run-tests.ts refuses to run when a test file on
 * disk is in no tier or in two, or when a listed file does not exist, and
 * test/tiers.test.ts checks the same (and that unit files do not import the broker or Java
 * helpers) as part of the unit tier.
 *
 * - unit: needs neither Apache Kafka nor Java (in-process fakes and the fault proxy are fine).
 *   Runs with SLUICE_TEST_BOOTSTRAP unset and with scripts/unit-guard.ts preloaded, which makes
 *   any attempt to launch java, javac, mvn or kcat throw. `npm run test:unit`.
 * - integration: needs the suite's shared broker (SLUICE_TEST_BOOTSTRAP), Kafka's jars or Java.
 *   `integration` files run concurrently with each other (a few start a single broker of their
 *   own; topics on the shared broker have unique names); `integrationAlone` files start the
 *   3-broker cluster and kill brokers, or load the shared broker heavily, so they run one at a
 *   time after the others.
 * - soak: the two million-record failover runs on the 3-broker cluster and the local-kafka
 *   launcher's own tests. `npm run test:soak`; not part of `npm test`.
 *
 * `npm test` runs unit, then integration.
 */
export const TIERS = {
  unit: [
    'test/bench/report.test.ts',
    'test/bench/tasks.test.ts',
    'test/cli/args.test.ts',
    'test/cli/cli.test.ts',
    'test/cli/histogram.test.ts',
    'test/cli/keys.test.ts',
    'test/cli/produce-args.test.ts',
    'test/cli/produce-lines.test.ts',
    'test/cli/progress.test.ts',
    'test/cli/report.test.ts',
    'test/cli/run.test.ts',
    'test/cli/settings.test.ts',
    'test/cli/stats.test.ts',
    'test/cli/throttler.test.ts',
    'test/cluster/cluster-snapshot.test.ts',
    'test/compression/codecs.test.ts',
    'test/compression/corrupt.test.ts',
    'test/compression/lz4-wasm.test.ts',
    'test/compression/offload.test.ts',
    'test/docs.test.ts',
    'test/fakes-selftest/coordinator.test.ts',
    'test/fakes-selftest/fake-broker.test.ts',
    'test/fakes-selftest/fault-proxy.test.ts',
    'test/fakes-selftest/faults.test.ts',
    'test/fakes-selftest/transactions-v2.test.ts',
    'test/fakes-selftest/transactions.test.ts',
    'test/fakes-selftest/txn-offsets.test.ts',
    'test/faults/acks-zero.test.ts',
    'test/faults/circuit-breaker.test.ts',
    'test/faults/connections.test.ts',
    'test/faults/errors.test.ts',
    'test/faults/idempotence.test.ts',
    'test/faults/settle-once.test.ts',
    'test/faults/spool.test.ts', // temp directories
    'test/faults/timeouts.test.ts',
    'test/faults/bounds.test.ts',
    'test/faults/transactions.test.ts',
    'test/faults/topic-id-answer.test.ts',
    'test/helpers-selftest/sequence-ledger.test.ts',
    'test/timers.test.ts',
    'test/integration/leader-hint.test.ts',
    'test/kafkajs/config.test.ts',
    'test/kafkajs/errors.test.ts',
    'test/kafkajs/fake-broker.test.ts',
    'test/kafkajs/logger.test.ts',
    'test/kafkajs/partitioners.test.ts',
    'test/kafkajs/security.test.ts', // openssl makes the certificates, as in test/security/tls.test.ts
    'test/local-kafka/secure-certs.test.ts', // runs openssl, not Java
    'test/producer/accumulator.test.ts',
    'test/producer/compression-ratio.test.ts',
    'test/producer/blocking-calls.test.ts',
    'test/producer/circuit-breaker.test.ts',
    'test/producer/health.test.ts', // node:http servers on loopback stand in for probes
    'test/producer/streams/send-all.test.ts',
    'test/producer/streams/writable.test.ts',
    'test/producer/outcomes.test.ts',
    'test/bad-input-matrix.test.ts',
    'test/fuzz/decoders.test.ts',
    'test/fuzz/produce-answers.test.ts',
    'test/cluster/metadata-manager.test.ts',
    'test/network/connection-pool.test.ts',
    'test/producer/sender.test.ts',
    'test/producer/config.test.ts',
    'test/producer/interceptors.test.ts',
    'test/producer/partition-queue.test.ts',
    'test/producer/partitioner.test.ts',
    'test/producer/pending-sends.test.ts',
    'test/producer/txn-coordinator-errors.test.ts',
    'test/public-surface.test.ts',
    'test/producer/serializers.test.ts',
    'test/schema-registry/avro.test.ts',
    'test/schema-registry/avro-logical-types.test.ts',
    'test/schema-registry/client.test.ts', // a node:http server on loopback stands in for the registry
    'test/schema-registry/client-tls.test.ts', // node:https servers on loopback; openssl makes the certificates
    'test/schema-registry/framing.test.ts',
    'test/schema-registry/json-schema.test.ts', // a node:http server on loopback stands in for the registry
    'test/schema-registry/protobuf.test.ts', // a node:http server on loopback stands in for the registry
    'test/schema-registry/proto-printer.test.ts', // runs the buf CLI (node_modules/.bin/buf)
    'test/producer/txn-sequences.test.ts',
    'test/producer/unhandled-rejections.test.ts',
    'test/spool/format.test.ts',
    'test/spool/spool.test.ts', // temp directories
    'test/spool/crash.test.ts', // SIGKILLs a child process (test/helpers/spool-child.ts) mid-append
    'test/producer/txn-idempotence.test.ts',
    'test/metrics/producer-metrics.test.ts',
    'test/metrics/hand-computed.test.ts',
    'test/diagnostics.test.ts',
    'test/logging.test.ts',
    'test/metrics/docs.test.ts',
    'test/metrics/openmetrics.test.ts',
    'test/metrics/stats.test.ts',
    'test/otel/otel.test.ts',
    'test/prometheus/prom-client.test.ts',
    'test/protocol/codec.test.ts',
    'test/protocol/request-writer.test.ts',
    'test/protocol/messages/fixtures.test.ts',
    'test/protocol/messages/spec.test.ts',
    'test/protocol/messages/truncated.test.ts',
    'test/protocol/reader.test.ts',
    'test/protocol/writer.test.ts',
    'test/records/record-batch-decoder.test.ts',
    'test/security/jaas.test.ts',
    'test/security/oauth-fake-broker.test.ts',
    'test/security/oauth-token.test.ts',
    'test/security/oauthbearer.test.ts',
    'test/security/oidc.test.ts',
    'test/security/plain.test.ts',
    'test/security/reauthentication.test.ts',
    'test/security/sasl-exchange.test.ts',
    'test/security/scram.test.ts',
    'test/security/secrets.test.ts',
    'test/security/security-config.test.ts',
    'test/security/tls.test.ts',
    'test/security/tls/tls-errors.test.ts',
    'test/tiers.test.ts',
    'test/workers/completions.test.ts',
    'test/workers/config.test.ts',
    'test/workers/handover.test.ts',
    'test/workers/producer.test.ts',
    'test/workers/topics.test.ts',
  ],
  integration: [
    'test/package/tarball.test.ts',
    'test/schema-registry/registry.test.ts', // starts its own Apicurio Registry (built with Maven once)
    'test/schema-registry/registry-tls.test.ts', // two Apicurio Registries over HTTPS, one requiring client certificates (a second Maven build)
    'test/schema-registry/avro-producer.test.ts', // its own registry, and Apicurio's Java serdes
    'test/schema-registry/json-registry.test.ts', // starts its own Apicurio Registry
    'test/schema-registry/protobuf-registry.test.ts', // its own Apicurio Registry; decodes with the buf CLI
    'test/cli/payloads.test.ts',
    'test/cli/perf-metrics.test.ts',
    'test/cli/produce-e2e.test.ts',
    'test/cli/topics-e2e.test.ts',
    'test/admin.test.ts',
    'test/cli/secure-cli.test.ts', // its own secure broker
    'test/cli/perf-e2e.test.ts', // one test runs `sluice perf` with no broker given: it starts its own
    'test/compression/java.test.ts',
    'test/fakes-selftest/fault-proxy-kafka.test.ts',
    'test/faults/proxy-cut.test.ts',
    'test/helpers-selftest/java-classes.test.ts',
    'test/helpers-selftest/schema-registry.test.ts',
    'test/helpers-selftest/read-topic-values.test.ts',
    'test/integration/abort-signal.test.ts',
    'test/integration/compression-offload.test.ts',
    'test/integration/backpressure.test.ts',
    'test/integration/bad-input.test.ts',
    'test/integration/circuit-breaker.test.ts', // its own broker, stopped and restarted
    'test/integration/close.test.ts',
    'test/integration/compression.test.ts', // its own broker, to read the log segments on disk
    'test/integration/compression-fill.test.ts', // its own broker, to read the log segments on disk
    'test/integration/flood.test.ts', // a child process measures its own RSS
    'test/integration/idle.test.ts',
    'test/integration/interceptors.test.ts',
    'test/integration/produce.test.ts',
    'test/integration/prometheus.test.ts',
    'test/integration/security.test.ts', // its own secure broker
    'test/integration/split.test.ts',
    'test/integration/streams.test.ts', // a million lines through pipeline(), read back by Kafka's consumer
    'test/integration/timestamps.test.ts',
    'test/kafkajs/compat.test.ts', // the same kafkajs program through kafkajs and sluice/kafkajs
    'test/integration/transactions.test.ts', // and a broker of its own with transaction.version=0
    'test/local-kafka/secure-broker.test.ts', // its own secure broker
    'test/network/connection.test.ts',
    'test/producer/config-java.test.ts',
    'test/producer/config-javadef.test.ts', // ProducerConfig's ConfigDef read from Kafka's jar
    'test/producer/partitioner-java.test.ts',
    'test/producer/properties.test.ts',
    'test/protocol/crc32c.test.ts',
    'test/protocol/error-codes.test.ts',
    'test/protocol/messages/fixtures-java.test.ts',
    'test/protocol/murmur2.test.ts',
    'test/records/record-batch-builder.test.ts',
    'test/records/batch-java.test.ts', // random batches against Kafka's MemoryRecordsBuilder
    'test/compat/protocol-versions.test.ts',
    'test/compat/fallbacks.test.ts',
  ],
  integrationAlone: [
    'test/compat/leader-change.test.ts', // 3-broker cluster, stops a leader
    'test/integration/cluster-failover.test.ts', // 3-broker cluster, SIGKILLs a broker
    'test/integration/memory.test.ts', // 10M records through the shared broker, RSS measured
    'test/integration/spool-outage.test.ts', // 3-broker cluster, every broker stopped
    'test/integration/spool-crash.test.ts', // a broker of its own, stopped; SIGKILLs a child producer
    'test/integration/workers.test.ts', // 700k records through 1, 2 and 4 worker threads
  ],
  soak: [
    'test/faults/idempotent-proxy-failover.test.ts',
    'test/integration/idempotent-failover.test.ts',
    'test/local-kafka/cli-script.test.ts',
    'test/local-kafka/single-broker.test.ts',
    'test/local-kafka/three-brokers.test.ts',
  ],
} as const

/**
 * The compatibility subset (`run-tests.ts --compat`), which CI runs on every Kafka version of
 * SUPPORTED_KAFKA_VERSIONS besides the newest, and on Node 24: produce with every codec, acks
 * 0/1/all, idempotence, transactions (classic, and v2 where the broker has it), a leader change
 * with and without KIP-951 hints, metadata and ApiVersions negotiation, and every Produce,
 * Metadata and InitProducerId version the broker offers. Integration files only.
 */
export const COMPAT: readonly string[] = [
  'test/compat/protocol-versions.test.ts',
  'test/compat/fallbacks.test.ts',
  'test/compat/leader-change.test.ts',
  'test/integration/produce.test.ts',
  'test/integration/compression.test.ts',
  'test/integration/transactions.test.ts',
  'test/integration/cluster-failover.test.ts',
]

export type Group = keyof typeof TIERS
export type Tier = 'unit' | 'integration' | 'soak'

export const TIER_OF_GROUP: Record<Group, Tier> = {
  unit: 'unit',
  integration: 'integration',
  integrationAlone: 'integration',
  soak: 'soak',
}

/** Modules a unit test file must not import (directly): they reach Kafka or Java. */
export const UNIT_FORBIDDEN_IMPORTS = [
  'helpers/kafka.js',
  'helpers/java.js',
  'helpers/independent-reader.js',
  'local-kafka/cluster.js',
  'cli/support.js',
  'helpers/schema-registry.js',
  'helpers/registry-serdes.js',
] as const

/**
 * Problems with the tier lists for the test files found on disk (paths relative to the repo
 * root, with forward slashes): files in no tier, in more than one, or listed but missing.
 */
export function tierProblems(filesOnDisk: readonly string[]): string[] {
  const problems: string[] = []
  const groupsOf = new Map<string, Group[]>()
  for (const [group, files] of Object.entries(TIERS) as [Group, readonly string[]][]) {
    for (const f of files) groupsOf.set(f, [...(groupsOf.get(f) ?? []), group])
  }
  const onDisk = new Set(filesOnDisk)
  for (const f of filesOnDisk) {
    const groups = groupsOf.get(f)
    if (groups === undefined) problems.push(`${f} is in no tier: add it to one list in scripts/test-tiers.ts`)
    else if (groups.length > 1) problems.push(`${f} is in more than one tier list: ${groups.join(', ')}`)
  }
  for (const f of groupsOf.keys()) {
    if (!onDisk.has(f)) problems.push(`${f} is listed in scripts/test-tiers.ts but does not exist`)
  }
  for (const f of COMPAT) {
    const groups = groupsOf.get(f) ?? []
    if (!groups.every((g) => TIER_OF_GROUP[g] === 'integration') || groups.length === 0) {
      problems.push(`${f} is in COMPAT but not an integration file`)
    }
  }
  return problems
}

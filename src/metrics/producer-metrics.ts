/**
 * The Java producer's metrics, under its names, groups and tags: producer-metrics (tag
 * client-id) from the sender, the buffer pool and the network layer; producer-topic-metrics per
 * topic; producer-node-metrics per broker (node-id `node-<id>`, `node--<n>` for the n-th bootstrap
 * address); app-info. Values are recorded per batch, per request or per connection event, never
 * per record, into preallocated samples.
 */
import type { ConnectionIo } from '../network/connection.js'
import { type Metric, MetricsRegistry, type MetricTags, type Sensor } from './registry.js'
import { Cumulative, Rate, type SampleConfig } from './stats.js'

export const PRODUCER_GROUP = 'producer-metrics'
export const TOPIC_GROUP = 'producer-topic-metrics'
export const NODE_GROUP = 'producer-node-metrics'
export const APP_INFO_GROUP = 'app-info'

const NS_PER_MS = 1e6

/** What a batch reports when it goes into a Produce request. */
export interface DrainedBatch {
  readonly topic: string
  readonly recordCount: number
  /** Bytes on the wire (compressed). */
  readonly sizeInBytes: number
  /** Compressed size over uncompressed size; 1 without compression. */
  readonly compressionRatio: number
  readonly maxRecordBytes: number
  readonly createdMs: number
}

/** Live values the gauges read. */
export interface ProducerGauges {
  requestsInFlight(): number
  metadataAgeMs(nowMs: number): number
  bufferTotalBytes(): number
  bufferAvailableBytes(): number
  waitingForMemory(): number
  connectionCount(): number
}

interface TopicSensors {
  records: Sensor
  bytes: Sensor
  compression: Sensor
  retries: Sensor
  errors: Sensor
}

interface NodeSensors {
  io: ConnectionIo
  latency: Sensor
}

export class ProducerMetrics {
  readonly registry: MetricsRegistry
  readonly clientId: string
  readonly #tags: MetricTags
  readonly #topics = new Map<string, TopicSensors>()
  readonly #nodes = new Map<string, NodeSensors>()

  readonly #batchSize: Sensor
  readonly #compression: Sensor
  readonly #queueTime: Sensor
  readonly #latency: Sensor
  readonly #throttle: Sensor
  readonly #recordsPerRequest: Sensor
  readonly #retries: Sensor
  readonly #errors: Sensor
  readonly #recordSize: Sensor
  readonly #split: Sensor
  readonly #epochBump: Sensor
  readonly #bufferWait: Sensor
  readonly #bufferExhausted: Sensor
  readonly #bytesSent: Sensor
  readonly #bytesReceived: Sensor
  readonly #created: Sensor
  readonly #networkIo: Sensor
  readonly #closed: Sensor
  readonly #flushNs = new Cumulative()
  readonly #metadataWaitNs = new Cumulative()
  readonly #txnNs = new Map<string, Cumulative>()
  readonly #auth: Record<'ok' | 'failed' | 'reOk' | 'reFailed', Sensor>
  readonly #reauthLatency: Sensor

  constructor(clientId: string, config: SampleConfig, gauges: ProducerGauges, now: () => number = Date.now) {
    this.clientId = clientId
    this.#tags = { 'client-id': clientId }
    const r = new MetricsRegistry(config, now)
    this.registry = r
    const s = () => r.sensor(PRODUCER_GROUP, this.#tags)
    const gauge = (name: string, description: string, read: (now: number) => number) =>
      r.register({ name, group: PRODUCER_GROUP, tags: this.#tags, description }, read)

    this.#batchSize = s()
      .avg('batch-size-avg', 'The average number of bytes sent per partition per-request.')
      .max('batch-size-max', 'The max number of bytes sent per partition per-request.')
    this.#compression = s().avg(
      'compression-rate-avg',
      'The average compression rate of record batches, defined as the average ratio of the compressed batch size over the uncompressed size.',
    )
    this.#queueTime = s()
      .avg('record-queue-time-avg', 'The average time in ms record batches spent in the send buffer.')
      .max('record-queue-time-max', 'The maximum time in ms record batches spent in the send buffer.')
    this.#latency = s()
      .avg('request-latency-avg', 'The average request latency in ms')
      .max('request-latency-max', 'The maximum request latency in ms')
    this.#throttle = s()
      .avg('produce-throttle-time-avg', 'The average time in ms a request was throttled by a broker')
      .max('produce-throttle-time-max', 'The maximum time in ms a request was throttled by a broker')
    this.#recordsPerRequest = s()
      .meter(
        'record-send',
        'The average number of records sent per second.',
        'The total number of records sent.',
      )
      .avg('records-per-request-avg', 'The average number of records per request.')
    this.#retries = s().meter(
      'record-retry',
      'The average per-second number of retried record sends',
      'The total number of retried record sends',
    )
    this.#errors = s().meter(
      'record-error',
      'The average per-second number of record sends that resulted in errors',
      'The total number of record sends that resulted in errors',
    )
    this.#recordSize = s()
      .max('record-size-max', 'The maximum record size')
      .avg('record-size-avg', 'The average record size')
    this.#split = s().meter(
      'batch-split',
      'The average number of batch splits per second',
      'The total number of batch splits',
      { count: true },
    )
    this.#epochBump = s().meter(
      'epoch-bump',
      'Sluice: the number of producer epoch bumps (KIP-360, KIP-890) per second; not a Java metric',
      'Sluice: the total number of producer epoch bumps (KIP-360, KIP-890); not a Java metric',
      { count: true },
    )
    gauge('requests-in-flight', 'The current number of in-flight requests awaiting a response.', () =>
      gauges.requestsInFlight(),
    )
    gauge(
      'metadata-age',
      'The age in seconds of the current producer metadata being used.',
      (n) => gauges.metadataAgeMs(n) / 1000,
    )

    // The buffer pool and the sends that wait for it.
    gauge(
      'waiting-threads',
      'The number of sends waiting for buffer memory to enqueue their records (Java: user threads blocked).',
      () => gauges.waitingForMemory(),
    )
    gauge(
      'buffer-total-bytes',
      'The maximum amount of buffer memory the client can use (whether or not it is currently used).',
      () => gauges.bufferTotalBytes(),
    )
    gauge(
      'buffer-available-bytes',
      'The total amount of buffer memory that is not being used (either unallocated or in the free list).',
      () => gauges.bufferAvailableBytes(),
    )
    const waitNsTotal = new Cumulative()
    this.#bufferWait = s()
      .add(
        'bufferpool-wait-ratio',
        'The fraction of time an appender waits for space allocation.',
        new Rate(config, { unitMs: 1 / NS_PER_MS }),
      )
      .add(
        'bufferpool-wait-time-ns-total',
        'The total time in nanoseconds an appender waits for space allocation.',
        waitNsTotal,
      )
    gauge(
      'bufferpool-wait-time-total',
      '*Deprecated* The total time an appender waits for space allocation (nanoseconds).',
      () => waitNsTotal.measure(),
    )
    this.#bufferExhausted = s().meter(
      'buffer-exhausted',
      'The average per-second number of record sends that are dropped due to buffer exhaustion',
      'The total number of record sends that are dropped due to buffer exhaustion',
      { count: true },
    )

    // The network layer (Java's Selector metrics), for every connection together.
    this.#created = s().meter(
      'connection-creation',
      'The number of new connections established per second',
      'The total number of new connections established',
      { count: true },
    )
    this.#closed = s().meter(
      'connection-close',
      'The number of connections closed per second',
      'The total number of connections closed',
      { count: true },
    )
    gauge('connection-count', 'The current number of active connections.', () => gauges.connectionCount())
    this.#bytesSent = s()
      .meter(
        'outgoing-byte',
        'The number of outgoing bytes sent to all servers per second',
        'The total number of outgoing bytes sent to all servers',
      )
      .meter('request', 'The number of requests sent per second', 'The total number of requests sent', {
        count: true,
      })
      .avg('request-size-avg', 'The average size of requests sent.')
      .max('request-size-max', 'The maximum size of any request sent.')
    this.#bytesReceived = s()
      .meter(
        'incoming-byte',
        'The number of bytes read off all sockets per second',
        'The total number of bytes read off all sockets',
      )
      .meter(
        'response',
        'The number of responses received per second',
        'The total number of responses received',
        {
          count: true,
        },
      )
    this.#networkIo = s().meter(
      'network-io',
      'The number of network operations (reads or writes) on all connections per second',
      'The total number of network operations (reads or writes) on all connections',
      { count: true },
    )
    const auth = (base: string, what: string) =>
      s().meter(base, `The number of ${what} per second`, `The total number of ${what}`, { count: true })
    this.#auth = {
      ok: auth('successful-authentication', 'connections with successful authentication'),
      failed: auth('failed-authentication', 'connections with failed authentication'),
      reOk: auth('successful-reauthentication', 'successful re-authentication of connections'),
      reFailed: auth('failed-reauthentication', 'failed re-authentication of connections'),
    }
    this.#reauthLatency = s()
      .avg('reauthentication-latency-avg', 'The average latency observed due to re-authentication')
      .max('reauthentication-latency-max', 'The max latency observed due to re-authentication')

    const cumulative = (name: string, description: string, stat: Cumulative) =>
      r.register({ name, group: PRODUCER_GROUP, tags: this.#tags, description }, () => stat.measure())
    cumulative('flush-time-ns-total', 'Total time producer has spent in flush in nanoseconds.', this.#flushNs)
    cumulative(
      'metadata-wait-time-ns-total',
      'Total time producer has spent waiting on topic metadata in nanoseconds.',
      this.#metadataWaitNs,
    )
    for (const [name, what] of [
      ['txn-init-time-ns-total', 'initializing transactions'],
      ['txn-begin-time-ns-total', 'in beginTransaction'],
      ['txn-send-offsets-time-ns-total', 'sending offsets to transactions'],
      ['txn-commit-time-ns-total', 'committing transactions'],
      ['txn-abort-time-ns-total', 'aborting transactions'],
    ] as const) {
      const stat = new Cumulative()
      this.#txnNs.set(name, stat)
      cumulative(name, `Total time producer has spent ${what} in nanoseconds.`, stat)
    }

    const info = (name: string, description: string, value: number) =>
      r.register({ name, group: APP_INFO_GROUP, tags: this.#tags, description }, () => value)
    // Java's app-info also has version and commit-id, whose values are text, not numbers.
    info('start-time-ms', 'Metric indicating start-time-ms', now())
  }

  /** A batch went into a Produce request (first attempt or retry). */
  batchDrained(b: DrainedBatch, nowMs: number): void {
    const t = this.#topic(b.topic)
    t.records.record(b.recordCount, nowMs)
    t.bytes.record(b.sizeInBytes, nowMs)
    t.compression.record(b.compressionRatio, nowMs)
    this.#batchSize.record(b.sizeInBytes, nowMs)
    this.#queueTime.record(nowMs - b.createdMs, nowMs)
    this.#compression.record(b.compressionRatio, nowMs)
    this.#recordSize.record(b.maxRecordBytes, nowMs)
  }

  /** A Produce request with `records` records left for a broker. */
  requestSent(records: number, nowMs: number): void {
    this.#recordsPerRequest.record(records, nowMs)
  }

  /** A Produce response came (its latency) from `node`, throttled by the broker for `throttleMs`. */
  produceAnswered(node: NodeKey, latencyMs: number, throttleMs: number, nowMs: number): void {
    this.#latency.record(latencyMs, nowMs)
    this.#node(node).latency.record(latencyMs, nowMs)
    this.#throttle.record(throttleMs, nowMs)
  }

  retried(topic: string, records: number, nowMs: number): void {
    this.#retries.record(records, nowMs)
    this.#topic(topic).retries.record(records, nowMs)
  }

  failed(topic: string, records: number, nowMs: number): void {
    this.#errors.record(records, nowMs)
    this.#topic(topic).errors.record(records, nowMs)
  }

  /**
   * A record that failed before reaching a batch (serializer, size, metadata, memory, bad
   * input): counted in record-error like the Java producer's doSend() failures, which record on
   * the same "errors" sensor; not per topic (Java's topic sensors count batches only).
   */
  failedBeforeBatch(nowMs: number): void {
    this.#errors.record(1, nowMs)
  }

  epochBumped(nowMs: number): void {
    this.#epochBump.record(1, nowMs)
  }

  batchSplit(nowMs: number): void {
    this.#split.record(1, nowMs)
  }

  /** A send waited `waitNs` for buffer memory. */
  bufferWaited(waitNs: number, nowMs: number): void {
    this.#bufferWait.record(waitNs, nowMs)
  }

  bufferExhausted(nowMs: number): void {
    this.#bufferExhausted.record(1, nowMs)
  }

  flushTook(ns: number): void {
    this.#flushNs.record(ns)
  }

  metadataWaited(ns: number): void {
    this.#metadataWaitNs.record(ns)
  }

  transactionCallTook(metric: string, ns: number): void {
    this.#txnNs.get(metric)?.record(ns)
  }

  connectionCreated(nowMs: number): void {
    this.#created.record(1, nowMs)
  }

  connectionClosed(nowMs: number): void {
    this.#closed.record(1, nowMs)
  }

  authenticated(reauthentication: boolean, ok: boolean, latencyMs: number, nowMs: number): void {
    const which = reauthentication ? (ok ? 'reOk' : 'reFailed') : ok ? 'ok' : 'failed'
    this.#auth[which].record(1, nowMs)
    if (reauthentication && ok) this.#reauthLatency.record(latencyMs, nowMs)
  }

  /** The network events sink for a connection to `node`. */
  connectionIo(node: NodeKey): ConnectionIo {
    return this.#node(node).io
  }

  /**
   * Every metric a producer can have, per group, with its tag names: the client's, and those of
   * one topic and one node (whose names and tags every topic and node shares). Values are
   * meaningless here.
   */
  static catalog(): Metric[] {
    const zero = () => 0
    const m = new ProducerMetrics(
      'catalog',
      { windowMs: 1000, samples: 1 },
      {
        requestsInFlight: zero,
        metadataAgeMs: zero,
        bufferTotalBytes: zero,
        bufferAvailableBytes: zero,
        waitingForMemory: zero,
        connectionCount: zero,
      },
    )
    m.circuitBreaker({ state: zero, consecutiveFailures: zero })
    m.spool({ depth: zero, bytes: zero, spooled: zero, replayed: zero, damaged: zero })
    m.#topic('catalog')
    m.#node({ nodeId: 'node-0' })
    return m.snapshot()
  }

  /** Every metric now. */
  snapshot(): Metric[] {
    return this.registry.snapshot()
  }

  /** The producer-metrics group by name (the client's own metrics). */
  clientMetrics(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const m of this.registry.snapshot(PRODUCER_GROUP)) out[m.name] = m.value
    return out
  }

  /**
   * The circuit breaker's metrics (Sluice's own, in producer-metrics), registered only when the
   * producer has a breaker: its state and consecutive failures read when asked, openings and
   * refused sends counted per event.
   */
  circuitBreaker(read: { state(): number; consecutiveFailures(): number }): CircuitMetrics {
    const r = this.registry
    const tags = this.#tags
    const gauge = (name: string, description: string, measure: () => number) =>
      r.register({ name, group: PRODUCER_GROUP, tags, description }, measure)
    gauge(
      'circuit-state',
      "Sluice: the circuit breaker's state: 0 closed, 1 half-open, 2 open; not a Java metric",
      () => read.state(),
    )
    gauge(
      'circuit-consecutive-failures',
      'Sluice: delivery failures in a row counted by the circuit breaker; not a Java metric',
      () => read.consecutiveFailures(),
    )
    const opened = r
      .sensor(PRODUCER_GROUP, tags)
      .meter(
        'circuit-open',
        'Sluice: the number of times per second the circuit breaker opened; not a Java metric',
        'Sluice: the total number of times the circuit breaker opened; not a Java metric',
        { count: true },
      )
    const rejected = r
      .sensor(PRODUCER_GROUP, tags)
      .meter(
        'circuit-rejected',
        'Sluice: the number of sends per second the circuit breaker refused (CircuitOpenError); not a Java metric',
        'Sluice: the total number of sends the circuit breaker refused (CircuitOpenError); not a Java metric',
        { count: true },
      )
    return {
      opened: (now) => opened.record(1, now),
      rejected: (now) => rejected.record(1, now),
    }
  }

  /**
   * The disk spool's metrics (Sluice's own, in producer-metrics), registered only when the
   * producer has a spool; all read when asked.
   */
  spool(read: {
    depth(): number
    bytes(): number
    spooled(): number
    replayed(): number
    damaged(): number
  }): void {
    const r = this.registry
    const tags = this.#tags
    const gauge = (name: string, description: string, measure: () => number) =>
      r.register({ name, group: PRODUCER_GROUP, tags, description }, measure)
    gauge(
      'spool-depth',
      'Sluice: records in the disk spool not yet replayed and acknowledged; not a Java metric',
      () => read.depth(),
    )
    gauge('spool-bytes', "Sluice: bytes of the disk spool's segment files; not a Java metric", () =>
      read.bytes(),
    )
    gauge(
      'spool-records-spooled-total',
      'Sluice: the total number of records that could not be delivered and were appended to the disk spool; not a Java metric',
      () => read.spooled(),
    )
    gauge(
      'spool-records-replayed-total',
      'Sluice: the total number of spooled records replayed and acknowledged by Kafka; not a Java metric',
      () => read.replayed(),
    )
    gauge(
      'spool-damaged-total',
      'Sluice: the total number of damaged stretches found in the disk spool (CRC, torn write); not a Java metric',
      () => read.damaged(),
    )
  }

  #topic(topic: string): TopicSensors {
    let t = this.#topics.get(topic)
    if (t !== undefined) return t
    const r = this.registry
    const tags = { 'client-id': this.clientId, topic }
    const s = () => r.sensor(TOPIC_GROUP, tags)
    t = {
      records: s().meter(
        'record-send',
        `The average number of records sent per second for a topic.`,
        'The total number of records sent for a topic.',
      ),
      bytes: s().meter(
        'byte',
        'The average number of bytes sent per second for a topic.',
        'The total number of bytes sent for a topic.',
      ),
      compression: s().avg(
        'compression-rate',
        'The average compression rate of record batches for a topic, defined as the average ratio of the compressed batch size over the uncompressed size.',
      ),
      retries: s().meter(
        'record-retry',
        'The average per-second number of retried record sends for a topic',
        'The total number of retried record sends for a topic',
      ),
      errors: s().meter(
        'record-error',
        'The average per-second number of record sends that resulted in errors for a topic',
        'The total number of record sends that resulted in errors for a topic',
      ),
    }
    this.#topics.set(topic, t)
    return t
  }

  #node(node: NodeKey): NodeSensors {
    const id = node.nodeId
    let n = this.#nodes.get(id)
    if (n !== undefined) return n
    const r = this.registry
    const tags = { 'client-id': this.clientId, 'node-id': id }
    const sent = r
      .sensor(NODE_GROUP, tags, [this.#bytesSent])
      .meter('outgoing-byte', 'The number of outgoing bytes per second', 'The total number of outgoing bytes')
      .meter('request', 'The number of requests sent per second', 'The total number of requests sent', {
        count: true,
      })
      .avg('request-size-avg', 'The average size of requests sent.')
      .max('request-size-max', 'The maximum size of any request sent.')
    const received = r
      .sensor(NODE_GROUP, tags, [this.#bytesReceived])
      .meter('incoming-byte', 'The number of incoming bytes per second', 'The total number of incoming bytes')
      .meter(
        'response',
        'The number of responses received per second',
        'The total number of responses received',
        {
          count: true,
        },
      )
    const latency = r
      .sensor(NODE_GROUP, tags)
      .avg('request-latency-avg', 'The average request latency in ms for a node')
      .max('request-latency-max', 'The maximum request latency in ms for a node')
    n = {
      io: {
        requestSent: (bytes, now) => sent.record(bytes, now),
        responseReceived: (bytes, now) => received.record(bytes, now),
        networkOp: (now) => this.#networkIo.record(1, now),
      },
      latency,
    }
    this.#nodes.set(id, n)
    return n
  }
}

/** Where the circuit breaker counts its events. */
export interface CircuitMetrics {
  opened(nowMs: number): void
  rejected(nowMs: number): void
}

/** A broker as the node-id tag names it. */
export interface NodeKey {
  /** `node-<id>`, or `node--<n>` for the n-th bootstrap address. */
  readonly nodeId: string
}

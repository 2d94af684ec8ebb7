/**
 * The producer against fuzzed Produce answers (test/fuzz/produce-answers.test.ts and
 * scripts/fuzz.ts): a fake broker answers the first Produce requests with a response built for
 * the request but with fuzzed contents (any error code, Kafka's or not; partitions missing,
 * repeated or never asked for; negative or huge offsets, times and batch indexes; leader hints
 * to brokers that do not exist), encoded and then possibly byte-mutated. Whatever comes back,
 * every record settles exactly once, with metadata or a KafkaError; nothing is thrown uncaught
 * and no promise rejection goes unhandled; close() returns.
 */
import fc from 'fast-check'
import { KafkaError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { ApiKey } from '../../src/protocol/api-keys.js'
import { encodeResponse } from '../../src/protocol/codec.js'
import { Produce, type ProduceRequest, type ProduceResponse } from '../../src/protocol/messages/produce.js'
import { Writer } from '../../src/protocol/writer.js'
import { startFakeCluster } from '../fakes/fake-broker.js'
import type { ReceivedRequest } from '../fakes/faults.js'
import { QUICK } from '../faults/support.js'
import { mutate } from './decoders.js'

const errorCode = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 130 }) }, // Kafka's codes (and some it has not got yet)
  { weight: 1, arbitrary: fc.integer({ min: -32768, max: 32767 }) },
)
const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(-1n, 0n, 1n))

const partitionAnswer = fc.record({
  errorCode,
  baseOffset: int64,
  logAppendTimeMs: int64,
  logStartOffset: int64,
  recordErrors: fc.array(
    fc.record({
      batchIndex: fc.integer({ min: -5, max: 20 }),
      batchIndexErrorMessage: fc.option(fc.string()),
    }),
    { maxLength: 3 },
  ),
  errorMessage: fc.option(fc.string({ maxLength: 20 })),
  currentLeader: fc.record({
    leaderId: fc.integer({ min: -2, max: 5 }),
    leaderEpoch: fc.integer({ min: -2, max: 1000 }),
  }),
  /** What happens to this partition's entry: kept, dropped, doubled, or moved to another index. */
  shape: fc.constantFrom('keep', 'keep', 'keep', 'drop', 'twice', 'other-index'),
})

export const answerSpec = fc.record({
  partitions: fc.array(partitionAnswer, { minLength: 4, maxLength: 4 }),
  throttleTimeMs: fc.oneof(fc.constant(0), fc.integer({ min: -5, max: 2 ** 31 - 1 })),
  nodeEndpoints: fc.array(
    fc.record({
      nodeId: fc.integer({ min: -1, max: 5 }),
      host: fc.constantFrom('127.0.0.1', '', 'no-such-host.invalid'),
      port: fc.integer({ min: 0, max: 65535 }),
      rack: fc.option(fc.string({ maxLength: 5 })),
    }),
    { maxLength: 2 },
  ),
  extraTopic: fc.boolean(),
  byteMutations: fc.array(fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }), {
    maxLength: 3,
  }),
  answersFuzzed: fc.integer({ min: 1, max: 3 }),
})

export type AnswerSpec = typeof answerSpec extends fc.Arbitrary<infer T> ? T : never

/** The fuzzed answer to one Produce request. */
function answer(req: ReceivedRequest, spec: AnswerSpec): Uint8Array {
  const body = req.body as ProduceRequest
  let k = 0
  const responses: ProduceResponse['responses'] = body.topicData.map((t) => ({
    name: t.name ?? '',
    topicId: t.topicId ?? new Uint8Array(16),
    partitionResponses: t.partitionData.flatMap((p) => {
      const a = spec.partitions[k++ % spec.partitions.length]!
      const entry = { ...a, index: p.index }
      if (a.shape === 'drop') return []
      if (a.shape === 'twice') return [entry, entry]
      if (a.shape === 'other-index') return [{ ...entry, index: p.index + 7 }]
      return [entry]
    }),
  }))
  if (spec.extraTopic)
    responses.push({
      name: 'never-asked',
      topicId: new Uint8Array(16).fill(7),
      partitionResponses: [{ ...spec.partitions[0]!, index: 0 }],
    })
  const w = new Writer(1024)
  encodeResponse(w, Produce, req.apiVersion, req.correlationId, {
    responses,
    throttleTimeMs: spec.throttleTimeMs,
    nodeEndpoints: spec.nodeEndpoints,
  })
  const frame = Buffer.from(w.view())
  if (spec.byteMutations.length === 0) return frame
  // Mutate the body (after the size prefix and correlation id), keep the size prefix true.
  const body2 = mutate(frame.subarray(4), spec.byteMutations)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body2.length, 0)
  return Buffer.concat([size, body2])
}

export interface RunResult {
  records: number
  written: number
  failed: number
  codes: Map<string, number>
}

/** One run: a fresh fake broker and producer, eight records, `spec`'s answers to the first requests. */
export async function runAgainstFuzzedAnswers(spec: AnswerSpec, idempotent: boolean): Promise<RunResult> {
  const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 4 }] })
  cluster.addRule({
    apiKey: ApiKey.Produce,
    times: spec.answersFuzzed,
    respondWith: (req) => answer(req, spec),
  })
  const problems: unknown[] = []
  const onProblem = (err: unknown) => problems.push(err)
  process.on('uncaughtException', onProblem)
  process.on('unhandledRejection', onProblem)
  const producer = new Producer({
    ...QUICK,
    bootstrapServers: cluster.bootstrapServers,
    enableIdempotence: idempotent,
    ...(idempotent ? {} : { acks: 1 }),
    lingerMs: 5,
    requestTimeoutMs: 1000,
    deliveryTimeoutMs: 3000,
  })
  const settledTimes = new Array<number>(8).fill(0)
  const result: RunResult = { records: 8, written: 0, failed: 0, codes: new Map() }
  const settle = (i: number, err: Error | null) => {
    settledTimes[i]!++
    if (err === null) result.written++
    else {
      if (!(err instanceof KafkaError))
        problems.push(new Error(`record ${i} failed with a ${err?.constructor?.name}: ${err}`))
      result.failed++
      const code = (err as KafkaError).code
      result.codes.set(code, (result.codes.get(code) ?? 0) + 1)
    }
  }
  try {
    const sends: Promise<unknown>[] = []
    for (let i = 0; i < 8; i++) {
      const record = { topic: 't', partition: i % 4, value: `v${i}` }
      if (i % 2 === 0)
        sends.push(
          producer.send(record).then(
            () => settle(i, null),
            (err) => settle(i, err),
          ),
        )
      else sends.push(new Promise<void>((resolve) => producer.send(record, (err) => resolve(settle(i, err)))))
    }
    await Promise.all(sends)
  } finally {
    await producer.close({ timeoutMs: 5000 })
    await cluster.close()
    await new Promise((r) => setImmediate(r))
    process.off('uncaughtException', onProblem)
    process.off('unhandledRejection', onProblem)
  }
  const twice = settledTimes.findIndex((n) => n !== 1)
  if (twice >= 0) problems.push(new Error(`record ${twice} settled ${settledTimes[twice]} times`))
  if (problems.length > 0)
    throw new AggregateError(problems, `${problems.length} problem(s): ${String(problems[0])}`)
  return result
}

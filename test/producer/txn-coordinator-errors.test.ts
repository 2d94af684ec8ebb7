/**
 * The one classification of coordinator error codes (txn/coordinator-requests.ts), code by code,
 * per request, next to what the Java producer's TransactionManager does in the handler for that
 * request (clients/.../producer/internals/TransactionManager.java, the `handleResponse` of each
 * TxnRequestHandler). Where Sluice is broader than Java (any code Kafka defines as retriable is
 * retried) the test says so; that is the behaviour Sluice had before the classification was one
 * table, and this pins it.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type CoordinatorAction,
  type CoordinatorFailure,
  type CoordinatorRequest,
  classify,
  failureOf,
} from '../../src/producer/txn/coordinator-requests.js'
import { ALL_ERRORS } from '../../src/protocol/error-codes.js'

const CODE = new Map<string, number>(ALL_ERRORS.map((e) => [e.name, e.code]))
function code(name: string): number {
  const c = CODE.get(name)
  assert.ok(c !== undefined, `no error named ${name}`)
  return c
}

/** `fail` outcomes carry how the transaction ends. */
type Outcome = Exclude<CoordinatorAction, 'fail'> | `fail:${CoordinatorFailure}`

function outcome(request: CoordinatorRequest, name: string): Outcome {
  const c = code(name)
  const action = classify(request, c)
  return action === 'fail' ? `fail:${failureOf(c)}` : action
}

type Case = readonly [name: string, expected: Outcome, why: string]

function suite(request: CoordinatorRequest, javaHandler: string, cases: readonly Case[]): void {
  describe(`${request} (Java: ${javaHandler}.handleResponse)`, () => {
    for (const [name, expected, why] of cases) {
      test(`${javaHandler}: ${name} -> ${expected} (${why})`, () => {
        assert.equal(outcome(request, name), expected)
      })
    }
  })
}

// Shared by the three request-level handlers (InitProducerId, AddOffsetsToTxn, EndTxn).
const COORDINATOR_MOVES: readonly Case[] = [
  ['NONE', 'done', 'Java: result.done()'],
  ['NOT_COORDINATOR', 'relookup', 'Java: lookupCoordinator(TRANSACTION) + reenqueue()'],
  ['COORDINATOR_NOT_AVAILABLE', 'relookup', 'Java: lookupCoordinator(TRANSACTION) + reenqueue()'],
  ['COORDINATOR_LOAD_IN_PROGRESS', 'retry', 'Java: reenqueue()'],
  ['CONCURRENT_TRANSACTIONS', 'retry', 'Java: reenqueue()'],
  ['INVALID_PRODUCER_EPOCH', 'fail:fenced', 'Java: fatalError(PRODUCER_FENCED)'],
  ['PRODUCER_FENCED', 'fail:fenced', 'Java: fatalError(PRODUCER_FENCED)'],
  ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'fail:fatal', 'Java: fatalError'],
]

suite('InitProducerId', 'InitProducerIdHandler', [
  ...COORDINATOR_MOVES,
  ['CLUSTER_AUTHORIZATION_FAILED', 'fail:fatal', 'Java: fatalError'],
  ['INVALID_TRANSACTION_TIMEOUT', 'fail:fatal', 'Java: fatalError, unexpected error'],
  ['UNKNOWN_SERVER_ERROR', 'fail:fatal', 'Java: fatalError, unexpected error'],
  ['REQUEST_TIMED_OUT', 'retry', 'Sluice retries every retriable code; Java: fatal unexpected error'],
])

suite('AddOffsetsToTxn', 'AddOffsetsToTxnHandler', [
  ...COORDINATOR_MOVES,
  ['UNKNOWN_PRODUCER_ID', 'fail:producer-id-lost', 'Java: abortableErrorIfPossible'],
  ['INVALID_PRODUCER_ID_MAPPING', 'fail:producer-id-lost', 'Java: abortableErrorIfPossible'],
  ['GROUP_AUTHORIZATION_FAILED', 'fail:abortable', 'Java: abortableError(GroupAuthorizationException)'],
  ['INVALID_TXN_STATE', 'fail:fatal', 'Java: fatalError, unexpected error'],
  ['UNKNOWN_SERVER_ERROR', 'fail:fatal', 'Java: fatalError, unexpected error'],
  ['NOT_ENOUGH_REPLICAS', 'retry', 'Sluice retries every retriable code; Java: fatal unexpected error'],
])

suite('EndTxn', 'EndTxnHandler', [
  ...COORDINATOR_MOVES,
  ['INVALID_TXN_STATE', 'fail:fatal', 'Java: fatalError'],
  ['UNKNOWN_PRODUCER_ID', 'fail:producer-id-lost', 'Java: abortableErrorIfPossible'],
  ['INVALID_PRODUCER_ID_MAPPING', 'fail:producer-id-lost', 'Java: abortableErrorIfPossible'],
  ['TRANSACTION_ABORTABLE', 'fail:abortable', 'Sluice: abortable, as Kafka defines it (KIP-890)'],
  ['UNKNOWN_SERVER_ERROR', 'fail:fatal', 'Java: fatalError, unhandled error'],
  ['REQUEST_TIMED_OUT', 'retry', 'Sluice retries every retriable code; Java: fatal unhandled error'],
])

suite('AddPartitionsToTxn', 'AddPartitionsToTxnHandler', [
  ['NONE', 'done', 'Java: continue'],
  ['NOT_COORDINATOR', 'relookup', 'Java: lookupCoordinator(TRANSACTION) + reenqueue()'],
  ['COORDINATOR_NOT_AVAILABLE', 'relookup', 'Java: lookupCoordinator(TRANSACTION) + reenqueue()'],
  ['CONCURRENT_TRANSACTIONS', 'retry-soon', 'Java: maybeOverrideRetryBackoffMs() + reenqueue()'],
  ['COORDINATOR_LOAD_IN_PROGRESS', 'retry', 'Java: reenqueue()'],
  ['UNKNOWN_TOPIC_OR_PARTITION', 'retry', 'Java: reenqueue()'],
  ['INVALID_PRODUCER_EPOCH', 'fail:fenced', 'Java: fatalError(PRODUCER_FENCED)'],
  ['PRODUCER_FENCED', 'fail:fenced', 'Java: fatalError(PRODUCER_FENCED)'],
  ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'fail:fatal', 'Java: fatalError'],
  ['INVALID_TXN_STATE', 'fail:fatal', 'Java: fatalError'],
  ['UNKNOWN_PRODUCER_ID', 'fail:producer-id-lost', 'Java: abortableErrorIfPossible'],
  ['INVALID_PRODUCER_ID_MAPPING', 'fail:producer-id-lost', 'Java: abortableErrorIfPossible'],
  ['TRANSACTION_ABORTABLE', 'fail:abortable', 'Java: hasPartitionErrors, then abortableError'],
  ['TOPIC_AUTHORIZATION_FAILED', 'refuse', 'Java: unauthorizedTopics, then abortableError'],
  ['OPERATION_NOT_ATTEMPTED', 'skip', "Java: hasPartitionErrors; the failing partition's code decides"],
  ['UNKNOWN_SERVER_ERROR', 'refuse', 'Java: hasPartitionErrors, then abortableError'],
  ['INVALID_REQUEST', 'refuse', 'Java: hasPartitionErrors, then abortableError'],
])

suite('TxnOffsetCommit', 'TxnOffsetCommitHandler', [
  ['NONE', 'done', 'Java: pendingTxnOffsetCommits.remove'],
  ['NOT_COORDINATOR', 'relookup', 'Java: lookupCoordinator(GROUP), retry the rest'],
  ['COORDINATOR_NOT_AVAILABLE', 'relookup', 'Java: lookupCoordinator(GROUP), retry the rest'],
  ['REQUEST_TIMED_OUT', 'relookup', 'Java: lookupCoordinator(GROUP), retry the rest'],
  ['COORDINATOR_LOAD_IN_PROGRESS', 'retry', 'Java: retry with the current coordinator'],
  ['UNKNOWN_TOPIC_OR_PARTITION', 'retry', 'Java: retry with the current coordinator'],
  ['GROUP_AUTHORIZATION_FAILED', 'fail:abortable', 'Java: abortableError(GroupAuthorizationException)'],
  ['FENCED_INSTANCE_ID', 'fail:abortable', 'Java: abortableError'],
  ['UNKNOWN_MEMBER_ID', 'fail:abortable', 'Java: abortableError(CommitFailedException)'],
  ['ILLEGAL_GENERATION', 'fail:abortable', 'Java: abortableError(CommitFailedException)'],
  ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'fail:fatal', 'Java: isFatalException, fatalError'],
  ['INVALID_PRODUCER_EPOCH', 'fail:fenced', 'Java: isFatalException, fatalError'],
  ['PRODUCER_FENCED', 'fail:fenced', 'Java: isFatalException, fatalError'],
  ['UNSUPPORTED_FOR_MESSAGE_FORMAT', 'fail:fatal', 'Java: isFatalException, fatalError'],
  ['UNKNOWN_SERVER_ERROR', 'fail:fatal', 'Java: fatalError, unexpected error'],
  ['CONCURRENT_TRANSACTIONS', 'retry', 'Sluice retries every retriable code; Java: fatal unexpected error'],
])

describe('the classification as a whole', () => {
  const REQUESTS: CoordinatorRequest[] = [
    'InitProducerId',
    'AddPartitionsToTxn',
    'AddOffsetsToTxn',
    'TxnOffsetCommit',
    'EndTxn',
  ]

  test('every request: NONE is done, a coordinator move relooks it up, a retriable code is retried', () => {
    for (const r of REQUESTS) {
      for (const e of ALL_ERRORS) {
        const a = classify(r, e.code)
        if (e.name === 'NONE') assert.equal(a, 'done', r)
        else if (e.name === 'NOT_COORDINATOR' || e.name === 'COORDINATOR_NOT_AVAILABLE')
          assert.equal(a, 'relookup', `${r} ${e.name}`)
        else if (e.retriable)
          assert.ok(['retry', 'retry-soon', 'relookup'].includes(a), `${r} ${e.name}: ${a}`)
        else assert.ok(a !== 'done' && a !== 'retry', `${r} ${e.name}: a non-retriable code is not retried`)
      }
    }
  })

  test('only AddPartitionsToTxn refuses a partition or skips a code; every other request fails', () => {
    for (const r of REQUESTS) {
      for (const e of ALL_ERRORS) {
        const a = classify(r, e.code)
        if (r !== 'AddPartitionsToTxn')
          assert.ok(!['refuse', 'skip', 'retry-soon'].includes(a), `${r} ${e.name}`)
      }
    }
  })

  test('a code the table does not know fails fatally, as an unknown server error', () => {
    assert.equal(classify('EndTxn', 9999), 'fail')
    assert.equal(failureOf(9999), 'fatal')
    assert.equal(classify('AddPartitionsToTxn', 9999), 'refuse')
  })
})

/**
 * sluice/kafkajs's error classes against kafkajs's own (the devDependency, imported here only):
 * the same exports, names, `retriable` flags and class chains; Kafka's error codes with kafkajs's
 * `type` and retriable flag; Sluice's errors mapped to the class a kafkajs user expects; and
 * consumer() / admin() refused with a clear error.
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, test } from 'node:test'
import kafkajs from 'kafkajs'
import {
  AuthenticationError,
  BrokerError,
  ConfigError,
  InvalidRecordError,
  NetworkError,
  RecordTooLargeError,
  RequestTimeoutError,
  TimeoutError,
  TlsError,
  TransactionAbortableError,
} from '../../src/errors.js'
import { asSendFailure, protocolError, toKafkaJSError } from '../../src/kafkajs/error-mapping.js'
import * as ours from '../../src/kafkajs/index.js'

const require = createRequire(import.meta.url)
const { errorCodes } = require('kafkajs/src/protocol/error.js') as {
  errorCodes: { type: string; code: number; retriable: boolean }[]
}

const errorNames = Object.keys(kafkajs).filter((k) => /^KafkaJS/.test(k))

/** How each class is constructed in kafkajs (some need a second argument). */
function make(lib: Record<string, unknown>, name: string): Error {
  const C = lib[name] as new (...args: unknown[]) => Error
  const protocol = { message: 'm', type: 'T', code: 1, retriable: false }
  switch (name) {
    case 'KafkaJSProtocolError':
      return new C(protocol)
    case 'KafkaJSOffsetOutOfRange':
      return new C(protocol, { topic: 't', partition: 0 })
    case 'KafkaJSMemberIdRequired':
      return new C(protocol, { memberId: 'x' })
    case 'KafkaJSCreateTopicError':
      return new C(protocol, 't')
    case 'KafkaJSAlterPartitionReassignmentsError':
      return new C(protocol, 't', 0)
    case 'KafkaJSNumberOfRetriesExceeded':
      return new C(new Error('inner'), { retryCount: 1, retryTime: 2 })
    case 'KafkaJSDeleteTopicRecordsError':
      return new C({ partitions: [{ error: { retriable: true } }] })
    case 'KafkaJSAggregateError':
      return new C('m', [])
    case 'KafkaJSNoBrokerAvailableError':
      return new C()
    default:
      return new C('m')
  }
}

describe('error classes', () => {
  test('every KafkaJS* error kafkajs exports is exported, with the same name and retriable flag', () => {
    assert.ok(errorNames.length >= 30, `kafkajs exports ${errorNames.length} error classes`)
    for (const name of errorNames) {
      assert.equal(typeof (ours as Record<string, unknown>)[name], 'function', `${name} is exported`)
      const theirs = make(kafkajs as unknown as Record<string, unknown>, name)
      const mine = make(ours as unknown as Record<string, unknown>, name)
      assert.equal(mine.name, theirs.name, `${name}: name`)
      assert.equal(mine.message, theirs.message, `${name}: message`)
      assert.equal(
        (mine as { retriable?: unknown }).retriable,
        (theirs as { retriable?: unknown }).retriable,
        `${name}: retriable`,
      )
      // The same class chain: instanceof each kafkajs ancestor holds for ours too.
      for (const base of errorNames) {
        const isTheirs = theirs instanceof (kafkajs as unknown as Record<string, new () => Error>)[base]!
        const isOurs = mine instanceof (ours as unknown as Record<string, new () => Error>)[base]!
        assert.equal(isOurs, isTheirs, `${name} instanceof ${base}`)
      }
    }
  })

  test('KafkaJSProtocolError keeps type and code; KafkaJSNumberOfRetriesExceeded its cause and counts', () => {
    const e = new ours.KafkaJSProtocolError({
      message: 'm',
      type: 'NOT_CONTROLLER',
      code: 41,
      retriable: true,
    })
    assert.equal(e.type, 'NOT_CONTROLLER')
    assert.equal(e.code, 41)
    assert.equal(e.retriable, true)
    const inner = new Error('inner')
    const r = new ours.KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 3, retryTime: 900 })
    assert.equal(r.cause, inner)
    assert.equal(r.retryCount, 3)
    assert.equal(r.retryTime, 900)
    assert.equal(r.message, 'inner')
  })

  test("Kafka's error codes get kafkajs's type and retriable flag (all of kafkajs's table)", () => {
    assert.ok(errorCodes.length > 80)
    for (const entry of errorCodes) {
      if (entry.code === 0) continue
      const e = protocolError(entry.code)
      assert.equal(e.type, entry.type, `code ${entry.code}`)
      assert.equal(e.retriable, entry.retriable, `code ${entry.code} (${entry.type})`)
      assert.equal(e.code, entry.code)
      assert.ok(e instanceof ours.KafkaJSProtocolError)
    }
  })
})

describe("Sluice's errors as kafkajs errors", () => {
  const cases: [string, Error, string, boolean, string?][] = [
    [
      'a broker error',
      new BrokerError('NOT_LEADER_OR_FOLLOWER', 6, true, 'moved'),
      'KafkaJSProtocolError',
      true,
      'NOT_LEADER_FOR_PARTITION',
    ],
    [
      'a fatal broker error',
      new BrokerError('TOPIC_AUTHORIZATION_FAILED', 29, false, 'no'),
      'KafkaJSProtocolError',
      false,
      'TOPIC_AUTHORIZATION_FAILED',
    ],
    [
      'RecordTooLargeError',
      new RecordTooLargeError('big'),
      'KafkaJSProtocolError',
      false,
      'MESSAGE_TOO_LARGE',
    ],
    ['NetworkError', new NetworkError('cut'), 'KafkaJSConnectionError', true],
    ['RequestTimeoutError', new RequestTimeoutError('slow'), 'KafkaJSRequestTimeoutError', true],
    ['TlsError', new TlsError('bad cert'), 'KafkaJSConnectionError', false],
    [
      'AuthenticationError',
      new AuthenticationError('wrong password'),
      'KafkaJSSASLAuthenticationError',
      false,
    ],
    ['a delivery timeout', new TimeoutError('late', 'ERR_DELIVERY_TIMEOUT'), 'KafkaJSTimeout', false],
    ['ConfigError', new ConfigError('acks', 'bad'), 'KafkaJSNonRetriableError', false],
    ['InvalidRecordError', new InvalidRecordError('bad record'), 'KafkaJSNonRetriableError', false],
  ]
  for (const [what, err, name, retriable, type] of cases) {
    test(`${what} -> ${name}${type ? ` ${type}` : ''} (retriable ${retriable}), the original as cause`, () => {
      const e = toKafkaJSError(err)
      assert.equal(e.name, name)
      assert.ok(e instanceof ours.KafkaJSError)
      assert.ok(e instanceof (ours as unknown as Record<string, new () => Error>)[name]!)
      assert.equal(e.retriable, retriable)
      assert.equal(e.cause, err)
      if (type !== undefined) assert.equal((e as ours.KafkaJSProtocolError).type, type)
    })
  }

  test('a failed send: retriable errors come out as KafkaJSNumberOfRetriesExceeded, others as they are', () => {
    const retried = asSendFailure(new NetworkError('cut'))
    assert.ok(retried instanceof ours.KafkaJSNumberOfRetriesExceeded)
    assert.equal(retried.retriable, false)
    assert.ok(retried.cause instanceof ours.KafkaJSConnectionError)
    const fatal = asSendFailure(new RecordTooLargeError('big'))
    assert.ok(fatal instanceof ours.KafkaJSProtocolError)
  })

  test('a transaction broken by a broker error reads as that error (a commit after being fenced)', () => {
    const cause = new BrokerError('INVALID_PRODUCER_EPOCH', 47, false, 'old epoch')
    const e = toKafkaJSError(new TransactionAbortableError('must abort', { cause }))
    assert.ok(e instanceof ours.KafkaJSProtocolError)
    assert.equal(e.type, 'INVALID_PRODUCER_EPOCH')
    assert.equal(e.retriable, false)
  })

  test('a delivery timeout caused by a broker error reads as that error', () => {
    const cause = new BrokerError('NOT_ENOUGH_REPLICAS', 19, true, 'isr')
    const e = toKafkaJSError(new TimeoutError('late', 'ERR_DELIVERY_TIMEOUT', { cause }))
    assert.ok(e instanceof ours.KafkaJSProtocolError)
    assert.equal(e.type, 'NOT_ENOUGH_REPLICAS')
  })
})

describe('consumer() and admin()', () => {
  const kafka = new ours.Kafka({ brokers: ['localhost:9092'], logLevel: ours.logLevel.NOTHING })
  for (const method of ['consumer', 'admin'] as const) {
    test(`${method}() throws a clear, typed error: Sluice is a producer`, () => {
      assert.throws(
        () => kafka[method]({ groupId: 'g' }),
        (e: unknown) => {
          assert.ok(e instanceof ours.SluiceUnsupportedError)
          assert.ok(e instanceof ours.KafkaJSNonRetriableError)
          assert.equal((e as Error).name, 'SluiceUnsupportedError')
          assert.match((e as Error).message, /Sluice is a Kafka producer/)
          return true
        },
      )
    })
  }
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BrokerError, KafkaError } from '../../src/errors.js'
import { ALL_ERRORS, brokerError, ErrorCode, errorForCode } from '../../src/protocol/error-codes.js'
import { runJava } from '../helpers/java.js'

test("the table matches Kafka's Errors exactly: codes, names and retriable flags", async () => {
  const { stdout } = await runJava('ErrorTable.java')
  const kafka = stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [code, name, retriable] = line.split(' ')
      return { code: Number(code), name: name!, retriable: retriable === 'true' }
    })
  assert.ok(kafka.length > 130)
  assert.deepEqual(
    ALL_ERRORS.map((e) => ({ code: e.code, name: e.name, retriable: e.retriable })),
    kafka,
  )
})

test('every entry has a message and a unique code and name', () => {
  assert.equal(new Set(ALL_ERRORS.map((e) => e.code)).size, ALL_ERRORS.length)
  assert.equal(new Set(ALL_ERRORS.map((e) => e.name)).size, ALL_ERRORS.length)
  for (const e of ALL_ERRORS) {
    assert.ok(e.message.length > 5, e.name)
    assert.equal(errorForCode(e.code), e)
  }
})

test('each ErrorCode constant names its own table entry', () => {
  for (const [name, code] of Object.entries(ErrorCode)) {
    assert.equal(errorForCode(code).name, name)
  }
})

test('the producer-facing codes have the retriability the Java producer gives them', () => {
  const retriable = [
    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ErrorCode.NOT_LEADER_OR_FOLLOWER,
    ErrorCode.LEADER_NOT_AVAILABLE,
    ErrorCode.REQUEST_TIMED_OUT,
    ErrorCode.NOT_ENOUGH_REPLICAS,
    ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    ErrorCode.CORRUPT_MESSAGE,
    ErrorCode.KAFKA_STORAGE_ERROR,
    ErrorCode.FENCED_LEADER_EPOCH,
    ErrorCode.UNKNOWN_LEADER_EPOCH,
    ErrorCode.CONCURRENT_TRANSACTIONS,
    ErrorCode.COORDINATOR_NOT_AVAILABLE,
    ErrorCode.NOT_COORDINATOR,
    ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ]
  const fatal = [
    ErrorCode.MESSAGE_TOO_LARGE,
    ErrorCode.INVALID_RECORD,
    ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
    ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    ErrorCode.UNKNOWN_PRODUCER_ID,
    ErrorCode.INVALID_PRODUCER_EPOCH,
    ErrorCode.PRODUCER_FENCED,
    ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    ErrorCode.UNSUPPORTED_VERSION,
    ErrorCode.INVALID_REQUIRED_ACKS,
    ErrorCode.RECORD_LIST_TOO_LARGE,
    ErrorCode.INVALID_TIMESTAMP,
    ErrorCode.INVALID_TXN_STATE,
    ErrorCode.TOPIC_ALREADY_EXISTS,
  ]
  for (const c of retriable) assert.equal(errorForCode(c).retriable, true, errorForCode(c).name)
  for (const c of fatal) assert.equal(errorForCode(c).retriable, false, errorForCode(c).name)
})

test('unknown codes read as a non-retriable UNKNOWN_SERVER_ERROR that keeps its code', () => {
  for (const code of [9999, -2, 32767]) {
    const e = errorForCode(code)
    assert.equal(e.code, code)
    assert.equal(e.name, 'UNKNOWN_SERVER_ERROR')
    assert.equal(e.retriable, false)
    assert.match(e.message, new RegExp(String(code)))
  }
})

test('brokerError builds a BrokerError carrying name, code, retriability and context', () => {
  const err = brokerError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'producing to t-0')
  assert.ok(err instanceof BrokerError)
  assert.ok(err instanceof KafkaError)
  assert.equal(err.code, 'NOT_LEADER_OR_FOLLOWER')
  assert.equal(err.errorCode, 6)
  assert.equal(err.retriable, true)
  assert.match(err.message, /^producing to t-0: NOT_LEADER_OR_FOLLOWER \(6\): /)

  const plain = brokerError(ErrorCode.TOPIC_AUTHORIZATION_FAILED)
  assert.equal(plain.retriable, false)
  assert.match(plain.message, /^TOPIC_AUTHORIZATION_FAILED \(29\): /)

  const unknown = brokerError(4242)
  assert.equal(unknown.code, 'UNKNOWN_SERVER_ERROR')
  assert.equal(unknown.errorCode, 4242)
  assert.equal(unknown.retriable, false)
})

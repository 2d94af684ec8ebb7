/**
 * BlockingCalls.withTimeout: the max.block.ms bound of the transactional calls. A max.block.ms
 * beyond Node's largest timer (2^31-1 ms, which Kafka's long setting allows) is a long wait, not
 * a timer Node fires after 1 ms.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { TimeoutError } from '../../src/errors.js'
import { BlockingCalls } from '../../src/producer/txn/blocking-calls.js'

test('max.block.ms above 2^31-1 ms does not time out at once', async () => {
  const calls = new BlockingCalls(2 ** 31 + 10_000)
  let done!: () => void
  const result = new Promise<void>((r) => {
    done = r
  })
  const waiting = calls.withTimeout('commitTransaction', result)
  let outcome: unknown = 'pending'
  waiting.then(
    () => (outcome = 'resolved'),
    (err: unknown) => (outcome = err),
  )
  await sleep(50)
  assert.equal(outcome, 'pending')
  done()
  await waiting
  assert.equal(outcome, 'resolved')
})

test('a call that outlasts max.block.ms fails with a TimeoutError naming the call', async () => {
  const calls = new BlockingCalls(20)
  await assert.rejects(
    calls.withTimeout('initTransactions', new Promise<void>(() => {})),
    (err: unknown) =>
      err instanceof TimeoutError && /initTransactions\(\).*max\.block\.ms=20/.test((err as Error).message),
  )
})

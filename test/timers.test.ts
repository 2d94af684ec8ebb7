/**
 * untilDeadline: bounded waits on a promise that may reject later. The promise is always handled,
 * so a rejection that arrives after the wait gave up is no unhandled rejection (which, under
 * Node's default, ends the user's process).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { untilDeadline } from '../src/timers.js'
import { unhandledDuring } from './helpers/unhandled.js'

function rejectLater(): { p: Promise<never>; reject: (err: Error) => void } {
  let reject!: (err: Error) => void
  const p = new Promise<never>((_, r) => {
    reject = r
  })
  return { p, reject }
}

test('a deadline already past: returns at once, and the promise rejecting afterwards is handled', async () => {
  const seen = await unhandledDuring(async () => {
    const { p, reject } = rejectLater()
    await untilDeadline(p, Date.now() - 1, new AbortController().signal)
    reject(new Error('refused after the deadline'))
  }, 20)
  assert.deepEqual(seen, [])
})

test('an aborted signal: returns at once, and the promise rejecting afterwards is handled', async () => {
  const seen = await unhandledDuring(async () => {
    const ac = new AbortController()
    ac.abort()
    const { p, reject } = rejectLater()
    await untilDeadline(p, Date.now() + 60_000, ac.signal)
    reject(new Error('refused after the abort'))
  }, 20)
  assert.deepEqual(seen, [])
})

test('the deadline passing first, then the promise rejecting: handled', async () => {
  const seen = await unhandledDuring(async () => {
    const { p, reject } = rejectLater()
    await untilDeadline(p, Date.now() + 5, new AbortController().signal)
    reject(new Error('refused late'))
  }, 20)
  assert.deepEqual(seen, [])
})

test('returns when the promise settles, whether it resolves or rejects, and never rejects itself', async () => {
  const signal = new AbortController().signal
  const far = Date.now() + 60_000
  const started = Date.now()
  await untilDeadline(Promise.resolve(1), far, signal)
  await untilDeadline(Promise.reject(new Error('no')), far, signal)
  assert.ok(Date.now() - started < 60_000)
})

test('an abort during the wait ends it', async () => {
  const ac = new AbortController()
  const { p } = rejectLater()
  const waiting = untilDeadline(p, Date.now() + 60_000, ac.signal)
  ac.abort()
  await waiting
})

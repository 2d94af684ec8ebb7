/**
 * The circuit breaker's state machine (src/producer/circuit-breaker.ts) on an injected clock and
 * timer: no sleeps, no wall-clock assertions. Its config (`circuitBreaker`) is checked at
 * construction with errors that name the field.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  BrokerError,
  BufferExhaustedError,
  CircuitOpenError,
  ConfigError,
  KafkaError,
  NetworkError,
  SerializationError,
  TimeoutError,
} from '../../src/errors.js'
import {
  type BreakerClock,
  CircuitBreaker,
  type CircuitBreakerSettings,
  type CircuitEvent,
  countsAsFailure,
} from '../../src/producer/circuit-breaker.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import type { SendCallback } from '../../src/producer/record.js'

/** A clock that moves only when told; timers fire when it passes them. */
class FakeClock implements BreakerClock {
  t = 1_000_000
  timers: { at: number; fn: () => void; live: boolean }[] = []
  now = (): number => this.t
  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn, live: true }
    this.timers.push(timer)
    return () => {
      timer.live = false
    }
  }
  advance(ms: number): void {
    this.t += ms
    for (const timer of this.timers) {
      if (timer.live && timer.at <= this.t) {
        timer.live = false
        timer.fn()
      }
    }
  }
  get pending(): number {
    return this.timers.filter((x) => x.live).length
  }
}

function setup(settings: Partial<CircuitBreakerSettings> = {}) {
  const clock = new FakeClock()
  const events: CircuitEvent[] = []
  let rejected = 0
  const breaker = new CircuitBreaker(
    { failureThreshold: 3, cooldownMs: 1000, halfOpenProbes: 2, ...settings },
    { changed: (e) => events.push(e), rejected: () => rejected++ },
    clock,
  )
  return { clock, events, breaker, rejectedCount: () => rejected }
}

/** Admits a record; returns its completion (to settle it as the producer would) or the refusal. */
function admit(
  breaker: CircuitBreaker,
): { complete: SendCallback; outcome: () => string } | CircuitOpenError {
  let outcome = 'pending'
  const cb: SendCallback = (err) => {
    outcome = err === null ? 'ok' : err.code
  }
  try {
    const c = breaker.admit(cb)
    assert.equal(typeof c, 'function')
    return { complete: c as SendCallback, outcome: () => outcome }
  } catch (err) {
    assert.ok(err instanceof CircuitOpenError, String(err))
    return err
  }
}

const METADATA = { topic: 't', partition: 0, offset: 0n, timestamp: 0 }
const transitions = (events: CircuitEvent[]) => events.map((e) => `${e.previous}->${e.state}`)

describe('circuit breaker state machine', () => {
  test('closed: records pass untouched; failures below the threshold leave it closed', () => {
    const { breaker, events } = setup()
    const cb: SendCallback = () => {}
    assert.equal(breaker.admit(cb), cb, 'no wrapper while closed')
    breaker.failure('one')
    breaker.failure('two')
    assert.equal(breaker.state, 'closed')
    assert.equal(breaker.consecutiveFailures, 2)
    assert.deepEqual(events, [])
  })

  test('a successful produce resets the count: failures must be consecutive', () => {
    const { breaker } = setup()
    breaker.failure('a')
    breaker.failure('b')
    breaker.success()
    breaker.failure('c')
    breaker.failure('d')
    assert.equal(breaker.state, 'closed')
    breaker.failure('e')
    assert.equal(breaker.state, 'open')
  })

  test('opens at the threshold; sends are refused at once with a retriable CircuitOpenError', () => {
    const { breaker, events, clock, rejectedCount } = setup()
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    assert.equal(breaker.state, 'open')
    assert.deepEqual(transitions(events), ['closed->open'])
    assert.match(events[0]!.reason, /3 consecutive delivery failure\(s\), the last: c/)
    assert.equal(events[0]!.at, clock.t)
    const refused = admit(breaker)
    assert.ok(refused instanceof CircuitOpenError)
    assert.ok(refused instanceof KafkaError)
    assert.equal(refused.code, 'ERR_CIRCUIT_OPEN')
    assert.equal(refused.retriable, true)
    assert.equal(refused.maybeWritten, false)
    assert.equal(refused.state, 'open')
    assert.equal(refused.retryAt, clock.t + 1000)
    assert.match(refused.message, /not written/)
    assert.equal(rejectedCount(), 1)
    assert.equal(admit(breaker), refused, 'one error object for the refusals of one period')
    assert.equal(rejectedCount(), 2)
    assert.equal(breaker.rejectedTotal, 2)
    assert.equal(breaker.openedTotal, 1)
    const s = breaker.status()
    assert.equal(s.state, 'open')
    assert.equal(s.retryAt, clock.t + 1000)
  })

  test('after cooldownMs the timer moves it to half-open; probes pass, the rest are refused', () => {
    const { breaker, events, clock } = setup()
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    clock.advance(999)
    assert.equal(breaker.state, 'open')
    assert.ok(admit(breaker) instanceof CircuitOpenError)
    clock.advance(1)
    assert.equal(breaker.state, 'half-open')
    assert.deepEqual(transitions(events), ['closed->open', 'open->half-open'])
    assert.match(events[1]!.reason, /cooldown of 1000 ms/)
    const p1 = admit(breaker)
    const p2 = admit(breaker)
    assert.ok(!(p1 instanceof CircuitOpenError) && !(p2 instanceof CircuitOpenError))
    const third = admit(breaker)
    assert.ok(third instanceof CircuitOpenError)
    assert.equal(third.state, 'half-open')
    assert.equal(breaker.status().probesInFlight, 2)
  })

  test('half-open: every probe delivered closes it', () => {
    const { breaker, events, clock } = setup()
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    clock.advance(1000)
    const p1 = admit(breaker)
    const p2 = admit(breaker)
    assert.ok(!(p1 instanceof CircuitOpenError) && !(p2 instanceof CircuitOpenError))
    p1.complete(null, METADATA)
    assert.equal(breaker.state, 'half-open', 'one probe of two is not enough')
    assert.equal(p1.outcome(), 'ok', "the probe's own completion still settles")
    p2.complete(null, METADATA)
    assert.equal(breaker.state, 'closed')
    assert.equal(breaker.consecutiveFailures, 0)
    assert.deepEqual(transitions(events), ['closed->open', 'open->half-open', 'half-open->closed'])
    assert.match(events[2]!.reason, /2 probe\(s\) delivered/)
    const cb: SendCallback = () => {}
    assert.equal(breaker.admit(cb), cb)
  })

  test('half-open: a probe failing with a counted error opens it again for another cooldown', () => {
    const { breaker, events, clock } = setup()
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    clock.advance(1000)
    const p1 = admit(breaker)
    assert.ok(!(p1 instanceof CircuitOpenError))
    p1.complete(new TimeoutError('expired', 'ERR_DELIVERY_TIMEOUT'), null)
    assert.equal(p1.outcome(), 'ERR_DELIVERY_TIMEOUT')
    assert.equal(breaker.state, 'open')
    assert.match(events.at(-1)!.reason, /a probe failed: ERR_DELIVERY_TIMEOUT/)
    assert.equal(breaker.openedTotal, 2)
    const refused = admit(breaker)
    assert.ok(refused instanceof CircuitOpenError)
    assert.equal(refused.retryAt, clock.t + 1000)
    clock.advance(1000)
    assert.equal(breaker.state, 'half-open')
  })

  test('half-open: any counted failure (a lost request, a failed connection) opens it again', () => {
    const { breaker, clock, events } = setup()
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    clock.advance(1000)
    breaker.failure('cannot connect to broker')
    assert.equal(breaker.state, 'open')
    assert.match(events.at(-1)!.reason, /a failure while half-open: cannot connect/)
  })

  test('half-open: a probe failing for its own reason frees its slot for another record', () => {
    const { breaker, clock } = setup({ halfOpenProbes: 1 })
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    clock.advance(1000)
    const p1 = admit(breaker)
    assert.ok(!(p1 instanceof CircuitOpenError))
    assert.ok(admit(breaker) instanceof CircuitOpenError, 'the only slot is taken')
    p1.complete(new BrokerError('MESSAGE_TOO_LARGE', 10, false, 'too large'), null)
    assert.equal(breaker.state, 'half-open')
    const p2 = admit(breaker)
    assert.ok(!(p2 instanceof CircuitOpenError), 'the slot is free again')
    p2.complete(null, METADATA)
    assert.equal(breaker.state, 'closed')
  })

  test('a probe from an earlier half-open period does not count in a later one', () => {
    const { breaker, clock } = setup({ halfOpenProbes: 1 })
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    clock.advance(1000)
    const old = admit(breaker)
    assert.ok(!(old instanceof CircuitOpenError))
    breaker.failure('connection refused') // open again, the probe still out
    clock.advance(1000)
    assert.equal(breaker.state, 'half-open')
    old.complete(null, METADATA)
    assert.equal(breaker.state, 'half-open', 'the old probe is not this period’s')
    assert.equal(old.outcome(), 'ok')
  })

  test('an open breaker whose timer is late turns half-open at the next send', () => {
    const { breaker, clock, events } = setup()
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    clock.t += 5000 // time passes, the timer has not run yet
    const probe = admit(breaker)
    assert.ok(!(probe instanceof CircuitOpenError))
    assert.deepEqual(transitions(events), ['closed->open', 'open->half-open'])
    assert.equal(clock.pending, 0, 'the cooldown timer is cancelled')
  })

  test('a promise completion is settled through the probe wrapper', async () => {
    const { breaker, clock } = setup({ halfOpenProbes: 1 })
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    clock.advance(1000)
    const p = new Promise((resolve, reject) => {
      const c = breaker.admit({ resolve, reject })
      assert.equal(typeof c, 'function')
      ;(c as SendCallback)(null, METADATA)
    })
    assert.deepEqual(await p, METADATA)
    assert.equal(breaker.state, 'closed')
  })

  test('close() cancels the cooldown timer: no event after the producer closed', () => {
    const { breaker, clock, events } = setup()
    for (const w of ['a', 'b', 'c']) breaker.failure(w)
    breaker.close()
    assert.equal(clock.pending, 0)
    clock.advance(5000)
    assert.deepEqual(transitions(events), ['closed->open'])
  })

  test('what counts as a failure', () => {
    assert.equal(countsAsFailure(new NetworkError('lost')), true)
    assert.equal(countsAsFailure(new TimeoutError('x', 'ERR_DELIVERY_TIMEOUT')), true)
    assert.equal(countsAsFailure(new BrokerError('NOT_ENOUGH_REPLICAS', 19, true, 'x')), true)
    assert.equal(countsAsFailure(new BrokerError('MESSAGE_TOO_LARGE', 10, false, 'x')), false)
    assert.equal(countsAsFailure(new SerializationError('x')), false)
    assert.equal(countsAsFailure(new BufferExhaustedError('x')), false)
    assert.equal(countsAsFailure(new CircuitOpenError('x', 'open', 0)), false)
    assert.equal(countsAsFailure(new Error('x')), false)
  })
})

describe('circuitBreaker config', () => {
  const BOOT = { bootstrapServers: 'localhost:9092' }
  test('off by default; an object takes defaults for missing fields; true takes them all', () => {
    assert.equal(resolveConfig(BOOT).circuitBreaker, null)
    assert.equal(resolveConfig({ ...BOOT, circuitBreaker: null }).circuitBreaker, null)
    assert.equal(resolveConfig({ ...BOOT, circuitBreaker: false }).circuitBreaker, null)
    assert.deepEqual(resolveConfig({ ...BOOT, circuitBreaker: { failureThreshold: 2 } }).circuitBreaker, {
      failureThreshold: 2,
      cooldownMs: 30_000,
      halfOpenProbes: 1,
    })
    assert.deepEqual(resolveConfig({ ...BOOT, circuitBreaker: true }).circuitBreaker, {
      failureThreshold: 5,
      cooldownMs: 30_000,
      halfOpenProbes: 1,
    })
  })

  const bad: [unknown, string, RegExp][] = [
    [{ failureThreshold: 0 }, 'circuitBreaker.failureThreshold', /an integer >= 1/],
    [{ cooldownMs: -5 }, 'circuitBreaker.cooldownMs', /an integer >= 1 ms/],
    [{ halfOpenProbes: 1.5 }, 'circuitBreaker.halfOpenProbes', /whole number/],
    [
      { threshold: 3 },
      'circuitBreaker.threshold',
      /unknown field.*failureThreshold, cooldownMs, halfOpenProbes/,
    ],
    ['{failureThreshold:3}', 'circuitBreaker', /expected an object.*from code/],
    [5, 'circuitBreaker', /expected an object/],
  ]
  for (const [value, option, message] of bad) {
    test(`${JSON.stringify(value)} is a ConfigError naming ${option}`, () => {
      assert.throws(
        () => resolveConfig({ ...BOOT, circuitBreaker: value as never }),
        (err: unknown) => err instanceof ConfigError && err.option === option && message.test(err.message),
      )
    })
  }
})

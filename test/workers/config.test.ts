/** Worker mode's settings: `workers` validated, what cannot run in worker mode refused at construction, naming the option. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '../../src/errors.js'
import { resolveWorkerConfig } from '../../src/workers/config.js'
import { WorkerProducer } from '../../src/workers/index.js'

const base = { bootstrapServers: 'localhost:9' }

test('workers must be an integer from 1 to 64', () => {
  for (const workers of [0, -1, 1.5, 65, 'two', null, undefined]) {
    assert.throws(
      () => new WorkerProducer({ ...base, workers: workers as number }),
      (e: unknown) => e instanceof ConfigError && e.option === 'workers' && /from 1 to 64/.test(e.message),
      String(workers),
    )
  }
  assert.equal(resolveWorkerConfig({ ...base, workers: '3' }).workers, 3, 'a properties string is taken')
})

test('transactions, the spool, the circuit breaker and interceptors are refused with the option named', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ 'transactional.id': 't1' }, 'transactional.id'],
    [{ transactionalId: 't1' }, 'transactional.id'],
    [{ spool: { dir: '/tmp/x', maxBytes: 1 << 20 } }, 'spool'],
    [{ circuitBreaker: {} }, 'circuitBreaker'],
    [{ interceptorClasses: [{ onSend: (r: unknown) => r }] }, 'interceptor.classes'],
  ]
  for (const [extra, option] of cases) {
    assert.throws(
      () => new WorkerProducer({ ...base, workers: 2, ...extra }),
      (e: unknown) => e instanceof ConfigError && e.option === option && /worker mode/.test(e.message),
      option,
    )
  }
})

test("the Producer's own validation applies (a typo is named)", () => {
  assert.throws(
    () => new WorkerProducer({ ...base, workers: 1, lingerMS: 5 } as never),
    (e: unknown) => e instanceof ConfigError && e.option === 'lingerMS',
  )
})

test('each worker gets plain settings: caller-side ones left out, names in camelCase', () => {
  const { shared } = resolveWorkerConfig({
    ...base,
    workers: 2,
    'linger.ms': 7,
    keySerializer: 'string',
    partitionerClass: () => 0,
    'buffer.memory': 1 << 20,
    clientId: 'me',
  } as never)
  assert.deepEqual(shared, { bootstrapServers: 'localhost:9', lingerMs: 7 })
})

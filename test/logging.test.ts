/**
 * The `logger` setting: pino's calling convention, child bindings, silent levels, a logger that
 * throws, what the producer logs (connections, producer id, retries, close), and that no secret
 * reaches a log line in a SASL run with a refused password and re-authentications.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError } from '../src/errors.js'
import { Log, type Logger } from '../src/logging.js'
import { Producer } from '../src/producer/producer.js'
import { startFakeCluster } from './fakes/fake-broker.js'
import { QUICK, TEST_TIMEOUT } from './faults/support.js'

interface Entry {
  level: string
  fields: Record<string, unknown>
  message: string
}

function capture(levels = ['trace', 'debug', 'info', 'warn', 'error']): { logger: Logger; entries: Entry[] } {
  const entries: Entry[] = []
  const logger: Logger = {}
  for (const level of levels) {
    logger[level as 'info'] = (fields, message) => entries.push({ level, fields, message })
  }
  return { logger, entries }
}

describe('Log', () => {
  test('fields first, then the message; the client id and module are bound', () => {
    const { logger, entries } = capture()
    new Log(logger, { clientId: 'c1' }).info({ broker: 'b:1' }, 'connected')
    assert.deepEqual(entries, [
      { level: 'info', fields: { module: 'sluice', clientId: 'c1', broker: 'b:1' }, message: 'connected' },
    ])
  })

  test("with pino's child(), the bindings go to the child once", () => {
    const bound: Record<string, unknown>[] = []
    const { logger: inner, entries } = capture()
    const logger: Logger = {
      child: (bindings) => {
        bound.push(bindings)
        return inner
      },
    }
    const log = new Log(logger, { clientId: 'c2' })
    log.warn({ a: 1 }, 'x')
    assert.deepEqual(bound, [{ module: 'sluice', clientId: 'c2' }])
    assert.deepEqual(entries, [{ level: 'warn', fields: { a: 1 }, message: 'x' }])
  })

  test('a missing level is silent; a logger that throws does not throw into the producer', () => {
    const { logger, entries } = capture(['warn'])
    const log = new Log(logger)
    log.debug({}, 'nothing')
    assert.equal(log.enabled('debug'), false)
    assert.equal(log.enabled('warn'), true)
    assert.deepEqual(entries, [])
    const throwing = new Log({
      error: () => {
        throw new Error('broken logger')
      },
    })
    throwing.error({}, 'still fine')
  })

  test('the setting takes a logger object and refuses anything else, naming the option', () => {
    for (const bad of ['pino', 42, {}, { info: 'yes' }]) {
      assert.throws(
        () => new Producer({ bootstrapServers: 'localhost:9092', logger: bad as unknown as Logger }),
        (err: unknown) => err instanceof ConfigError && /logger/.test(err.option),
      )
    }
  })
})

describe('what the producer logs', () => {
  test('connection, producer id, a retry at warn with its partition and error, close', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    cluster.failPartition('t', 0, 6) // NOT_LEADER_OR_FOLLOWER once
    const { logger, entries } = capture()
    const producer = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      clientId: 'logs',
      logger,
    })
    try {
      await producer.send({ topic: 't', partition: 0, value: 'v' })
    } finally {
      await producer.close()
      await cluster.close()
    }
    const find = (message: string) => entries.find((e) => e.message === message)
    assert.equal(find('connected')?.level, 'debug')
    assert.equal(find('cluster id')?.level, 'info')
    const id = find('producer id')
    assert.equal(id?.level, 'info')
    assert.equal(typeof id?.fields.producerId, 'string')
    const retry = find('retrying a batch')
    assert.equal(retry?.level, 'warn')
    assert.equal(retry?.fields.topic, 't')
    assert.equal(retry?.fields.partition, 0)
    assert.match(JSON.stringify(retry?.fields.err), /NOT_LEADER_OR_FOLLOWER/)
    assert.equal(find('closing the producer')?.level, 'info')
    assert.ok(entries.every((e) => e.fields.clientId === 'logs' && e.fields.module === 'sluice'))
  })

  test("warnings: the logger's warn when there is a logger, process.emitWarning when there is none", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const processWarnings: Error[] = []
    const onWarning = (w: Error) => processWarnings.push(w)
    process.on('warning', onWarning)
    // A callback that throws on success, one that throws on failure (a record too large for the
    // request, failed before any batch), and an interceptor that throws.
    const run = async (logger: Logger | undefined) => {
      const producer = new Producer({
        ...QUICK,
        bootstrapServers: cluster.bootstrapServers,
        maxRequestSize: 1000,
        interceptorClasses: [
          {
            onSend: () => {
              throw new Error('interceptor boom')
            },
          },
        ],
        ...(logger === undefined ? {} : { logger }),
      })
      try {
        await new Promise<void>((resolve) =>
          producer.send({ topic: 't', partition: 0, value: 'v' }, () => {
            resolve()
            throw new Error('callback boom on success')
          }),
        )
        await new Promise<void>((resolve) =>
          producer.send({ topic: 't', partition: 0, value: 'x'.repeat(2000) }, (err) => {
            assert.ok(err !== null)
            resolve()
            throw new Error('callback boom on failure')
          }),
        )
      } finally {
        await producer.close()
      }
    }
    try {
      const { logger, entries } = capture()
      await run(logger)
      await new Promise((resolve) => setImmediate(resolve)) // process warnings are emitted on next tick
      assert.equal(processWarnings.length, 0, 'with a logger nothing reaches process.emitWarning')
      const warnings = entries.filter((e) => e.level === 'warn' && typeof e.fields.warning === 'string')
      assert.deepEqual(
        warnings.map((e) => e.fields.warning),
        [
          'SluiceInterceptorWarning',
          'SluiceCallbackWarning',
          'SluiceInterceptorWarning',
          'SluiceCallbackWarning',
        ],
      )
      assert.match(warnings[1]!.message, /callback boom on success/)
      assert.match(warnings[3]!.message, /callback boom on failure/)
      assert.match(String(warnings[0]!.fields.detail), /interceptor boom/, 'the stack is the detail')
      assert.ok(warnings.every((e) => e.fields.clientId !== undefined))

      await run(undefined)
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(
        processWarnings.map((w) => w.name),
        [
          'SluiceInterceptorWarning',
          'SluiceCallbackWarning',
          'SluiceInterceptorWarning',
          'SluiceCallbackWarning',
        ],
      )
      assert.match(processWarnings[3]!.message, /callback boom on failure/)
    } finally {
      process.off('warning', onWarning)
      await cluster.close()
    }
  })

  test('a SASL run with a refused password and re-authentications logs no secret', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const PASSWORD = 'pa55-w0rd-never-logged'
    const WRONG = 'wr0ng-pa55-never-logged'
    const cluster = await startFakeCluster({
      topics: [{ name: 't', partitions: 1 }],
      sasl: { users: { alice: PASSWORD }, sessionLifetimeMs: 300 },
    })
    const { logger, entries } = capture()
    const ok = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
      logger,
    })
    const refused = new Producer({
      ...QUICK,
      bootstrapServers: cluster.bootstrapServers,
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanism: 'PLAIN',
      saslJaasConfig: `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${WRONG}";`,
      maxBlockMs: 2000,
      logger,
    })
    try {
      for (let i = 0; i < 5; i++) {
        await ok.send({ topic: 't', value: `v${i}` })
        await new Promise((r) => setTimeout(r, 150))
      }
      await assert.rejects(refused.send({ topic: 't', value: 'x' }))
    } finally {
      await ok.close()
      await refused.close()
      await cluster.close()
    }
    assert.ok(ok.metrics()['successful-reauthentication-total']! >= 1, 'sessions were renewed')
    assert.ok(
      entries.some((e) => e.level === 'warn' && e.message === 'cannot connect to broker'),
      'the refusal is logged',
    )
    const text = JSON.stringify(entries)
    for (const secret of [PASSWORD, WRONG]) assert.ok(!text.includes(secret), `a log line shows ${secret}`)
  })
})

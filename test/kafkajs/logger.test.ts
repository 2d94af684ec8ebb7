/**
 * kafkajs's logging through sluice/kafkajs, compared with kafkajs itself (the devDependency):
 * the same calls on `kafka.logger()` give the same entries to the logCreator (level filtering,
 * namespaces, setLogLevel, KAFKAJS_LOG_LEVEL); and Sluice's own lines reach it under 'Producer'.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import kafkajs from 'kafkajs'
import * as ours from '../../src/kafkajs/index.js'
import { startFakeCluster } from '../fakes/fake-broker.js'

interface Entry {
  namespace: string
  level: number
  label: string
  log: Record<string, unknown>
}

// biome-ignore lint/suspicious/noExplicitAny: the same untyped calls run on both libraries
type Lib = any

function entriesOf(lib: Lib, level: number): { entries: Entry[]; created: number[] } {
  const entries: Entry[] = []
  const created: number[] = []
  const kafka = new lib.Kafka({
    brokers: ['localhost:9092'],
    logLevel: level,
    logCreator: (l: number) => {
      created.push(l)
      return (e: Entry) => entries.push(e)
    },
  })
  const log = kafka.logger()
  log.error('an error', { a: 1 })
  log.warn('a warning')
  log.info('some info', { nested: { b: [1, 2] } })
  log.debug('detail')
  const child = log.namespace('Child')
  child.info('from the child')
  const loud = log.namespace('Loud', lib.logLevel.DEBUG)
  loud.debug('debug from a namespace with its own level')
  log.setLogLevel(lib.logLevel.ERROR)
  log.info('after setLogLevel(ERROR)')
  log.error('still an error')
  return {
    entries: entries.map((e) => ({ ...e, log: { ...e.log, timestamp: typeof e.log.timestamp } })),
    created,
  }
}

describe('logging as kafkajs does it', () => {
  for (const [name, level] of Object.entries(kafkajs.logLevel)) {
    if (typeof level !== 'number') continue
    test(`logLevel.${name}: the same entries as kafkajs`, () => {
      const theirs = entriesOf(kafkajs, level)
      const mine = entriesOf(ours, level)
      assert.deepEqual(mine, theirs)
      if (level >= 1) assert.ok(mine.entries.length > 0)
    })
  }

  test('KAFKAJS_LOG_LEVEL overrides logLevel, as in kafkajs', () => {
    const before = process.env.KAFKAJS_LOG_LEVEL
    process.env.KAFKAJS_LOG_LEVEL = 'debug'
    try {
      const theirs = entriesOf(kafkajs, kafkajs.logLevel.ERROR)
      const mine = entriesOf(ours, ours.logLevel.ERROR)
      assert.deepEqual(mine, theirs)
      assert.ok(mine.entries.some((e) => e.label === 'DEBUG'))
    } finally {
      if (before === undefined) delete process.env.KAFKAJS_LOG_LEVEL
      else process.env.KAFKAJS_LOG_LEVEL = before
    }
  })

  test("Sluice's log lines reach the logCreator under 'Producer': info lines at DEBUG, nothing at INFO", async () => {
    const cluster = await startFakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1 }] })
    const run = async (level: number): Promise<Entry[]> => {
      const entries: Entry[] = []
      const kafka = new ours.Kafka({
        brokers: [cluster.bootstrapServers],
        logLevel: level as ours.LogLevel,
        logCreator: () => (e) => entries.push(e as unknown as Entry),
      })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic: 't', messages: [{ value: 'x' }] })
      await producer.disconnect()
      return entries
    }
    try {
      assert.deepEqual(await run(ours.logLevel.INFO), [])
      const debug = await run(ours.logLevel.DEBUG)
      assert.ok(debug.length > 0)
      for (const e of debug) {
        assert.equal(e.namespace, 'Producer')
        assert.equal(e.log.logger, 'kafkajs')
        assert.equal(typeof e.log.message, 'string')
      }
      assert.ok(
        debug.some((e) => e.log.message === 'closing the producer'),
        JSON.stringify(debug.map((e) => e.log.message)),
      )
    } finally {
      await cluster.close()
    }
  })
})

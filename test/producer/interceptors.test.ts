import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { KafkaError } from '../../src/errors.js'
import type { ProducerInterceptor } from '../../src/producer/config/types.js'
import {
  INTERCEPTOR_WARNING,
  ProducerInterceptors,
  setInterceptedPartition,
} from '../../src/producer/interceptors.js'
import type { ProducerRecord, RecordMetadata } from '../../src/producer/record.js'

/** Collects the SluiceInterceptorWarnings emitted while `fn` runs (they arrive on nextTick). */
async function warningsOf(fn: () => unknown): Promise<Error[]> {
  const seen: Error[] = []
  const listener = (w: Error): void => {
    if (w.name === INTERCEPTOR_WARNING) seen.push(w)
  }
  process.on('warning', listener)
  try {
    await fn()
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', listener)
  }
  return seen
}

const md = (partition: number, offset: bigint): RecordMetadata => ({
  topic: 't',
  partition,
  offset,
  timestamp: 1000,
})

type Ack = [RecordMetadata | null, Error | null]

function recorder(): { acks: Ack[]; interceptor: ProducerInterceptor } {
  const acks: Ack[] = []
  return { acks, interceptor: { onAcknowledgement: (m, e) => void acks.push([m, e]) } }
}

test('an empty chain has no interceptors and wrap returns the completion itself', () => {
  const chain = new ProducerInterceptors([])
  assert.equal(chain.hasInterceptors, false)
  const cb = (): void => {}
  assert.equal(chain.wrap(cb, { topic: 't', value: 'v' }), cb)
  const r = { topic: 't', value: 'v' }
  assert.equal(chain.onSend(r), r)
  assert.equal(new ProducerInterceptors([{ onSend: (x) => x }]).hasInterceptors, true)
})

test('onSend runs in order, each on the record returned by the one before', () => {
  const seen: string[] = []
  const chain = new ProducerInterceptors([
    {
      onSend: (r) => {
        seen.push(`a:${r.value}`)
        return { ...r, value: `${r.value}-a` }
      },
    },
    { onAcknowledgement: () => {} },
    {
      onSend: (r) => {
        seen.push(`b:${r.value}`)
        return { ...r, value: `${r.value}-b`, topic: 'other' }
      },
    },
  ])
  const out = chain.onSend({ topic: 't', value: 'v' })
  assert.deepEqual(seen, ['a:v', 'b:v-a'])
  assert.deepEqual(out, { topic: 'other', value: 'v-a-b' })
})

test('an onSend that throws is reported and skipped; the record goes on with the last good value', async () => {
  let out: ProducerRecord | undefined
  const third: string[] = []
  const warnings = await warningsOf(() => {
    const chain = new ProducerInterceptors([
      { onSend: (r) => ({ ...r, value: 'first' }) },
      {
        onSend: () => {
          throw new Error('boom')
        },
      },
      {
        onSend: (r) => {
          third.push(String(r.value))
          return r
        },
      },
    ])
    out = chain.onSend({ topic: 'orders', partition: 3, value: 'v' })
  })
  assert.equal(out?.value, 'first')
  assert.deepEqual(third, ['first'])
  assert.equal(warnings.length, 1)
  assert.match(warnings[0]!.message, /interceptor\.classes\[1\]\.onSend threw for topic 'orders' partition 3/)
  assert.match(warnings[0]!.message, /boom/)
})

test('onSend returning undefined keeps the record; null or a non-object is reported and ignored', async () => {
  const r = { topic: 't', value: 'v' }
  let out: ProducerRecord | undefined
  const warnings = await warningsOf(() => {
    const chain = new ProducerInterceptors([
      { onSend: () => undefined as unknown as ProducerRecord },
      { onSend: () => null as unknown as ProducerRecord },
      { onSend: () => 42 as unknown as ProducerRecord },
    ])
    out = chain.onSend(r)
  })
  assert.equal(out, r)
  assert.equal(warnings.length, 2)
  assert.match(warnings[0]!.message, /\[1\]\.onSend returned null/)
  assert.match(warnings[1]!.message, /\[2\]\.onSend returned number/)
})

test('warnings name an interceptor by its class', async () => {
  class Audit implements ProducerInterceptor {
    onSend(): ProducerRecord {
      throw new Error('nope')
    }
  }
  const warnings = await warningsOf(() =>
    new ProducerInterceptors([new Audit()]).onSend({ topic: 't', value: 1 }),
  )
  assert.match(warnings[0]!.message, /interceptor\.classes\[0\] \(Audit\)\.onSend threw/)
})

test('onAcknowledgement reaches every interceptor even when one throws', async () => {
  const a = recorder()
  const b = recorder()
  const err = new Error('failed')
  const warnings = await warningsOf(() => {
    const chain = new ProducerInterceptors([
      a.interceptor,
      {
        onAcknowledgement: () => {
          throw new Error('ack boom')
        },
      },
      b.interceptor,
    ])
    chain.onAcknowledgement(md(1, 5n), null)
    chain.onAcknowledgement(null, err)
  })
  assert.deepEqual(a.acks, [
    [md(1, 5n), null],
    [null, err],
  ])
  assert.deepEqual(b.acks, a.acks)
  assert.equal(warnings.length, 2)
  assert.match(warnings[0]!.message, /\[1\]\.onAcknowledgement threw: ack boom/)
})

test('a wrapped promise completion: interceptors see success first, then the promise resolves', async () => {
  const order: string[] = []
  const chain = new ProducerInterceptors([
    { onAcknowledgement: (m, e) => void order.push(`ack ${m?.offset} ${e}`) },
  ])
  const p = new Promise<RecordMetadata>((resolve, reject) => {
    const c = chain.wrap({ resolve, reject }, { topic: 't', value: 'v' })
    c.resolve(md(2, 7n))
    order.push('settled')
  })
  const got = await p
  assert.deepEqual(got, md(2, 7n))
  assert.deepEqual(order, ['ack 7 null', 'settled'])
})

test('a wrapped callback stays a callback; failures carry partial metadata with the chosen partition', () => {
  const { acks, interceptor } = recorder()
  const chain = new ProducerInterceptors([interceptor])
  const calls: Ack[] = []
  const c = chain.wrap((e, m) => void calls.push([m, e]), { topic: 'orders', value: 'v' })
  assert.equal(typeof c, 'function')
  setInterceptedPartition(c, 4)
  const err = new KafkaError('batch failed', 'ERR_NETWORK')
  c(err, null)
  assert.deepEqual(acks, [[{ topic: 'orders', partition: 4, offset: -1n, timestamp: -1 }, err]])
  assert.deepEqual(calls, [[null, err]], 'the callback gets what the batch gave')
})

test('a failure before partitioning reports the record partition, else -1', async () => {
  const { acks, interceptor } = recorder()
  const chain = new ProducerInterceptors([interceptor])
  const err = new Error('serialization')
  const explicit = chain.wrap(
    { resolve: () => {}, reject: () => {} },
    { topic: 't', partition: 2, value: 'v' },
  )
  explicit.reject(err)
  const rejected = new Promise<RecordMetadata>((resolve, reject) => {
    const c = chain.wrap({ resolve, reject }, { topic: 't', value: 'v' })
    c.reject(err)
  })
  await assert.rejects(rejected, err)
  assert.deepEqual(acks, [
    [{ topic: 't', partition: 2, offset: -1n, timestamp: -1 }, err],
    [{ topic: 't', partition: -1, offset: -1n, timestamp: -1 }, err],
  ])
})

test('onSendError gives partial metadata, or null for a record without a topic', () => {
  const { acks, interceptor } = recorder()
  const chain = new ProducerInterceptors([interceptor])
  const err = new Error('x')
  chain.onSendError({ topic: 't', value: 1 }, 3, err)
  chain.onSendError(null, -1, err)
  assert.deepEqual(acks, [
    [{ topic: 't', partition: 3, offset: -1n, timestamp: -1 }, err],
    [null, err],
  ])
})

test('an interceptor that throws in onAcknowledgement never breaks delivery', async () => {
  const chain = new ProducerInterceptors([
    {
      onAcknowledgement: () => {
        throw new Error('ack boom')
      },
    },
  ])
  let got: RecordMetadata | undefined
  const warnings = await warningsOf(async () => {
    got = await new Promise<RecordMetadata>((resolve, reject) => {
      chain.wrap({ resolve, reject }, { topic: 't', value: 'v' }).resolve(md(0, 1n))
    })
  })
  assert.deepEqual(got, md(0, 1n))
  assert.equal(warnings.length, 1)
})

test('wrap leaves completions alone when no interceptor has onAcknowledgement', () => {
  const chain = new ProducerInterceptors([{ onSend: (r) => r }])
  const d = { resolve: () => {}, reject: () => {} }
  assert.equal(chain.wrap(d, { topic: 't', value: 'v' }), d)
  setInterceptedPartition(d, 3)
  assert.deepEqual(Object.keys(d), ['resolve', 'reject'])
})

test('a null completion still reaches the interceptors', () => {
  const { acks, interceptor } = recorder()
  const chain = new ProducerInterceptors([interceptor])
  const c = chain.wrap(null, { topic: 't', value: 'v' })
  assert.ok(c !== null && typeof c === 'object')
  c.resolve(md(1, 2n))
  assert.deepEqual(acks, [[md(1, 2n), null]])
})

test('close calls each close once, in order, awaiting async ones and reporting failures', async () => {
  const order: string[] = []
  const chain = new ProducerInterceptors([
    {
      onSend: (r) => r,
      close: async () => {
        await new Promise((resolve) => setImmediate(resolve))
        order.push('a')
      },
    },
    {
      onSend: (r) => r,
      close: () => {
        order.push('b')
        throw new Error('close boom')
      },
    },
    { onSend: (r) => r },
    {
      onAcknowledgement: () => {},
      close: () => Promise.reject(new Error('async close boom')).finally(() => order.push('d')),
    },
  ])
  const warnings = await warningsOf(async () => {
    await chain.close()
    await chain.close()
  })
  assert.deepEqual(order, ['a', 'b', 'd'])
  assert.equal(warnings.length, 2)
  assert.match(warnings[0]!.message, /\[1\]\.close failed: close boom/)
  assert.match(warnings[1]!.message, /\[3\]\.close failed: async close boom/)
})

test('warnings carry the interceptor error stack as detail', async () => {
  const chain = new ProducerInterceptors([
    {
      onSend: () => {
        throw new TypeError('bad')
      },
    },
  ])
  const warned = once(process, 'warning')
  chain.onSend({ topic: 't', value: 1 })
  const [w] = (await warned) as [Error & { detail?: string }]
  assert.equal(w.name, INTERCEPTOR_WARNING)
  assert.match(w.detail ?? '', /TypeError: bad/)
})

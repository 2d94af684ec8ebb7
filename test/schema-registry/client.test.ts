/**
 * SchemaRegistryClient's own logic (request shapes, cache, retries, auth, errors) against a
 * scripted node:http server on loopback. The real registry is test/schema-registry/registry.test.ts.
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, test } from 'node:test'
import { ConfigError, KafkaError } from '../../src/errors.js'
import { freePorts } from '../../src/local-kafka/ports.js'
import { SchemaRegistryClient, type SchemaRegistryOptions } from '../../src/schema-registry/client.js'
import { SchemaRegistryError } from '../../src/schema-registry/errors.js'
import { Secret } from '../../src/security/secret.js'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

type Handler = (req: Seen, res: ServerResponse) => void | Promise<void>

let server: Server
let base: string
let seen: Seen[] = []
let handler: Handler = (_req, res) => json(res, 200, {})

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
  res.end(JSON.stringify(body))
}

before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      body += c
    })
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      seen.push(s)
      void handler(s, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

beforeEach(() => {
  seen = []
  handler = (_req, res) => json(res, 200, {})
})

const QUICK: Partial<SchemaRegistryOptions> = { retryBackoffMs: 1, retryBackoffMaxMs: 2 }
const client = (o: Partial<SchemaRegistryOptions> = {}) =>
  new SchemaRegistryClient({ url: base, ...QUICK, ...o })
const avro = '{"type":"string"}'

async function rejection(p: Promise<unknown>): Promise<SchemaRegistryError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof SchemaRegistryError, String(err))
    assert.ok(err instanceof KafkaError)
    return err
  }
  assert.fail('did not reject')
}

describe('SchemaRegistryClient requests', () => {
  test('registrations of different subjects go one at a time; a failed one does not stop the next', async () => {
    let open = 0
    let most = 0
    handler = (req, res) => {
      open++
      most = Math.max(most, open)
      setTimeout(() => {
        open--
        if (req.url.includes('bad')) json(res, 422, { error_code: 42201, message: 'invalid' })
        else json(res, 200, { id: req.url.length })
      }, 5)
    }
    const c = client()
    const results = await Promise.allSettled([
      c.register('a-key', { schema: avro }),
      c.register('bad-value', { schema: avro }),
      c.register('a-value', { schema: avro }),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    )
    assert.equal(most, 1, 'never two registrations at once')
    assert.deepEqual(
      seen.map((r) => r.url),
      ['/subjects/a-key/versions', '/subjects/bad-value/versions', '/subjects/a-value/versions'],
    )
  })

  test('register: POST /subjects/{subject}/versions, Confluent content type, no schemaType for Avro', async () => {
    handler = (_req, res) => json(res, 200, { id: 42 })
    assert.equal(await client().register('a/b value', { schema: avro }), 42)
    const [r] = seen
    assert.equal(r?.method, 'POST')
    assert.equal(r?.url, '/subjects/a%2Fb%20value/versions')
    assert.equal(r?.headers['content-type'], 'application/vnd.schemaregistry.v1+json')
    assert.deepEqual(JSON.parse(r?.body ?? ''), { schema: avro })
  })

  test('register: schemaType and references are sent for Protobuf', async () => {
    handler = (_req, res) => json(res, 200, { id: 3 })
    const references = [{ name: 'other.proto', subject: 'other', version: 2 }]
    await client().register('s', { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF', references })
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), {
      schema: 'syntax = "proto3";',
      schemaType: 'PROTOBUF',
      references,
    })
  })

  test('the base URL may end in a path and slashes', async () => {
    handler = (_req, res) => json(res, 200, ['x'])
    assert.deepEqual(await client({ url: `${base}/apis/ccompat/v7//` }).getSubjects(), ['x'])
    assert.equal(seen[0]?.url, '/apis/ccompat/v7/subjects')
  })

  test('lookup, by id, versions, latest, compatibility: paths and answers', async () => {
    handler = (req, res) => {
      if (req.url === '/subjects/s' && req.method === 'POST')
        return json(res, 200, { subject: 's', id: 5, version: 2, schema: avro })
      if (req.url === '/schemas/ids/5') return json(res, 200, { schema: 'syntax', schemaType: 'PROTOBUF' })
      if (req.url === '/subjects/s/versions') return json(res, 200, [1, 2])
      if (req.url === '/subjects/s/versions/latest')
        return json(res, 200, { subject: 's', id: 5, version: 2, schema: avro })
      if (req.url === '/compatibility/subjects/s/versions/latest?verbose=true') {
        return json(res, 200, { is_compatible: false, messages: ['nope'] })
      }
      json(res, 404, { error_code: 404, message: `unexpected ${req.method} ${req.url}` })
    }
    const c = client()
    assert.deepEqual(await c.lookup('s', { schema: avro }), {
      subject: 's',
      id: 5,
      version: 2,
      schema: avro,
      schemaType: 'AVRO',
      references: [],
    })
    assert.deepEqual(await c.getById(5), { id: 5, schema: 'syntax', schemaType: 'PROTOBUF', references: [] })
    assert.deepEqual(await c.getVersions('s'), [1, 2])
    assert.equal((await c.getLatest('s')).version, 2)
    assert.deepEqual(await c.checkCompatibility('s', { schema: avro }), {
      compatible: false,
      messages: ['nope'],
    })
  })
})

describe('SchemaRegistryClient cache', () => {
  test('concurrent registrations of one schema share one request; later ones are served from the cache', async () => {
    let release = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    handler = async (_req, res) => {
      await gate
      json(res, 200, { id: 7 })
    }
    const c = client()
    const all = Promise.all([1, 2, 3, 4, 5].map(() => c.register('s', { schema: avro })))
    // Let the first request reach the server before it answers.
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5))
    release()
    assert.deepEqual(await all, [7, 7, 7, 7, 7])
    assert.equal(await c.register('s', { schema: avro }), 7)
    assert.equal(seen.length, 1)
    // Another subject, schema type or schema is another request.
    await c.register('t', { schema: avro })
    await c.register('s', { schema: avro, schemaType: 'JSON' })
    await c.register('s', { schema: '{"type":"int"}' })
    assert.equal(seen.length, 4)
  })

  test('getById and lookup are cached; a failure is not', async () => {
    let fail = true
    handler = (req, res) => {
      if (fail) return json(res, 404, { error_code: 40403, message: 'Schema not found' })
      if (req.url.startsWith('/schemas/ids/')) return json(res, 200, { schema: avro })
      json(res, 200, { subject: 's', id: 1, version: 1, schema: avro })
    }
    const c = client()
    const err = await rejection(c.getById(1))
    assert.equal(err.code, 'ERR_SCHEMA_NOT_FOUND')
    fail = false
    await c.getById(1)
    await c.getById(1)
    await c.lookup('s', { schema: avro })
    await c.lookup('s', { schema: avro })
    assert.equal(seen.length, 3)
  })

  test('reads of versions are not cached', async () => {
    handler = (_req, res) => json(res, 200, [1])
    const c = client()
    await c.getVersions('s')
    await c.getVersions('s')
    assert.equal(seen.length, 2)
  })
})

describe('SchemaRegistryClient retries and errors', () => {
  test('5xx answers are retried, then succeed', async () => {
    handler = (_req, res) =>
      seen.length <= 2
        ? json(res, 503, { error_code: 50003, message: 'forwarding' })
        : json(res, 200, { id: 1 })
    assert.equal(await client({ retries: 3 }).register('s', { schema: avro }), 1)
    assert.equal(seen.length, 3)
  })

  test('after `retries` more tries the 5xx is raised, retriable, with the registry error code', async () => {
    handler = (_req, res) => json(res, 500, { error_code: 50001, message: 'store error' })
    const err = await rejection(client({ retries: 2 }).register('s', { schema: avro }))
    assert.equal(seen.length, 3)
    assert.equal(err.code, 'ERR_SCHEMA_REGISTRY')
    assert.equal(err.status, 500)
    assert.equal(err.registryErrorCode, 50001)
    assert.equal(err.retriable, true)
    assert.match(err.message, /store error/)
  })

  test('4xx answers are not retried and map to codes', async () => {
    const cases: [number, number, string][] = [
      [404, 40401, 'ERR_SUBJECT_NOT_FOUND'],
      [404, 40402, 'ERR_VERSION_NOT_FOUND'],
      [404, 40403, 'ERR_SCHEMA_NOT_FOUND'],
      [409, 409, 'ERR_INCOMPATIBLE_SCHEMA'],
      [422, 42201, 'ERR_INVALID_SCHEMA'],
      [401, 401, 'ERR_SCHEMA_REGISTRY_AUTH'],
      [400, 400, 'ERR_SCHEMA_REGISTRY'],
    ]
    for (const [status, code, name] of cases) {
      seen = []
      handler = (_req, res) => json(res, status, { error_code: code, message: 'm' })
      const err = await rejection(client({ retries: 3 }).getVersions('s'))
      assert.equal(seen.length, 1, name)
      assert.equal(err.code, name)
      assert.equal(err.registryErrorCode, code)
      assert.equal(err.retriable, false)
    }
  })

  test('an error body that is not JSON keeps the status and the text', async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('no such thing')
    }
    const err = await rejection(client().getVersions('s'))
    assert.equal(err.status, 404)
    assert.equal(err.registryErrorCode, 404)
    assert.match(err.message, /no such thing/)
  })

  test('a dropped connection is retried', async () => {
    handler = (req, res) => {
      if (seen.length === 1) {
        res.socket?.destroy()
        return
      }
      json(res, 200, { id: 9, req: req.url })
    }
    assert.equal(await client({ retries: 1 }).register('s', { schema: avro }), 9)
    assert.equal(seen.length, 2)
  })

  test('nothing listening: ERR_SCHEMA_REGISTRY_UNREACHABLE, retriable', async () => {
    const [port] = await freePorts(1)
    const err = await rejection(client({ url: `http://127.0.0.1:${port}`, retries: 2 }).getSubjects())
    assert.equal(err.code, 'ERR_SCHEMA_REGISTRY_UNREACHABLE')
    assert.equal(err.retriable, true)
    assert.equal(err.status, -1)
    assert.match(err.message, new RegExp(`127.0.0.1:${port}`))
  })

  test('a request that outlives requestTimeoutMs counts as unreachable and is retried', async () => {
    handler = (_req, res) => {
      if (seen.length === 1) return // never answers
      json(res, 200, ['s'])
    }
    assert.deepEqual(await client({ requestTimeoutMs: 1_000, retries: 1 }).getSubjects(), ['s'])
    assert.equal(seen.length, 2)
  })

  test('an aborted call rejects with the signal reason and is not retried', async () => {
    handler = () => {} // never answers
    const ac = new AbortController()
    const p = client({ retries: 5 }).getSubjects({ signal: ac.signal })
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5))
    ac.abort(new Error('stop'))
    await assert.rejects(p, /stop/)
    assert.equal(seen.length, 1)
  })
})

describe('SchemaRegistryClient shared requests and signals', () => {
  test('one caller aborting a shared registration ends only its own wait', async () => {
    let release = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    handler = async (_req, res) => {
      await gate
      json(res, 200, { id: 11 })
    }
    const c = client()
    const ac = new AbortController()
    const first = c.register('s', { schema: avro }, { signal: ac.signal })
    const second = c.register('s', { schema: avro })
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5))
    ac.abort(new Error('first gave up'))
    await assert.rejects(first, /first gave up/)
    release()
    assert.equal(await second, 11)
    assert.equal(seen.length, 1)
    // An already aborted signal rejects at once, without a request.
    const done = new AbortController()
    done.abort(new Error('already'))
    await assert.rejects(c.getById(1, { signal: done.signal }), /already/)
    assert.equal(seen.length, 1)
  })

  test('a registration answer without an id is an error, not undefined', async () => {
    handler = (_req, res) => json(res, 200, {})
    const err = await rejection(client().register('s', { schema: avro }))
    assert.equal(err.code, 'ERR_SCHEMA_REGISTRY')
  })
})

describe('SchemaRegistryClient auth', () => {
  test('basic auth from options, with a string or a Secret', async () => {
    handler = (_req, res) => json(res, 200, [])
    await client({ auth: { username: 'u', password: 'p@ss' } }).getSubjects()
    await client({ auth: { username: 'u', password: new Secret('p@ss') } }).getSubjects()
    const want = `Basic ${Buffer.from('u:p@ss').toString('base64')}`
    assert.equal(seen[0]?.headers.authorization, want)
    assert.equal(seen[1]?.headers.authorization, want)
  })

  test('basic auth from user info in the URL, which is then not part of the URL', async () => {
    handler = (_req, res) => json(res, 200, [])
    const c = client({ url: base.replace('http://', 'http://me:s%3Acret@') })
    assert.equal(c.url, base)
    await c.getSubjects()
    assert.equal(seen[0]?.headers.authorization, `Basic ${Buffer.from('me:s:cret').toString('base64')}`)
  })

  test('bearer token: a string, or a function asked before every request', async () => {
    handler = (_req, res) => json(res, 200, [])
    await client({ auth: { token: 'abc' } }).getSubjects()
    let n = 0
    const c = client({ auth: { token: async () => `t${++n}` } })
    await c.getSubjects()
    await c.getSubjects()
    assert.deepEqual(
      seen.map((s) => s.headers.authorization),
      ['Bearer abc', 'Bearer t1', 'Bearer t2'],
    )
  })

  test('a token function that fails rejects the call with its own error, unretried', async () => {
    handler = (_req, res) => json(res, 200, [])
    let calls = 0
    const c = client({
      retries: 3,
      auth: {
        token: () => {
          calls++
          throw new Error('token service down')
        },
      },
    })
    await assert.rejects(c.getSubjects(), /token service down/)
    const empty = client({ auth: { token: () => '' } })
    await assert.rejects(
      empty.getSubjects(),
      (e: unknown) => e instanceof ConfigError && e.option === 'auth.token',
    )
    assert.equal(calls, 1)
    assert.equal(seen.length, 0)
  })

  test('extra headers are sent', async () => {
    handler = (_req, res) => json(res, 200, [])
    await client({ headers: { 'x-tenant': 'blue' } }).getSubjects()
    assert.equal(seen[0]?.headers['x-tenant'], 'blue')
  })
})

describe('SchemaRegistryClient configuration', () => {
  test('mistakes are ConfigErrors naming the option', () => {
    const cases: [Partial<SchemaRegistryOptions>, string][] = [
      [{ url: 'not a url' }, 'url'],
      [{ url: 'ftp://x' }, 'url'],
      [{ retries: -1 }, 'retries'],
      [{ retryBackoffMs: 1.5 }, 'retryBackoffMs'],
      [{ requestTimeoutMs: 0 }, 'requestTimeoutMs'],
      [{ auth: { username: '', password: 'p' } }, 'auth.username'],
      [{ auth: { token: '' } }, 'auth.token'],
      [{ url: 'http://u:p@h', auth: { token: 't' } }, 'auth'],
    ]
    for (const [o, option] of cases) {
      assert.throws(
        () => new SchemaRegistryClient({ url: base, ...o }),
        (e: unknown) => e instanceof ConfigError && e.option === option,
        option,
      )
    }
  })
})

/**
 * JsonSchemaSerializer and JsonSchemaDeserializer against a node:http server on loopback standing
 * in for the registry; the real registry and Kafka are in test/schema-registry/json-registry.test.ts.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ConfigError, KafkaError, SerializationError } from '../../src/errors.js'
import { Producer } from '../../src/producer/producer.js'
import { SchemaRegistryClient } from '../../src/schema-registry/client.js'
import { JsonSchemaDeserializer, JsonSchemaSerializer } from '../../src/schema-registry/json-schema.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

const person = {
  title: 'Person',
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer', minimum: 0 },
    address: {
      type: 'object',
      properties: { street: { type: 'string' }, zip: { type: 'string' } },
      required: ['zip'],
    },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['name'],
  additionalProperties: false,
}

const address = {
  $id: 'https://example.com/address.json',
  type: 'object',
  properties: { zip: { type: 'string', pattern: '^[0-9]{5}$' } },
  required: ['zip'],
}

let server: Server
let url: string
let requests: { method: string; url: string; body: string }[] = []
/** Answers by path; a missing path is 40401. */
let answers: Record<string, { status?: number; body: unknown }> = {}

before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      body += c
    })
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body })
      res.setHeader('content-type', 'application/json')
      const key = `${req.method} ${req.url}`
      const a = answers[key]
      if (a !== undefined) {
        res.statusCode = a.status ?? 200
        return res.end(JSON.stringify(a.body))
      }
      if (req.method === 'POST' && req.url?.endsWith('/versions')) return res.end(JSON.stringify({ id: 31 }))
      res.statusCode = 404
      res.end(JSON.stringify({ error_code: 40401, message: `Subject not found (${key})` }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

beforeEach(() => {
  requests = []
  answers = {}
})

const registry = () => new SchemaRegistryClient({ url, retries: 0 })

/** The SerializationError `fn` throws. */
function serializationError(fn: () => unknown): SerializationError {
  let caught: unknown
  assert.throws(fn, (e: unknown) => {
    caught = e
    return true
  })
  assert.ok(caught instanceof SerializationError, String(caught))
  assert.equal(caught.code, 'ERR_SERIALIZATION')
  return caught
}

describe('JsonSchemaSerializer', () => {
  test('prepare registers the schema as JSON under <topic>-value; the bytes are 0, the id, the JSON text', async () => {
    const json = new JsonSchemaSerializer({ registry: registry(), schema: person })
    assert.equal(json.serializer.prepare('people') instanceof Promise, true)
    await json.prepare('people')
    assert.equal(requests.length, 1)
    assert.equal(requests[0]?.url, '/subjects/people-value/versions')
    const sent = JSON.parse(requests[0]?.body ?? '') as { schema: string; schemaType: string }
    assert.equal(sent.schemaType, 'JSON')
    assert.deepEqual(JSON.parse(sent.schema), person)
    assert.equal(json.schemaId('people'), 31)
    // Ready: prepare is null, the producer's per-record check.
    assert.equal(json.serializer.prepare('people'), null)

    const value = { name: 'Ann', age: 7, address: { zip: '12345' }, tags: ['a', 'é'] }
    const bytes = json.serializer(value, 'people')
    assert.ok(bytes !== null)
    assert.deepEqual([...bytes.subarray(0, 5)], [0, 0, 0, 0, 31])
    assert.equal(Buffer.from(bytes.subarray(5)).toString('utf8'), JSON.stringify(value))
    assert.equal(json.serializer(null, 'people'), null)
  })

  test('concurrent prepares of a topic share one registry call', async () => {
    const json = new JsonSchemaSerializer({ registry: registry(), schema: person })
    const a = json.serializer.prepare('t')
    const b = json.serializer.prepare('t')
    assert.equal(a, b)
    await Promise.all([a, b, json.prepare('t', 't')])
    assert.equal(requests.length, 1)
  })

  test('a value that fails validation names the field and ajv message, for that value only', async () => {
    const json = new JsonSchemaSerializer({ registry: registry(), schema: person })
    await json.prepare('t')
    const cases: [unknown, RegExp][] = [
      [{ name: 'a', address: { zip: 12345 } }, /\/address\/zip must be string/],
      [{ name: 'a', address: {} }, /\/address must have required property 'zip'/],
      [{ age: 3 }, /\/ must have required property 'name'/],
      [{ name: 'a', age: -1 }, /\/age must be >= 0/],
      [{ name: 'a', age: 1.5 }, /\/age must be integer/],
      [{ name: 'a', tags: ['x', 2] }, /\/tags\/1 must be string/],
      [{ name: 'a', extra: 1 }, /\/ must NOT have additional properties \('extra'\)/],
      [{ name: 'a', age: Number.NaN }, /\/age must be integer/], // NaN is written as null
      ['text', /\/ must be object/],
    ]
    for (const [value, message] of cases) {
      const err = serializationError(() => json.serializer(value, 't'))
      assert.match(err.message, message)
      assert.match(
        err.message,
        /value for topic 't' does not match the JSON schema of subject 't-value' \(id 31\)/,
      )
      assert.ok(Array.isArray(err.cause), 'the cause is the list of ajv errors')
    }
    // The next good value goes through.
    assert.ok(json.serializer({ name: 'ok' }, 't') !== null)
  })

  test('values JSON cannot carry are SerializationErrors; validate false skips the check', async () => {
    const json = new JsonSchemaSerializer({ registry: registry(), schema: { type: 'object' } })
    await json.prepare('t')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assert.match(serializationError(() => json.serializer(cyclic, 't')).message, /no JSON form.*circular/i)
    assert.match(serializationError(() => json.serializer({ n: 1n }, 't')).message, /no JSON form.*BigInt/)
    assert.match(
      serializationError(() => json.serializer(undefined, 't')).message,
      /no JSON form: it is undefined/,
    )
    assert.match(serializationError(() => json.serializer((() => 1) as unknown, 't')).message, /no JSON form/)

    const loose = new JsonSchemaSerializer({ registry: registry(), schema: person, validate: false })
    await loose.prepare('t')
    const bytes = loose.serializer({ wrong: true }, 't')
    assert.equal(Buffer.from(bytes!.subarray(5)).toString(), '{"wrong":true}')
    // A Date is validated as the string it is written as.
    const dated = new JsonSchemaSerializer({
      registry: registry(),
      schema: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } },
    })
    await dated.prepare('t')
    const at = new Date(0)
    assert.equal(
      Buffer.from(dated.serializer({ at }, 't')!.subarray(5)).toString(),
      '{"at":"1970-01-01T00:00:00.000Z"}',
    )
  })

  test('a topic not prepared fails with ERR_SERIALIZATION saying so; a failed prepare is reported with the registry message', async () => {
    const json = new JsonSchemaSerializer({ registry: registry(), schema: person, autoRegister: false })
    assert.match(
      serializationError(() => json.serializer({ name: 'a' }, 'nope')).message,
      /prepare\('nope'\)/,
    )
    let regErr: unknown
    await assert.rejects(json.serializer.prepare('nope')!, (e: unknown) => {
      regErr = e
      return e instanceof KafkaError && e.code === 'ERR_SUBJECT_NOT_FOUND'
    })
    assert.equal(requests[0]?.url, '/subjects/nope-value')
    const err = serializationError(() => json.serializer({ name: 'a' }, 'nope'))
    assert.match(err.message, /preparing topic 'nope' failed: .*Subject not found/)
    assert.equal(err.cause, regErr)
    // Not remembered: the next prepare asks again, and succeeds once the subject is there.
    answers['POST /subjects/nope-value'] = {
      body: { subject: 'nope-value', id: 44, version: 1, schema: JSON.stringify(person) },
    }
    const p = json.serializer.prepare('nope')
    assert.ok(p instanceof Promise)
    await p
    assert.equal(json.schemaId('nope'), 44)
    assert.ok(json.serializer({ name: 'a' }, 'nope') !== null)
  })

  test('the registry refusing a schema as incompatible rejects prepare with its message', async () => {
    answers['POST /subjects/t-value/versions'] = {
      status: 409,
      body: { error_code: 409, message: 'Schema being registered is incompatible with an earlier schema' },
    }
    const json = new JsonSchemaSerializer({ registry: registry(), schema: person })
    await assert.rejects(
      json.prepare('t'),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.code === 'ERR_INCOMPATIBLE_SCHEMA' &&
        /incompatible with an earlier/.test(e.message),
    )
  })

  test('subject name strategies: topic, record (the title), topic-record, a function; keys', () => {
    const r = registry()
    const make = (o: Partial<ConstructorParameters<typeof JsonSchemaSerializer>[0]>) =>
      new JsonSchemaSerializer({ registry: r, schema: person, ...o })
    assert.equal(make({}).subject('t'), 't-value')
    assert.equal(make({ isKey: true }).subject('t'), 't-key')
    assert.equal(make({ subjectNameStrategy: 'record' }).subject('t'), 'Person')
    assert.equal(make({ subjectNameStrategy: 'topic-record' }).subject('t'), 't-Person')
    assert.equal(make({ subjectNameStrategy: (t, k, n) => `${t}|${k}|${n}` }).subject('t'), 't|false|Person')
    assert.throws(
      () =>
        new JsonSchemaSerializer({ registry: r, schema: { type: 'object' }, subjectNameStrategy: 'record' }),
      (e: unknown) =>
        e instanceof ConfigError && e.option === 'subjectNameStrategy' && /title/.test(e.message),
    )
  })

  test('drafts: draft-07 by default, 2019-09 and 2020-12 by $schema, draft-06; draft-04 is refused', async () => {
    // 2020-12: prefixItems; 2019-09: unevaluatedProperties; draft-07 ignores both (unknown keywords).
    const tuple = { prefixItems: [{ type: 'string' }], type: 'array' }
    const d2020 = new JsonSchemaSerializer({
      registry: registry(),
      schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...tuple },
    })
    const d07 = new JsonSchemaSerializer({ registry: registry(), schema: tuple })
    await d2020.prepare('t')
    await d07.prepare('t')
    assert.match(serializationError(() => d2020.serializer([1], 't')).message, /\/0 must be string/)
    assert.ok(d07.serializer([1], 't') !== null)

    const uneval = {
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      type: 'object',
      allOf: [{ properties: { a: { type: 'string' } } }],
      unevaluatedProperties: false,
    }
    const d2019 = new JsonSchemaSerializer({ registry: registry(), schema: uneval })
    await d2019.prepare('t')
    assert.ok(d2019.serializer({ a: 'x' }, 't') !== null)
    assert.match(serializationError(() => d2019.serializer({ a: 'x', b: 1 }, 't')).message, /unevaluated/)

    const d06 = new JsonSchemaSerializer({
      registry: registry(),
      schema: { $schema: 'http://json-schema.org/draft-06/schema#', type: 'integer', exclusiveMinimum: 0 },
    })
    await d06.prepare('t')
    assert.match(serializationError(() => d06.serializer(0, 't')).message, /must be > 0/)

    for (const $schema of ['http://json-schema.org/draft-04/schema#', 'https://example.com/my-meta']) {
      assert.throws(
        () => new JsonSchemaSerializer({ registry: registry(), schema: { $schema, type: 'object' } }),
        (e: unknown) => e instanceof ConfigError && e.option === 'schema',
        $schema,
      )
    }
  })

  test('formats come from ajv-formats; an unknown one is a ConfigError unless given in formats', async () => {
    const schema = {
      type: 'object',
      properties: { email: { type: 'string', format: 'email' }, id: { type: 'string', format: 'uuid' } },
    }
    const json = new JsonSchemaSerializer({ registry: registry(), schema })
    await json.prepare('t')
    assert.ok(json.serializer({ email: 'a@example.com', id: '0b6f8a1e-8b0a-4a57-9e4b-2a1c9c3f0d11' }, 't'))
    assert.match(
      serializationError(() => json.serializer({ email: 'nope' }, 't')).message,
      /\/email must match format "email"/,
    )
    assert.match(
      serializationError(() => json.serializer({ id: 'x' }, 't')).message,
      /\/id must match format "uuid"/,
    )

    const custom = { type: 'string', format: 'sku' }
    assert.throws(
      () => new JsonSchemaSerializer({ registry: registry(), schema: custom }),
      (e: unknown) => e instanceof ConfigError && e.option === 'formats' && /'sku'/.test(e.message),
    )
    const sku = new JsonSchemaSerializer({
      registry: registry(),
      schema: custom,
      formats: { sku: /^SKU-\d+$/ },
    })
    await sku.prepare('t')
    assert.ok(sku.serializer('SKU-1', 't'))
    assert.match(serializationError(() => sku.serializer('x', 't')).message, /must match format "sku"/)
  })

  test('references: registered with the schema, fetched, and given to ajv by name and $id', async () => {
    answers['GET /subjects/address/versions/2'] = {
      body: { subject: 'address', version: 2, id: 5, schema: JSON.stringify(address), schemaType: 'JSON' },
    }
    const schema = {
      type: 'object',
      properties: {
        home: { $ref: 'address.json' },
        work: { $ref: 'https://example.com/address.json' },
      },
    }
    const references = [{ name: 'address.json', subject: 'address', version: 2 }]
    const json = new JsonSchemaSerializer({ registry: registry(), schema, references })
    await json.prepare('t')
    const posted = JSON.parse(requests.find((r) => r.method === 'POST')?.body ?? '') as {
      references: unknown
    }
    assert.deepEqual(posted.references, references)
    assert.ok(json.serializer({ home: { zip: '12345' }, work: { zip: '54321' } }, 't'))
    assert.match(
      serializationError(() => json.serializer({ home: { zip: 'abc' } }, 't')).message,
      /\/home\/zip must match pattern/,
    )
    assert.match(
      serializationError(() => json.serializer({ work: {} }, 't')).message,
      /\/work must have required property 'zip'/,
    )
    // A second topic reuses the compiled schema: only the registration is asked for.
    requests = []
    await json.prepare('u')
    assert.deepEqual(
      requests.map((r) => r.url),
      ['/subjects/u-value/versions'],
    )
  })

  test('references of references are fetched too, each once', async () => {
    const zip = { $id: 'zip.json', type: 'string', pattern: '^[0-9]{5}$' }
    const addr = { $id: 'addr.json', type: 'object', properties: { zip: { $ref: 'zip.json' } } }
    answers['GET /subjects/zip/versions/1'] = {
      body: { subject: 'zip', version: 1, id: 1, schema: JSON.stringify(zip), schemaType: 'JSON' },
    }
    answers['GET /subjects/addr/versions/1'] = {
      body: {
        subject: 'addr',
        version: 1,
        id: 2,
        schema: JSON.stringify(addr),
        schemaType: 'JSON',
        references: [{ name: 'zip.json', subject: 'zip', version: 1 }],
      },
    }
    const json = new JsonSchemaSerializer({
      registry: registry(),
      schema: { type: 'object', properties: { home: { $ref: 'addr.json' }, zip: { $ref: 'zip.json' } } },
      references: [
        { name: 'addr.json', subject: 'addr', version: 1 },
        { name: 'zip.json', subject: 'zip', version: 1 },
      ],
    })
    await json.prepare('t')
    assert.equal(requests.filter((r) => r.url === '/subjects/zip/versions/1').length, 1)
    assert.ok(json.serializer({ home: { zip: '12345' }, zip: '54321' }, 't'))
    assert.match(
      serializationError(() => json.serializer({ home: { zip: '1' } }, 't')).message,
      /\/home\/zip must match pattern/,
    )
  })

  test('a reference that is not a JSON schema rejects prepare; the next prepare tries again', async () => {
    answers['GET /subjects/proto/versions/1'] = {
      body: { subject: 'proto', version: 1, id: 3, schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' },
    }
    const json = new JsonSchemaSerializer({
      registry: registry(),
      schema: { type: 'object' },
      references: [{ name: 'p.json', subject: 'proto', version: 1 }],
    })
    await assert.rejects(json.prepare('t'), /reference 'p.json' \(proto version 1\) is PROTOBUF, not JSON/)
    answers['GET /subjects/proto/versions/1'] = {
      body: { subject: 'proto', version: 1, id: 3, schema: '{"type":"string"}', schemaType: 'JSON' },
    }
    await json.prepare('t')
    assert.ok(json.serializer({}, 't'))
  })

  test('keys: subject <topic>-key, errors say key', async () => {
    const json = new JsonSchemaSerializer({ registry: registry(), schema: { type: 'string' }, isKey: true })
    await json.prepare('t')
    assert.equal(requests[0]?.url, '/subjects/t-key/versions')
    assert.match(
      serializationError(() => json.serializer(1, 't')).message,
      /^key for topic 't'.*\/ must be string/,
    )
  })

  test('useLatestVersion takes the id and the schema of the subject latest version', async () => {
    answers['GET /subjects/t-value/versions/latest'] = {
      body: {
        subject: 't-value',
        version: 3,
        id: 77,
        schemaType: 'JSON',
        schema: JSON.stringify({ type: 'object', required: ['v3'] }),
      },
    }
    const json = new JsonSchemaSerializer({
      registry: registry(),
      schema: { type: 'object' },
      useLatestVersion: true,
    })
    await json.prepare('t')
    assert.equal(json.schemaId('t'), 77)
    assert.ok(requests.every((r) => r.method === 'GET'))
    assert.match(
      serializationError(() => json.serializer({}, 't')).message,
      /must have required property 'v3'/,
    )
    assert.throws(
      () =>
        new JsonSchemaSerializer({
          registry: registry(),
          schema: {},
          useLatestVersion: true,
          autoRegister: true,
        }),
      (e: unknown) => e instanceof ConfigError && e.option === 'useLatestVersion',
    )
  })

  test('configuration mistakes are ConfigErrors naming the option', () => {
    const r = registry()
    const cases: [() => unknown, string][] = [
      [() => new JsonSchemaSerializer({ registry: r, schema: 'not json' }), 'schema'],
      [() => new JsonSchemaSerializer({ registry: r, schema: '[1]' }), 'schema'],
      [() => new JsonSchemaSerializer({ registry: r, schema: { type: 'nope' } }), 'schema'],
      [() => new JsonSchemaSerializer({ registry: r, schema: { $schema: 7 } }), 'schema'],
      [
        () =>
          new JsonSchemaSerializer({
            registry: r,
            schema: {},
            subjectNameStrategy: 'nope' as unknown as 'topic',
          }),
        'subjectNameStrategy',
      ],
      [
        () =>
          new JsonSchemaSerializer({
            registry: r,
            schema: {},
            references: [
              { name: 'a', subject: 'b' } as unknown as { name: string; subject: string; version: number },
            ],
          }),
        'references',
      ],
      [
        () => new JsonSchemaSerializer({ registry: r, schema: {}, formats: { x: 'y' as unknown as RegExp } }),
        'formats',
      ],
      [
        () =>
          new JsonSchemaSerializer({ registry: undefined as unknown as SchemaRegistryClient, schema: {} }),
        'registry',
      ],
    ]
    for (const [make, option] of cases) {
      assert.throws(make, (e: unknown) => e instanceof ConfigError && e.option === option, option)
    }
  })

  test('through the Producer: a topic not prepared, or a value that fails, fails that record with ERR_SERIALIZATION', async () => {
    const json = new JsonSchemaSerializer({ registry: registry(), schema: person })
    await json.prepare('t')
    // Nothing reaches a broker: every record fails in send(), before any connection is needed.
    const producer = new Producer({ bootstrapServers: '127.0.0.1:1', valueSerializer: json.serializer })
    try {
      await assert.rejects(
        producer.send({ topic: 't', value: { name: 'a', address: { zip: 1 } } }),
        (e: unknown) => e instanceof SerializationError && /\/address\/zip must be string/.test(e.message),
      )
    } finally {
      await producer.close({ timeoutMs: 0 }).catch(() => {})
    }
  })
})

describe('JsonSchemaDeserializer', () => {
  test('parses and validates with the writer schema fetched by id, once per id', async () => {
    answers['GET /schemas/ids/31'] = { body: { schema: JSON.stringify(person), schemaType: 'JSON' } }
    const json = new JsonSchemaSerializer({ registry: registry(), schema: person })
    await json.prepare('t')
    const bytes = json.serializer({ name: 'Bo', tags: ['x'] }, 't') as Uint8Array
    const d = new JsonSchemaDeserializer(registry())
    requests = []
    assert.deepEqual(await d.deserialize(bytes), { name: 'Bo', tags: ['x'] })
    await d.deserialize(bytes)
    assert.equal(requests.length, 1)
    // Bytes the schema refuses: validated by default, returned with validate false.
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 0, 31]), Buffer.from('{"name":1}')])
    await assert.rejects(d.deserialize(bad), /\/name must be string/)
    assert.deepEqual(await new JsonSchemaDeserializer(registry(), { validate: false }).deserialize(bad), {
      name: 1,
    })
  })

  test('a schema that is not JSON, an unknown id, bad magic byte or text that is not JSON is refused', async () => {
    answers['GET /schemas/ids/23'] = { body: { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' } }
    answers['GET /schemas/ids/24'] = { body: { schema: '{}', schemaType: 'JSON' } }
    answers['GET /schemas/ids/25'] = { status: 404, body: { error_code: 40403, message: 'Schema not found' } }
    const d = new JsonSchemaDeserializer(registry())
    await assert.rejects(d.deserialize(Buffer.from([0, 0, 0, 0, 23, 0x7b, 0x7d])), /PROTOBUF, not JSON/)
    await assert.rejects(
      d.deserialize(Buffer.from([0, 0, 0, 0, 25, 0x7b, 0x7d])),
      (e: unknown) => e instanceof KafkaError && e.code === 'ERR_SCHEMA_NOT_FOUND',
    )
    await assert.rejects(d.deserialize(Buffer.from([1, 0, 0, 0, 24, 0x7b, 0x7d])), /magic byte/)
    await assert.rejects(d.deserialize(Buffer.from([0, 0, 0, 0, 24, 0x7b])), /not JSON/)
  })
})

describe('without the optional peers', () => {
  // A child process where require('ajv') (and 'ajv-formats') finds nothing, as in a project
  // without them: the CommonJS resolver, which createRequire uses, is patched.
  function inChild(code: string, missing = '^ajv(-formats)?($|\\/)'): string {
    const script = [
      "import Module from 'node:module'",
      'const resolve = Module._resolveFilename',
      'Module._resolveFilename = function (request, ...rest) {',
      `  if (new RegExp(${JSON.stringify(missing)}).test(request)) { const e = new Error('Cannot find module ' + request); e.code = 'MODULE_NOT_FOUND'; throw e }`,
      '  return resolve.call(this, request, ...rest)',
      '}',
      "const { SchemaRegistryClient } = await import('./src/schema-registry/client.ts')",
      "const { JsonSchemaSerializer } = await import('./src/schema-registry/json-schema.ts')",
      "const registry = new SchemaRegistryClient({ url: 'http://127.0.0.1:1' })",
      code,
    ].join('\n')
    return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    })
  }

  test("without ajv: a ConfigError naming 'ajv' and how to install it; validate false works", () => {
    const out = inChild(
      [
        "try { new JsonSchemaSerializer({ registry, schema: { type: 'object' } }); console.log('made') } catch (e) { console.log(e.code + ' ' + e.option + ': ' + e.message) }",
        "try { new JsonSchemaSerializer({ registry, schema: { type: 'object' }, references: [{ name: 'a.json', subject: 'a', version: 1 }] }); console.log('made') } catch (e) { console.log(e.code + ' ' + e.option + ': ' + e.message) }",
        "new JsonSchemaSerializer({ registry, schema: { type: 'object' }, validate: false }); console.log('unvalidated made')",
      ].join('\n'),
    )
    const lines = out.trim().split('\n')
    assert.equal(lines.length, 3, out)
    // With references or without, the serializer says so when it is made.
    assert.match(lines[0]!, /^ERR_CONFIG ajv: .*'ajv'.*npm install ajv/)
    assert.match(lines[1]!, /^ERR_CONFIG ajv: .*'ajv'.*npm install ajv/)
    assert.match(out, /^unvalidated made$/m)
  })

  test("without ajv-formats: a schema with a format is a ConfigError naming 'ajv-formats'; one without works", () => {
    const out = inChild(
      [
        "try { new JsonSchemaSerializer({ registry, schema: { type: 'string', format: 'email' } }); console.log('made') } catch (e) { console.log(e.code + ' ' + e.option + ': ' + e.message) }",
        "new JsonSchemaSerializer({ registry, schema: { type: 'string' } }); console.log('plain made')",
      ].join('\n'),
      '^ajv-formats($|\\/)',
    )
    assert.match(out, /^ERR_CONFIG ajv-formats: .*'email'.*'ajv-formats'.*npm install ajv-formats/m)
    assert.match(out, /^plain made$/m)
  })
})

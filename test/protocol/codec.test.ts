import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ProtocolError } from '../../src/errors.js'
import { ApiKey, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/api-keys.js'
import {
  type ApiDescriptor,
  decodeBody,
  decodeRequest,
  decodeResponse,
  defineApi,
  encodeBody,
  encodeRequest,
  pickVersion,
  readCorrelationId,
} from '../../src/protocol/codec.js'
import { ApiVersions } from '../../src/protocol/messages/api-versions.js'
import { CreateTopics } from '../../src/protocol/messages/create-topics.js'
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js'
import { Metadata } from '../../src/protocol/messages/metadata.js'
import { Produce } from '../../src/protocol/messages/produce.js'
import { Reader } from '../../src/protocol/reader.js'
import { field, message } from '../../src/protocol/schema.js'
import { Writer } from '../../src/protocol/writer.js'
import { loadFixture } from './messages/fixtures.js'

function frameOf(name: string, version: number, variant = 'values'): Buffer {
  const s = loadFixture(name).samples.find((x) => x.version === version && x.variant === variant)
  assert.ok(s, `${name} v${version} ${variant} fixture`)
  return Buffer.from(s.frame, 'hex')
}

/** Runs `fn`; passes if it returns or throws a ProtocolError, fails on any other error. */
function onlyProtocolErrors(fn: () => unknown, what: string): boolean {
  try {
    fn()
    return true
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `${what}: threw ${String(err)}`)
    return false
  }
}

describe('pickVersion', () => {
  test('takes the highest version both sides support', () => {
    assert.equal(pickVersion(Produce, 0, 11), 11)
    assert.equal(pickVersion(Produce, 0, 99), Produce.maxVersion)
    assert.equal(pickVersion(Produce, 5, 9), 9)
  })

  test('is null when the ranges do not meet', () => {
    assert.equal(pickVersion(Produce, 0, 2), null)
    assert.equal(pickVersion(Produce, 14, 20), null)
  })

  test('does not pick a version Kafka marks unstable', () => {
    assert.equal(InitProducerId.maxVersion, 5)
    assert.equal(pickVersion(InitProducerId, 0, 6), 5)
  })
})

describe('headers', () => {
  test('flexible versions use request header v2 and response header v1, except ApiVersions responses', () => {
    assert.equal(requestHeaderVersion(ApiKey.Produce, false), 1)
    assert.equal(requestHeaderVersion(ApiKey.Produce, true), 2)
    assert.equal(responseHeaderVersion(ApiKey.Produce, false), 0)
    assert.equal(responseHeaderVersion(ApiKey.Produce, true), 1)
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, true), 2)
    assert.equal(responseHeaderVersion(ApiKey.ApiVersions, true), 0)
  })

  test('the client id stays an int16-length string in header v2', () => {
    const w = new Writer(64)
    encodeRequest(w, ApiVersions, 3, 42, 'ab', { clientSoftwareName: 'x', clientSoftwareVersion: 'y' })
    const b = w.toBuffer()
    assert.equal(b.readInt32BE(0), b.length - 4)
    assert.deepEqual([b.readInt16BE(4), b.readInt16BE(6), b.readInt32BE(8)], [18, 3, 42])
    assert.equal(b.readInt16BE(12), 2)
    assert.equal(b.toString('utf8', 14, 16), 'ab')
    assert.equal(b[16], 0, 'empty header tag section')
  })

  test('readCorrelationId reads the first four bytes and rejects shorter frames', () => {
    assert.equal(readCorrelationId(Buffer.from([0, 0, 1, 2, 9])), 258)
    assert.throws(() => readCorrelationId(Buffer.from([0, 0, 1])), ProtocolError)
  })
})

describe('encoding', () => {
  test('a failed encode leaves what the writer already held untouched', () => {
    const w = new Writer(64)
    encodeRequest(w, ApiVersions, 0, 1, 'c', {})
    const before = w.toBuffer()
    assert.throws(
      () =>
        encodeRequest(w, Produce, 9, 2, 'c', {
          transactionalId: null,
          acks: 1,
          timeoutMs: 1,
          topicData: [{ name: null as unknown as string, partitionData: [] }],
        }),
      ProtocolError,
    )
    assert.deepEqual(w.toBuffer(), before)
  })

  test('versions outside the definition are refused', () => {
    const w = new Writer(64)
    assert.throws(() => encodeRequest(w, Produce, 2, 1, null, {} as never), /no version 2/)
    assert.equal(w.pos, 0)
    assert.throws(() => decodeResponse(Produce, 14, Buffer.alloc(8)), ProtocolError)
  })

  test('omitted fields take their defaults; a null uuid is the zero uuid', () => {
    const w = new Writer(64)
    encodeBody(w, Metadata.request, 12, { topics: [{ topicId: null, name: 't' }] })
    const decoded = decodeBody<Record<string, unknown>>(Metadata.request, 12, new Reader(w.toBuffer()))
    assert.deepStrictEqual(decoded, {
      topics: [{ topicId: Buffer.alloc(16), name: 't' }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    })
  })

  test('records are written as nullable bytes, compact in flexible versions', () => {
    const records = Uint8Array.from([7, 8, 9])
    const body = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    }
    const w = new Writer(64)
    encodeBody(w, Produce.request, 8, body)
    assert.ok(
      w
        .toBuffer()
        .subarray(-7)
        .equals(Buffer.from([0, 0, 0, 3, 7, 8, 9])),
    )
    w.reset()
    encodeBody(w, Produce.request, 9, body)
    // compact length 3 + 1, the bytes, then the partition's and topic's and message's empty tags
    assert.ok(
      w
        .toBuffer()
        .subarray(-7)
        .equals(Buffer.from([4, 7, 8, 9, 0, 0, 0])),
    )
  })
})

describe('tagged fields', () => {
  const inner = [field('A', 'int32', '0+'), field('B', 'int32', '0+')]
  const full = message('response', 1000, 'TestResponse', '0-1', '1+', [
    field('X', 'int16', '0+'),
    field('Known', 'string', '1+', { tag: 0, tagged: '1+' }),
    field('Later', '[]Item', '1+', { tag: 5, tagged: '1+' }, inner),
  ])
  const older = message('response', 1000, 'TestResponse', '0-1', '1+', [
    field('X', 'int16', '0+'),
    field('Known', 'string', '1+', { tag: 0, tagged: '1+' }),
  ])

  test('unknown tags are skipped, known ones read', () => {
    const w = new Writer(64)
    encodeBody(w, full, 1, { x: 3, known: 'k', later: [{ a: 1, b: 2 }] })
    const decoded = decodeBody(older, 1, new Reader(w.toBuffer()))
    assert.deepStrictEqual(decoded, { x: 3, known: 'k' })
    assert.deepStrictEqual(decodeBody(full, 1, new Reader(w.toBuffer())), {
      x: 3,
      known: 'k',
      later: [{ a: 1, b: 2 }],
    })
  })

  test('default values are not written', () => {
    const w = new Writer(64)
    encodeBody(w, full, 1, { x: 3, known: '', later: [] })
    assert.deepEqual([...w.toBuffer()], [0, 3, 0])
  })

  test('a tagged field larger than 127 bytes gets a two-byte size', () => {
    const w = new Writer(16)
    const known = 'k'.repeat(300)
    encodeBody(w, full, 1, { x: 1, known })
    assert.deepStrictEqual(decodeBody(full, 1, new Reader(w.toBuffer())), { x: 1, known, later: [] })
  })

  test('out-of-order or oversized tags are protocol errors', () => {
    assert.throws(() => decodeBody(full, 1, new Reader(Buffer.from([0, 1, 2, 5, 0, 0, 0]))), ProtocolError)
    assert.throws(() => decodeBody(full, 1, new Reader(Buffer.from([0, 1, 1, 0, 9, 1]))), ProtocolError)
  })
})

describe('decoding', () => {
  test('an ApiVersions answer in v0 (the broker does not support our version) is read as v0', () => {
    const w = new Writer(64)
    w.int32(5) // correlation id
    w.int16(35) // UNSUPPORTED_VERSION
    w.int32(1)
    w.int16(18).int16(0).int16(3)
    const res = decodeResponse(ApiVersions, 5, w.toBuffer())
    assert.equal(res.errorCode, 35)
    assert.deepEqual(res.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 3 }])
  })

  test('trailing bytes after a response are a protocol error', () => {
    const frame = frameOf('ProduceResponse', 11)
    assert.throws(() => decodeResponse(Produce, 11, Buffer.concat([frame, Buffer.from([0])])), /trailing/)
  })

  test('null in a non-nullable field is a protocol error', () => {
    const w = new Writer(64)
    w.int32(1).int32(0) // correlation id, throttle time
    w.int32(-1) // a null topics array: not nullable in CreateTopics v2
    assert.throws(() => decodeResponse(CreateTopics, 2, w.toBuffer()), /not nullable/)
  })

  const truncated: [ApiDescriptor<unknown, unknown>, string, number][] = [
    [Produce as ApiDescriptor<unknown, unknown>, 'ProduceResponse', 13],
    [Produce as ApiDescriptor<unknown, unknown>, 'ProduceResponse', 7],
    [Metadata as ApiDescriptor<unknown, unknown>, 'MetadataResponse', 12],
    [ApiVersions as ApiDescriptor<unknown, unknown>, 'ApiVersionsResponse', 4],
    [CreateTopics as ApiDescriptor<unknown, unknown>, 'CreateTopicsResponse', 7],
  ]
  for (const [api, name, version] of truncated) {
    test(`${name} v${version} cut at every length is a ProtocolError`, () => {
      const frame = frameOf(name, version)
      decodeResponse(api, version, frame)
      for (let n = 0; n < frame.length; n++) {
        assert.throws(() => decodeResponse(api, version, frame.subarray(0, n)), ProtocolError, `cut at ${n}`)
      }
    })
  }

  test('ProduceRequest v13 cut at every length is a ProtocolError', () => {
    const frame = frameOf('ProduceRequest', 13)
    for (let n = 0; n < frame.length; n++) {
      assert.throws(() => decodeRequest(Produce, frame.subarray(0, n)), ProtocolError, `cut at ${n}`)
    }
  })

  test('garbage and corrupted frames give a ProtocolError or a value, never anything else', () => {
    let seed = 0x2545f491
    const rand = () => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) / 0x100000000
    }
    const cases: [ApiDescriptor<unknown, unknown>, number, Buffer][] = [
      [Produce as ApiDescriptor<unknown, unknown>, 13, frameOf('ProduceResponse', 13)],
      [Produce as ApiDescriptor<unknown, unknown>, 8, frameOf('ProduceResponse', 8)],
      [Metadata as ApiDescriptor<unknown, unknown>, 12, frameOf('MetadataResponse', 12)],
      [Metadata as ApiDescriptor<unknown, unknown>, 5, frameOf('MetadataResponse', 5)],
      [ApiVersions as ApiDescriptor<unknown, unknown>, 3, frameOf('ApiVersionsResponse', 3)],
    ]
    let failures = 0
    for (const [api, version, frame] of cases) {
      for (let i = 0; i < 3000; i++) {
        const bad = Buffer.from(frame)
        const flips = 1 + Math.floor(rand() * 4)
        for (let j = 0; j < flips; j++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256)
        if (!onlyProtocolErrors(() => decodeResponse(api, version, bad), `${api.name} v${version} corrupted`))
          failures++
        const noise = Buffer.alloc(Math.floor(rand() * 64))
        for (let j = 0; j < noise.length; j++) noise[j] = Math.floor(rand() * 256)
        if (!onlyProtocolErrors(() => decodeResponse(api, version, noise), `${api.name} v${version} noise`))
          failures++
      }
    }
    assert.ok(failures > 1000, 'most corrupted frames are rejected')
  })
})

test('defineApi refuses a request and response that disagree', () => {
  assert.throws(() => defineApi(Produce.request, Metadata.response), /disagree/)
})

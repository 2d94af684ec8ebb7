/**
 * Golden bytes from Kafka's Java message classes (test/java/MessageFixtures.java), for every
 * version of every message we define: our encoder must produce exactly Java's bytes, for
 * requests and for responses (a fake broker encodes those), and our decoder must read Java's
 * bytes back into the same values. Frames include Kafka's own request/response headers.
 * fixtures-java.test.ts checks that Kafka still writes exactly these fixtures.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { APIS } from '../../../src/protocol/apis.js'
import {
  decodeBody,
  decodeRequest,
  decodeResponse,
  encodeBody,
  encodeRequest,
  encodeResponse,
} from '../../../src/protocol/codec.js'
import { Reader } from '../../../src/protocol/reader.js'
import { Writer } from '../../../src/protocol/writer.js'
import { loadFixture, toOurs } from './fixtures.js'

const hex = (b: Buffer) => b.toString('hex')
const sized = (frameHex: string) => {
  const frame = Buffer.from(frameHex, 'hex')
  const size = Buffer.alloc(4)
  size.writeInt32BE(frame.length)
  return hex(Buffer.concat([size, frame]))
}

for (const api of APIS) {
  describe(`${api.name} fixtures`, () => {
    for (const def of [api.request, api.response]) {
      const fixture = loadFixture(def.name)
      const versions = new Set(fixture.samples.map((s) => s.version))

      test(`${def.name}: every version ${def.validVersions.min}-${def.validVersions.max} has samples`, () => {
        assert.equal(fixture.apiKey, api.apiKey)
        for (let v = def.validVersions.min; v <= def.validVersions.max; v++)
          assert.ok(versions.has(v), `v${v}`)
        assert.equal(versions.size, def.validVersions.max - def.validVersions.min + 1)
      })

      for (const s of fixture.samples) {
        const label = `${def.name} v${s.version} ${s.variant}`
        test(`${label}: body encodes to Java's bytes and decodes to Java's values`, () => {
          const values = toOurs(def, s.version, s.values)
          const w = new Writer(64)
          encodeBody(w, def, s.version, values)
          assert.equal(hex(w.toBuffer()), s.body)
          const r = new Reader(Buffer.from(s.body, 'hex'))
          assert.deepStrictEqual(decodeBody(def, s.version, r), values)
          assert.equal(r.remaining, 0)
        })

        test(`${label}: framed with Kafka's header`, () => {
          const values = toOurs(def, s.version, s.values)
          const w = new Writer(64)
          const frame = Buffer.from(s.frame, 'hex')
          if (def.type === 'request') {
            w.int8(0x55) // the frame must go at w.pos, after what the writer already holds
            encodeRequest(w, api, s.version, s.correlationId, s.clientId ?? null, values)
            assert.equal(hex(w.toBuffer(1)), sized(s.frame))
            const decoded = decodeRequest(api, frame)
            assert.deepStrictEqual(decoded, {
              apiKey: api.apiKey,
              apiVersion: s.version,
              correlationId: s.correlationId,
              clientId: s.clientId ?? null,
              body: values,
            })
          } else {
            encodeResponse(w, api, s.version, s.correlationId, values)
            assert.equal(hex(w.toBuffer()), sized(s.frame))
            assert.deepStrictEqual(decodeResponse(api, s.version, frame), values)
          }
        })
      }
    }
  })
}

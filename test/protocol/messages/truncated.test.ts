/**
 * Every golden frame of every API under test (requests and responses, every version, both
 * samples), cut short at every length, is rejected with a ProtocolError: a broker's truncated
 * answer must never decode into a value or fail with anything else.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ProtocolError } from '../../../src/errors.js'
import { APIS } from '../../../src/protocol/apis.js'
import { decodeBody, decodeRequest, decodeResponse } from '../../../src/protocol/codec.js'
import { ApiVersions } from '../../../src/protocol/messages/api-versions.js'
import { Reader } from '../../../src/protocol/reader.js'
import { loadFixture } from './fixtures.js'

function assertCutsFail(
  whole: Buffer,
  decode: (b: Buffer) => unknown,
  what: string,
  allowed: (cut: Buffer) => boolean = () => false,
): void {
  decode(whole)
  for (let n = 0; n < whole.length; n++) {
    const cut = whole.subarray(0, n)
    if (allowed(cut)) continue
    assert.throws(() => decode(cut), ProtocolError, `${what} cut at ${n} of ${whole.length}`)
  }
}

/**
 * The one deliberate exception: an ApiVersions response that fails to decode at the version asked
 * for is read as v0 (a broker that doesn't know our version answers in v0), so a v1/v2 answer cut
 * just before its trailing throttle time is a whole v0 answer.
 */
function isWholeApiVersionsV0(cut: Buffer): boolean {
  try {
    decodeResponse(ApiVersions, 0, cut)
    return true
  } catch {
    return false
  }
}

for (const api of APIS) {
  describe(`${api.name}: truncated frames`, () => {
    for (const def of [api.request, api.response]) {
      for (const s of loadFixture(def.name).samples) {
        test(`${def.name} v${s.version} ${s.variant}`, () => {
          const frame = Buffer.from(s.frame, 'hex')
          const label = `${def.name} v${s.version} ${s.variant}`
          if (def.type === 'request') {
            assertCutsFail(frame, (b) => decodeRequest(api, b), label)
          } else {
            const v0Fallback = api.apiKey === ApiVersions.apiKey && s.version > 0
            assertCutsFail(
              frame,
              (b) => decodeResponse(api, s.version, b),
              label,
              v0Fallback ? isWholeApiVersionsV0 : undefined,
            )
          }
          // The body alone, without a header to fail first.
          assertCutsFail(
            Buffer.from(s.body, 'hex'),
            (b) => {
              const r = new Reader(b)
              decodeBody(def, s.version, r)
              if (r.remaining !== 0) throw new ProtocolError('trailing bytes')
            },
            `${label} body`,
          )
        })
      }
    }
  })
}

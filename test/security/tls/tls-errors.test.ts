/** tlsFailure: which TLS failures are refusals (TlsError) and which are broken connections. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NetworkError, TlsError } from '../../../src/errors.js'
import { looksLikeTls, tlsFailure } from '../../../src/security/tls/tls-errors.js'

const at = '127.0.0.1:9093'
const failure = (code: string, message = 'boom') => Object.assign(new Error(message), { code })

test('certificate verification failures are TlsErrors naming the broker and the trust store', () => {
  for (const [code, words] of [
    ['CERT_HAS_EXPIRED', /expired/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not issued by a CA in the trust store/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /another host name.*subject alternative names/],
  ] as const) {
    const err = tlsFailure(at, failure(code))
    assert.ok(err instanceof TlsError, code)
    assert.match(err.message, words)
    assert.ok(err.message.includes(at))
    assert.equal((err as TlsError).retriable, false)
  }
})

test('handshake alerts are TlsErrors with a hint', () => {
  const err = tlsFailure(at, failure('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))
  assert.ok(err instanceof TlsError)
  assert.match(err.message, /client certificate/)
  assert.match(tlsFailure(at, failure('ERR_SSL_WRONG_VERSION_NUMBER')).message, /may not speak TLS/)
})

test('a broker hanging up during the handshake stays retriable, saying the port may not speak TLS', () => {
  const err = tlsFailure(
    at,
    failure('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'),
  )
  assert.ok(err instanceof NetworkError)
  assert.equal((err as NetworkError).retriable, true)
  assert.match(err.message, /closed the connection during the TLS handshake/)
  assert.match(err.message, /check security\.protocol/)
  assert.ok(err.message.includes(at))
})

test('other socket errors are plain retriable NetworkErrors', () => {
  const err = tlsFailure(at, failure('ECONNRESET', 'read ECONNRESET'))
  assert.ok(err instanceof NetworkError)
  assert.doesNotMatch(err.message, /may not speak TLS/)
})

test('looksLikeTls spots a TLS alert or handshake record', () => {
  assert.equal(looksLikeTls(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02])), true)
  assert.equal(looksLikeTls(Buffer.from([0x16, 0x03, 0x01])), true)
  assert.equal(looksLikeTls(Buffer.from([0x00, 0x00, 0x00, 0x10])), false)
  assert.equal(looksLikeTls(Buffer.from([0x15, 0x03])), false)
})

import { NetworkError, TlsError } from '../../errors.js'

/** OpenSSL's certificate verification results that mean "this broker can't be trusted". */
const CERTIFICATE_ERRORS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed and not in the trust store',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in a CA that is not in the trust store',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate was not issued by a CA in the trust store',
  UNABLE_TO_GET_ISSUER_CERT: 'its certificate was not issued by a CA in the trust store',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate was not issued by a CA in the trust store',
  CERT_SIGNATURE_FAILURE: 'its certificate signature does not verify',
  CERT_REVOKED: 'its certificate is revoked',
  CERT_UNTRUSTED: 'its certificate is not trusted',
  CERT_REJECTED: 'its certificate was rejected',
  INVALID_CA: 'a CA certificate in its chain is invalid',
  INVALID_PURPOSE: 'its certificate may not be used for a TLS server',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another host name',
}

/** What an OpenSSL verification code (or Node's ERR_TLS_CERT_ALTNAME_INVALID) says about a peer, if it is one. */
export function certificateProblem(code: string): string | undefined {
  return CERTIFICATE_ERRORS[code]
}

const FIX_TRUST =
  'Check ssl.truststore.location / ssl.truststore.certificates (the CA that signed the broker certificates)'

/**
 * A TLS failure as the error to report: a TlsError (not retriable) when the certificate or the
 * handshake is refused, a retriable NetworkError when the connection merely broke. `address` is
 * the broker's advertised `host:port`.
 */
export function tlsFailure(address: string, err: Error & { code?: string; reason?: string }): Error {
  const code = err.code ?? ''
  const known = CERTIFICATE_ERRORS[code]
  if (known !== undefined) {
    const fix =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? `${err.reason ?? err.message}. The broker's advertised host must be in its certificate's subject alternative names; ` +
          "fix the certificate or advertised.listeners (setting ssl.endpoint.identification.algorithm='' turns the check off, which is unsafe)"
        : FIX_TRUST
    return new TlsError(`TLS connection to broker ${address} refused: ${known} (${code}). ${fix}.`, {
      cause: err,
    })
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    return new TlsError(`TLS handshake with broker ${address} failed: ${err.message}${hintFor(code)}`, {
      cause: err,
    })
  }
  if (code === 'ECONNRESET' && /before secure TLS connection/.test(err.message)) {
    // A plaintext Kafka listener reads the ClientHello as an oversized request and hangs up; so
    // does a broker over its connection quota, which is why this stays retriable.
    return new NetworkError(
      `TLS connection to broker ${address} failed: the broker closed the connection during the TLS handshake. ` +
        'If this repeats, the port may not speak TLS: check security.protocol (PLAINTEXT or SASL_PLAINTEXT for a plaintext listener)',
      { cause: err },
    )
  }
  return new NetworkError(`TLS connection to broker ${address} failed: ${err.message}`, { cause: err })
}

function hintFor(code: string): string {
  if (
    code.includes('CERTIFICATE_REQUIRED') ||
    code.includes('HANDSHAKE_FAILURE') ||
    code.includes('BAD_CERTIFICATE')
  )
    return '. The broker may require a client certificate (ssl.keystore.location, or ssl.keystore.certificate.chain and ssl.keystore.key)'
  if (code.includes('UNKNOWN_CA'))
    return '. The broker does not trust the client certificate: it must be signed by a CA in the broker truststore'
  if (code.includes('WRONG_VERSION_NUMBER') || code.includes('PACKET_LENGTH_TOO_LONG'))
    return '. The port may not speak TLS: check security.protocol (PLAINTEXT or SASL_PLAINTEXT for a plaintext listener)'
  if (code.includes('VERSION') || code.includes('PROTOCOL'))
    return '. No TLS version in common: check ssl.enabled.protocols / ssl.protocol'
  if (code.includes('CIPHER')) return '. No cipher suite in common: check ssl.cipher.suites'
  return ''
}

/** Connections closed during the TLS handshake, which the pool counts per broker. */
const closedInHandshake = new WeakSet<Error>()

/**
 * How many TLS handshakes in a row a broker may close before the client concludes that the port
 * does not speak TLS. One such closure can be a broker restarting (or a load balancer with no
 * broker behind it); a plaintext Kafka listener closes every one, having read the ClientHello
 * as an impossible request size.
 */
export const HANDSHAKE_CLOSURES_BEFORE_REFUSAL = 3

/** The broker closed the connection before the TLS handshake ended: retriable, and counted. */
export function handshakeClosed(address: string, err: Error): NetworkError {
  const e = new NetworkError(
    `broker ${address} closed the connection during the TLS handshake (${err.message}); the port may not speak TLS`,
    { cause: err },
  )
  closedInHandshake.add(e)
  return e
}

export function isHandshakeClosure(err: unknown): boolean {
  return err instanceof Error && closedInHandshake.has(err)
}

/** After HANDSHAKE_CLOSURES_BEFORE_REFUSAL closures in a row: the port is taken for a plaintext one. */
export function notTlsListener(address: string, times: number, last: Error): TlsError {
  return new TlsError(
    `broker ${address} closed the connection during the TLS handshake ${times} times in a row: it is probably not a TLS ` +
      'listener. Check security.protocol (PLAINTEXT or SASL_PLAINTEXT for a plaintext listener) and the port.',
    { cause: last },
  )
}

/** Whether the first bytes a plaintext connection received are a TLS record (alert or handshake). */
export function looksLikeTls(chunk: Buffer): boolean {
  return (
    chunk.length >= 3 && (chunk[0] === 0x15 || chunk[0] === 0x16) && chunk[1] === 0x03 && chunk[2]! <= 0x04
  )
}

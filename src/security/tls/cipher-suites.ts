import { createSecureContext } from 'node:tls'
import { ConfigError } from '../../errors.js'

const IANA =
  /^TLS_(ECDHE_RSA|ECDHE_ECDSA|DHE_RSA|RSA)_WITH_(AES_(128|256)_(GCM|CBC|CCM)|CHACHA20_POLY1305)_(SHA|SHA256|SHA384)$/

/**
 * A cipher suite's OpenSSL name. Java (and so ssl.cipher.suites) uses IANA names such as
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; OpenSSL calls the TLS 1.2 ones ECDHE-RSA-AES128-GCM-SHA256.
 * TLS 1.3 suites (TLS_AES_128_GCM_SHA256...) and names already in OpenSSL's form pass unchanged.
 */
export function openSslCipherName(name: string): string {
  const m = IANA.exec(name)
  if (m === null) return name
  const [, kx, , bits, mode, mac] = m
  const exchange = kx === 'RSA' ? [] : [kx!.replace('_', '-')]
  if (m[2] === 'CHACHA20_POLY1305') return [...exchange, 'CHACHA20-POLY1305'].join('-')
  const cipher = mode === 'CBC' ? `AES${bits}` : `AES${bits}-${mode}`
  const digest = mode === 'CBC' || mac !== 'SHA' ? [mac!] : []
  return [...exchange, cipher, ...digest].join('-')
}

/** `ssl.cipher.suites` as node:tls's `ciphers` string; each suite must be known to OpenSSL. */
export function cipherList(suites: readonly string[]): string {
  const names = suites.map(openSslCipherName)
  for (const [i, name] of names.entries()) {
    try {
      createSecureContext({ ciphers: name })
    } catch {
      throw new ConfigError(
        'ssl.cipher.suites',
        `'${suites[i]}' is not a cipher suite this Node's OpenSSL knows. Use IANA names such as ` +
          'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_AES_128_GCM_SHA256 (see `openssl ciphers -s -v`).',
      )
    }
  }
  return names.join(':')
}

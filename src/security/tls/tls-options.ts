/**
 * The node:tls options for security.protocol SSL / SASL_SSL, from Kafka's ssl.* settings. Built
 * once, at construction: files are read and keys decrypted then, so a wrong path or password is a
 * ConfigError at `new Producer()`, not a failure at the first connection.
 */
import { createPrivateKey } from 'node:crypto'
import { createSecureContext, type SecureVersion } from 'node:tls'
import { ConfigError } from '../../errors.js'
import type { TlsOptions } from '../../network/connection.js'
import type { ProducerConfig } from '../../producer/config/types.js'
import { cipherList } from './cipher-suites.js'
import {
  type ClientIdentity,
  jksError,
  pemBlocks,
  readStoreFile,
  readTruststore,
  storeFormat,
} from './key-material.js'

const VERSIONS: readonly SecureVersion[] = ['TLSv1.2', 'TLSv1.3']

type SslSettings = Pick<
  ProducerConfig,
  | 'sslProtocol'
  | 'sslEnabledProtocols'
  | 'sslCipherSuites'
  | 'sslEndpointIdentificationAlgorithm'
  | 'sslTruststoreLocation'
  | 'sslTruststoreType'
  | 'sslTruststoreCertificates'
  | 'sslKeystoreLocation'
  | 'sslKeystoreType'
  | 'sslKeystorePassword'
  | 'sslKeystoreKey'
  | 'sslKeystoreCertificateChain'
  | 'sslKeyPassword'
>

export interface ResolvedTls {
  readonly options: TlsOptions
  /** ssl.endpoint.identification.algorithm is '': certificates are checked, host names are not. */
  readonly hostnameCheckDisabled: boolean
}

export function resolveTls(c: SslSettings): ResolvedTls {
  const options: TlsOptions = { rejectUnauthorized: true, ...versionRange(c) }
  const ca = readTruststore(c.sslTruststoreLocation, c.sslTruststoreType, c.sslTruststoreCertificates)
  if (ca !== null) options.ca = ca
  const identity = clientIdentity(c)
  if (identity !== null) Object.assign(options, identity)
  if (c.sslCipherSuites.length > 0) options.ciphers = cipherList(c.sslCipherSuites)
  const hostnameCheckDisabled = c.sslEndpointIdentificationAlgorithm === ''
  if (hostnameCheckDisabled) options.checkServerIdentity = () => undefined
  try {
    createSecureContext(options)
  } catch (err) {
    throw contextError(err as Error & { code?: string }, identity)
  }
  return { options, hostnameCheckDisabled }
}

function versionRange(c: SslSettings): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const enabled = c.sslEnabledProtocols
  for (const v of enabled) {
    if (!VERSIONS.includes(v as SecureVersion)) {
      throw new ConfigError(
        'ssl.enabled.protocols',
        `'${v}' is not a TLS version Sluice speaks; use TLSv1.2 and/or TLSv1.3 (older ones are insecure).`,
      )
    }
  }
  const indices = enabled.map((v) => VERSIONS.indexOf(v as SecureVersion))
  const cap = c.sslProtocol === 'TLSv1.2' ? 0 : 1
  const min = Math.min(...indices)
  const max = Math.min(Math.max(...indices), cap)
  if (min > max) {
    throw new ConfigError(
      'ssl.protocol',
      `is ${c.sslProtocol}, older than every version in ssl.enabled.protocols (${enabled.join(', ')}); add TLSv1.2 there or raise ssl.protocol.`,
    )
  }
  return { minVersion: VERSIONS[min]!, maxVersion: VERSIONS[max]! }
}

function clientIdentity(c: SslSettings): ClientIdentity | null {
  const passphrase = c.sslKeyPassword?.reveal()
  const inline = c.sslKeystoreKey !== null || c.sslKeystoreCertificateChain !== null
  if (inline) {
    if (c.sslKeystoreLocation !== null)
      throw new ConfigError('ssl.keystore.key', 'and ssl.keystore.location are both set; keep one of them.')
    if (c.sslKeystoreKey === null || c.sslKeystoreCertificateChain === null)
      throw new ConfigError(
        c.sslKeystoreKey === null ? 'ssl.keystore.key' : 'ssl.keystore.certificate.chain',
        'is needed too: ssl.keystore.key and ssl.keystore.certificate.chain go together.',
      )
    const chain = c.sslKeystoreCertificateChain
    const certText = (Array.isArray(chain) ? chain : [chain])
      .map((x: string | Buffer) => x.toString())
      .join('\n')
    const certs = pemBlocks(certText).certificates
    if (certs.length === 0)
      throw new ConfigError('ssl.keystore.certificate.chain', 'holds no PEM certificate.')
    const keys = pemBlocks(c.sslKeystoreKey.reveal()).keys
    if (keys.length !== 1) throw new ConfigError('ssl.keystore.key', 'must hold exactly one PEM private key.')
    checkKey('ssl.keystore.key', keys[0]!, passphrase)
    return { key: keys[0]!, cert: certs.join('\n'), ...(passphrase === undefined ? {} : { passphrase }) }
  }
  const location = c.sslKeystoreLocation
  if (location === null) return null
  const option = 'ssl.keystore.location'
  const bytes = readStoreFile(option, location)
  const format = storeFormat(option, bytes, c.sslKeystoreType)
  if (format === 'JKS') throw jksError(option, location, 'keystore')
  if (format === 'PKCS12') {
    const password = c.sslKeystorePassword?.reveal()
    return { pfx: bytes, ...(password === undefined ? {} : { passphrase: password }) }
  }
  const { keys, certificates } = pemBlocks(bytes.toString('utf8'))
  if (keys.length !== 1 || certificates.length === 0)
    throw new ConfigError(
      option,
      `'${location}' must hold one PEM private key and its certificate chain (it has ${keys.length} key(s), ${certificates.length} certificate(s)).`,
    )
  checkKey(option, keys[0]!, passphrase)
  return { key: keys[0]!, cert: certificates.join('\n'), ...(passphrase === undefined ? {} : { passphrase }) }
}

function checkKey(option: string, key: string, passphrase: string | undefined): void {
  const encrypted = key.includes('ENCRYPTED')
  if (encrypted && passphrase === undefined)
    throw new ConfigError('ssl.key.password', `is needed: the private key in ${option} is encrypted.`)
  try {
    createPrivateKey(passphrase === undefined ? { key } : { key, passphrase })
  } catch {
    if (encrypted) throw new ConfigError('ssl.key.password', `does not decrypt the private key in ${option}.`)
    throw new ConfigError(option, 'holds a private key that cannot be read.')
  }
}

function contextError(err: Error & { code?: string }, identity: ClientIdentity | null): ConfigError {
  const reason = (err.code ?? '').replace(/^ERR_OSSL_/, '')
  if (identity !== null && 'pfx' in identity)
    return new ConfigError(
      'ssl.keystore.password',
      `the PKCS12 keystore cannot be opened (${reason || 'bad password or file'}); check ssl.keystore.password.`,
    )
  if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(`${err.code} ${err.message}`))
    return new ConfigError('ssl.keystore.key', 'does not belong to the first certificate of the chain.')
  return new ConfigError(
    'ssl.keystore.location',
    `the TLS settings cannot be used: ${reason || err.message}.`,
  )
}

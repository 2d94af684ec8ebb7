/**
 * The registry client's `tls` option as node:tls connection options. Resolved once, at
 * construction, as the producer's ssl.* settings are: files are read and the key decrypted then,
 * so a wrong path, a key without its certificate or a wrong passphrase is a ConfigError from
 * `new SchemaRegistryClient()`, not a failure at the first request.
 */
import { createPrivateKey } from 'node:crypto'
import { type ConnectionOptions, createSecureContext } from 'node:tls'
import { ConfigError } from '../errors.js'
import { processWarning } from '../logging.js'
import { Secret } from '../security/secret.js'
import { pemBlocks, readStoreFile } from '../security/tls/key-material.js'

type Pem = string | Buffer

export interface SchemaRegistryTls {
  /** CA certificates (PEM) to trust instead of Node's bundled ones. */
  ca?: Pem | readonly Pem[]
  /** A PEM file of CA certificates to trust (instead of `ca`). */
  caFile?: string
  /** Mutual TLS: the client certificate chain (PEM), with `key`. */
  cert?: Pem | readonly Pem[]
  /** Mutual TLS: the client's private key (PEM), with `cert`. */
  key?: Pem | Secret
  /** A PEM file of the client certificate chain (instead of `cert`). */
  certFile?: string
  /** A PEM file of the client's private key (instead of `key`); it may hold the chain too. */
  keyFile?: string
  /** Decrypts an encrypted private key. */
  passphrase?: string | Secret
  /** Verify the registry's certificate and host name. Default true; false is unsafe. */
  rejectUnauthorized?: boolean
  /** The host name to send (SNI) and to check the certificate against, when not the URL's. */
  servername?: string
}

const KEYS = new Set<string>([
  'ca',
  'caFile',
  'cert',
  'key',
  'certFile',
  'keyFile',
  'passphrase',
  'rejectUnauthorized',
  'servername',
])

const text = (v: Pem | readonly Pem[]): string =>
  (Array.isArray(v) ? (v as readonly Pem[]) : [v as Pem]).map((x) => x.toString()).join('\n')

const isPem = (v: unknown): boolean =>
  typeof v === 'string' ||
  Buffer.isBuffer(v) ||
  (Array.isArray(v) && v.every((x) => typeof x === 'string' || Buffer.isBuffer(x)))

function pemText(option: string, v: unknown): string {
  if (!isPem(v)) throw new ConfigError(option, 'must be PEM text: a string, a Buffer or an array of them.')
  return text(v as Pem | readonly Pem[])
}

function fileText(option: string, path: unknown): string {
  if (typeof path !== 'string' || path === '')
    throw new ConfigError(option, 'must be the path of a PEM file.')
  return readStoreFile(option, path).toString('utf8')
}

function oneOf(t: SchemaRegistryTls, inline: 'ca' | 'cert' | 'key'): string | null {
  const fileOption = `${inline}File` as 'caFile' | 'certFile' | 'keyFile'
  if (t[inline] !== undefined && t[fileOption] !== undefined)
    throw new ConfigError(`tls.${fileOption}`, `and tls.${inline} are both set; keep one of them.`)
  if (t[fileOption] !== undefined) return fileText(`tls.${fileOption}`, t[fileOption])
  const v = t[inline]
  if (v === undefined) return null
  if (v instanceof Secret) return v.reveal()
  return pemText(`tls.${inline}`, v)
}

/**
 * The connection options for `tls` (none when it is not given). `protocol` is the URL's: TLS
 * settings on an http: URL would be silently unused, so they are refused.
 */
export function resolveRegistryTls(tls: SchemaRegistryTls | undefined, protocol: string): ConnectionOptions {
  if (tls === undefined) return {}
  if (tls === null || typeof tls !== 'object' || Array.isArray(tls))
    throw new ConfigError('tls', 'must be an object such as { caFile: "ca.pem" }.')
  for (const k of Object.keys(tls)) {
    if (!KEYS.has(k))
      throw new ConfigError(`tls.${k}`, `is not a TLS option; the options are ${[...KEYS].join(', ')}.`)
  }
  if (protocol !== 'https:')
    throw new ConfigError('tls', `is set, but url is ${protocol}, which does not use TLS. Use an https: URL.`)

  const options: ConnectionOptions = {}
  const caText = oneOf(tls, 'ca')
  if (caText !== null) {
    const certs = pemBlocks(caText).certificates
    const option = tls.caFile === undefined ? 'tls.ca' : 'tls.caFile'
    if (certs.length === 0)
      throw new ConfigError(option, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----).')
    options.ca = certs
  }

  const keyText = oneOf(tls, 'key')
  const certText = oneOf(tls, 'cert')
  const passphrase = tls.passphrase instanceof Secret ? tls.passphrase.reveal() : tls.passphrase
  if (passphrase !== undefined && typeof passphrase !== 'string')
    throw new ConfigError('tls.passphrase', 'must be a string or a Secret.')
  if (keyText === null && certText !== null)
    throw new ConfigError(
      'tls.key',
      'is needed too: the client certificate goes with its private key (tls.key or tls.keyFile).',
    )
  if (keyText !== null) {
    const keyOption = tls.keyFile === undefined ? 'tls.key' : 'tls.keyFile'
    const inKeyFile = pemBlocks(keyText)
    if (inKeyFile.keys.length !== 1)
      throw new ConfigError(
        keyOption,
        `must hold exactly one PEM private key (it has ${inKeyFile.keys.length}).`,
      )
    const key = inKeyFile.keys[0]!
    // A PEM keystore (key and chain in one file) needs no certFile.
    const certs = certText === null ? inKeyFile.certificates : pemBlocks(certText).certificates
    if (certs.length === 0) {
      throw new ConfigError(
        certText === null ? 'tls.cert' : tls.certFile === undefined ? 'tls.cert' : 'tls.certFile',
        certText === null
          ? 'is needed too: the private key goes with its certificate chain (tls.cert or tls.certFile).'
          : 'holds no PEM certificate (-----BEGIN CERTIFICATE-----).',
      )
    }
    checkKey(keyOption, key, passphrase)
    options.key = key
    options.cert = certs.join('\n')
    if (passphrase !== undefined) options.passphrase = passphrase
  } else if (passphrase !== undefined) {
    throw new ConfigError('tls.passphrase', 'is set, but there is no private key (tls.key or tls.keyFile).')
  }

  if (tls.rejectUnauthorized !== undefined) {
    if (typeof tls.rejectUnauthorized !== 'boolean')
      throw new ConfigError('tls.rejectUnauthorized', 'must be true or false.')
    options.rejectUnauthorized = tls.rejectUnauthorized
    if (!tls.rejectUnauthorized && !warnedUnverified) {
      warnedUnverified = true
      processWarning(
        'schema registry client with tls.rejectUnauthorized false: the registry certificate and host name are not ' +
          'checked, so a man in the middle goes unnoticed. Set tls.ca (or tls.caFile) and tls.servername instead.',
        { code: 'SLUICE_REGISTRY_TLS_UNVERIFIED' },
      )
    }
  }
  if (tls.servername !== undefined) {
    if (typeof tls.servername !== 'string' || tls.servername === '')
      throw new ConfigError('tls.servername', 'must be a non-empty host name.')
    options.servername = tls.servername
  }

  try {
    createSecureContext(options)
  } catch (err) {
    const e = err as Error & { code?: string }
    if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(`${e.code} ${e.message}`))
      throw new ConfigError(
        tls.keyFile === undefined ? 'tls.key' : 'tls.keyFile',
        'does not belong to the first certificate of the client chain.',
      )
    throw new ConfigError('tls', `cannot be used: ${(e.code ?? '').replace(/^ERR_OSSL_/, '') || e.message}.`)
  }
  return options
}

/** Once per process, as Node's own warnings. */
let warnedUnverified = false

function checkKey(option: string, key: string, passphrase: string | undefined): void {
  const encrypted = key.includes('ENCRYPTED')
  if (encrypted && passphrase === undefined)
    throw new ConfigError('tls.passphrase', `is needed: the private key in ${option} is encrypted.`)
  try {
    createPrivateKey(passphrase === undefined ? { key } : { key, passphrase })
  } catch {
    if (encrypted) throw new ConfigError('tls.passphrase', `does not decrypt the private key in ${option}.`)
    throw new ConfigError(option, 'holds a private key that cannot be read.')
  }
}

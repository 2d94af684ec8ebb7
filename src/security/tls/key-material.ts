/**
 * Reads trust stores and key stores as Kafka's settings name them, in the formats node:tls takes:
 * PEM (files or text) and PKCS#12. JKS (Java's own format) can't be read here; the error says
 * how to convert it.
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../../errors.js'

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g
const KEY_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'])

export type StoreFormat = 'PEM' | 'PKCS12' | 'JKS'

export interface PemBlocks {
  certificates: string[]
  keys: string[]
}

export function pemBlocks(text: string): PemBlocks {
  const certificates: string[] = []
  const keys: string[] = []
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (m[1] === 'CERTIFICATE' || m[1] === 'TRUSTED CERTIFICATE') certificates.push(m[0])
    else if (KEY_LABELS.has(m[1]!)) keys.push(m[0])
  }
  return { certificates, keys }
}

export function readStoreFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message
    throw new ConfigError(option, `cannot read '${path}': ${why}. Pass the path of a readable file.`)
  }
}

/** The format of a store file's bytes, or the declared one (which must then match). */
export function storeFormat(option: string, bytes: Buffer, declared: StoreFormat | null): StoreFormat {
  const sniffed: StoreFormat | null = bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN ')
    ? 'PEM'
    : bytes.length >= 4 && (bytes.readUInt32BE(0) === 0xfeedfeed || bytes.readUInt32BE(0) === 0xcececece)
      ? 'JKS'
      : bytes.length > 0 && bytes[0] === 0x30
        ? 'PKCS12'
        : null
  if (sniffed === null) {
    throw new ConfigError(option, 'is neither PEM, PKCS12 nor JKS. Pass a PEM file (or a PKCS12 keystore).')
  }
  if (declared !== null && declared !== sniffed) {
    const typeOption = option.replace('.location', '.type')
    throw new ConfigError(
      option,
      `holds a ${sniffed} store but ${typeOption} is ${declared}. Set ${typeOption} to ${sniffed}, or remove it to have the format read from the file.`,
    )
  }
  return sniffed
}

export function jksError(option: string, path: string, kind: 'truststore' | 'keystore'): ConfigError {
  const how =
    kind === 'truststore'
      ? `keytool -importkeystore -srckeystore ${path} -destkeystore truststore.p12 -deststoretype PKCS12, ` +
        'then openssl pkcs12 -in truststore.p12 -nokeys -out truststore.pem, and set ssl.truststore.location to truststore.pem'
      : `keytool -importkeystore -srckeystore ${path} -destkeystore keystore.p12 -deststoretype PKCS12, ` +
        'and set ssl.keystore.location to keystore.p12 with ssl.keystore.type=PKCS12'
  return new ConfigError(option, `is a JKS ${kind}, which only Java can read. Convert it: ${how}.`)
}

/** CA certificates to trust, from ssl.truststore.certificates or ssl.truststore.location. */
export function readTruststore(
  location: string | null,
  type: StoreFormat | null,
  certificates: string | Buffer | readonly (string | Buffer)[] | null,
): string[] | null {
  if (location !== null && certificates !== null) {
    throw new ConfigError(
      'ssl.truststore.certificates',
      'and ssl.truststore.location are both set; keep one of them.',
    )
  }
  if (certificates !== null) {
    const text = (Array.isArray(certificates) ? certificates : [certificates])
      .map((c: string | Buffer) => c.toString())
      .join('\n')
    const certs = pemBlocks(text).certificates
    if (certs.length === 0)
      throw new ConfigError(
        'ssl.truststore.certificates',
        'holds no PEM certificate (-----BEGIN CERTIFICATE-----).',
      )
    return certs
  }
  if (location === null) return null
  const option = 'ssl.truststore.location'
  const bytes = readStoreFile(option, location)
  const format = storeFormat(option, bytes, type)
  if (format === 'JKS') throw jksError(option, location, 'truststore')
  if (format === 'PKCS12') {
    throw new ConfigError(
      option,
      `is a PKCS12 truststore; convert it to PEM: openssl pkcs12 -in ${location} -nokeys -out truststore.pem, and set ${option} to truststore.pem.`,
    )
  }
  const certs = pemBlocks(bytes.toString('utf8')).certificates
  if (certs.length === 0) throw new ConfigError(option, `'${location}' holds no PEM certificate.`)
  return certs
}

export type ClientIdentity =
  | { key: string; cert: string; passphrase?: string }
  | { pfx: Buffer; passphrase?: string }

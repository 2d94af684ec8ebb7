/**
 * Throwaway certificates for the secure local broker and the tests that connect to it, made with
 * `openssl` (run without a shell). Keys are EC P-256, generated with node:crypto as unencrypted
 * PKCS#8 PEM (what Kafka's PEM keystores read); every file goes in one folder the caller owns.
 */
import { execFile } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Decrypts `clientKeyEncrypted` (ssl.key.password). */
export const CLIENT_KEY_PASSWORD = 'client-key-secret'
/** Opens `clientP12` (ssl.keystore.password). */
export const CLIENT_P12_PASSWORD = 'client-p12-secret'
/** Opens the JKS truststore makeJksTruststore writes. */
export const JKS_PASSWORD = 'jks-truststore-secret'

/** Absolute paths of the files makeCerts writes, and the CA's PEM text. */
export interface CertSet {
  readonly dir: string
  /** The CA that signs every certificate below except the untrusted ones. */
  readonly caCert: string
  readonly caPem: string
  /** SAN DNS:localhost, IP:127.0.0.1; serverAuth. */
  readonly brokerCert: string
  readonly brokerKey: string
  /** brokerKey, brokerCert and caCert in one file (Kafka's ssl.keystore.type=PEM). */
  readonly brokerKeystorePem: string
  /** Like brokerCert, but valid only in 2020. */
  readonly expiredCert: string
  readonly expiredKey: string
  readonly expiredKeystorePem: string
  /** Signed by the CA, SAN DNS:wrong.example.invalid only. */
  readonly wrongHostCert: string
  readonly wrongHostKey: string
  readonly wrongHostKeystorePem: string
  /** A second CA nobody trusts, and a broker certificate (SAN localhost, 127.0.0.1) it signed. */
  readonly untrustedCaCert: string
  readonly untrustedBrokerCert: string
  readonly untrustedBrokerKey: string
  readonly untrustedKeystorePem: string
  /** CN=alice-client, clientAuth, signed by the CA. */
  readonly clientCert: string
  readonly clientKey: string
  /** clientKey as encrypted PKCS#8 (password CLIENT_KEY_PASSWORD). */
  readonly clientKeyEncrypted: string
  /** clientKey then clientCert in one PEM file. */
  readonly clientPem: string
  /** PKCS#12 of clientKey, clientCert and caCert (password CLIENT_P12_PASSWORD). */
  readonly clientP12: string
}

/** The subject of the client certificate; the broker maps it to User:alice. */
export const CLIENT_SUBJECT = 'CN=alice-client'

const CA_DAYS = 3650
const LEAF_DAYS = 825
const LOCAL_SAN = 'DNS:localhost,IP:127.0.0.1'

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { maxBuffer: 4 * 1024 * 1024 })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`openssl ${args[0]} failed: ${e.message}\n${e.stderr ?? ''}`)
  }
}

let versionCache: Promise<[number, number]> | undefined
/** `openssl version`'s major and minor numbers. */
function opensslVersion(): Promise<[number, number]> {
  versionCache ??= run('openssl', ['version']).then(({ stdout }) => {
    const m = /OpenSSL (\d+)\.(\d+)/.exec(stdout)
    if (m === null) throw new Error(`cannot read the openssl version from '${stdout.trim()}'`)
    return [Number(m[1]), Number(m[2])]
  })
  return versionCache
}

/** openssl x509 takes -not_before/-not_after from 3.4 on; before that only `openssl ca` backdates. */
async function x509SetsDates(): Promise<boolean> {
  const [major, minor] = await opensslVersion()
  return major > 3 || (major === 3 && minor >= 4)
}

async function newKey(path: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
}

function serial(): string {
  return `0x${randomBytes(8)
    .toString('hex')
    .replace(/^[89a-f]/, '1')}`
}

interface Leaf {
  name: string
  subject: string
  /** Lines of the v3 extensions section. */
  extensions: string[]
  ca: { cert: string; key: string }
  /** Validity in the past, as openssl's YYYYMMDDHHMMSSZ. */
  dates?: { notBefore: string; notAfter: string }
}

function serverExtensions(san: string): string[] {
  return [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${san}`,
  ]
}

async function makeCa(dir: string, name: string, subject: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`)
  const cert = join(dir, `${name}.crt`)
  await newKey(key)
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    subject,
    '-days',
    String(CA_DAYS),
    '-sha256',
    '-set_serial',
    serial(),
    '-addext',
    'basicConstraints = critical, CA:TRUE',
    '-addext',
    'keyUsage = critical, keyCertSign, cRLSign',
    '-addext',
    'subjectKeyIdentifier = hash',
    '-out',
    cert,
  ])
  return { cert, key }
}

async function makeLeaf(dir: string, leaf: Leaf): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${leaf.name}.key`)
  const cert = join(dir, `${leaf.name}.crt`)
  const csr = join(dir, `${leaf.name}.csr`)
  const ext = join(dir, `${leaf.name}.ext`)
  await newKey(key)
  await openssl(['req', '-new', '-key', key, '-subj', leaf.subject, '-sha256', '-out', csr])
  await writeFile(ext, `[v3]\n${[...leaf.extensions, 'authorityKeyIdentifier = keyid'].join('\n')}\n`)
  if (leaf.dates === undefined || (await x509SetsDates())) {
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      leaf.ca.cert,
      '-CAkey',
      leaf.ca.key,
      '-set_serial',
      serial(),
      '-sha256',
      ...(leaf.dates === undefined
        ? ['-days', String(LEAF_DAYS)]
        : ['-not_before', leaf.dates.notBefore, '-not_after', leaf.dates.notAfter]),
      '-extfile',
      ext,
      '-extensions',
      'v3',
      '-out',
      cert,
    ])
  } else {
    await signWithCa(dir, leaf, csr, ext, cert)
  }
  await Promise.all([rm(csr), rm(ext)])
  return { cert, key }
}

/** `openssl ca`, the one signer of OpenSSL before 3.4 that takes a start and an end date. */
async function signWithCa(dir: string, leaf: Leaf, csr: string, ext: string, cert: string): Promise<void> {
  const caDir = join(dir, `${leaf.name}.ca`)
  await mkdir(caDir)
  const config = join(caDir, 'ca.cnf')
  await writeFile(join(caDir, 'index.txt'), '')
  await writeFile(
    config,
    [
      '[ca]',
      'default_ca = local',
      '[local]',
      `database = ${join(caDir, 'index.txt')}`,
      `new_certs_dir = ${caDir}`,
      'rand_serial = yes',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  )
  await openssl([
    'ca',
    '-batch',
    '-notext',
    '-config',
    config,
    '-cert',
    leaf.ca.cert,
    '-keyfile',
    leaf.ca.key,
    '-in',
    csr,
    '-out',
    cert,
    '-startdate',
    leaf.dates!.notBefore,
    '-enddate',
    leaf.dates!.notAfter,
    '-extfile',
    ext,
    '-extensions',
    'v3',
  ])
  await rm(caDir, { recursive: true, force: true })
}

async function concat(target: string, files: string[]): Promise<string> {
  const parts = await Promise.all(files.map((f) => readFile(f, 'utf8')))
  await writeFile(target, parts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''), { mode: 0o600 })
  return target
}

/**
 * Writes a CA, broker certificates (good, expired, for the wrong host, from an untrusted CA) and
 * a client identity in every form the client reads into `dir` (created if missing).
 */
export async function makeCerts(dir: string): Promise<CertSet> {
  const root = resolve(dir)
  await mkdir(root, { recursive: true })
  const [ca, untrustedCa] = await Promise.all([
    makeCa(root, 'ca', '/O=Sluice tests/CN=Sluice Test CA'),
    makeCa(root, 'untrusted-ca', '/O=Sluice tests/CN=Untrusted Test CA'),
  ])
  const [broker, expired, wrongHost, untrusted, client] = await Promise.all([
    makeLeaf(root, { name: 'broker', subject: '/CN=localhost', extensions: serverExtensions(LOCAL_SAN), ca }),
    makeLeaf(root, {
      name: 'expired',
      subject: '/CN=localhost',
      extensions: serverExtensions(LOCAL_SAN),
      ca,
      dates: { notBefore: '20200101000000Z', notAfter: '20201231235959Z' },
    }),
    makeLeaf(root, {
      name: 'wrong-host',
      subject: '/CN=wrong.example.invalid',
      extensions: serverExtensions('DNS:wrong.example.invalid'),
      ca,
    }),
    makeLeaf(root, {
      name: 'untrusted-broker',
      subject: '/CN=localhost',
      extensions: serverExtensions(LOCAL_SAN),
      ca: untrustedCa,
    }),
    makeLeaf(root, {
      name: 'client',
      subject: `/${CLIENT_SUBJECT}`,
      extensions: [
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        'extendedKeyUsage = clientAuth',
      ],
      ca,
    }),
  ])
  const clientKeyEncrypted = join(root, 'client-encrypted.key')
  const clientP12 = join(root, 'client.p12')
  await Promise.all([
    openssl([
      'pkcs8',
      '-topk8',
      '-v2',
      'aes-256-cbc',
      '-in',
      client.key,
      '-passout',
      `pass:${CLIENT_KEY_PASSWORD}`,
      '-out',
      clientKeyEncrypted,
    ]),
    openssl([
      'pkcs12',
      '-export',
      '-inkey',
      client.key,
      '-in',
      client.cert,
      '-certfile',
      ca.cert,
      '-name',
      'alice-client',
      '-passout',
      `pass:${CLIENT_P12_PASSWORD}`,
      '-out',
      clientP12,
    ]),
  ])
  const keystore = (name: string, leaf: { cert: string; key: string }, chain: string) =>
    concat(join(root, `${name}-keystore.pem`), [leaf.key, leaf.cert, chain])
  const [brokerKeystorePem, expiredKeystorePem, wrongHostKeystorePem, untrustedKeystorePem, clientPem] =
    await Promise.all([
      keystore('broker', broker, ca.cert),
      keystore('expired', expired, ca.cert),
      keystore('wrong-host', wrongHost, ca.cert),
      keystore('untrusted-broker', untrusted, untrustedCa.cert),
      concat(join(root, 'client.pem'), [client.key, client.cert]),
    ])
  return Object.freeze({
    dir: root,
    caCert: ca.cert,
    caPem: await readFile(ca.cert, 'utf8'),
    brokerCert: broker.cert,
    brokerKey: broker.key,
    brokerKeystorePem,
    expiredCert: expired.cert,
    expiredKey: expired.key,
    expiredKeystorePem,
    wrongHostCert: wrongHost.cert,
    wrongHostKey: wrongHost.key,
    wrongHostKeystorePem,
    untrustedCaCert: untrustedCa.cert,
    untrustedBrokerCert: untrusted.cert,
    untrustedBrokerKey: untrusted.key,
    untrustedKeystorePem,
    clientCert: client.cert,
    clientKey: client.key,
    clientKeyEncrypted,
    clientPem,
    clientP12,
  })
}

/**
 * A JKS truststore holding `caCert` (password JKS_PASSWORD), made with the JDK's keytool: for
 * tests of what the client says about Java-only stores. Needs Java (integration tier).
 */
export async function makeJksTruststore(certs: CertSet, file = join(certs.dir, 'truststore.jks')) {
  try {
    await run('keytool', [
      '-importcert',
      '-noprompt',
      '-alias',
      'sluice-test-ca',
      '-file',
      certs.caCert,
      '-keystore',
      file,
      '-storetype',
      'JKS',
      '-storepass',
      JKS_PASSWORD,
    ])
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(`keytool -importcert failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
  return file
}

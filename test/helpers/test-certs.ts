/**
 * Certificates for the TLS unit tests, made with the openssl command line in a temporary
 * directory: a CA, server certificates (good, expired, for another host, from an untrusted CA)
 * and a client identity in every form the ssl.keystore.* settings take. EC P-256 keys, so that
 * making them all takes a fraction of a second. OpenSSL 3.0's `x509 -days` can't date a
 * certificate in the past, so the expired one is signed with `openssl ca -startdate -enddate`.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TestCerts {
  readonly dir: string
  /** The CA that signs the server and client certificates (PEM file and text). */
  readonly caFile: string
  readonly caPem: string
  /** A CA nobody trusts. */
  readonly otherCaPem: string
  /** Server key and certificates, all for the same key. */
  readonly serverKeyPem: string
  /** SAN DNS:localhost, IP:127.0.0.1, signed by the CA. */
  readonly serverCertPem: string
  /** As serverCertPem, but valid only in January 2020. */
  readonly expiredCertPem: string
  /** Signed by the CA, SAN DNS:wrong-host.test only. */
  readonly wrongHostCertPem: string
  /** SAN localhost/127.0.0.1, signed by the other CA. */
  readonly untrustedCertPem: string
  /** SAN DNS:broker-advertised.test, signed by the CA (a broker's advertised name). */
  readonly advertisedCertPem: string
  /** Client certificate (signed by the CA) and its key. */
  readonly clientCertPem: string
  readonly clientKeyPem: string
  /** One PEM file holding the client key and certificate (a PEM keystore). */
  readonly clientKeystoreFile: string
  /** The client key as encrypted PKCS#8 (password `keyPassword`). */
  readonly clientEncryptedKeyPem: string
  /** A PEM keystore with the encrypted key. */
  readonly clientEncryptedKeystoreFile: string
  readonly keyPassword: string
  /** PKCS#12 bundle of the client key and certificate (password `keystorePassword`). */
  readonly clientP12File: string
  readonly keystorePassword: string
  /** A file that starts like a JKS keystore. */
  readonly jksFile: string
  remove(): Promise<void>
}

const CA_CONFIG = `[ca]
default_ca = d
[d]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
`

export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-certs-'))
  const at = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir })
  const key = (name: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name)
  const ext = async (name: string, lines: string[]) => writeFile(at(name), `[ext]\n${lines.join('\n')}\n`)

  const ca = async (name: string, cn: string) => {
    await key(`${name}.key`)
    await openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '3650',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    )
  }
  const sign = async (name: string, keyName: string, signer: string, extLines: string[]) => {
    await openssl('req', '-new', '-key', keyName, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
    await ext(`${name}.ext`, extLines)
    await openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${signer}.pem`,
      '-CAkey',
      `${signer}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '825',
      '-extfile',
      `${name}.ext`,
      '-extensions',
      'ext',
    )
  }
  const serverExt = (san: string) => [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${san}`,
  ]
  const goodSan = 'DNS:localhost,IP:127.0.0.1'

  await ca('ca', 'Sluice Test CA')
  await ca('other-ca', 'Untrusted Test CA')
  await key('server.key')
  await sign('server', 'server.key', 'ca', serverExt(goodSan))
  await sign('wrong-host', 'server.key', 'ca', serverExt('DNS:wrong-host.test'))
  await sign('advertised', 'server.key', 'ca', serverExt('DNS:broker-advertised.test'))
  await sign('untrusted', 'server.key', 'other-ca', serverExt(goodSan))

  // Expired: `openssl ca` takes explicit dates.
  await writeFile(at('ca.cnf'), CA_CONFIG)
  await writeFile(at('index.txt'), '')
  await writeFile(at('serial'), '1000\n')
  await openssl('req', '-new', '-key', 'server.key', '-out', 'expired.csr', '-subj', '/CN=expired')
  await ext('expired.ext', serverExt(goodSan))
  await openssl(
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-in',
    'expired.csr',
    '-out',
    'expired.pem',
    '-notext',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
    '-extfile',
    'expired.ext',
    '-extensions',
    'ext',
  )

  await key('client.key')
  await sign('client', 'client.key', 'ca', [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature',
    'extendedKeyUsage=clientAuth',
  ])
  const keyPassword = 'key-pw-Zq81'
  const keystorePassword = 'p12-pw-Lm27'
  await openssl(
    'pkcs8',
    '-topk8',
    '-in',
    'client.key',
    '-out',
    'client-enc.key',
    '-v2',
    'aes-256-cbc',
    '-passout',
    `pass:${keyPassword}`,
  )
  await openssl(
    'pkcs12',
    '-export',
    '-inkey',
    'client.key',
    '-in',
    'client.pem',
    '-out',
    'client.p12',
    '-passout',
    `pass:${keystorePassword}`,
  )

  const text = (name: string) => readFile(at(name), 'utf8')
  const [caPem, otherCaPem, serverKeyPem, serverCertPem, expiredCertPem, wrongHostCertPem] =
    await Promise.all(
      ['ca.pem', 'other-ca.pem', 'server.key', 'server.pem', 'expired.pem', 'wrong-host.pem'].map(text),
    )
  const [untrustedCertPem, advertisedCertPem, clientCertPem, clientKeyPem, clientEncryptedKeyPem] =
    await Promise.all(
      ['untrusted.pem', 'advertised.pem', 'client.pem', 'client.key', 'client-enc.key'].map(text),
    )
  await writeFile(at('client-keystore.pem'), `${clientKeyPem}${clientCertPem}`)
  await writeFile(at('client-enc-keystore.pem'), `${clientEncryptedKeyPem}${clientCertPem}`)
  const jks = Buffer.alloc(64)
  jks.writeUInt32BE(0xfeedfeed, 0)
  jks.writeUInt32BE(2, 4)
  await writeFile(at('keystore.jks'), jks)

  return {
    dir,
    caFile: at('ca.pem'),
    caPem: caPem!,
    otherCaPem: otherCaPem!,
    serverKeyPem: serverKeyPem!,
    serverCertPem: serverCertPem!,
    expiredCertPem: expiredCertPem!,
    wrongHostCertPem: wrongHostCertPem!,
    untrustedCertPem: untrustedCertPem!,
    advertisedCertPem: advertisedCertPem!,
    clientCertPem: clientCertPem!,
    clientKeyPem: clientKeyPem!,
    clientKeystoreFile: at('client-keystore.pem'),
    clientEncryptedKeyPem: clientEncryptedKeyPem!,
    clientEncryptedKeystoreFile: at('client-enc-keystore.pem'),
    keyPassword,
    clientP12File: at('client.p12'),
    keystorePassword,
    jksFile: at('keystore.jks'),
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/**
 * One local Kafka node (KRaft, combined) with a listener for every way a client can connect
 * securely, and a few that must be refused: TLS, mTLS, SASL (PLAIN, SCRAM-SHA-256/512,
 * OAUTHBEARER with Kafka's unsecured validator) over TLS and plaintext, SASL with KIP-368
 * re-authentication every few seconds, and TLS listeners whose certificate is expired, for
 * another host or from an unknown CA. ACLs (StandardAuthorizer) give each test user a role.
 * For tests only: every password here is a constant.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type KafkaCluster, type ListenerSpec, startKafka } from '../cluster.js'
import { ensureKafka } from '../distribution.js'
import { atExit } from '../processes.js'
import { type CertSet, makeCerts } from './certs.js'

const run = promisify(execFile)

/** The listeners besides PLAINTEXT, and their security protocols. */
export const SECURE_LISTENERS = [
  { name: 'SSL', securityProtocol: 'SSL' },
  { name: 'MTLS', securityProtocol: 'SSL' },
  { name: 'SASL_SSL', securityProtocol: 'SASL_SSL' },
  { name: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT' },
  { name: 'REAUTH', securityProtocol: 'SASL_PLAINTEXT' },
  { name: 'EXPIRED', securityProtocol: 'SSL' },
  { name: 'WRONGHOST', securityProtocol: 'SSL' },
  { name: 'UNTRUSTED', securityProtocol: 'SSL' },
] as const satisfies readonly ListenerSpec[]

export type SecureListener = 'PLAINTEXT' | (typeof SECURE_LISTENERS)[number]['name']

/** The SASL mechanisms every SASL listener enables. */
export const BROKER_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const

/**
 * Users and their passwords, for PLAIN and both SCRAM mechanisms. admin is a super user; alice
 * may do anything to any topic and group; restricted may write to (and describe) topics named
 * ALLOWED_TOPIC_PREFIX*; nowrite may only describe topics, so an idempotent producer is refused
 * (CLUSTER_AUTHORIZATION_FAILED). The mTLS client certificate (CN=alice-client) is User:alice.
 * PLAINTEXT and SSL (no client certificate) are User:ANONYMOUS, a super user.
 */
export const SECURE_USERS = {
  admin: 'admin-secret',
  alice: 'alice-secret',
  restricted: 'restricted-secret',
  nowrite: 'nowrite-secret',
} as const

export type SecureUser = keyof typeof SECURE_USERS

export const ALLOWED_TOPIC_PREFIX = 'sec-allowed-'

/** The REAUTH listener's connections.max.reauth.ms unless told otherwise. */
export const DEFAULT_REAUTH_MS = 3000

export interface SecureBrokerOptions {
  /** connections.max.reauth.ms of the REAUTH listener; default DEFAULT_REAUTH_MS. */
  reauthMs?: number
  /** Parent of the certificates' and the cluster's temp folders; default the OS temp dir. */
  baseDir?: string
  /** How long to wait for the broker to be ready; default 90 s. */
  readyTimeoutMs?: number
}

export interface SecureBroker {
  /** The underlying local cluster (one combined node). */
  readonly cluster: KafkaCluster
  readonly certs: CertSet
  /** `127.0.0.1:<port>` of each listener. */
  readonly bootstrap: Readonly<Record<SecureListener, string>>
  /** connections.max.reauth.ms on the REAUTH listener. */
  readonly reauthMs: number
  /** JMX service URL of the broker. */
  readonly jmxUrl: string
  /**
   * The broker's successful-reauthentication-total on a listener (default REAUTH), summed over
   * its network processors (socket-server-metrics, read over JMX with Kafka's JmxTool).
   */
  reauthentications(listener?: SecureListener): Promise<number>
  /** Stops the broker and deletes its data and the certificates; idempotent. */
  stop(): Promise<void>
}

const SASL_LISTENERS: readonly SecureListener[] = ['SASL_SSL', 'SASL_PLAINTEXT', 'REAUTH']

const PLAIN_JAAS = `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${SECURE_USERS.admin}" ${Object.entries(
  SECURE_USERS,
)
  .map(([user, password]) => `user_${user}="${password}"`)
  .join(' ')};`
const SCRAM_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
const OAUTHBEARER_JAAS =
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";'

function brokerProperties(certs: CertSet, reauthMs: number): Record<string, string> {
  const props: Record<string, string> = {
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:ANONYMOUS;User:admin',
    'allow.everyone.if.no.acl.found': 'false',
    'sasl.enabled.mechanisms': BROKER_SASL_MECHANISMS.join(','),
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.brokerKeystorePem,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certs.caCert,
    // CN=alice-client -> alice; anything else keeps its full DN.
    'ssl.principal.mapping.rules': 'RULE:^CN=([a-z]+)-client$/$1/,DEFAULT',
    'listener.name.mtls.ssl.client.auth': 'required',
    'listener.name.expired.ssl.keystore.location': certs.expiredKeystorePem,
    'listener.name.wronghost.ssl.keystore.location': certs.wrongHostKeystorePem,
    'listener.name.untrusted.ssl.keystore.location': certs.untrustedKeystorePem,
    'listener.name.reauth.connections.max.reauth.ms': String(reauthMs),
  }
  for (const listener of SASL_LISTENERS) {
    const prefix = `listener.name.${listener.toLowerCase()}`
    props[`${prefix}.plain.sasl.jaas.config`] = PLAIN_JAAS
    props[`${prefix}.scram-sha-256.sasl.jaas.config`] = SCRAM_JAAS
    props[`${prefix}.scram-sha-512.sasl.jaas.config`] = SCRAM_JAAS
    // No server callback handler: Kafka's default for OAUTHBEARER is the unsecured validator.
    props[`${prefix}.oauthbearer.sasl.jaas.config`] = OAUTHBEARER_JAAS
  }
  return props
}

/** `kafka-storage format --add-scram` arguments: every user, both SCRAM mechanisms. */
function scramFormatArgs(): string[] {
  return Object.entries(SECURE_USERS).flatMap(([user, password]) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => [
      '--add-scram',
      `${m}=[name=${user},password=${password}]`,
    ]),
  )
}

async function kafkaTool(classpath: string, mainClass: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('java', ['-Xmx128m', '-cp', classpath, mainClass, ...args], {
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    })
    return stdout
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${mainClass} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

/** The users' ACLs (kafka-acls), added as ANONYMOUS over PLAINTEXT, two tools at a time. */
async function addAcls(classpath: string, bootstrap: string): Promise<void> {
  const acl =
    (...args: string[]) =>
    () =>
      kafkaTool(classpath, 'org.apache.kafka.tools.AclCommand', [
        '--bootstrap-server',
        bootstrap,
        '--add',
        ...args,
      ])
  const batches = [
    [
      acl('--allow-principal', 'User:alice', '--operation', 'All', '--topic', '*', '--group', '*'),
      acl(
        '--allow-principal',
        'User:alice',
        '--allow-principal',
        'User:restricted',
        '--operation',
        'IdempotentWrite',
        '--cluster',
      ),
    ],
    [
      acl(
        '--allow-principal',
        'User:restricted',
        '--operation',
        'Write',
        '--operation',
        'Describe',
        '--topic',
        ALLOWED_TOPIC_PREFIX,
        '--resource-pattern-type',
        'prefixed',
      ),
      acl('--allow-principal', 'User:nowrite', '--operation', 'Describe', '--topic', '*'),
    ],
  ]
  for (const batch of batches) await Promise.all(batch.map((f) => f()))
  // The broker's authorizer replays them from the metadata log: wait until it lists them all.
  const expected = ['User:alice', 'User:restricted', 'User:nowrite']
  const deadline = Date.now() + 30_000
  for (;;) {
    const listed = await kafkaTool(classpath, 'org.apache.kafka.tools.AclCommand', [
      '--bootstrap-server',
      bootstrap,
      '--list',
    ])
    const count = (listed.match(/principal=User:[a-z]+/g) ?? []).length
    if (expected.every((p) => listed.includes(`principal=${p},`)) && count >= 7) return
    if (Date.now() > deadline) throw new Error(`the broker lists only these ACLs after 30 s:\n${listed}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** Sums `attribute` over the MBeans that `objectName` (a pattern) matches, with Kafka's JmxTool. */
export async function sumJmxAttribute(
  classpath: string,
  jmxUrl: string,
  objectName: string,
  attribute: string,
): Promise<number> {
  const out = await kafkaTool(classpath, 'org.apache.kafka.tools.JmxTool', [
    '--jmx-url',
    jmxUrl,
    '--object-name',
    objectName,
    '--attributes',
    attribute,
    '--one-time',
    'true',
    '--report-format',
    'properties',
  ])
  // One `objectName:attribute=value` line per MBean (plus a time line).
  let sum = 0
  let found = 0
  const suffix = `:${attribute}=`
  for (const line of out.split('\n')) {
    const at = line.lastIndexOf(suffix)
    if (at < 0) continue
    const value = Number(line.slice(at + suffix.length))
    if (!Number.isFinite(value)) throw new Error(`JmxTool printed '${line}'`)
    sum += value
    found++
  }
  if (found === 0) throw new Error(`JmxTool found no ${attribute} on ${objectName}:\n${out}`)
  return sum
}

/** Makes certificates, starts the broker with every listener, adds the SCRAM users and ACLs. */
export async function startSecureBroker(options: SecureBrokerOptions = {}): Promise<SecureBroker> {
  const reauthMs = options.reauthMs ?? DEFAULT_REAUTH_MS
  const dist = await ensureKafka()
  const certDir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'sluice-secure-certs-'))
  const unregister = atExit(() => rmSync(certDir, { recursive: true, force: true }))
  let cluster: KafkaCluster | undefined
  try {
    const certs = await makeCerts(certDir)
    cluster = await startKafka({
      name: `sluice-secure-${process.pid}-${randomBytes(3).toString('hex')}`,
      listeners: SECURE_LISTENERS,
      brokerProperties: brokerProperties(certs, reauthMs),
      formatArgs: scramFormatArgs(),
      jmx: true,
      ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
      ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    })
    const broker = cluster.brokers[0]!
    const bootstrap = { PLAINTEXT: `127.0.0.1:${broker.port}` } as Record<SecureListener, string>
    for (const l of SECURE_LISTENERS) bootstrap[l.name] = `127.0.0.1:${broker.listenerPorts[l.name]}`
    await addAcls(dist.classpath, bootstrap.PLAINTEXT)
    const jmxUrl = `service:jmx:rmi:///jndi/rmi://127.0.0.1:${broker.jmxPort}/jmxrmi`
    const started = cluster
    let stopping: Promise<void> | undefined
    return Object.freeze({
      cluster: started,
      certs,
      bootstrap: Object.freeze(bootstrap),
      reauthMs,
      jmxUrl,
      reauthentications: (listener: SecureListener = 'REAUTH') =>
        sumJmxAttribute(
          dist.classpath,
          jmxUrl,
          `kafka.server:type=socket-server-metrics,listener=${listener},networkProcessor=*`,
          'successful-reauthentication-total',
        ),
      stop: () => {
        stopping ??= (async () => {
          try {
            await started.stop()
          } finally {
            await rm(certDir, { recursive: true, force: true })
            unregister()
          }
        })()
        return stopping
      },
    })
  } catch (err) {
    await cluster?.stop({ keepLogs: true }).catch(() => {})
    await rm(certDir, { recursive: true, force: true })
    unregister()
    throw err
  }
}

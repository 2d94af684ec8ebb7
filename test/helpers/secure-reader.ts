/**
 * The independent reader over a secure listener: Kafka's own console consumer (from the broker's
 * jars) reads a topic back with TLS, mTLS or SASL set up as a Java client would be, from a
 * consumer properties file.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureKafka } from '../../src/local-kafka/distribution.js'
import { toPropertiesFile } from '../../src/local-kafka/node-config.js'

export type JavaSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER'

/** How the Java consumer connects. */
export interface ConsumerSecurity {
  securityProtocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
  /** PEM file of the CA certificates to trust (ssl.truststore.type=PEM). */
  truststorePem?: string
  /** PEM file with the client's key and certificate chain, for mTLS (ssl.keystore.type=PEM). */
  keystorePem?: string
  /** Decrypts keystorePem's key when it is encrypted. */
  keyPassword?: string
  /**
   * SASL credentials; for OAUTHBEARER the username becomes the `sub` of an unsecured token
   * (Kafka's unsecured login handler) and the password is unused.
   */
  sasl?: { mechanism: JavaSaslMechanism; username: string; password: string }
  /** Any other consumer properties. */
  properties?: Record<string, string>
}

export interface ConsoleRecord {
  partition: number
  offset: bigint
  /** UTF-8 text; null for a null key or value. */
  key: string | null
  value: string | null
}

export interface ConsoleReadOptions {
  /**
   * The number of records the test expects. The consumer then waits up to idleTimeoutMs (default
   * 60 s, as a fresh group's first fetch can be slow on a loaded machine) and, once that many
   * records are printed, is stopped after graceMs more, so that any extra record is still seen.
   */
  expect?: number
  /** How long to wait for records past the expected count; default 3000. */
  graceMs?: number
  /**
   * The consumer exits once no record came for this long (its --timeout-ms); default 6000, or
   * 60000 with `expect`.
   */
  idleTimeoutMs?: number
  /** Hard limit for the whole run; default 120 s. */
  timeoutMs?: number
}

/** The literal the formatter prints for null (a string no test key or value uses). */
const NULL = '\u2400null'

function jaasConfig(sasl: NonNullable<ConsumerSecurity['sasl']>): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  switch (sasl.mechanism) {
    case 'PLAIN':
      return `org.apache.kafka.common.security.plain.PlainLoginModule required username=${q(sasl.username)} password=${q(sasl.password)};`
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return `org.apache.kafka.common.security.scram.ScramLoginModule required username=${q(sasl.username)} password=${q(sasl.password)};`
    case 'OAUTHBEARER':
      return `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=${q(sasl.username)};`
  }
}

/** The consumer properties for `security`. */
export function consumerProperties(security: ConsumerSecurity): Record<string, string> {
  const props: Record<string, string> = { 'security.protocol': security.securityProtocol }
  if (security.truststorePem !== undefined) {
    props['ssl.truststore.type'] = 'PEM'
    props['ssl.truststore.location'] = security.truststorePem
  }
  if (security.keystorePem !== undefined) {
    props['ssl.keystore.type'] = 'PEM'
    props['ssl.keystore.location'] = security.keystorePem
  }
  if (security.keyPassword !== undefined) props['ssl.key.password'] = security.keyPassword
  if (security.sasl !== undefined) {
    props['sasl.mechanism'] = security.sasl.mechanism
    props['sasl.jaas.config'] = jaasConfig(security.sasl)
  }
  return { ...props, ...security.properties }
}

const LINE = /^Partition:(\d+)\tOffset:(\d+)\t(.*)\t(.*)$/

/**
 * Every record of `topic` according to Kafka's console consumer (a fresh group, from the
 * beginning, until nothing arrives for idleTimeoutMs), sorted by partition then offset. Keys and
 * values must be UTF-8 text without tabs or line breaks. Rejects with the consumer's output if
 * it fails (an authentication error, say) or exceeds timeoutMs.
 */
export async function consoleConsume(
  bootstrap: string,
  topic: string,
  security: ConsumerSecurity,
  opts: ConsoleReadOptions = {},
): Promise<ConsoleRecord[]> {
  const { classpath } = await ensureKafka()
  const dir = await mkdtemp(join(tmpdir(), 'sluice-console-'))
  try {
    const config = join(dir, 'consumer.properties')
    await writeFile(config, toPropertiesFile(consumerProperties(security)), { mode: 0o600 })
    const formatter = {
      'print.partition': 'true',
      'print.offset': 'true',
      'print.key': 'true',
      'key.separator': '\t',
      'null.literal': NULL,
    }
    const args = [
      '-Xmx256m',
      '-cp',
      classpath,
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--from-beginning',
      '--timeout-ms',
      String(opts.idleTimeoutMs ?? (opts.expect === undefined ? 6000 : 60_000)),
      '--command-config',
      config,
      ...Object.entries(formatter).flatMap(([k, v]) => ['--formatter-property', `${k}=${v}`]),
    ]
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let lines = 0
    let stopping: NodeJS.Timeout | undefined
    let stopped = false
    child.stdout.on('data', (b: Buffer) => {
      out.push(b)
      for (const byte of b) if (byte === 0x0a) lines++
      if (opts.expect !== undefined && lines >= opts.expect && stopping === undefined) {
        stopping = setTimeout(() => {
          stopped = true
          child.kill('SIGTERM')
        }, opts.graceMs ?? 3000)
      }
    })
    child.stderr.on('data', (b: Buffer) => err.push(b))
    const limit = opts.timeoutMs ?? 120_000
    let killed = false
    const guard = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, limit)
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (c) => resolve(c))
    }).finally(() => {
      clearTimeout(guard)
      clearTimeout(stopping)
    })
    const stdout = Buffer.concat(out).toString('utf8')
    const stderr = Buffer.concat(err).toString('utf8')
    const printed = stdout.split('\n').filter((line) => LINE.test(line)).length
    // Stopped by us (SIGTERM after the grace period): its shutdown hook may not log a total.
    const logged = /Processed a total of (\d+) messages/.exec(stderr)
    const processed = stopped ? printed : logged === null ? null : Number(logged[1])
    // The consumer ends with exit status 0 and a log line "Error processing message, terminating
    // consumer process:" followed by the exception: TimeoutException when --timeout-ms passed
    // (the normal end), anything else (not authorized, say) is a failure.
    const ended = /terminating consumer process:\s*([\w.$]+)/.exec(`${stdout}\n${stderr}`)?.[1]
    const failed = ended !== undefined && ended !== 'org.apache.kafka.common.errors.TimeoutException'
    if ((code !== 0 && !stopped) || processed === null || failed) {
      const why = killed ? `killed after ${limit} ms` : `exit ${code}`
      throw new Error(
        `console consumer of ${topic} at ${bootstrap} failed (${why}):\n${stderr}\n${stdout.slice(-2000)}`,
      )
    }
    const text = (s: string) => (s === NULL ? null : s)
    const records: ConsoleRecord[] = []
    for (const line of stdout.split('\n')) {
      const m = LINE.exec(line)
      if (m === null) continue
      records.push({ partition: Number(m[1]), offset: BigInt(m[2]!), key: text(m[3]!), value: text(m[4]!) })
    }
    if (records.length !== processed) {
      throw new Error(`the console consumer processed ${processed} records but printed ${records.length}`)
    }
    return records.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

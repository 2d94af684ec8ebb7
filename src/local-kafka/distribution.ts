/**
 * Obtains Apache Kafka's jars from Maven Central with Maven itself and caches them.
 * Used by tests, benchmarks and the CLI's local-broker mode; never by the library.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The newest Kafka 4.x whose jars resolve from Maven Central when this was written. */
export const DEFAULT_KAFKA_VERSION = '4.4.0'

/**
 * The Kafka versions CI runs the integration tests against (docs/COMPATIBILITY.md): the full
 * suite on the newest, a compatibility subset on the others.
 */
export const SUPPORTED_KAFKA_VERSIONS = ['3.6.2', '3.9.2', '4.0.2', DEFAULT_KAFKA_VERSION] as const

/**
 * The version of the brokers a local cluster runs: `SLUICE_KAFKA_VERSION`, else the default.
 * Kafka's tools and the tests' Java programs (readers, parity probes) always use the default
 * version's jars, whose clients speak to every broker version here.
 */
export function brokerKafkaVersion(): string {
  const v = process.env.SLUICE_KAFKA_VERSION
  if (v === undefined || v === '') return DEFAULT_KAFKA_VERSION
  if (!/^\d+\.\d+\.\d+$/.test(v))
    throw new Error(`SLUICE_KAFKA_VERSION '${v}' is not a Kafka version like 3.9.2`)
  return v
}
/** log4j's binding for slf4j 1.7, which the broker logs through. */
const LOG4J_VERSION = '2.25.5'

export interface KafkaDistribution {
  version: string
  /** Folder holding every jar the broker and Kafka's tools need. */
  libDir: string
  /** A java -cp value for those jars. */
  classpath: string
}

export function kafkaCacheRoot(): string {
  return process.env.SLUICE_KAFKA_CACHE ?? join(homedir(), '.cache', 'sluice', 'kafka')
}

function pom(version: string): string {
  // Jetty comes in only for Connect's REST server, which we never run; its newest versions are
  // not always on Maven Central, so it is left out. Kafka 3.x binds slf4j to reload4j: that
  // binding is left out so that every version logs through log4j 2 (LOG4J2_CONFIG).
  const exclusions = `<exclusions>
        <exclusion><groupId>org.eclipse.jetty</groupId><artifactId>*</artifactId></exclusion>
        <exclusion><groupId>org.eclipse.jetty.ee10</groupId><artifactId>*</artifactId></exclusion>
        <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId></exclusion>
      </exclusions>`
  const dep = (g: string, a: string, v: string, ex = '') =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version>${ex}</dependency>`
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.local</groupId><artifactId>kafka-distribution</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', 'kafka_2.13', version, exclusions)}
${dep('org.apache.kafka', 'kafka-tools', version, exclusions)}
${dep('org.apache.kafka', 'kafka-clients', version)}
${dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION)}
  </dependencies>
</project>
`
}

const pending = new Map<string, Promise<KafkaDistribution>>()

/** Resolves (downloading once) the Kafka jars of `version`. Safe to call concurrently. */
export function ensureKafka(version: string = DEFAULT_KAFKA_VERSION) {
  let p = pending.get(version)
  if (p === undefined) {
    p = resolve(version).catch((err) => {
      pending.delete(version)
      throw err
    })
    pending.set(version, p)
  }
  return p
}

async function resolve(version: string): Promise<KafkaDistribution> {
  const root = join(kafkaCacheRoot(), version)
  const libDir = join(root, 'libs')
  const result = { version, libDir, classpath: join(libDir, '*') }
  if (existsSync(join(libDir, `kafka-clients-${version}.jar`))) return result

  await mkdir(root, { recursive: true })
  const staging = join(root, `libs.staging-${process.pid}`)
  await rm(staging, { recursive: true, force: true })
  const pomPath = join(root, 'pom.xml')
  await writeFile(pomPath, pom(version))
  try {
    await run(
      'mvn',
      ['-q', '-B', '-f', pomPath, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
      { maxBuffer: 16 * 1024 * 1024 },
    )
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `could not fetch Apache Kafka ${version} with Maven (is 'mvn' on PATH?): ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    )
  }
  const jars = await readdir(staging)
  if (!jars.includes(`kafka-clients-${version}.jar`)) {
    throw new Error(`Maven resolved no kafka-clients-${version}.jar into ${staging}`)
  }
  await rm(libDir, { recursive: true, force: true })
  await rename(staging, libDir)
  return result
}

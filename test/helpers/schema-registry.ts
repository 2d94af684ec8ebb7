/**
 * A real schema registry on loopback for the tests: Apicurio Registry 2.4.2.Final (Apache 2.0),
 * a Quarkus application, speaking Confluent's Schema Registry API at /apis/ccompat/v7, with its
 * in-memory H2 storage. Maven Central carries Apicurio's jars but no runnable build, so the first
 * call builds one with Maven from a small pom (Quarkus's own build step, no sources of ours) and
 * caches it under ~/.cache/sluice/registry (SLUICE_REGISTRY_CACHE). Each test file starts its own
 * registry on a free port (about 10 s) and stops it after.
 *
 * Why 2.4.2.Final: it is the newest Apicurio whose whole dependency tree resolves from Maven
 * Central and runs on Java 17 (2.5/2.6 need modules Central lacks, 3.x needs Java 21). Two of its
 * dependencies are swapped for ones Central has (see pom() below). Needs java and mvn on PATH.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import * as http from 'node:http'
import * as https from 'node:https'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePorts } from '../../src/local-kafka/ports.js'

const run = promisify(execFile)

export const APICURIO_VERSION = '2.4.2.Final'
/** The Quarkus version Apicurio 2.4.2.Final is built with (its parent pom's quarkus.version). */
const QUARKUS_VERSION = '2.16.4.Final'
const RUNNER = 'sluice-apicurio-registry-1-runner.jar'
/** Where Apicurio serves Confluent's API. */
export const CCOMPAT_PATH = '/apis/ccompat/v7'

export function registryCacheRoot(): string {
  return process.env.SLUICE_REGISTRY_CACHE ?? join(homedir(), '.cache', 'sluice', 'registry')
}

function pom(): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.test</groupId><artifactId>sluice-apicurio-registry</artifactId><version>1</version>
  <packaging>jar</packaging>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencyManagement>
    <dependencies>
      <!-- The config-index extension's 0.1.18.Final deployment jar is not on Maven Central;
           0.1.10.Final's is, with the same classes. -->
      <dependency>
        <groupId>io.apicurio</groupId><artifactId>apicurio-common-app-components-config-index</artifactId>
        <version>0.1.10.Final</version>
      </dependency>
      <dependency>
        <groupId>io.apicurio</groupId><artifactId>apicurio-registry</artifactId>
        <version>${APICURIO_VERSION}</version><type>pom</type><scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>io.apicurio</groupId><artifactId>apicurio-registry-app</artifactId><version>${APICURIO_VERSION}</version>
      <exclusions>
        <!-- Published outside Maven Central; the same classes come from com.github.erosb below. -->
        <exclusion><groupId>com.github.everit-org.json-schema</groupId><artifactId>org.everit.json.schema</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>com.github.erosb</groupId><artifactId>everit-json-schema</artifactId><version>1.14.2</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <!-- The app's application.properties (storage, ports, profiles) becomes ours. -->
        <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version>
        <executions>
          <execution>
            <id>app-properties</id><phase>generate-resources</phase><goals><goal>unpack</goal></goals>
            <configuration>
              <artifactItems>
                <artifactItem>
                  <groupId>io.apicurio</groupId><artifactId>apicurio-registry-app</artifactId><version>${APICURIO_VERSION}</version>
                  <includes>application.properties</includes>
                  <outputDirectory>\${project.build.outputDirectory}</outputDirectory>
                </artifactItem>
              </artifactItems>
            </configuration>
          </execution>
        </executions>
      </plugin>
      <plugin>
        <groupId>io.quarkus</groupId><artifactId>quarkus-maven-plugin</artifactId><version>${QUARKUS_VERSION}</version>
        <executions><execution><goals><goal>build</goal></goals></execution></executions>
      </plugin>
    </plugins>
  </build>
</project>
`
}

export interface RegistryBuild {
  /** The runnable jar; its dependencies are in lib/ beside it. */
  runnerJar: string
}

/** 'client-auth-required': built with quarkus.http.ssl.client-auth=required (a build-time setting). */
export type RegistryVariant = 'default' | 'client-auth-required'

const building = new Map<RegistryVariant, Promise<RegistryBuild>>()

/** Builds (once, cached on disk) the runnable registry. Safe to call concurrently. */
export function ensureRegistry(variant: RegistryVariant = 'default'): Promise<RegistryBuild> {
  let b = building.get(variant)
  if (b === undefined) {
    b = build(variant).catch((err) => {
      building.delete(variant)
      throw err
    })
    building.set(variant, b)
  }
  return b
}

async function build(variant: RegistryVariant): Promise<RegistryBuild> {
  const suffix = variant === 'default' ? '' : `-${variant}`
  const root = join(registryCacheRoot(), `apicurio-${APICURIO_VERSION}${suffix}`)
  const app = join(root, 'app')
  const result = { runnerJar: join(app, RUNNER) }
  if (existsSync(result.runnerJar)) return result

  // Each process builds in its own folder and renames the result into place: two test files
  // building at once each finish, and the second rename finds the first's app there.
  const work = join(root, `build-${process.pid}`)
  await rm(work, { recursive: true, force: true })
  await mkdir(work, { recursive: true })
  await writeFile(join(work, 'pom.xml'), pom())
  const args = [
    '-q',
    '-B',
    '-f',
    join(work, 'pom.xml'),
    '-DskipTests',
    // Apicurio's parent pom adds two repositories outside Maven Central unless skipDefault is set.
    '-DskipDefault',
    // The app jar carries no bean index, so Quarkus must index it to find its beans.
    '-Dquarkus.index-dependency.registry-app.group-id=io.apicurio',
    '-Dquarkus.index-dependency.registry-app.artifact-id=apicurio-registry-app',
    ...(variant === 'client-auth-required' ? ['-Dquarkus.http.ssl.client-auth=required'] : []),
    'package',
  ]
  try {
    await run('mvn', args, { maxBuffer: 64 * 1024 * 1024 })
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `could not build Apicurio Registry ${APICURIO_VERSION} with Maven (are 'mvn' and 'java' on PATH?): ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    )
  }
  const target = join(work, 'target')
  if (!existsSync(join(target, RUNNER))) throw new Error(`Maven built no ${RUNNER} in ${target}`)
  try {
    await rename(target, app)
  } catch (err) {
    if (!existsSync(result.runnerJar)) throw err
  }
  await rm(work, { recursive: true, force: true })
  return result
}

export interface RegistryTls {
  /** The registry's certificate chain and private key (PEM files). */
  certFile: string
  keyFile: string
  /** The CA (PEM file) that signed certFile: the helper's own requests trust it. */
  caFile: string
  /**
   * Mutual TLS: the registry requires a client certificate signed by `caFile` (PEM) here, and the
   * helper's own requests present `certFile` and `keyFile`.
   */
  clientAuth?: { caFile: string; certFile: string; keyFile: string }
}

export interface RunningRegistry {
  /** Confluent's API base URL, e.g. http://127.0.0.1:41234/apis/ccompat/v7 (https: with `tls`) */
  url: string
  port: number
  logFile: string
  /** Sets a subject's compatibility level (PUT /config/{subject}). */
  setCompatibility(subject: string, level: string): Promise<void>
  /** Stops the registry and removes its log unless `keepLog`. */
  stop(keepLog?: boolean): Promise<void>
}

export class RegistryNotReadyError extends Error {
  override readonly name = 'RegistryNotReadyError'
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function tailOf(file: string, lines = 40): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.split('\n').slice(-lines).join('\n')
}

interface Answer {
  status: number
  text: string
}

/** One request by the helper itself (readiness, compatibility), over TLS when the registry has it. */
function send(
  url: string,
  tls: RegistryTls | undefined,
  init: { method?: string; body?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const { method = 'GET', body, timeoutMs = 10_000 } = init
  const options: https.RequestOptions = { method, timeout: timeoutMs, agent: false }
  if (body !== undefined)
    options.headers = {
      'content-type': 'application/vnd.schemaregistry.v1+json',
      'content-length': Buffer.byteLength(body),
    }
  if (tls !== undefined) {
    options.ca = readFileSync(tls.caFile)
    if (tls.clientAuth !== undefined) {
      options.cert = readFileSync(tls.clientAuth.certFile)
      options.key = readFileSync(tls.clientAuth.keyFile)
    }
  }
  return new Promise<Answer>((resolve, reject) => {
    const req = (tls === undefined ? http : https).request(url, options, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        text += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** The -D options that make Quarkus serve HTTPS only on `port`. */
async function tlsProperties(tls: RegistryTls, port: number, dir: string): Promise<string[]> {
  const props = [
    `-Dquarkus.http.ssl-port=${port}`,
    `-Dquarkus.http.ssl.certificate.files=${tls.certFile}`,
    `-Dquarkus.http.ssl.certificate.key-files=${tls.keyFile}`,
    '-Dquarkus.http.insecure-requests=disabled',
  ]
  if (tls.clientAuth === undefined) return props
  const truststore = join(dir, 'client-truststore.p12')
  const password = 'sluice-test-trust'
  await run('keytool', [
    '-importcert',
    '-noprompt',
    '-alias',
    'client-ca',
    '-file',
    tls.clientAuth.caFile,
    '-keystore',
    truststore,
    '-storetype',
    'PKCS12',
    '-storepass',
    password,
  ])
  return [
    ...props,
    `-Dquarkus.http.ssl.certificate.trust-store-file=${truststore}`,
    '-Dquarkus.http.ssl.certificate.trust-store-file-type=PKCS12',
    `-Dquarkus.http.ssl.certificate.trust-store-password=${password}`,
    // Build-time fixed in this build; given again so that a build without it warns in the log.
    '-Dquarkus.http.ssl.client-auth=required',
  ]
}

/**
 * Starts a registry on a free loopback port with in-memory storage and resolves once it answers
 * GET /subjects. Rejects (never skips) when it cannot be built, exits or is not ready in
 * `readyTimeoutMs`. With `tls` it serves HTTPS only, and with `tls.clientAuth` requires a client
 * certificate.
 */
export async function startSchemaRegistry(
  options: { readyTimeoutMs?: number; tls?: RegistryTls } = {},
): Promise<RunningRegistry> {
  const tls = options.tls
  const { runnerJar } = await ensureRegistry(
    tls?.clientAuth === undefined ? 'default' : 'client-auth-required',
  )
  const [port] = (await freePorts(1)) as [number]
  const tlsDir = tls === undefined ? undefined : await mkdtemp(join(tmpdir(), 'sluice-registry-tls-'))
  const listen =
    tls === undefined || tlsDir === undefined
      ? [`-Dquarkus.http.port=${port}`]
      : await tlsProperties(tls, port, tlsDir)
  const logDir = join(registryCacheRoot(), 'logs')
  await mkdir(logDir, { recursive: true })
  const logFile = join(logDir, `registry-${port}-${process.pid}.log`)
  const out = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(
      'java',
      [
        '-Xmx384m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Dquarkus.http.host=127.0.0.1',
        ...listen,
        // A private in-memory H2 database; few connections are plenty for a test.
        `-Dquarkus.datasource.jdbc.url=jdbc:h2:mem:registry_${port}`,
        '-Dquarkus.datasource.jdbc.min-size=1',
        '-Dquarkus.datasource.jdbc.initial-size=1',
        '-Dquarkus.datasource.jdbc.max-size=10',
        '-jar',
        runnerJar,
      ],
      { stdio: ['ignore', out, out] },
    )
  } finally {
    closeSync(out)
  }
  let exited = false
  let spawnError: Error | undefined
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true
      resolve()
    })
    // No java on PATH: no 'exit' comes, only this.
    child.once('error', (err) => {
      spawnError = err
      exited = true
      resolve()
    })
  })
  const killAtExit = () => child.kill('SIGKILL')
  process.once('exit', killAtExit)

  const base = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`
  const url = base + CCOMPAT_PATH
  const stop = async (keepLog = false) => {
    process.off('exit', killAtExit)
    if (!exited) {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exitedPromise
      clearTimeout(t)
    }
    if (!keepLog) await rm(logFile, { force: true })
    if (tlsDir !== undefined) await rm(tlsDir, { recursive: true, force: true })
  }

  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000)
  let last = ''
  for (;;) {
    if (exited) {
      const why =
        spawnError === undefined ? 'exited before it was ready' : `could not start (${spawnError.message})`
      if (tlsDir !== undefined) await rm(tlsDir, { recursive: true, force: true })
      throw new RegistryNotReadyError(`Apicurio Registry ${why}; log ${logFile}:\n${await tailOf(logFile)}`)
    }
    try {
      const res = await send(`${url}/subjects`, tls, { timeoutMs: 2000 })
      if (res.status === 200) break
      last = `HTTP ${res.status}`
    } catch (err) {
      last = (err as Error).message
    }
    if (Date.now() > deadline) {
      await stop(true)
      throw new RegistryNotReadyError(
        `Apicurio Registry not ready on port ${port} (${last}); log ${logFile}:\n${await tailOf(logFile)}`,
      )
    }
    await sleep(250)
  }

  return {
    url,
    port,
    logFile,
    async setCompatibility(subject, level) {
      const res = await send(`${url}/config/${encodeURIComponent(subject)}`, tls, {
        method: 'PUT',
        body: JSON.stringify({ compatibility: level }),
      })
      if (res.status < 200 || res.status > 299)
        throw new Error(`PUT /config/${subject}: HTTP ${res.status} ${res.text}`)
    },
    stop,
  }
}

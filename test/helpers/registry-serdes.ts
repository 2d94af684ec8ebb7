/**
 * Apicurio Registry's own Java serializers and deserializers (Maven Central, the version of the
 * registry the tests run), in their Confluent-compatible mode: the independent side of the
 * schema-registry tests. test/java-registry/RegistryCodec.java runs them on bytes given on
 * stdin, so no second Kafka client is involved: records are read back with Kafka's own consumer
 * (independent-reader.ts) and their values handed to it.
 *
 * The classpath is resolved once with Maven and the class compiled once, both cached in
 * ~/.cache/sluice/registry/serdes-<version>-<source hash>/.
 */
import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { findJavac } from './java.js'
import { APICURIO_VERSION, registryCacheRoot } from './schema-registry.js'

const run = promisify(execFile)
const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'java-registry', 'RegistryCodec.java')

function pom(): string {
  const apicurio = (artifact: string, exclusions = '') =>
    `<dependency><groupId>io.apicurio</groupId><artifactId>${artifact}</artifactId><version>${APICURIO_VERSION}</version>${exclusions}</dependency>`
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.test</groupId><artifactId>sluice-apicurio-serdes</artifactId><version>1</version>
  <dependencies>
    ${apicurio('apicurio-registry-serdes-avro-serde')}
    ${apicurio('apicurio-registry-serdes-protobuf-serde')}
    ${apicurio(
      'apicurio-registry-serdes-jsonschema-serde',
      // Published outside Maven Central; the same classes come from com.github.erosb below.
      '<exclusions><exclusion><groupId>com.github.everit-org.json-schema</groupId><artifactId>org.everit.json.schema</artifactId></exclusion></exclusions>',
    )}
    <dependency><groupId>com.github.erosb</groupId><artifactId>everit-json-schema</artifactId><version>1.14.2</version></dependency>
    <dependency><groupId>com.google.protobuf</groupId><artifactId>protobuf-java-util</artifactId><version>3.22.2</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`
}

interface Serdes {
  classpath: string
}

let ready: Promise<Serdes> | undefined

/** Resolves the jars and compiles RegistryCodec (once, cached on disk). Rejects, never skips. */
export function ensureRegistrySerdes(): Promise<Serdes> {
  ready ??= prepare().catch((err) => {
    ready = undefined
    throw err
  })
  return ready
}

async function prepare(): Promise<Serdes> {
  const source = readFileSync(SOURCE, 'utf8')
  const key = createHash('sha256').update(pom()).update(source).digest('hex').slice(0, 16)
  const root = join(registryCacheRoot(), `serdes-${APICURIO_VERSION}-${key}`)
  const cpFile = join(root, 'classpath.txt')
  const classes = join(root, 'classes')
  if (!existsSync(cpFile) || !existsSync(join(classes, 'RegistryCodec.class'))) {
    const work = `${root}.build-${process.pid}`
    await rm(work, { recursive: true, force: true })
    await mkdir(join(work, 'classes'), { recursive: true })
    await writeFile(join(work, 'pom.xml'), pom())
    try {
      await run(
        'mvn',
        [
          '-q',
          '-B',
          '-DskipDefault',
          '-f',
          join(work, 'pom.xml'),
          'dependency:build-classpath',
          `-Dmdep.outputFile=${join(work, 'classpath.txt')}`,
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      )
      const cp = (await readFile(join(work, 'classpath.txt'), 'utf8')).trim()
      await run(findJavac(), ['-nowarn', '-cp', cp, '-d', join(work, 'classes'), SOURCE], {
        maxBuffer: 16 * 1024 * 1024,
      })
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string }
      throw new Error(
        `could not resolve or compile Apicurio's serdes ${APICURIO_VERSION} (mvn and a JDK on PATH?): ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      )
    }
    try {
      await rename(work, root)
    } catch (err) {
      if (!existsSync(cpFile)) throw err
      await rm(work, { recursive: true, force: true })
    }
  }
  return { classpath: `${classes}:${(await readFile(cpFile, 'utf8')).trim()}` }
}

async function codec(args: string[], input: string): Promise<string[]> {
  const { classpath } = await ensureRegistrySerdes()
  const child = spawn('java', ['-cp', classpath, 'RegistryCodec', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  child.stdin.end(input)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0) {
    throw new Error(`RegistryCodec ${args.join(' ')} exited with ${code}: ${Buffer.concat(err).toString()}`)
  }
  return Buffer.concat(out)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
}

/** Apicurio's native REST API (v2) beside the ccompat one, which its Java serdes use. */
export function nativeApiUrl(ccompatUrl: string): string {
  return ccompatUrl.replace(/\/apis\/ccompat\/v7$/, '/apis/registry/v2')
}

/**
 * Decodes framed values with Apicurio's Java deserializer for `format` (schemas fetched from the
 * registry by the id in the bytes); each value comes back as the JSON text Java prints for it.
 */
export async function javaDecode(
  format: 'avro' | 'protobuf' | 'json',
  ccompatUrl: string,
  topic: string,
  values: readonly Buffer[],
  isKey = false,
): Promise<string[]> {
  const input = values.map((v) => `${v.toString('base64')}\n`).join('')
  return codec(['decode', format, nativeApiUrl(ccompatUrl), topic, isKey ? 'key' : 'value'], input)
}

/**
 * The bytes Apicurio's Java Avro serializer writes for each value (given in Avro's JSON
 * encoding), with the subject's latest registered schema.
 */
export async function javaEncodeAvro(
  ccompatUrl: string,
  topic: string,
  schemaFile: string,
  jsonValues: readonly string[],
  isKey = false,
): Promise<Buffer[]> {
  const lines = await codec(
    ['encode-avro', nativeApiUrl(ccompatUrl), topic, isKey ? 'key' : 'value', schemaFile],
    jsonValues.map((v) => `${v}\n`).join(''),
  )
  return lines.map((l) => Buffer.from(l, 'base64'))
}

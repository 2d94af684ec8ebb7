/**
 * Runs the Java programs in test/java/ (and other small Java sources the tests carry) with
 * Kafka's own jars on the classpath. These programs are the independent side of our tests:
 * Kafka's client library computing what the Java producer would do.
 *
 * The sources are compiled once with javac into a cache keyed by their content, the Kafka
 * version and the JDK (~/.cache/sluice/java-classes/<key>/, or $SLUICE_JAVA_CACHE/<key>/), and
 * run as `java -cp <classes>:<kafka jars> ClassName`: the JDK's source launcher would compile
 * the file again on every call, about a second of CPU each. Concurrent test processes are safe:
 * each compiles into a private temporary folder and renames it into place; the first rename
 * wins and the others use its classes.
 */
import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ensureKafka } from '../../src/local-kafka/distribution.js'

const run = promisify(execFile)

export const JAVA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'java')

export interface JavaRun {
  stdout: string
  stderr: string
}

/** One Java source file: its name (`Foo.java`, declaring public class Foo) and text. */
export interface JavaSource {
  name: string
  text: string
}

export interface JavaClasses {
  /** The folder holding the compiled classes. */
  dir: string
  /** A java -cp value: the classes, then Kafka's jars. */
  classpath: string
  /** Whether this call compiled them (false: they were in the cache). */
  compiled: boolean
}

export function javaClassesRoot(): string {
  return process.env.SLUICE_JAVA_CACHE ?? join(homedir(), '.cache', 'sluice', 'java-classes')
}

/** The cache key of a set of sources: their names and texts, the Kafka version, the JDK's javac. */
export function javaCacheKey(sources: readonly JavaSource[], kafkaVersion: string, javac: string): string {
  const h = createHash('sha256')
  h.update(`sluice-java-classes v1\0kafka ${kafkaVersion}\0javac ${javac}\0`)
  for (const s of [...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.update(`${s.name}\0${s.text.length}\0${s.text}\0`)
  }
  return h.digest('hex').slice(0, 24)
}

/** Every `*.java` in `dir`, sorted by name. */
export function javaSourcesIn(dir: string): JavaSource[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.java'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }))
}

function onPath(program: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d !== '' && existsSync(join(d, program))) return join(d, program)
  }
  return undefined
}

let javacPath: string | undefined
/** The javac of the JDK whose `java` is on PATH (so classes and runtime match). */
export function findJavac(): string {
  if (javacPath !== undefined) return javacPath
  const java = onPath('java')
  if (java === undefined) throw new Error('java is not on PATH: the tests need a JDK 17 or later')
  const sibling = join(dirname(realpathSync(java)), 'javac')
  const found = existsSync(sibling) ? sibling : onPath('javac')
  if (found === undefined) {
    throw new Error(
      `no javac next to ${realpathSync(java)} or on PATH: the tests need a JDK (e.g. openjdk-17-jdk-headless), not only a JRE`,
    )
  }
  javacPath = realpathSync(found)
  return javacPath
}

const compiling = new Map<string, Promise<JavaClasses>>()

/**
 * Compiles `sources` against Kafka's jars, once: returns the cached classes when they are there.
 * `root` (default javaClassesRoot()) is the cache folder.
 */
export function compileJava(sources: readonly JavaSource[], root = javaClassesRoot()): Promise<JavaClasses> {
  if (process.env.SLUICE_TEST_TIER === 'unit') {
    return Promise.reject(
      new Error(
        'a unit-tier test asked for Java: move the file to the integration tier in scripts/test-tiers.ts',
      ),
    )
  }
  const memoKey = `${root}\0${sources.map((s) => `${s.name}\0${s.text}`).join('\0')}`
  let p = compiling.get(memoKey)
  if (p === undefined) {
    p = compileJavaClasses(sources, root).catch((err: unknown) => {
      compiling.delete(memoKey)
      throw err
    })
    compiling.set(memoKey, p)
  }
  return p
}

/** compileJava without the in-process memo (each call checks the cache folder itself). */
export async function compileJavaClasses(sources: readonly JavaSource[], root: string): Promise<JavaClasses> {
  const kafka = await ensureKafka()
  const javac = findJavac()
  const dir = join(root, javaCacheKey(sources, kafka.version, javac))
  const classpath = `${dir}${delimiter}${kafka.classpath}`
  if (existsSync(dir)) return { dir, classpath, compiled: false }

  await mkdir(root, { recursive: true })
  const tmp = join(root, `.tmp-${basename(dir)}-${process.pid}-${randomBytes(4).toString('hex')}`)
  const src = `${tmp}.src`
  try {
    await mkdir(tmp)
    await mkdir(src)
    const files = await Promise.all(
      sources.map(async (s) => {
        const f = join(src, s.name)
        await writeFile(f, s.text)
        return f
      }),
    )
    try {
      await run(javac, ['-nowarn', '-encoding', 'UTF-8', '-cp', kafka.classpath, '-d', tmp, ...files], {
        maxBuffer: 16 * 1024 * 1024,
      })
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string }
      throw new Error(
        `javac failed for ${sources.map((s) => s.name).join(', ')}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      )
    }
    try {
      await rename(tmp, dir) // atomic: the folder appears complete or not at all
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // Another process put the same classes there first.
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(dir)) throw err
      return { dir, classpath, compiled: false }
    }
    return { dir, classpath, compiled: true }
  } finally {
    await rm(tmp, { recursive: true, force: true })
    await rm(src, { recursive: true, force: true })
  }
}

/** The compiled test/java/ programs. */
export function testJavaClasses(): Promise<JavaClasses> {
  return compileJava(javaSourcesIn(JAVA_DIR))
}

export interface JavaOptions {
  /** Written to the program's stdin (then closed). */
  input?: string | Buffer
  /** The classes to run from (default: test/java/'s). */
  classes?: JavaClasses
  /** JVM options before the class name. */
  jvmArgs?: readonly string[]
}

/** Runs compiled class `className` with `args`; rejects with its stderr when it exits non-zero. */
export async function runJavaClass(
  className: string,
  args: readonly string[] = [],
  options: JavaOptions = {},
): Promise<JavaRun> {
  const { classpath } = options.classes ?? (await testJavaClasses())
  const child = spawn('java', [...(options.jvmArgs ?? []), '-cp', classpath, className, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  child.stdin.on('error', () => {}) // a program that exits without reading its input
  child.stdin.end(options.input ?? '')
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  const stdout = Buffer.concat(out).toString('utf8')
  const stderr = Buffer.concat(err).toString('utf8')
  if (code !== 0) throw new Error(`java ${className} ${args.join(' ')} exited with ${code}:\n${stderr}`)
  return { stdout, stderr }
}

/** Runs test/java/<file> (e.g. `ErrorTable.java`) with `args`; rejects with its stderr when it exits non-zero. */
export function runJava(file: string, args: string[] = [], input?: string | Buffer): Promise<JavaRun> {
  return runJavaClass(basename(file, '.java'), args, input === undefined ? {} : { input })
}

/** Compiles (once) and runs a Java source the test carries inline, e.g. a probe of Kafka's config classes. */
export async function runJavaSource(
  source: JavaSource,
  args: readonly string[] = [],
  input?: string | Buffer,
) {
  const classes = await compileJava([source])
  return runJavaClass(
    basename(source.name, '.java'),
    args,
    input === undefined ? { classes } : { classes, input },
  )
}

/**
 * Runs one of the Java programs in test/java/ with Kafka's own jars on the classpath, using the
 * JDK's single-file source launcher (no build step). These programs are the independent side of
 * our tests: Kafka's client library computing what the Java producer would do.
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureKafka } from '../../src/local-kafka/distribution.js'

export const JAVA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'java')

export interface JavaRun {
  stdout: string
  stderr: string
}

/** Runs test/java/<file> with `args`; rejects with its stderr when it exits non-zero. */
export async function runJava(file: string, args: string[] = [], input?: string | Buffer): Promise<JavaRun> {
  const { classpath } = await ensureKafka()
  const child = spawn('java', ['-cp', classpath, join(JAVA_DIR, file), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  child.stdin.end(input ?? '')
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  const stdout = Buffer.concat(out).toString('utf8')
  const stderr = Buffer.concat(err).toString('utf8')
  if (code !== 0) throw new Error(`java ${file} ${args.join(' ')} exited with ${code}:\n${stderr}`)
  return { stdout, stderr }
}

/** Running the built `sluice` CLI, and counting what reached Kafka with Kafka's own tools. */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { ensureKafka } from '../../src/local-kafka/distribution.js'

export const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  pid: number | undefined
}

/**
 * Runs `node dist/cli/main.js ...args`, with `input` on its stdin when given (else no stdin);
 * resolves whatever the exit status.
 */
export function runCli(
  args: readonly string[],
  timeoutMs = 180_000,
  input: string | Buffer | null = null,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    if (input !== null) child.stdin!.end(input)
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout!.on('data', (b: Buffer) => out.push(b))
    child.stderr!.on('data', (b: Buffer) => err.push(b))
    // A guard against a hung run, not a timing assertion.
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(guard)
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        pid: child.pid,
      })
    })
  })
}

const run = promisify(execFile)

/** Records in `topic` according to Kafka's GetOffsetShell (sum of the partitions' end offsets). */
export async function countWithGetOffsetShell(bootstrap: string, topic: string): Promise<number> {
  const { classpath } = await ensureKafka()
  const { stdout } = await run(
    'java',
    [
      '-cp',
      classpath,
      'org.apache.kafka.tools.GetOffsetShell',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
    ],
    { timeout: 120_000 },
  )
  const lines = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith(`${topic}:`))
  if (lines.length === 0) throw new Error(`GetOffsetShell printed no offsets for ${topic}:\n${stdout}`)
  return lines.reduce((sum, line) => sum + Number(line.split(':')[2]), 0)
}

/** Kafka 4.x's printf formats, as regular expressions (%d, %.1f, %.2f, %f = 6 decimals). */
export const JAVA_WINDOW_LINE =
  /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/
export const JAVA_TOTAL_LINE =
  /^\d+( steady state)? records sent, \d+\.\d{6} records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d\d ms avg latency, \d+\.\d\d ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/

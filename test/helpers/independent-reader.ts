/**
 * The independent side of end-to-end tests: what is in a topic according to Kafka's own
 * KafkaConsumer (test/java/ReadTopic.java), and, as a smoke-level second opinion, kcat.
 */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { testJavaClasses } from './java.js'

export interface ReadRecord {
  partition: number
  offset: bigint
  timestamp: number
  /** `CreateTime` or `LogAppendTime` (Kafka's TimestampType names). */
  timestampType: string
  key: Buffer | null
  value: Buffer | null
  headers: [string, Buffer | null][]
}

export interface ReadOptions {
  isolationLevel?: 'read_committed' | 'read_uncommitted'
  timeoutMs?: number
}

interface JsonRecord {
  partition: number
  offset: string
  timestamp: number
  timestampType: string
  key: string | null
  value: string | null
  headers: [string, string | null][]
}

const fromBase64 = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'))

/**
 * Every record of every partition of `topic`, from the beginning to the end offsets at the time
 * of the call, in partition then offset order. Rejects if the reader does not get there.
 */
export async function readTopic(
  bootstrapServers: string,
  topic: string,
  opts: ReadOptions = {},
): Promise<ReadRecord[]> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  const { classpath } = await testJavaClasses()
  const args = [
    '-cp',
    classpath,
    'ReadTopic',
    bootstrapServers,
    topic,
    opts.isolationLevel ?? 'read_uncommitted',
    String(timeoutMs),
  ]
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  // The program has its own deadline; this one only guards against a hung JVM.
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 60_000)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (c) => resolve(c))
  }).finally(() => clearTimeout(guard))
  const stdout = Buffer.concat(out).toString('utf8')
  const stderr = Buffer.concat(err).toString('utf8')
  // Only our JSON lines count: log4j's default console output could share stdout.
  const lines = stdout.split('\n').filter((l) => l.startsWith('{"'))
  const done = lines.at(-1)
  if (code !== 0 || done === undefined || !done.startsWith('{"done":true')) {
    throw new Error(`ReadTopic ${topic} failed (exit ${code}):\n${stderr}\n${stdout.slice(-2000)}`)
  }
  const expected = (JSON.parse(done) as { records: number }).records
  const records = lines.slice(0, -1).map((line): ReadRecord => {
    const r = JSON.parse(line) as JsonRecord
    return {
      partition: r.partition,
      offset: BigInt(r.offset),
      timestamp: r.timestamp,
      timestampType: r.timestampType,
      key: fromBase64(r.key),
      value: fromBase64(r.value),
      headers: r.headers.map(([k, v]): [string, Buffer | null] => [k, fromBase64(v)]),
    }
  })
  if (records.length !== expected)
    throw new Error(`ReadTopic printed ${records.length} of ${expected} records`)
  return records.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))
}

const run = promisify(execFile)

/** Whether Debian's `kcat` is on PATH (`apt-get install kcat`). */
export async function kcatAvailable(): Promise<boolean> {
  try {
    await run('kcat', ['-V'])
    return true
  } catch {
    return false
  }
}

interface KcatRecord {
  partition: number
  offset: number
  tstype: string
  ts: number
  headers?: (string | null)[]
  key: string | null
  payload: string | null
}

const KCAT_TIMESTAMP_TYPES: Record<string, string> = { create: 'CreateTime', logappend: 'LogAppendTime' }

/**
 * A smoke-level cross-check with librdkafka's kcat (`-J`). Limits: keys, values and header values
 * come back through a JSON string, so only UTF-8 text survives (binary bytes are mangled);
 * null and empty are told apart; offsets above 2^53 lose precision. Use readTopic for exact bytes.
 */
export async function readTopicWithKcat(
  bootstrapServers: string,
  topic: string,
  opts: ReadOptions = {},
): Promise<ReadRecord[]> {
  const args = ['-C', '-b', bootstrapServers, '-t', topic, '-o', 'beginning', '-e', '-J', '-q']
  args.push('-X', `isolation.level=${opts.isolationLevel ?? 'read_uncommitted'}`)
  const { stdout } = await run('kcat', args, {
    timeout: opts.timeoutMs ?? 30_000,
    maxBuffer: 256 * 1024 * 1024,
    killSignal: 'SIGKILL',
  })
  const text = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'utf8'))
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((line): ReadRecord => {
      const r = JSON.parse(line) as KcatRecord
      const headers: [string, Buffer | null][] = []
      const flat = r.headers ?? []
      for (let i = 0; i + 1 < flat.length; i += 2) headers.push([flat[i] ?? '', text(flat[i + 1] ?? null)])
      return {
        partition: r.partition,
        offset: BigInt(r.offset),
        timestamp: r.ts,
        timestampType: KCAT_TIMESTAMP_TYPES[r.tstype] ?? r.tstype,
        key: text(r.key),
        value: text(r.payload),
        headers,
      }
    })
    .sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))
}

/** One record as the compact reader prints it; `value` is UTF-8 text (null for a null value). */
export type ValueVisitor = (partition: number, offset: number, value: string | null) => void

const VALUE_LINE = /^(\d+) (\d+)(?: (.*))?$/

/**
 * Kafka's own consumer (`ReadTopic` in its `values` format) streams every record of `topic`, from
 * the beginning to the end offsets at the time of the call, to `onRecord`: in offset order within
 * a partition, partitions interleaved. For topics of millions of records, where readTopic's JSON
 * would not fit; values must be UTF-8 text without line breaks. Resolves with the record count;
 * rejects if the reader does not get to the end, or with what `onRecord` threw.
 */
export async function readTopicValues(
  bootstrapServers: string,
  topic: string,
  onRecord: ValueVisitor,
  opts: ReadOptions = {},
): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 120_000
  const { classpath } = await testJavaClasses()
  const args = [
    '-cp',
    classpath,
    'ReadTopic',
    bootstrapServers,
    topic,
    opts.isolationLevel ?? 'read_uncommitted',
    String(timeoutMs),
    'values',
  ]
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const err: Buffer[] = []
  child.stderr.on('data', (b: Buffer) => err.push(b))
  let carry = ''
  let count = 0
  let done: number | null = null
  let visitorError: unknown = null
  const line = (text: string): void => {
    const m = VALUE_LINE.exec(text)
    if (m !== null) {
      count++
      onRecord(Number(m[1]), Number(m[2]), m[3] ?? null)
    } else if (text.startsWith('done ')) {
      done = Number(text.slice(5))
    } // anything else is log output sharing stdout
  }
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    if (visitorError !== null) return
    const lines = (carry + chunk).split('\n')
    carry = lines.pop() ?? ''
    try {
      for (const l of lines) line(l)
    } catch (e) {
      visitorError = e
      child.kill('SIGKILL')
    }
  })
  // The program has its own deadline; this one only guards against a hung JVM.
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 60_000)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (c) => resolve(c))
  }).finally(() => clearTimeout(guard))
  if (visitorError !== null) throw visitorError
  if (carry !== '') line(carry)
  if (code !== 0 || done === null) {
    const stderr = Buffer.concat(err).toString('utf8')
    throw new Error(`ReadTopic ${topic} (values) failed (exit ${code}) after ${count} records:\n${stderr}`)
  }
  if (count !== done) throw new Error(`ReadTopic printed ${count} of ${done} records`)
  return count
}

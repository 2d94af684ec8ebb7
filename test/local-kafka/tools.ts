/** Kafka's own command-line tools (same jars as the broker), for setting up test data. */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { ensureKafka } from '../../src/local-kafka/distribution.js'
import { readState } from '../../src/local-kafka/state.js'

const run = promisify(execFile)

async function tool(mainClass: string, args: string[], input?: string): Promise<string> {
  const { classpath } = await ensureKafka()
  const child = run('java', ['-Xmx256m', '-cp', classpath, mainClass, ...args], { timeout: 120_000 })
  if (input !== undefined) child.child.stdin?.end(input)
  return (await child).stdout
}

/** kafka-topics --create. */
export function createTopic(bootstrap: string, topic: string, partitions: number, replicationFactor = 1) {
  return tool('org.apache.kafka.tools.TopicCommand', [
    '--bootstrap-server',
    bootstrap,
    '--create',
    '--topic',
    topic,
    '--partitions',
    String(partitions),
    '--replication-factor',
    String(replicationFactor),
  ])
}

/**
 * kafka-console-producer with `headers<TAB>key|value` lines; `NULL` stands for a null key, value
 * or header value (e.g. `h1:a,h2:NULL\tk|v`).
 */
export function consoleProduce(bootstrap: string, topic: string, lines: string[], acks = 'all') {
  const props = ['parse.key=true', 'key.separator=|', 'parse.headers=true', 'null.marker=NULL']
  return tool(
    'org.apache.kafka.tools.ConsoleProducer',
    [
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--producer-property',
      `acks=${acks}`,
      ...props.flatMap((p) => ['--reader-property', p]),
    ],
    `${lines.join('\n')}\n`,
  )
}

/** Pids of the cluster's nodes according to its state file. */
export async function clusterPids(name: string): Promise<number[]> {
  const state = await readState(name)
  if (state === undefined) throw new Error(`no state file for ${name}`)
  return state.nodes.map((n) => n.pid).filter((p): p is number => p !== null)
}

/** Pids of live (non-zombie) processes whose command line mentions `text`, from /proc. */
export function processesMentioning(text: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (/\) [ZX] /.test(stat)) continue
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry))
    } catch {}
  }
  return found
}

export function pidAlive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

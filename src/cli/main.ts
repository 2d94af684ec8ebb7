#!/usr/bin/env node
import { VERSION } from '../version.js'
import { didYouMean } from './common/usage.js'

export const HELP = `sluice ${VERSION}: a high-throughput Apache Kafka producer for Node.js

Usage: sluice <command> [options]

Commands:
  produce   send lines from stdin or files to a topic (like kafka-console-producer, kcat -P):
            keys, headers, JSON Lines
  topics    create a topic, or list the topics with their partition counts
  perf      produce records as fast as possible and report throughput and latency
            (with no --bootstrap-server, a local Apache Kafka is started for the run)
  help      help on a command: sluice help <command>

Options:
  -h, --help      show this help (also: sluice <command> --help)
  -v, --version   print the version

Examples:
  sluice topics create orders --partitions 3 --bootstrap-server localhost:9092
  echo 'order-1:{"qty":2}' | sluice produce -b localhost:9092 -t orders -K :
  sluice topics list --bootstrap-server localhost:9092
  sluice perf --num-records 1000000 --record-size 100
`

const COMMANDS = ['produce', 'topics', 'perf', 'help'] as const

type Runner = (argv: string[]) => Promise<number>

async function command(name: string): Promise<Runner | null> {
  switch (name) {
    case 'perf':
      return (await import('./perf/command.js')).runPerf
    case 'produce':
      return (await import('./produce/command.js')).runProduce
    case 'topics':
      return (await import('./topics/command.js')).runTopics
    default:
      return null
  }
}

function unknown(what: string, name: string): number {
  const hint = didYouMean(name, COMMANDS)
  process.stderr.write(`sluice: unknown ${what} '${name}'${hint}\nRun 'sluice --help' for the commands.\n`)
  return 2
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(HELP)
    return 0
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  if (name === 'help') {
    const [topic] = rest
    if (topic === undefined) {
      process.stdout.write(HELP)
      return 0
    }
    const run = await command(topic)
    return run === null ? unknown('command', topic) : run(['--help'])
  }
  if (name.startsWith('-')) return unknown('option', name)
  const run = await command(name)
  return run === null ? unknown('command', name) : run(rest)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)

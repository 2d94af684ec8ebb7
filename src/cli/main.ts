#!/usr/bin/env node
import { VERSION } from '../version.js'

const HELP = `sluice ${VERSION}: a high-throughput Apache Kafka producer for Node.js

Usage: sluice <command> [options]

Commands:
  perf      produce records as fast as possible and report throughput and latency
            (with no --bootstrap-server, a local Apache Kafka is started for the run)

Options:
  -h, --help      show this help (also: sluice <command> --help)
  -v, --version   print the version
`

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP)
    return 0
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  if (command === 'perf') {
    const { runPerf } = await import('./perf/command.js')
    return runPerf(rest)
  }
  process.stderr.write(`sluice: unknown command '${command}'\n\n${HELP}`)
  return 2
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

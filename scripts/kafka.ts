/**
 * A local Apache Kafka for development, outliving this script:
 *   node --import tsx scripts/kafka.ts start [--brokers 1|3] [--name N] [--auto-create-topics] [--heap-mb M]
 *                                            [--kafka-version V]
 *   node --import tsx scripts/kafka.ts stop [--name N] [--keep-logs]
 *   node --import tsx scripts/kafka.ts status
 * `start` prints the bootstrap servers on stdout (and is harmless when that name already runs).
 */
import { parseArgs } from 'node:util'
import { findKafka, listKafka, startKafka, stopKafka } from '../src/local-kafka/cluster.js'

const DEFAULT_NAME = 'sluice-dev'
const USAGE = `usage: kafka.ts start [--brokers 1|3] [--name N] [--auto-create-topics] [--heap-mb M] [--kafka-version V]
       kafka.ts stop [--name N] [--keep-logs]
       kafka.ts status
`

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      brokers: { type: 'string', default: '1' },
      name: { type: 'string', default: DEFAULT_NAME },
      'auto-create-topics': { type: 'boolean', default: false },
      'heap-mb': { type: 'string' },
      'kafka-version': { type: 'string' },
      'keep-logs': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const [command] = positionals
  if (values.help || command === undefined) {
    process.stdout.write(USAGE)
    return values.help ? 0 : 2
  }
  switch (command) {
    case 'start': {
      const brokers = Number(values.brokers)
      if (brokers !== 1 && brokers !== 3) throw new Error('--brokers must be 1 or 3')
      const already = await findKafka(values.name)
      const cluster =
        already ??
        (await startKafka({
          name: values.name,
          brokers,
          autoCreateTopics: values['auto-create-topics'],
          detached: true,
          ...(values['heap-mb'] === undefined ? {} : { heapMb: Number(values['heap-mb']) }),
          ...(values['kafka-version'] === undefined ? {} : { kafkaVersion: values['kafka-version'] }),
        }))
      process.stderr.write(
        `${already ? 'already running' : 'started'}: ${cluster.name} (${cluster.brokers.length} broker(s), data in ${cluster.dir})\n`,
      )
      process.stdout.write(`${cluster.bootstrapServers}\n`)
      return 0
    }
    case 'stop': {
      const stopped = await stopKafka(values.name, { keepLogs: values['keep-logs'] })
      process.stderr.write(stopped ? `stopped ${values.name}\n` : `no cluster named ${values.name}\n`)
      return 0
    }
    case 'status': {
      const clusters = await listKafka()
      if (clusters.length === 0) process.stdout.write('no local Kafka clusters\n')
      for (const c of clusters) {
        const up = c.nodes.filter((n) => n.running).length
        process.stdout.write(
          `${c.name}\t${c.bootstrapServers}\t${up}/${c.nodes.length} nodes running\t${c.dir}\n`,
        )
        for (const n of c.nodes) {
          const where = n.port === null ? 'controller' : `${n.role} 127.0.0.1:${n.port}`
          process.stdout.write(
            `  node ${n.nodeId}\t${where}\tpid ${n.pid ?? '-'}\t${n.running ? 'up' : 'down'}\n`,
          )
        }
      }
      return 0
    }
    default:
      process.stderr.write(USAGE)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)

/**
 * `sluice topics create|list`: the two kafka-topics operations a producer's user needs, with
 * its --bootstrap-server and --command-config (TLS, SASL) flags.
 */
import { createTopics, listTopics, parseBrokerList } from '../../cluster/admin.js'
import { ConfigError, KafkaError } from '../../errors.js'
import { resolveConfig } from '../../producer/config/index.js'
import { resolveSecurity } from '../../security/settings.js'
import { type FlagSpec, Flags, parseFlags } from '../common/flags.js'
import { clientSettings } from '../common/settings.js'
import { didYouMean, UsageError } from '../common/usage.js'

const CONNECTION_FLAGS: Record<string, FlagSpec> = {
  '--bootstrap-server': { kind: 'value', short: 'b' },
  '--command-config': { kind: 'value' },
  '--command-property': { kind: 'list' },
  '--timeout-ms': { kind: 'value' },
  '--help': { kind: 'switch', short: 'h' },
}

const CREATE_FLAGS: Record<string, FlagSpec> = {
  ...CONNECTION_FLAGS,
  '--topic': { kind: 'value', short: 't' },
  '--partitions': { kind: 'value' },
  '--replication-factor': { kind: 'value' },
  '--config': { kind: 'repeat' },
  '--if-not-exists': { kind: 'switch' },
}

const LIST_FLAGS: Record<string, FlagSpec> = {
  ...CONNECTION_FLAGS,
  '--exclude-internal': { kind: 'switch' },
  '--json': { kind: 'switch' },
}

const SUBCOMMANDS = ['create', 'list'] as const

export const HELP = `Usage: sluice topics create NAME [--partitions N] [--replication-factor R] [--config K=V ...]
       sluice topics list
       (both with --bootstrap-server HOST:PORT [--command-config FILE])

create: creates a topic, as kafka-topics --create does. Without --partitions or
--replication-factor the broker's defaults (num.partitions, default.replication.factor) apply.
  -t, --topic NAME                the topic (or the first argument)
  --partitions N                  number of partitions
  --replication-factor R          replicas of each partition
  --config NAME=VALUE             a topic setting, e.g. cleanup.policy=compact (repeatable)
  --if-not-exists                 an existing topic is no error (exit 0); otherwise it is (exit 1)

list: every topic with its partition count and replication factor, one per line
(NAME<TAB>PARTITIONS<TAB>REPLICATION-FACTOR), sorted by name.
  --exclude-internal              leave out internal topics such as __consumer_offsets
  --json                          a JSON array of { name, partitions, replicationFactor, internal }

Connection (both):
  -b, --bootstrap-server LIST     brokers, host:port[,host:port] (required, or bootstrap.servers
                                  in the settings)
  --command-config FILE           client settings from a .properties file: security.protocol,
                                  ssl.*, sasl.* (the producer's names; other settings, such as an
                                  admin client's, are ignored)
  --command-property NAME=VALUE ...  the same settings on the command line, over the file
  --timeout-ms MS                 how long the request may take (default 30000)

Examples:
  sluice topics create orders --partitions 6 --replication-factor 3 -b localhost:9092
  sluice topics create events --partitions 3 --config retention.ms=86400000 \\
      --config cleanup.policy=compact -b localhost:9092
  sluice topics list -b broker:9093 --command-config client.properties
`

export async function runTopics(argv: string[]): Promise<number> {
  try {
    const [sub, ...rest] = argv
    if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
      process.stdout.write(HELP)
      return 0
    }
    if (sub === 'create') return await create(rest)
    if (sub === 'list') return await list(rest)
    throw new UsageError(`unknown subcommand '${sub}'${didYouMean(sub, SUBCOMMANDS)} (create or list)`)
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`sluice topics: ${err.message}\nRun 'sluice topics --help' for the options.\n`)
      return 2
    }
    if (err instanceof KafkaError) {
      process.stderr.write(`sluice topics: ${err.code}: ${err.message}\n`)
      return 1
    }
    throw err
  }
}

/** Brokers and security from the connection flags, resolved as the producer resolves them. */
async function connection(f: Flags) {
  const { settings, bootstrapServers } = await clientSettings({
    file: f.has('--command-config') ? { path: f.one('--command-config')!, flag: '--command-config' } : null,
    props: f.all('--command-property'),
    propsFlag: '--command-property',
    bootstrapServer: f.one('--bootstrap-server') ?? null,
  })
  if (bootstrapServers === null) {
    throw new UsageError('--bootstrap-server is required (or bootstrap.servers in --command-config)')
  }
  // A kafka-topics --command-config file is an admin client's: only the connection settings
  // (security.protocol, ssl.*, sasl.*, as the producer names them) are used, the rest ignored.
  const connectionSettings = Object.fromEntries(
    Object.entries(settings).filter(([k]) => /^(security[.A-Z]|ssl[.A-Z]|sasl[.A-Z]|sasl$)/.test(k)),
  )
  const config = resolveConfig({ ...connectionSettings, 'bootstrap.servers': bootstrapServers })
  return {
    brokers: parseBrokerList(bootstrapServers),
    security: resolveSecurity(config),
    timeoutMs: f.integer('--timeout-ms', 1) ?? 30_000,
  }
}

async function create(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, CREATE_FLAGS)
  const f = new Flags(parsed)
  if (f.has('--help')) {
    process.stdout.write(HELP)
    return 0
  }
  const names = [...(f.has('--topic') ? [f.one('--topic')!] : []), ...parsed.positionals]
  if (names.length === 0)
    throw new UsageError('the topic to create is missing: sluice topics create NAME ...')
  if (names.length > 1)
    throw new UsageError(`one topic at a time, got ${names.map((n) => `'${n}'`).join(', ')}`)
  const name = names[0]!
  if (name.trim() === '') throw new UsageError('the topic name must not be empty')
  const partitions = f.integer('--partitions', 1)
  const replicationFactor = f.integer('--replication-factor', 1)
  const configs: Record<string, string> = {}
  for (const word of f.all('--config')) {
    const eq = word.indexOf('=')
    if (eq <= 0) throw new UsageError(`--config expects NAME=VALUE, got '${word}'`)
    configs[word.slice(0, eq)] = word.slice(eq + 1)
  }
  const { brokers, security, timeoutMs } = await connection(f)
  try {
    const [result] = await createTopics(
      brokers,
      [
        {
          name,
          partitions: partitions ?? -1,
          ...(replicationFactor === undefined ? {} : { replicationFactor }),
          configs,
        },
      ],
      timeoutMs,
      security,
    )
    if (result?.created === false) {
      if (f.has('--if-not-exists')) return 0
      process.stderr.write(`sluice topics: topic '${name}' already exists\n`)
      return 1
    }
    process.stdout.write(`Created topic ${name}.\n`)
    return 0
  } finally {
    await security.sasl?.close?.()
  }
}

async function list(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, LIST_FLAGS)
  const f = new Flags(parsed)
  if (f.has('--help')) {
    process.stdout.write(HELP)
    return 0
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`)
  const { brokers, security, timeoutMs } = await connection(f)
  try {
    let topics = await listTopics(brokers, timeoutMs, security)
    if (f.has('--exclude-internal')) topics = topics.filter((t) => !t.internal)
    if (f.has('--json')) process.stdout.write(`${JSON.stringify(topics)}\n`)
    else for (const t of topics) process.stdout.write(`${t.name}\t${t.partitions}\t${t.replicationFactor}\n`)
    return 0
  } finally {
    await security.sasl?.close?.()
  }
}

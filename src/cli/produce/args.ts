/**
 * `sluice produce` command line: kcat -P's short flags and kafka-console-producer's long ones.
 * Files are positional arguments (`-` is stdin); with none, stdin is read.
 */
import { type FlagSpec, Flags, parseFlags } from '../common/flags.js'
import { parseProp } from '../common/settings.js'
import { UsageError } from '../common/usage.js'
import { LineError, type LineReaderConfig, readerConfig } from './lines.js'

export type InputFormat = 'text' | 'json'

export interface ProduceArgs {
  readonly help: boolean
  readonly topic: string
  /** Files to read in order; '-' is stdin. Never empty (stdin alone when none is named). */
  readonly inputs: readonly string[]
  readonly format: InputFormat
  readonly reader: LineReaderConfig
  /** -H k=v: added to every record, after the headers the line carries. */
  readonly headers: readonly [string, string][]
  /** --partition: every record's partition unless its JSON line names one. */
  readonly partition: number | null
  readonly producerProps: readonly string[]
  readonly producerConfigFile: string | null
  readonly bootstrapServer: string | null
  readonly acks: string | null
  readonly compressionType: string | null
}

export const PRODUCE_FLAGS: Record<string, FlagSpec> = {
  '--topic': { kind: 'value', short: 't' },
  '--bootstrap-server': { kind: 'value', short: 'b' },
  '--key-separator': { kind: 'value', short: 'K' },
  '--property': { kind: 'repeat' },
  '--reader-property': { kind: 'repeat' },
  '--headers': { kind: 'switch' },
  '--header': { kind: 'repeat', short: 'H' },
  '--partition': { kind: 'value', short: 'p' },
  '--format': { kind: 'value' },
  '--producer-props': { kind: 'list' },
  '--producer-property': { kind: 'repeat', short: 'X' },
  '--command-property': { kind: 'repeat' },
  '--producer.config': { kind: 'value' },
  '--command-config': { kind: 'value' },
  '--acks': { kind: 'value' },
  '--compression-type': { kind: 'value', short: 'z' },
  '--help': { kind: 'switch', short: 'h' },
}

export function parseProduceArgs(argv: readonly string[]): ProduceArgs {
  const parsed = parseFlags(argv, PRODUCE_FLAGS)
  const f = new Flags(parsed)
  const help = f.has('--help')
  const topic = f.one('--topic')
  if (!help && (topic === undefined || topic.trim() === '')) {
    throw new UsageError('--topic is required (-t TOPIC)')
  }
  const format = (f.one('--format') ?? 'text') as InputFormat
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`--format must be text or json, got '${format}'`)
  }

  const props = new Map<string, string>()
  for (const word of [...f.all('--property'), ...f.all('--reader-property')]) {
    const [k, v] = parseProp(word, '--property')
    props.set(k, v)
  }
  if (f.has('--headers')) props.set('parse.headers', 'true')
  if (f.has('--key-separator')) {
    const sep = f.one('--key-separator')!
    if (sep === '') throw new UsageError('--key-separator must not be empty')
    props.set('parse.key', 'true')
    props.set('key.separator', sep)
  }
  let reader: LineReaderConfig
  try {
    reader = readerConfig(props)
  } catch (err) {
    if (err instanceof LineError) throw new UsageError(`--property: ${err.message}`)
    throw err
  }
  if (format === 'json' && (reader.parseKey || reader.parseHeaders)) {
    throw new UsageError(
      '--format json takes key and headers from each JSON object: drop --key-separator, --headers and parse.key / parse.headers',
    )
  }

  const headers = f.all('--header').map((word): [string, string] => {
    const eq = word.indexOf('=')
    if (eq <= 0) throw new UsageError(`--header expects KEY=VALUE, got '${word}'`)
    return [word.slice(0, eq), word.slice(eq + 1)]
  })

  if (f.has('--producer.config') && f.has('--command-config')) {
    throw new UsageError('--command-config and --producer.config cannot be specified together')
  }
  const producerProps = [
    ...f.all('--producer-props'),
    ...f.all('--producer-property'),
    ...f.all('--command-property'),
  ]
  for (const p of producerProps) parseProp(p)
  const bootstrapServer = f.one('--bootstrap-server') ?? null
  if (bootstrapServer !== null && bootstrapServer.trim() === '') {
    throw new UsageError('--bootstrap-server must not be empty')
  }
  const partition = f.integer('--partition', 0) ?? null
  const inputs = parsed.positionals.length === 0 ? ['-'] : parsed.positionals
  if (inputs.filter((i) => i === '-').length > 1) throw new UsageError("stdin ('-') can be read only once")

  return {
    help,
    topic: topic ?? '',
    inputs,
    format,
    reader,
    headers,
    partition,
    producerProps,
    producerConfigFile: f.one('--producer.config') ?? f.one('--command-config') ?? null,
    bootstrapServer,
    acks: f.one('--acks') ?? null,
    compressionType: f.one('--compression-type') ?? null,
  }
}

export const HELP = `Usage: sluice produce -t TOPIC --bootstrap-server HOST:PORT [options] [FILE...]

Sends each line of the files (or of stdin, when none is named or for '-') as one record, like
kafka-console-producer and kcat -P. Lines end at \\n, \\r\\n or \\r (as in Kafka's tool); an
empty line is a record with an empty value (as in Kafka's tool). Input is read as it is sent: a
pipe of any length works.

Target:
  -t, --topic TOPIC               topic to write to (required; it is not created: a missing
                                  one gets a hint at once)
  -b, --bootstrap-server LIST     brokers, host:port[,host:port] (or bootstrap.servers in the
                                  producer settings)
  -p, --partition N               every record to partition N (default: the partitioner's choice)

Lines:
  -K, --key-separator SEP         each line is KEY SEP VALUE (parse.key=true, key.separator=SEP)
  --headers                       each line starts with headers, then headers.delimiter
                                  (parse.headers=true): h1:v1,h2:v2<TAB>value
  --property NAME=VALUE           kafka-console-producer's reader properties: parse.key,
                                  key.separator (\\t), parse.headers, headers.delimiter (\\t),
                                  headers.separator (,), headers.key.separator (:), null.marker,
                                  ignore.error (a missing separator: null key instead of an error)
  -H, --header KEY=VALUE          add this header to every record (repeatable)
  --format text|json              json: each line is an object (JSON Lines) with key, value,
                                  headers, partition, timestamp; a value that is not a string is
                                  written as its JSON text (default: text)

Producer:
  --acks 0|1|all                  acknowledgements (default: all)
  -z, --compression-type TYPE     none, gzip, snappy, lz4 or zstd (default: none)
  --producer-props NAME=VALUE ... producer settings (Java names or camelCase); also
                                  -X/--producer-property NAME=VALUE, repeatable
  --producer.config FILE          producer settings from a .properties file (TLS, SASL, ...);
                                  also --command-config. Flags win over props, props over the file.

Each record that fails is printed to stderr with its source (file:line or stdin:line) and the
error's code; the others are still sent. At the end a summary goes to stderr; the exit status
is 1 when any record failed, 2 for a bad command line. A progress line is shown on stderr when
it is a terminal.

Examples:
  echo 'hello' | sluice produce -b localhost:9092 -t greetings
  sluice produce -b localhost:9092 -t orders -K : orders.txt        # lines like  order-1:{"qty":2}
  printf 'trace:abc\\tk1\\tv1\\n' | sluice produce -b localhost:9092 -t t --headers \\
      --property parse.key=true
  sluice produce -b localhost:9092 -t t -H source=import -H batch=7 --acks 1 -z lz4 data.txt
  sluice produce -b localhost:9092 -t t --format json <<'EOF'
  {"key":"k1","value":{"qty":2},"headers":{"h":"v"},"partition":0}
  EOF
  sluice produce -b broker:9093 -t t --producer.config client.properties big.log
`

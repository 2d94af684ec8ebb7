/**
 * `sluice produce`: lines from files or stdin to a topic, kafka-console-producer / kcat -P style.
 * The input is pulled a chunk at a time and each record goes through the callback form of
 * send(); when it returns false the loop waits for 'drain', so the input is read no faster than
 * the brokers take it and memory stays bounded whatever the input's size.
 */

import { once } from 'node:events'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { listTopics } from '../../cluster/admin.js'
import { ConfigError, KafkaError } from '../../errors.js'
import { Producer } from '../../producer/producer.js'
import type { ProducerRecord } from '../../producer/record.js'
import { resolveSecurity } from '../../security/settings.js'
import { ProgressBar } from '../common/progress.js'
import { clientSettings, take } from '../common/settings.js'
import { UsageError } from '../common/usage.js'
import { HELP, type ProduceArgs, parseProduceArgs } from './args.js'
import { readLines } from './input.js'
import { LineError, LineParser, type LineRecord, parseJsonLine } from './lines.js'

export const DEFAULT_CLIENT_ID = 'console-producer'

export async function runProduce(argv: string[]): Promise<number> {
  try {
    const args = parseProduceArgs(argv)
    if (args.help) {
      process.stdout.write(HELP)
      return 0
    }
    return await produce(args)
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`sluice produce: ${err.message}\nRun 'sluice produce --help' for the options.\n`)
      return 2
    }
    throw err
  }
}

/** The producer settings: the file, then the props, then --acks, --compression-type, --bootstrap-server. */
export async function produceSettings(
  args: ProduceArgs,
): Promise<Record<string, string> & { 'bootstrap.servers': string }> {
  const { settings, bootstrapServers } = await clientSettings({
    file:
      args.producerConfigFile === null ? null : { path: args.producerConfigFile, flag: '--producer.config' },
    props: args.producerProps,
    propsFlag: '--producer-props',
    bootstrapServer: args.bootstrapServer,
  })
  if (bootstrapServers === null) {
    throw new UsageError('--bootstrap-server is required (or bootstrap.servers in the producer settings)')
  }
  // Keys and values are the lines' bytes; the serializers are the tool's business.
  take(settings, 'key.serializer', 'keySerializer', 'value.serializer', 'valueSerializer')
  settings['client.id'] = take(settings, 'client.id', 'clientId') ?? DEFAULT_CLIENT_ID
  if (args.acks !== null) {
    take(settings, 'acks')
    settings.acks = args.acks
  }
  if (args.compressionType !== null) {
    take(settings, 'compression.type', 'compressionType')
    settings['compression.type'] = args.compressionType
  }
  return { ...settings, 'bootstrap.servers': bootstrapServers }
}

interface Counts {
  sent: number
  failed: number
  bytes: number
  elapsedMs: number
}

export function formatCounts(c: Counts): string {
  const secs = c.elapsedMs / 1000
  const rate = secs > 0 ? Math.round(c.sent / secs) : 0
  return `${c.sent} records sent, ${c.failed} failed, ${c.bytes} bytes, ${secs.toFixed(3)} s (${rate} records/sec)`
}

/**
 * A topic that does not exist keeps every record waiting max.block.ms (60 s by default) unless
 * the cluster creates topics on first use; say so at once. Only a hint: a failed check (ACLs,
 * say) is silent and the records have the last word.
 */
async function warnIfMissing(topic: string, producer: Producer): Promise<void> {
  const c = producer.config
  const security = resolveSecurity(c)
  try {
    const found = await listTopics(c.bootstrapServers, Math.min(c.maxBlockMs, 10_000), security, [topic])
    if (found.length === 0) {
      process.stderr.write(
        `sluice produce: topic '${topic}' does not exist (yet): unless the cluster creates it on first use, ` +
          `records wait for it up to max.block.ms (${c.maxBlockMs} ms) and then fail. ` +
          `Create it with: sluice topics create ${topic} --bootstrap-server ...\n`,
      )
    }
  } catch {
    // The producer reports what is really wrong, record by record.
  } finally {
    await security.sasl?.close?.()
  }
}

function describe(err: Error): string {
  return err instanceof KafkaError ? `${err.code}: ${err.message}` : err.message
}

function byteLength(s: string | null): number {
  return s === null ? 0 : Buffer.byteLength(s, 'utf8')
}

async function produce(args: ProduceArgs): Promise<number> {
  for (const input of args.inputs) {
    if (input === '-') continue
    try {
      const s = await stat(input)
      if (s.isDirectory()) throw new UsageError(`'${input}' is a directory, not a file of lines`)
    } catch (err) {
      if (err instanceof UsageError) throw err
      const code = (err as NodeJS.ErrnoException).code
      throw new UsageError(
        `cannot read '${input}': ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      )
    }
  }
  const settings = await produceSettings(args)
  const producer = new Producer(settings)
  await warnIfMissing(args.topic, producer)
  const lineParser = new LineParser(args.reader)
  const parse = args.format === 'json' ? parseJsonLine : (line: string) => lineParser.parse(line)

  const start = performance.now()
  const counts: Counts = { sent: 0, failed: 0, bytes: 0, elapsedMs: 0 }
  const now = (): Counts => ({ ...counts, elapsedMs: performance.now() - start })
  const bar = process.stderr.isTTY
    ? new ProgressBar(process.stderr, now, 250, (c: Counts, width: number) =>
        formatCounts(c).slice(0, Math.max(0, width - 1)),
      )
    : null
  bar?.draw()
  const error = (text: string): void => {
    const write = () => process.stderr.write(`sluice produce: ${text}\n`)
    if (bar === null) write()
    else bar.around(write)
  }
  const fail = (source: string, why: string): void => {
    counts.failed++
    error(`${source}: ${why}`)
  }

  let current: NodeJS.ReadableStream | null = null
  let interrupted = false
  const onSigint = (): void => {
    // Stop reading; what was sent is still delivered and counted.
    interrupted = true
    ;(current as { destroy?: () => void } | null)?.destroy?.()
  }
  process.once('SIGINT', onSigint)
  try {
    for (const input of args.inputs) {
      if (interrupted) break
      const name = input === '-' ? 'stdin' : input
      const stream = input === '-' ? process.stdin : createReadStream(input)
      current = stream
      try {
        for await (const [line, n] of readLines(stream)) {
          const source = `${name}:${n}`
          if (args.format === 'json' && line.trim() === '') continue
          let r: LineRecord
          try {
            r = parse(line)
          } catch (err) {
            if (!(err instanceof LineError)) throw err
            fail(source, err.message)
            continue
          }
          const headers = args.headers.length === 0 ? r.headers : [...r.headers, ...args.headers]
          const partition = r.partition ?? args.partition
          const record: ProducerRecord<string, string> = {
            topic: args.topic,
            key: r.key,
            value: r.value,
            ...(headers.length === 0 ? {} : { headers }),
            ...(partition === null ? {} : { partition }),
            ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }),
          }
          const size = byteLength(r.key) + byteLength(r.value)
          let more: boolean
          try {
            more = producer.send(record, (err) => {
              if (err === null) {
                counts.sent++
                counts.bytes += size
              } else {
                fail(source, describe(err))
              }
            })
          } catch (err) {
            fail(source, describe(err as Error))
            continue
          }
          if (!more) await once(producer, 'drain')
        }
      } catch (err) {
        if (!interrupted) fail(name, `reading failed: ${(err as Error).message}`)
      }
    }
    await producer.close()
  } finally {
    process.removeListener('SIGINT', onSigint)
    bar?.stop()
    await producer.close()
  }
  process.stderr.write(`sluice produce: ${formatCounts(now())}${interrupted ? ' (interrupted)' : ''}\n`)
  return counts.failed > 0 ? 1 : interrupted ? 130 : 0
}

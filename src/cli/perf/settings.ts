/**
 * The producer settings of a `sluice perf` run, merged as Kafka's perf tool merges them: the
 * --producer.config file, then --producer-props over it, then --bootstrap-server over both;
 * byte-array values (the serializers are the tool's business); client.id perf-producer-client
 * unless given; and the transaction settings (ConfigPostProcessor).
 */
import { randomUUID } from 'node:crypto'
import { parseProp, readConfigFile, take } from '../common/settings.js'
import type { PerfArgs } from './args.js'

export const DEFAULT_CLIENT_ID = 'perf-producer-client'
export const DEFAULT_TRANSACTION_ID_PREFIX = 'performance-producer-'
export const DEFAULT_TRANSACTION_DURATION_MS = 3000

export interface PerfSettings {
  /** For `new Producer(...)`; bootstrap.servers is missing when a local Kafka must be started. */
  readonly producer: Record<string, string>
  readonly bootstrapServers: string | null
  readonly transactions: { readonly id: string; readonly durationMs: number } | null
}

export async function perfSettings(args: PerfArgs): Promise<PerfSettings> {
  const producer: Record<string, string> = Object.create(null)
  if (args.producerConfigFile !== null)
    Object.assign(producer, await readConfigFile(args.producerConfigFile, '--producer.config'))
  for (const word of args.producerProps) {
    const [name, value] = parseProp(word)
    producer[name] = value
  }

  const bootstrap = take(producer, 'bootstrap.servers', 'bootstrapServers')
  const bootstrapServers = args.bootstrapServer ?? (bootstrap?.trim() ? bootstrap : null)
  if (bootstrapServers !== null) producer['bootstrap.servers'] = bootstrapServers

  take(producer, 'key.serializer', 'keySerializer', 'value.serializer', 'valueSerializer')
  producer['client.id'] = take(producer, 'client.id', 'clientId') ?? DEFAULT_CLIENT_ID

  const transactionalId = take(producer, 'transactional.id', 'transactionalId')
  let transactions: PerfSettings['transactions'] = null
  if (args.transactionDurationMs !== null || args.transactionalId !== null || transactionalId !== undefined) {
    const id = args.transactionalId ?? transactionalId ?? `${DEFAULT_TRANSACTION_ID_PREFIX}${randomUUID()}`
    producer['transactional.id'] = id
    transactions = { id, durationMs: args.transactionDurationMs ?? DEFAULT_TRANSACTION_DURATION_MS }
  }
  return { producer: { ...producer }, bootstrapServers, transactions }
}

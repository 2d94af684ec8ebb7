/**
 * The worker mode's settings: the Producer's, validated the same way, plus `workers`. What each
 * worker's own Producer is given is derived here: plain data only (it crosses to the thread),
 * with the caller-side settings (serializers, partitioner, logger) left out and `buffer.memory`
 * shared out between the workers.
 */
import { ConfigError } from '../errors.js'
import {
  type ProducerConfig,
  type ProducerConfigInput,
  type ProducerProperties,
  resolveConfig,
} from '../producer/config/index.js'
import { DOTTED_NAMES } from '../producer/config/types.js'

/** The most workers allowed: more threads than this only add hand-over cost. */
export const MAX_WORKERS = 64

const CAMEL = new Map<string, string>()
for (const [camel, dotted] of Object.entries(DOTTED_NAMES)) {
  CAMEL.set(camel, camel)
  CAMEL.set(dotted, camel)
}

/** Settings that stay on the caller's thread or are set per worker. */
const CALLER_ONLY = new Set([
  'keySerializer',
  'valueSerializer',
  'partitionerClass',
  'logger',
  'bufferMemory',
  'clientId',
])

export interface WorkerModeConfig {
  config: ProducerConfig
  workers: number
  /** The settings each worker's Producer gets, without clientId and bufferMemory. */
  shared: Record<string, unknown>
}

export function resolveWorkerConfig(
  input: (ProducerConfigInput | ProducerProperties) & { workers?: unknown },
): WorkerModeConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(
      'config',
      `expected an object of settings, got ${input === null ? 'null' : typeof input}`,
    )
  }
  const { workers: raw, ...rest } = input as Record<string, unknown>
  const workers = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new ConfigError(
      'workers',
      `must be an integer from 1 to ${MAX_WORKERS} (the worker threads that encode, compress and send), got ${String(raw)}; for no workers use Producer from 'sluice'`,
    )
  }
  const config = resolveConfig(rest as unknown as ProducerConfigInput)
  refuse(
    config.transactionalId !== null,
    'transactional.id',
    'transactions are not supported in worker mode (a transaction spans partitions that different workers send); use Producer',
  )
  refuse(config.spool !== null, 'spool', 'the disk spool is not supported in worker mode; use Producer')
  refuse(
    config.circuitBreaker !== null,
    'circuitBreaker',
    'the circuit breaker is not supported in worker mode; use Producer',
  )
  refuse(
    config.interceptorClasses.length > 0,
    'interceptor.classes',
    'interceptors are not supported in worker mode; use Producer',
  )
  const shared: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue
    const camel = CAMEL.get(key) ?? key
    if (!CALLER_ONLY.has(camel)) shared[camel] = value
  }
  return { config, workers, shared }
}

function refuse(when: boolean, option: string, why: string): void {
  if (when) throw new ConfigError(option, why)
}

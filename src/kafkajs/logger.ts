/**
 * kafkajs's logging: `logLevel`, `logCreator` (a function of the level returning the function
 * that writes one entry), `kafka.logger()` / `producer.logger()` with namespaces, the
 * KAFKAJS_LOG_LEVEL environment variable, and the default JSON-on-the-console creator. Sluice's
 * own log lines (connections, metadata, retries, producer ids) reach the logCreator through
 * `sluiceLogger()`, under the namespace 'Producer'.
 */
import type { Logger as SluiceLogger } from '../logging.js'

export const logLevel = {
  NOTHING: 0,
  ERROR: 1,
  WARN: 2,
  INFO: 4,
  DEBUG: 5,
} as const

export type LogLevel = (typeof logLevel)[keyof typeof logLevel]
/** kafkajs's `logLevel` is an enum, a value and a type: `(level: logLevel) => ...` works here too. */
export type logLevel = LogLevel

export interface LogEntry {
  namespace: string
  level: LogLevel
  label: string
  log: { timestamp: string; logger: 'kafkajs'; message: string; [key: string]: unknown }
}

export type logCreator = (level: LogLevel) => (entry: LogEntry) => void

export interface Logger {
  info(message: string, extra?: object): void
  error(message: string, extra?: object): void
  warn(message: string, extra?: object): void
  debug(message: string, extra?: object): void
  namespace(namespace: string, level?: LogLevel): Logger
  setLogLevel(level: LogLevel): void
}

/** KAFKAJS_LOG_LEVEL when set to a level's name, else `level`. */
function fromEnv<L extends LogLevel | null>(level: L): LogLevel | L {
  const name = (process.env.KAFKAJS_LOG_LEVEL ?? '').toUpperCase()
  return Object.hasOwn(logLevel, name) ? logLevel[name as keyof typeof logLevel] : level
}

/** kafkajs's default logCreator: one JSON line per entry on the console. */
export const consoleLogCreator: logCreator =
  () =>
  ({ namespace, level, label, log }) => {
    const prefix = namespace ? `[${namespace}] ` : ''
    const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` })
    if (level === logLevel.ERROR) console.error(line)
    else if (level === logLevel.WARN) console.warn(line)
    else if (level === logLevel.INFO) console.info(line)
    else console.log(line)
  }

export function createLogger(level: LogLevel, creator: logCreator): Logger {
  let rootLevel = fromEnv(level)
  const write = creator(rootLevel)
  // The root logger's namespace is undefined, as in kafkajs (its entries carry no namespace).
  const make = (namespace: string | undefined, own: LogLevel | null): Logger => {
    const at =
      (label: string, lvl: LogLevel) =>
      (message: string, extra: object = {}): void => {
        if (lvl > (own ?? rootLevel)) return
        write({
          namespace: namespace as string,
          level: lvl,
          label,
          log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...extra },
        })
      }
    return {
      info: at('INFO', logLevel.INFO),
      error: at('ERROR', logLevel.ERROR),
      warn: at('WARN', logLevel.WARN),
      debug: at('DEBUG', logLevel.DEBUG),
      namespace: (ns, lvl) => make(ns, fromEnv(lvl ?? null)),
      setLogLevel: (lvl) => {
        rootLevel = lvl
      },
    }
  }
  return make(undefined, null)
}

/**
 * Sluice's `logger` setting writing to a kafkajs logger. Sluice's trace, debug and info lines
 * (connections, cluster id, producer ids, closing) go to debug: at kafkajs's default level, INFO,
 * a kafkajs producer prints nothing while it works, and neither does this one. Warnings and
 * errors keep their level.
 */
export function sluiceLogger(log: Logger): SluiceLogger {
  const fn =
    (method: 'debug' | 'warn' | 'error') =>
    (fields: Record<string, unknown>, message: string): void =>
      log[method](message, fields)
  return { trace: fn('debug'), debug: fn('debug'), info: fn('debug'), warn: fn('warn'), error: fn('error') }
}

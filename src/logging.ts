/**
 * The `logger` setting: any object with pino's methods (trace, debug, info, warn, error, each
 * taking an object of fields first, then the message), such as a pino or bunyan logger, or a
 * small adapter over console. Without one nothing is logged and warnings go through
 * process.emitWarning; with one whose `warn` is a function, warnings are logged at warn instead
 * (and Node prints nothing). The producer's events carry `clientId`; no secret ever reaches a
 * log line (the messages are those of Sluice's errors, which hold none).
 */

/** What a warning is: process.emitWarning's type and code, and a stack or other detail. */
export interface WarningInfo {
  readonly type?: string
  readonly code?: string
  readonly detail?: string
}

/** Reports a warning: to the logger when there is one, else through process.emitWarning. */
export type Warn = (message: string, info: WarningInfo) => void

/** The warning channel without a logger. */
export const processWarning: Warn = (message, info) => {
  process.emitWarning(message, {
    ...(info.type === undefined ? {} : { type: info.type }),
    ...(info.code === undefined ? {} : { code: info.code }),
    ...(info.detail === undefined ? {} : { detail: info.detail }),
  })
}

export type LogFn = (fields: Record<string, unknown>, message: string) => void

/** The methods Sluice calls; any of them may be missing (that level is then silent). */
export interface Logger {
  trace?: LogFn
  debug?: LogFn
  info?: LogFn
  warn?: LogFn
  error?: LogFn
  /** pino's child(bindings): when present, Sluice logs through a child bound to its client id. */
  child?: (bindings: Record<string, unknown>) => Logger
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error'
const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error']

/** A logger that never throws into the producer and costs one check when a level is silent. */
export class Log {
  readonly #logger: Logger | null
  readonly #bindings: Record<string, unknown>
  readonly #enabled: Record<LogLevel, boolean>

  constructor(logger: Logger | null, bindings: Record<string, unknown> = {}) {
    if (logger !== null && typeof logger.child === 'function') {
      this.#logger = logger.child({ module: 'sluice', ...bindings })
      this.#bindings = {}
    } else {
      this.#logger = logger
      this.#bindings = { module: 'sluice', ...bindings }
    }
    const l = this.#logger
    this.#enabled = Object.fromEntries(
      LEVELS.map((level) => [level, l !== null && typeof l[level] === 'function']),
    ) as Record<LogLevel, boolean>
    this.warning = this.#enabled.warn
      ? (message, info) => {
          const fields: Record<string, unknown> = { warning: info.type ?? 'Warning' }
          if (info.code !== undefined) fields.code = info.code
          if (info.detail !== undefined) fields.detail = info.detail
          this.#write('warn', fields, message)
        }
      : processWarning
  }

  static readonly silent = new Log(null)

  /**
   * Reports a warning at warn when the logger has warn; without one this is `processWarning`
   * itself (so a once-per-process warning can tell).
   */
  readonly warning: Warn

  enabled(level: LogLevel): boolean {
    return this.#enabled[level]
  }

  trace(fields: Record<string, unknown>, message: string): void {
    if (this.#enabled.trace) this.#write('trace', fields, message)
  }

  debug(fields: Record<string, unknown>, message: string): void {
    if (this.#enabled.debug) this.#write('debug', fields, message)
  }

  info(fields: Record<string, unknown>, message: string): void {
    if (this.#enabled.info) this.#write('info', fields, message)
  }

  warn(fields: Record<string, unknown>, message: string): void {
    if (this.#enabled.warn) this.#write('warn', fields, message)
  }

  error(fields: Record<string, unknown>, message: string): void {
    if (this.#enabled.error) this.#write('error', fields, message)
  }

  #write(level: LogLevel, fields: Record<string, unknown>, message: string): void {
    try {
      this.#logger![level]!.call(this.#logger, { ...this.#bindings, ...fields }, message)
    } catch {
      // A logger that throws must not break the producer.
    }
  }
}

/** An error as log fields: its class, code and message (never its cause's secrets: there are none). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { err: String(err) }
  const code = (err as { code?: unknown }).code
  return { err: { type: err.name, message: err.message, ...(code === undefined ? {} : { code }) } }
}

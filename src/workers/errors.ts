/**
 * Errors cross the thread boundary as plain data and become the same KafkaError subclass on the
 * caller's side (structured cloning would keep only Error's name, message and stack).
 */
import * as errors from '../errors.js'
import { KafkaError } from '../errors.js'

export interface SentError {
  className: string
  message: string
  stack: string | undefined
  fields: Record<string, unknown>
}

export function sendableError(err: unknown): SentError {
  const e = err instanceof Error ? err : new Error(String(err))
  const fields: Record<string, unknown> = {}
  for (const k of Object.keys(e)) {
    const v = (e as unknown as Record<string, unknown>)[k]
    if (k !== 'cause' && (v === null || typeof v !== 'object') && typeof v !== 'function') fields[k] = v
  }
  return { className: e.constructor.name, message: e.message, stack: e.stack, fields }
}

const CLASSES = new Map<string, { prototype: object }>()
for (const v of Object.values(errors)) {
  if (typeof v === 'function' && (v === KafkaError || v.prototype instanceof KafkaError)) {
    CLASSES.set(v.name, v as { prototype: object })
  }
}

/** The error again, as an instance of its KafkaError class (a plain KafkaError for anything else). */
export function receivedError(sent: SentError): KafkaError {
  const cls = CLASSES.get(sent.className)
  const proto = cls?.prototype ?? KafkaError.prototype
  const e = Object.create(proto) as KafkaError
  Object.defineProperty(e, 'message', { value: sent.message, writable: true, configurable: true })
  if (sent.stack !== undefined)
    Object.defineProperty(e, 'stack', { value: sent.stack, writable: true, configurable: true })
  Object.assign(e, { code: 'ERR_INTERNAL', retriable: false, errorCode: -1, maybeWritten: false })
  Object.assign(e, sent.fields)
  return e
}

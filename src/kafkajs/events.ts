/**
 * kafkajs's instrumentation events for the producer: `producer.events`, and `producer.on(name,
 * listener)` returning the function that removes the listener. Each event is
 * `{ id, type, timestamp, payload }` as in kafkajs.
 *
 * CONNECT and DISCONNECT come from connect() / disconnect(). REQUEST and REQUEST_TIMEOUT come from
 * Sluice's diagnostics channels, which report Produce requests (not metadata or transaction
 * requests): REQUEST once per Produce response, REQUEST_TIMEOUT once per Produce request that
 * timed out. Sluice has no request queue in front of a connection (requests are pipelined up to
 * max.in.flight.requests.per.connection), so REQUEST_QUEUE_SIZE is accepted and never emitted.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { EventEmitter } from 'node:events'
import { type BatchOutcomeEvent, CHANNELS, type ResponseEvent } from '../diagnostics.js'
import { KafkaJSNonRetriableError } from './errors.js'
import type { Logger } from './logger.js'

export const PRODUCER_EVENTS = {
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
} as const

export type ProducerEventName = (typeof PRODUCER_EVENTS)[keyof typeof PRODUCER_EVENTS]

export interface InstrumentationEvent<T = unknown> {
  id: number
  type: string
  timestamp: number
  payload: T
}

export interface RequestPayload {
  apiKey: number
  apiName: string
  apiVersion: number | undefined
  broker: string
  clientId: string
  correlationId: number | undefined
  createdAt: number
  duration: number
  pendingDuration: number
  sentAt: number
  size: number | undefined
}

export interface RequestTimeoutPayload {
  apiKey: number
  apiName: string
  apiVersion: number | undefined
  broker: string
  clientId: string
  correlationId: number | undefined
  createdAt: number
  pendingDuration: number
  sentAt: number
}

let nextId = 0

const NAMES = Object.values(PRODUCER_EVENTS) as string[]
const KEYS = Object.keys(PRODUCER_EVENTS)
  .map((k) => `producer.events.${k}`)
  .join(', ')

/** One producer's events; subscribes to the diagnostics channels only while REQUEST* listeners exist. */
export class ProducerEvents {
  readonly #emitter = new EventEmitter()
  readonly #log: Logger
  /** Only the events of this client id are reported (the channels carry every producer's). */
  readonly #clientId: string
  #subscribed = false
  /** The errors already reported as REQUEST_TIMEOUT: one per request, not one per batch. */
  readonly #timedOut = new WeakSet<Error>()

  constructor(clientId: string, log: Logger) {
    this.#clientId = clientId
    this.#log = log
  }

  on(eventName: string, listener: (event: InstrumentationEvent) => unknown): () => void {
    if (!NAMES.includes(eventName)) {
      throw new KafkaJSNonRetriableError(`Event name should be one of ${KEYS}`)
    }
    const wrapped = (event: InstrumentationEvent): void => {
      Promise.resolve()
        .then(() => listener(event))
        .catch((e: unknown) => {
          const err = e instanceof Error ? e : new Error(String(e))
          this.#log.error(`Failed to execute listener: ${err.message}`, { eventName, stack: err.stack })
        })
    }
    this.#emitter.on(eventName, wrapped)
    this.#updateSubscriptions()
    return () => {
      this.#emitter.off(eventName, wrapped)
      this.#updateSubscriptions()
    }
  }

  emit(type: ProducerEventName, payload?: unknown): void {
    if (this.#emitter.listenerCount(type) === 0) return
    const event: InstrumentationEvent = { id: nextId++, type, timestamp: Date.now(), payload }
    this.#emitter.emit(type, event)
  }

  /** Listens to the diagnostics channels again if REQUEST* listeners exist (connect). */
  open(): void {
    this.#updateSubscriptions()
  }

  /** Stops listening to the diagnostics channels (disconnect); open() resumes. */
  close(): void {
    if (this.#subscribed) {
      unsubscribe(CHANNELS.response, this.#onResponse)
      unsubscribe(CHANNELS.retry, this.#onBatchError)
      unsubscribe(CHANNELS.error, this.#onBatchError)
      this.#subscribed = false
    }
  }

  /** Subscribed while someone listens to REQUEST or REQUEST_TIMEOUT. */
  #updateSubscriptions(): void {
    const wanted =
      this.#emitter.listenerCount(PRODUCER_EVENTS.REQUEST) > 0 ||
      this.#emitter.listenerCount(PRODUCER_EVENTS.REQUEST_TIMEOUT) > 0
    if (wanted && !this.#subscribed) {
      subscribe(CHANNELS.response, this.#onResponse)
      subscribe(CHANNELS.retry, this.#onBatchError)
      subscribe(CHANNELS.error, this.#onBatchError)
      this.#subscribed = true
    } else if (!wanted) {
      this.close()
    }
  }

  readonly #onResponse = (message: unknown): void => {
    const e = message as ResponseEvent
    if (e.clientId !== this.#clientId) return
    const now = Date.now()
    const payload: RequestPayload = {
      apiKey: 0,
      apiName: 'Produce',
      apiVersion: undefined,
      broker: e.node,
      clientId: e.clientId,
      correlationId: undefined,
      createdAt: now - e.latencyMs,
      duration: e.latencyMs,
      pendingDuration: 0,
      sentAt: now - e.latencyMs,
      size: undefined,
    }
    this.emit(PRODUCER_EVENTS.REQUEST, payload)
  }

  readonly #onBatchError = (message: unknown): void => {
    const e = message as BatchOutcomeEvent
    if (e.clientId !== this.#clientId) return
    const code = (e.error as { code?: unknown }).code
    if (code !== 'ERR_REQUEST_TIMEOUT' || this.#timedOut.has(e.error)) return
    this.#timedOut.add(e.error)
    const now = Date.now()
    const payload: RequestTimeoutPayload = {
      apiKey: 0,
      apiName: 'Produce',
      apiVersion: undefined,
      broker: '',
      clientId: e.clientId,
      correlationId: undefined,
      createdAt: now,
      pendingDuration: 0,
      sentAt: now,
    }
    this.emit(PRODUCER_EVENTS.REQUEST_TIMEOUT, payload)
  }
}

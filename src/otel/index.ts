/**
 * sluice/otel: an OpenTelemetry span per record sent, following OpenTelemetry's messaging
 * semantic conventions, with the span's trace context in the record's headers (the global
 * propagator's format; W3C traceparent with the SDK's defaults) so a consumer can continue the
 * trace. Built on the `sluice:producer:send` diagnostics channel: nothing runs when it is not
 * installed. @opentelemetry/api is an optional peer dependency, needed only by this entry point.
 *
 * ```ts
 * import { instrumentSluice } from 'sluice/otel'
 * const uninstall = instrumentSluice() // the global tracer provider and propagator
 * ```
 */
import { tracingChannel } from 'node:diagnostics_channel'
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { CHANNELS, type SendContext } from '../diagnostics.js'
import { VERSION } from '../version.js'

export interface InstrumentOptions {
  /** Default: the global tracer provider. */
  tracerProvider?: TracerProvider
  /** Put the span's context in the record's headers (default true). */
  propagate?: boolean
}

/** Starts tracing every producer's sends; returns the function that stops it. */
export function instrumentSluice(options: InstrumentOptions = {}): () => void {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('sluice', VERSION)
  const propagate = options.propagate ?? true
  const spans = new WeakMap<SendContext, Span>()
  const handlers = {
    start(ctx: SendContext): void {
      const r = ctx.record
      if (r === null || typeof r !== 'object' || typeof r.topic !== 'string') return
      const attributes: Attributes = {
        'messaging.system': 'kafka',
        'messaging.operation.name': 'send',
        'messaging.operation.type': 'send',
        'messaging.destination.name': r.topic,
        'messaging.client.id': ctx.clientId,
      }
      if (typeof r.partition === 'number')
        attributes['messaging.destination.partition.id'] = String(r.partition)
      if (typeof r.key === 'string') attributes['messaging.kafka.message.key'] = r.key
      if (typeof ctx.batchSize === 'number') attributes['messaging.batch.message_count'] = ctx.batchSize
      const parent = context.active()
      const span = tracer.startSpan(`send ${r.topic}`, { kind: SpanKind.PRODUCER, attributes }, parent)
      spans.set(ctx, span)
      if (propagate) {
        const carrier: Record<string, string> = {}
        propagation.inject(trace.setSpan(parent, span), carrier)
        for (const [key, value] of Object.entries(carrier)) ctx.addHeader(key, value)
      }
    },
    error(ctx: SendContext): void {
      const span = spans.get(ctx)
      const err = ctx.error
      if (span === undefined || err === undefined) return
      span.recordException(err)
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message })
      const code = (err as { code?: unknown }).code
      span.setAttribute('error.type', typeof code === 'string' ? code : err.name)
    },
    asyncStart(ctx: SendContext): void {
      const span = spans.get(ctx)
      if (span === undefined) return
      const md = ctx.result
      if (md !== undefined) {
        span.setAttribute('messaging.destination.partition.id', String(md.partition))
        if (md.offset >= 0n) span.setAttribute('messaging.kafka.offset', Number(md.offset))
      }
      span.end()
      spans.delete(ctx)
    },
    end(): void {},
    asyncEnd(): void {},
  }
  const channel = tracingChannel<SendContext>(CHANNELS.send)
  channel.subscribe(handlers)
  return () => channel.unsubscribe(handlers)
}

/**
 * Spans of the library, for users who bring their own OpenTelemetry TracerProvider (the
 * `tracing` option): one per `getOrSet` (`mcp_cache.status`, `mcp_cache.category`, the store),
 * with a child for the origin (the factory) and for the store read on the way. Names carry no
 * key, so their number stays small; keys never appear, since they may hold identifiers.
 */
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api'
import { redactSecrets } from '../log/redact.js'

/** The `tracing` option: `true` for the global provider, or a provider of your own. */
export type TracingOption = boolean | { readonly tracerProvider: TracerProvider }

/** The library's tracer for `option`, or undefined when tracing is off (nothing is traced, nothing costs). */
export function cacheTracer(option: TracingOption | undefined, version: string): CacheTracer | undefined {
  if (option === undefined || option === false) return undefined
  const provider = option === true ? trace.getTracerProvider() : option.tracerProvider
  return new CacheTracer(provider.getTracer('mcp-cache', version), version)
}

/** Starts the library's spans. */
export class CacheTracer {
  constructor(
    private readonly tracer: Tracer,
    readonly version: string,
  ) {}

  /**
   * Runs `work` (a getOrSet) in a span of its own: `status` of its result names how the cache
   * answered; a rejection marks the span as an error.
   */
  async getOrSet<R extends { status: string }>(category: string, store: string, work: () => Promise<R>): Promise<R> {
    const span = this.tracer.startSpan('mcp_cache.getOrSet', { kind: SpanKind.INTERNAL, attributes: { 'mcp_cache.category': category, 'mcp_cache.store': store } })
    try {
      const result = await context.with(trace.setSpan(context.active(), span), work)
      span.setAttribute('mcp_cache.status', result.status)
      return result
    } catch (error) {
      failed(span, error)
      throw error
    } finally {
      span.end()
    }
  }

  /** Runs an origin call (the factory) or a store operation in a child span of the active one. */
  async step<T>(name: 'mcp_cache.origin' | 'mcp_cache.store.get', work: () => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(name, { kind: name === 'mcp_cache.origin' ? SpanKind.INTERNAL : SpanKind.CLIENT })
    try {
      return await context.with(trace.setSpan(context.active(), span), work)
    } catch (error) {
      failed(span, error)
      throw error
    } finally {
      span.end()
    }
  }
}

function failed(span: Span, error: unknown): void {
  span.setAttribute('error.type', error instanceof Error ? error.name : 'error')
  span.setStatus({ code: SpanStatusCode.ERROR, message: redactSecrets(error instanceof Error ? error.message : String(error)) })
}

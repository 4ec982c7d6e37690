/**
 * Spans of the caching gateway, after the OpenTelemetry semantic conventions for MCP
 * (development status): a SERVER span for what a client asked, named `{mcp.method.name} {target}`,
 * a CLIENT span for what went upstream (none on a hit), and cache attributes of our own
 * (`mcp_cache.status`, `mcp_cache.age_ms`, `mcp_cache.scope`). Trace context arrives in
 * `params._meta` (`traceparent`, `tracestate`), continues in these spans and is passed on in the
 * upstream request's `_meta`, so one trace runs client -> gateway -> server.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Counter, type Histogram, type Meter, type Span, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api'
import type { JsonRpcMessage, JsonRpcRequest } from '../mcp/jsonrpc.js'

/** Reads trace context from a message's `_meta` (W3C keys, as SEP-414 carries them). */
const META_GETTER: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key]
    return typeof value === 'string' ? value : undefined
  },
}

const META_SETTER: TextMapSetter<Record<string, unknown>> = {
  set: (carrier, key, value) => {
    carrier[key] = value
  },
}

/** What the gateway knows of the connection a request came on. */
export interface RequestOrigin {
  readonly sessionId?: string | undefined
  readonly protocolVersion?: string | undefined
  /** `pipe` (stdio) or `tcp` (HTTP). */
  readonly transport: 'pipe' | 'tcp'
}

/** How the cache answered a request, for `mcp_cache.*` attributes. */
export interface CacheOutcome {
  readonly status: string
  readonly ageMs?: number | undefined
  readonly scope?: string | undefined
}

function metaOf(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const meta = params?.['_meta']
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>) : undefined
}

/** The span name and MCP attributes of a request: `tools/call get_weather`, `gen_ai.tool.name` ... */
function describe(method: string, params: Record<string, unknown> | undefined): { name: string; attributes: Record<string, string> } {
  const attributes: Record<string, string> = { 'mcp.method.name': method }
  const name = typeof params?.['name'] === 'string' ? params['name'] : undefined
  if (method === 'tools/call' && name !== undefined) {
    attributes['gen_ai.tool.name'] = name
    attributes['gen_ai.operation.name'] = 'execute_tool'
  }
  if (method === 'prompts/get' && name !== undefined) attributes['gen_ai.prompt.name'] = name
  // `mcp.resource.uri` is left out: a URI names records (patient://100841/...) or carries tokens,
  // and spans leave this process; the audit log hashes such values for the same reason.
  return { name: name !== undefined && (method === 'tools/call' || method === 'prompts/get') ? `${method} ${name}` : method, attributes }
}

/**
 * The instruments of the same switch: `mcp.server.operation.duration` as the conventions define
 * it (seconds, per method and tool, with `error.type` on failures), and our count of how the
 * cache answered (`mcp_cache.operations`, by `mcp_cache.status`).
 */
export interface GatewayInstruments {
  readonly duration: Histogram
  readonly operations: Counter
}

/** Builds the instruments on a meter. */
export function gatewayInstruments(meter: Meter): GatewayInstruments {
  return {
    duration: meter.createHistogram('mcp.server.operation.duration', {
      unit: 's',
      description: 'Duration of MCP requests as the gateway answered them',
      advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
    }),
    operations: meter.createCounter('mcp_cache.operations', { description: 'MCP requests by how the cache answered them (hit, miss, coalesced, bypass)' }),
  }
}

/** The MCP methods counted by name in metrics; any other (a client's invention) counts as `other`. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'resources/templates/list', 'resources/read',
  'resources/subscribe', 'resources/unsubscribe', 'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel',
])

/** The span of one client request, ended once with its answer. */
export class RequestSpan {
  private ended = false
  private status: string | undefined

  constructor(
    private readonly span: Span,
    /** The context to run the request's handling in: upstream calls become its children. */
    readonly context: Context,
    /** The attributes the request's metrics share (method, transport): bounded, never a client's free text. */
    private readonly metricAttributes: Attributes,
    private readonly instruments: GatewayInstruments | undefined,
    /** When the request arrived (performance.now()), for its duration. */
    private readonly started: number,
  ) {}

  /** Records how the cache answered, and the tool the metrics count it under (a listed one, or `(unlisted)`). */
  cache(outcome: CacheOutcome, countedTool?: string): void {
    if (countedTool !== undefined) this.metricAttributes['gen_ai.tool.name'] = countedTool
    this.status = outcome.status
    this.span.setAttribute('mcp_cache.status', outcome.status)
    if (outcome.ageMs !== undefined) this.span.setAttribute('mcp_cache.age_ms', outcome.ageMs)
    if (outcome.scope !== undefined) this.span.setAttribute('mcp_cache.scope', outcome.scope)
  }

  /** Ends the span with the answer: a JSON-RPC error or a tool's `isError` is an error. */
  end(answer: JsonRpcMessage | undefined, reason?: string): void {
    if (this.ended) return
    this.ended = true
    const errorType = markOutcome(this.span, answer, reason)
    this.span.end()
    if (this.instruments === undefined) return
    const attributes = { ...this.metricAttributes, ...(errorType === undefined ? {} : { 'error.type': errorType }) }
    this.instruments.duration.record((performance.now() - this.started) / 1000, attributes)
    if (this.status !== undefined) this.instruments.operations.add(1, { ...attributes, 'mcp_cache.status': this.status })
  }
}

/** Marks a span as failed when the answer is an error; returns the `error.type` it set. */
function markOutcome(span: Span, answer: JsonRpcMessage | undefined, reason?: string): string | undefined {
  if (answer === undefined) {
    span.setAttribute('error.type', reason ?? 'cancelled')
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason ?? 'cancelled' })
    return reason ?? 'cancelled'
  }
  if (answer.error !== undefined) {
    span.setAttribute('error.type', String(answer.error.code))
    span.setAttribute('rpc.jsonrpc.error_code', answer.error.code)
    // The code only: the message is the upstream's text, which may quote what it was sent.
    span.setStatus({ code: SpanStatusCode.ERROR, message: `JSON-RPC error ${answer.error.code}` })
    return String(answer.error.code)
  }
  if (answer.result?.['isError'] === true) {
    span.setAttribute('error.type', 'tool_error')
    span.setStatus({ code: SpanStatusCode.ERROR })
    return 'tool_error'
  }
  return undefined
}

/** Starts the gateway's spans on a tracer; absent when tracing is off, so the gateway pays nothing. */
export class GatewayTracer {
  constructor(
    private readonly tracer: Tracer,
    private readonly instruments?: GatewayInstruments,
  ) {}

  /**
   * The SERVER span of a client request, continuing the trace its `_meta` carries, else the one
   * its HTTP request's `traceparent` header carries (one HTTP request may carry several MCP
   * messages, so `_meta` wins).
   */
  serverSpan(request: JsonRpcRequest, origin: RequestOrigin, headers?: Readonly<Record<string, string>>, arrivedAt = performance.now()): RequestSpan {
    const meta = metaOf(request.params)
    const carrier = meta !== undefined && typeof meta['traceparent'] === 'string' ? meta : headers
    const parent = carrier === undefined ? context.active() : propagation.extract(context.active(), carrier, META_GETTER)
    const { name, attributes } = describe(request.method, request.params)
    const span = this.tracer.startSpan(
      name,
      {
        kind: SpanKind.SERVER,
        // A request answered later than it arrived (the one-body hit path) keeps its arrival time.
        startTime: performance.timeOrigin + arrivedAt,
        attributes: {
          ...attributes,
          'jsonrpc.request.id': String(request.id),
          'network.transport': origin.transport,
          ...(origin.sessionId === undefined ? {} : { 'mcp.session.id': origin.sessionId }),
          ...(origin.protocolVersion === undefined ? {} : { 'mcp.protocol.version': origin.protocolVersion }),
        },
      },
      parent,
    )
    // Bounded attributes only for the metrics: a known method (else `other`) and the transport; the
    // tool comes with the cache's answer, as the gateway counts it (names come from clients).
    const metricAttributes: Attributes = { 'mcp.method.name': KNOWN_METHODS.has(request.method) ? request.method : 'other', 'network.transport': origin.transport }
    return new RequestSpan(span, trace.setSpan(parent, span), metricAttributes, this.instruments, arrivedAt)
  }

  /**
   * A CLIENT span for a request going upstream, as a child of the active context, and the
   * params to send: a copy whose `_meta` carries this span's trace context.
   */
  clientSpan(method: string, params: Record<string, unknown> | undefined): { span: Span; params: Record<string, unknown> } {
    const { name, attributes } = describe(method, params)
    const span = this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, context.active())
    const meta: Record<string, unknown> = { ...metaOf(params) }
    propagation.inject(trace.setSpan(context.active(), span), meta, META_SETTER)
    return { span, params: { ...params, _meta: meta } }
  }

  /** Ends a CLIENT span with the upstream's answer (undefined: none came). */
  endClient(span: Span, answer: JsonRpcMessage | undefined, reason?: string): void {
    markOutcome(span, answer, reason)
    span.end()
  }
}

/** The W3C trace headers of the HTTP request a message came in (the SDK transport's `extra.request`), if any. */
export function traceHeadersOf(extra: unknown): Record<string, string> | undefined {
  const request = (extra as { request?: unknown } | undefined)?.request
  if (!(request instanceof Request)) return undefined
  return traceHeaders((name) => request.headers.get(name) ?? undefined)
}

/** `traceparent` and `tracestate` as `read` finds them; undefined without a traceparent. */
export function traceHeaders(read: (name: string) => string | undefined): Record<string, string> | undefined {
  const traceparent = read('traceparent')
  if (traceparent === undefined) return undefined
  const tracestate = read('tracestate')
  return { traceparent, ...(tracestate === undefined ? {} : { tracestate }) }
}

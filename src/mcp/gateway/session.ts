import { context as otelContext } from '@opentelemetry/api'
import type { Cache } from '../../cache/cache.js'
import { traceHeadersOf, type RequestOrigin, type RequestSpan } from '../../telemetry/mcp-spans.js'
import { outsideCaller } from '../caller-context.js'
import { errorResponse, isNotification, isRequest, isResponse, RpcCode, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from '../jsonrpc.js'
import type { MessageChannel } from '../transports/channel.js'
import type { GatewayContext } from './context.js'
import { notificationGenerations } from './invalidation.js'
import { handleListRequest, isCachedListMethod } from './list-results.js'
import { ClientRequests } from './client-requests.js'
import { ToolCatalog } from './tool-catalog.js'
import { handleToolCall } from './tool-calls.js'

/** Most abandoned requests whose late answer is still awaited, per session. */
const MAX_LATE_ANSWERS = 1000
/** Longest an upstream that closed waits for the invalidations its last answers hold back. */
const CLOSE_GRACE_MS = 2000

/**
 * A response handler for one request the session sent upstream. `lost`: no
 * answer will come (the upstream closed, timed out, or the request could not be
 * sent), so whether it ran is unknown.
 */
type Pending = (response: JsonRpcMessage, lost: boolean) => void

/** Thrown to the caller of `requestUpstream` when the call could not complete. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly code: number = RpcCode.UPSTREAM_ERROR,
    /** True when the upstream may have run the request (no answer came): a write may have happened. */
    readonly outcomeUnknown = true,
  ) {
    super(message)
    this.name = 'UpstreamError'
  }
}

/** How a forwarded request ended: its result, or no result and whether it may have run anyway. */
export interface ForwardOutcome {
  readonly result?: Record<string, unknown>
  readonly lost: boolean
}

/**
 * One client connection and the upstream connection that serves it. Every
 * message passes through unchanged except the requests the gateway may answer
 * from the cache (`tools/call`, lists, reads), which it intercepts. Requests
 * going upstream get ids of the session's own, so requests the gateway adds
 * (a `tools/list` to learn annotations) never collide with the client's.
 */
export class GatewaySession {
  readonly catalog = new ToolCatalog()
  /** The principal's cache namespace (user-scoped entries); none for a caller without credentials. */
  readonly userCache: Cache | undefined
  /** The tenant's cache namespace (tenant-scoped entries); none without a verified tenant. */
  readonly tenantCache: Cache | undefined
  private nextUpstreamId = 1
  private readonly pending = new Map<RequestId, Pending>()
  /** Client requests that owe an answer: each gets exactly one, and an id in use is refused to a second request. */
  readonly requests = new ClientRequests()
  private closed = false
  /** Set while upstream messages wait for a notification's invalidation: they are delivered after it, in order. */
  private delivering: Promise<void> | undefined
  /** Requests given up on (cancelled, timed out) whose late answer still means a write landed. */
  private readonly late = new Map<RequestId, () => void>()
  /** Invalidations in progress that an answer waits for. */
  private readonly settles = new Set<Promise<unknown>>()
  /** Spans of the client requests in flight, when tracing is on. */
  private readonly spans = new Map<RequestId, RequestSpan>()
  /** The protocol version the client asked for at initialize (`mcp.protocol.version` on spans). */
  private protocolVersion: string | undefined
  /** Called once when either side closes. */
  onclose?: () => void

  constructor(
    readonly context: GatewayContext,
    readonly downstream: MessageChannel,
    readonly upstream: MessageChannel,
    readonly principal: string | undefined,
    readonly tenant?: string,
  ) {
    this.userCache = principal === undefined ? undefined : context.upstreamCache.forUser(principal)
    this.tenantCache = tenant === undefined ? undefined : context.upstreamCache.namespace(`tenant.${tenant}`)
  }

  /** Wires both channels and starts them (upstream first, so nothing a client sends is lost). */
  async start(): Promise<void> {
    this.upstream.onmessage = (message) => this.fromUpstream(message)
    this.upstream.onclose = () => this.upstreamClosed()
    this.upstream.onerror = (error) => this.context.logger?.warn({ err: this.context.redact(error.message) }, `mcp-cache: upstream ${this.context.upstreamName}: ${this.context.redact(error.message)}`)
    this.downstream.onmessage = (message, extra) => this.fromDownstream(message, extra)
    this.downstream.onclose = () => void this.close()
    this.downstream.onerror = (error) => this.context.logger?.warn({ err: this.context.redact(error.message) }, `mcp-cache: client channel: ${this.context.redact(error.message)}`)
    await this.upstream.start()
    await this.downstream.start()
  }

  /**
   * Sends a request upstream with a session id and resolves with its result
   * (or rejects with UpstreamError). `onLateAnswer` hears the answer that
   * comes after the caller gave up (timeout, cancellation): a write that lands then.
   */
  requestUpstream(
    method: string,
    params: Record<string, unknown> | undefined,
    onCancelHandle?: (cancel: () => void) => void,
    onLateAnswer?: () => void,
  ): Promise<Record<string, unknown>> {
    const id = this.nextUpstreamId++
    const timeoutMs = this.context.config.upstreamTimeout
    const awaitLate = () => {
      if (onLateAnswer !== undefined) this.awaitLate(id, onLateAnswer)
    }
    const traced = this.context.tracer?.clientSpan(method, params)
    const sent = traced === undefined ? params : traced.params
    const ended = (answer: JsonRpcMessage | undefined, reason?: string): void => {
      if (traced !== undefined) this.context.tracer?.endClient(traced.span, answer, reason)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        awaitLate()
        ended(undefined, 'timeout')
        reject(new UpstreamError(`upstream ${this.context.upstreamName} did not answer ${method} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, (response, lost) => {
        clearTimeout(timer)
        ended(response)
        if (response.error !== undefined) reject(new UpstreamError(this.context.redact(String(response.error.message)), response.error.code, lost))
        else resolve(response.result ?? {})
      })
      onCancelHandle?.(() => {
        if (!this.pending.delete(id)) return
        clearTimeout(timer)
        awaitLate()
        ended(undefined, 'cancelled')
        // On behalf of every waiter, not of the last one to leave (whose credentials are not the call's).
        outsideCaller(() => this.sendUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'every waiting client cancelled' } })).catch(() => undefined)
        reject(new UpstreamError('cancelled'))
      })
      this.sendUpstream({ jsonrpc: '2.0', id, method, ...(sent === undefined ? {} : { params: sent }) }).catch((error: unknown) => {
        if (!this.pending.delete(id)) return
        clearTimeout(timer)
        ended(undefined, 'unavailable')
        reject(new UpstreamError(this.unavailable(error)))
      })
    })
  }

  /**
   * Forwards a client request unchanged (apart from its id) and relays the
   * answer, optionally reshaped. `settle` runs before the answer is sent (a
   * write's invalidation), also when no answer will come; a failure there is logged.
   */
  forward(request: JsonRpcRequest, reshape?: (result: Record<string, unknown>) => Record<string, unknown>, settle?: (outcome: ForwardOutcome) => Promise<void>): void {
    if (!this.requests.isCurrent(request)) return // cancelled while the gateway looked at it
    const id = this.nextUpstreamId++
    const settled = (outcome: ForwardOutcome): Promise<void> => {
      if (settle === undefined) return Promise.resolve()
      const done = settle(outcome).catch((error: unknown) => this.context.logger?.warn({ method: request.method, err: this.context.reason(error) }, `mcp-cache: after ${request.method}: ${this.context.reason(error)}`))
      this.settles.add(done)
      void done.then(() => this.settles.delete(done))
      return done
    }
    const answer = (response: JsonRpcMessage): JsonRpcMessage => {
      try {
        const result = response.result !== undefined && reshape !== undefined ? reshape(response.result) : response.result
        return { ...response, id: request.id, ...(result === undefined ? {} : { result }) }
      } catch (error) {
        return this.internalError(request, error)
      }
    }
    const traced = this.context.tracer?.clientSpan(request.method, request.params)
    const ended = (response: JsonRpcMessage | undefined, reason?: string): void => {
      if (traced !== undefined) this.context.tracer?.endClient(traced.span, response, reason)
    }
    this.pending.set(id, (response, lost) => {
      ended(response)
      const deliver = () => {
        if (this.requests.complete(request)) void this.reply(answer(response))
      }
      if (settle === undefined) return deliver()
      if (!this.requests.isCurrent(request)) return
      settled(response.result === undefined ? { lost } : { result: response.result, lost })
        .then(deliver)
        .catch((error: unknown) => this.context.logger?.warn({ err: this.context.reason(error) }, `mcp-cache: could not answer ${request.method}`))
    })
    this.requests.onCancel(request, () => {
      if (this.pending.delete(id)) ended(undefined, 'cancelled')
      // The upstream may have run it before the cancellation arrives, or run it and answer anyway.
      void settled({ lost: true })
      if (settle !== undefined) this.awaitLate(id, () => void settled({ lost: true }))
      // An upstream that is gone has nothing left to cancel.
      this.sendUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } }).catch(() => undefined)
    })
    this.sendUpstream({ ...request, id, ...(traced === undefined ? {} : { params: traced.params }) }).catch((error: unknown) => {
      if (!this.pending.delete(id)) return
      ended(undefined, 'unavailable')
      if (!this.requests.isCurrent(request)) return
      void settled({ lost: true }).then(() => {
        if (this.requests.complete(request)) void this.reply(errorResponse(request.id, RpcCode.UPSTREAM_ERROR, this.unavailable(error)))
      })
    })
  }

  /**
   * Sends a message to the client. Never rejects and never throws: a failed
   * write is logged here, so callers may fire it without awaiting. A response
   * ends its request's span, unless `answersRequestInFlight` is false (a refusal
   * of a duplicate id, whose in-flight namesake is still running).
   */
  reply(message: JsonRpcMessage, answersRequestInFlight = true): Promise<void> {
    if (answersRequestInFlight && this.spans.size > 0 && isResponse(message) && message.id !== undefined && message.id !== null) this.endSpan(message.id, message)
    // Behind a notification that waits for its invalidation: the client sees messages in the upstream's order.
    if (this.delivering !== undefined) return this.enqueue(() => this.send(message))
    return this.send(message)
  }

  /** Runs `step` once every message queued before it is sent; `step` must never reject. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = (this.delivering ?? Promise.resolve()).then(step).catch((error: unknown) => {
      this.context.logger?.warn({ err: this.context.reason(error) }, 'mcp-cache: could not deliver a message to the client')
    })
    this.delivering = next
    void next.then(() => {
      if (this.delivering === next) this.delivering = undefined
    })
    return next
  }

  /** Writes a message to the client now. Never rejects and never throws. */
  private send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return Promise.resolve()
    const failed = (error: unknown) => this.context.logger?.warn({ err: this.context.reason(error) }, 'mcp-cache: could not write to the client')
    try {
      return this.downstream.send(message).catch(failed)
    } catch (error) {
      failed(error)
      return Promise.resolve()
    }
  }

  /** Requests in flight: sent upstream and not answered, or handled by the gateway and not finished. */
  get inFlight(): number {
    return this.pending.size + this.requests.size
  }

  /** Resolves once nothing is in flight, or after `timeoutMs` (graceful shutdown). */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.inFlight > 0 && Date.now() < deadline && !this.closed) await new Promise((resolve) => setTimeout(resolve, 20))
  }

  /** Closes both sides once. Never rejects (a failure is logged), so callers may fire it without awaiting. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const id of [...this.spans.keys()]) this.endSpan(id, undefined, 'session closed')
    try {
      this.requests.cancelAll()
      await Promise.allSettled([this.upstream.close(), this.downstream.close()])
      this.onclose?.()
    } catch (error) {
      this.context.logger?.warn({ err: this.context.reason(error) }, 'mcp-cache: closing a session failed')
    }
  }

  private sendUpstream(message: JsonRpcMessage): Promise<void> {
    return this.upstream.send(message)
  }

  private fromDownstream(message: JsonRpcMessage, extra?: unknown): void {
    if (isRequest(message)) {
      if (message.method === 'initialize' && typeof message.params?.['protocolVersion'] === 'string') this.protocolVersion = message.params['protocolVersion']
      // Transports route answers by id: a second request with an id in flight would take the first one's answer.
      if (this.requests.admit(message)) this.dispatch(message, extra)
      // Refused as a duplicate: the answer is not the in-flight request's, whose span stays open.
      else void this.reply(errorResponse(message.id, RpcCode.INVALID_REQUEST, duplicateIdProblem(message.id)), false)
      return
    }
    if (isNotification(message) && message.method === 'notifications/cancelled') {
      // Never forwarded as sent: the upstream knows requests by the gateway's ids, and would read the
      // client's id as one of them (another request's). A cancellation of nothing in flight is late; dropped.
      const cancelled = message.params?.['requestId']
      this.requests.cancel(cancelled)
      if (typeof cancelled === 'string' || typeof cancelled === 'number') this.endSpan(cancelled, undefined, 'cancelled')
      return
    }
    // Notifications and responses to server-initiated requests pass as they are.
    this.sendUpstream(message).catch(() => undefined)
  }

  /** Hands a client request to its handler, inside its SERVER span when tracing is on. */
  private dispatch(request: JsonRpcRequest, extra: unknown): void {
    const tracer = this.context.tracer
    if (tracer === undefined) return this.handle(request)
    const span = tracer.serverSpan(request, this.origin(), traceHeadersOf(extra))
    this.spans.set(request.id, span)
    otelContext.with(span.context, () => this.handle(request))
  }

  /** The span of a client request in flight, when tracing is on (for the cache's attributes). */
  spanOf(request: JsonRpcRequest): RequestSpan | undefined {
    return this.spans.get(request.id)
  }

  /** Where this session's requests come from, for their spans. */
  origin(): RequestOrigin {
    return { sessionId: this.downstream.sessionId, protocolVersion: this.protocolVersion, transport: this.downstream.networkTransport ?? 'pipe' }
  }

  private endSpan(id: RequestId, answer: JsonRpcMessage | undefined, reason?: string): void {
    const span = this.spans.get(id)
    if (span === undefined) return
    this.spans.delete(id)
    span.end(answer, reason)
  }

  /** Hands a client request to its handler; whatever fails in there becomes this request's error answer. */
  private handle(request: JsonRpcRequest): void {
    let handled: Promise<void>
    try {
      if (request.method === 'tools/call') handled = handleToolCall(this, request)
      else if (isCachedListMethod(request.method)) handled = handleListRequest(this, request)
      else {
        this.forward(request)
        return
      }
    } catch (error) {
      handled = Promise.reject(error)
    }
    handled.catch((error: unknown) => {
      if (this.requests.complete(request)) void this.reply(this.internalError(request, error))
    })
  }

  /** The error answer of a request the gateway failed to handle; logged, secrets removed. */
  private internalError(request: JsonRpcRequest, error: unknown): JsonRpcMessage {
    const reason = this.context.reason(error)
    this.context.logger?.warn({ method: request.method, err: reason }, `mcp-cache: ${request.method} failed in the gateway: ${reason}`)
    return errorResponse(request.id, RpcCode.INTERNAL_ERROR, `mcp-cache could not handle ${request.method}: ${reason}`)
  }

  /** What a client is told when the upstream cannot be reached: its display name, never its URL. */
  private unavailable(error: unknown): string {
    return `upstream ${this.context.upstreamName} is unavailable: ${this.context.reason(error)}`
  }

  private fromUpstream(message: JsonRpcMessage): void {
    try {
      this.routeFromUpstream(message)
    } catch (error) {
      const reason = this.context.reason(error)
      this.context.logger?.warn({ err: reason }, `mcp-cache: could not handle a message from upstream ${this.context.upstreamName}: ${reason}`)
    }
  }

  private routeFromUpstream(message: JsonRpcMessage): void {
    if (isResponse(message) && message.id !== undefined && message.id !== null) {
      const pending = this.pending.get(message.id)
      if (pending !== undefined) {
        this.pending.delete(message.id)
        pending(message, false)
      }
      const late = this.late.get(message.id)
      if (late !== undefined) {
        this.late.delete(message.id)
        late()
      }
      return
    }
    // Server-initiated requests (sampling, elicitation, roots) and notifications reach the client as
    // sent, in order; a change notification once the entries it makes stale are dropped, so a client
    // that re-lists on it gets the new list. Messages after it wait (reply queues them).
    const stale = isNotification(message) ? this.staleAfter(message) : []
    if (stale.length === 0) {
      void this.reply(message)
      return
    }
    void this.enqueue(async () => {
      await this.dropGenerations(stale, message.method ?? 'a notification')
      await this.send(message)
    })
  }

  /** Keeps listening for the answer to an abandoned request: `heard` runs if it comes, or when the upstream closes. */
  private awaitLate(id: RequestId, heard: () => void): void {
    // The spec lets an upstream stay silent after a cancellation: the oldest wait is dropped past the cap.
    if (this.late.size >= MAX_LATE_ANSWERS) this.late.delete(this.late.keys().next().value as RequestId)
    this.late.set(id, heard)
  }

  /** The generations a notification makes stale; a changed tool list also resets the catalog. */
  private staleAfter(message: JsonRpcMessage): string[] {
    if (message.method === 'notifications/tools/list_changed') this.catalog.reset()
    return notificationGenerations(message.method ?? '', message.params)
  }

  /**
   * Bumps generations, for every principal, before the answer or notification
   * that follows is sent. Never rejects: a store that refused is logged by the
   * cache, which retries the bump and bypasses those entries meanwhile.
   */
  async dropGenerations(names: readonly string[], reason: string): Promise<void> {
    try {
      await this.context.upstreamCache.bumpGenerations(names, { reason })
    } catch (error) {
      this.context.logger?.warn({ err: this.context.reason(error) }, `mcp-cache: invalidation (${reason}) failed: ${this.context.reason(error)}`)
    }
  }

  private upstreamClosed(): void {
    const description = (this.upstream as { exitDescription?: string }).exitDescription ?? 'closed the connection'
    const failed = [...this.pending.values()]
    this.pending.clear()
    for (const pending of failed) {
      pending({ jsonrpc: '2.0', id: null, error: { code: RpcCode.UPSTREAM_ERROR, message: `upstream ${this.context.upstreamName} ${description}` } }, true)
    }
    const late = [...this.late.values()]
    this.late.clear()
    for (const heard of late) heard()
    // Let the error answers above (each after its write's invalidation, bounded by the store's
    // timeout) reach the client before its channel closes.
    void Promise.race([this.settling(), new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS))]).then(() => setTimeout(() => void this.close(), 50))
  }

  /** Settles once every invalidation in progress that holds back an answer has finished. */
  private settling(): Promise<void> {
    return Promise.allSettled([...this.settles]).then(() => undefined)
  }
}

/** What a request reusing an id in flight is told. */
export function duplicateIdProblem(id: RequestId): string {
  return `Invalid Request: id ${JSON.stringify(id)} is already used by a request in flight; give every request its own id`
}

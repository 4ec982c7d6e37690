import type { Cache } from '../../cache/cache.js'
import { errorResponse, isNotification, isRequest, isResponse, RpcCode, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from '../jsonrpc.js'
import type { MessageChannel } from '../transports/channel.js'
import type { GatewayContext } from './context.js'
import { notificationGenerations } from './invalidation.js'
import { handleListRequest, isCachedListMethod } from './list-results.js'
import { ClientRequests } from './client-requests.js'
import { ToolCatalog } from './tool-catalog.js'
import { handleToolCall } from './tool-calls.js'

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
  /** The principal's cache namespace (user-scoped entries). */
  readonly userCache: Cache
  private nextUpstreamId = 1
  private readonly pending = new Map<RequestId, Pending>()
  /** Client requests that owe an answer: each gets exactly one, and an id in use is refused to a second request. */
  readonly requests = new ClientRequests()
  private closed = false
  /** Set while upstream messages wait for a notification's invalidation: they are delivered after it, in order. */
  private delivering: Promise<void> | undefined
  /** Called once when either side closes. */
  onclose?: () => void

  constructor(
    readonly context: GatewayContext,
    readonly downstream: MessageChannel,
    readonly upstream: MessageChannel,
    readonly principal: string,
  ) {
    this.userCache = context.upstreamCache.forUser(principal)
  }

  /** Wires both channels and starts them (upstream first, so nothing a client sends is lost). */
  async start(): Promise<void> {
    this.upstream.onmessage = (message) => this.fromUpstream(message)
    this.upstream.onclose = () => this.upstreamClosed()
    this.upstream.onerror = (error) => this.context.logger?.warn({ err: this.context.redact(error.message) }, `mcp-cache: upstream ${this.context.upstreamName}: ${this.context.redact(error.message)}`)
    this.downstream.onmessage = (message) => this.fromDownstream(message)
    this.downstream.onclose = () => void this.close()
    this.downstream.onerror = (error) => this.context.logger?.warn({ err: this.context.redact(error.message) }, `mcp-cache: client channel: ${this.context.redact(error.message)}`)
    await this.upstream.start()
    await this.downstream.start()
  }

  /** Sends a request upstream with a session id and resolves with its result (or rejects with UpstreamError). */
  requestUpstream(method: string, params: Record<string, unknown> | undefined, onCancelHandle?: (cancel: () => void) => void): Promise<Record<string, unknown>> {
    const id = this.nextUpstreamId++
    const timeoutMs = this.context.config.upstreamTimeout
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new UpstreamError(`upstream ${this.context.upstreamName} did not answer ${method} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, (response, lost) => {
        clearTimeout(timer)
        if (response.error !== undefined) reject(new UpstreamError(this.context.redact(String(response.error.message)), response.error.code, lost))
        else resolve(response.result ?? {})
      })
      onCancelHandle?.(() => {
        if (!this.pending.delete(id)) return
        clearTimeout(timer)
        this.sendUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'every waiting client cancelled' } }).catch(() => undefined)
        reject(new UpstreamError('cancelled'))
      })
      this.sendUpstream({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }).catch((error: unknown) => {
        if (!this.pending.delete(id)) return
        clearTimeout(timer)
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
    const settled = (outcome: ForwardOutcome): Promise<void> =>
      settle === undefined ? Promise.resolve() : settle(outcome).catch((error: unknown) => this.context.logger?.warn({ method: request.method, err: this.context.reason(error) }, `mcp-cache: after ${request.method}: ${this.context.reason(error)}`))
    const answer = (response: JsonRpcMessage): JsonRpcMessage => {
      try {
        const result = response.result !== undefined && reshape !== undefined ? reshape(response.result) : response.result
        return { ...response, id: request.id, ...(result === undefined ? {} : { result }) }
      } catch (error) {
        return this.internalError(request, error)
      }
    }
    this.pending.set(id, (response, lost) => {
      const deliver = () => {
        if (this.requests.complete(request)) void this.reply(answer(response))
      }
      if (settle === undefined) return deliver()
      if (!this.requests.isCurrent(request)) return
      void settled(response.result === undefined ? { lost } : { result: response.result, lost }).then(deliver)
    })
    this.requests.onCancel(request, () => {
      this.pending.delete(id)
      // The upstream may have run it before the cancellation arrives.
      void settled({ lost: true })
      // An upstream that is gone has nothing left to cancel.
      this.sendUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } }).catch(() => undefined)
    })
    this.sendUpstream({ ...request, id }).catch((error: unknown) => {
      if (!this.pending.delete(id) || !this.requests.isCurrent(request)) return
      void settled({ lost: true }).then(() => {
        if (this.requests.complete(request)) void this.reply(errorResponse(request.id, RpcCode.UPSTREAM_ERROR, this.unavailable(error)))
      })
    })
  }


  /**
   * Sends a message to the client. Never rejects and never throws: a failed
   * write is logged here, so callers may fire it without awaiting.
   */
  reply(message: JsonRpcMessage): Promise<void> {
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

  private fromDownstream(message: JsonRpcMessage): void {
    if (isRequest(message)) {
      // Transports route answers by id: a second request with an id in flight would take the first one's answer.
      if (this.requests.admit(message)) this.dispatch(message)
      else void this.reply(errorResponse(message.id, RpcCode.INVALID_REQUEST, duplicateIdProblem(message.id)))
      return
    }
    if (isNotification(message) && message.method === 'notifications/cancelled') {
      // Never forwarded as sent: the upstream knows requests by the gateway's ids, and would read the
      // client's id as one of them (another request's). A cancellation of nothing in flight is late; dropped.
      this.requests.cancel(message.params?.['requestId'])
      return
    }
    // Notifications and responses to server-initiated requests pass as they are.
    this.sendUpstream(message).catch(() => undefined)
  }

  /** Hands a client request to its handler; whatever fails in there becomes this request's error answer. */
  private dispatch(request: JsonRpcRequest): void {
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
      return
    }
    // Server-initiated requests (sampling, elicitation, roots) and notifications reach the client as
    // sent, in order; a change notification once the entries it makes stale are dropped, so a client
    // that re-lists on it gets the new list.
    const stale = isNotification(message) ? this.staleAfter(message) : []
    if (stale.length === 0 && this.delivering === undefined) {
      void this.reply(message)
      return
    }
    const previous = this.delivering ?? Promise.resolve()
    const delivered = previous
      .then(() => (stale.length === 0 ? undefined : this.dropGenerations(stale, message.method ?? 'a notification')))
      .then(() => this.reply(message))
    this.delivering = delivered
    void delivered.then(() => {
      if (this.delivering === delivered) this.delivering = undefined
    })
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
    // Let the error answers above reach the client before its channel closes.
    setTimeout(() => void this.close(), 50)
  }
}

/** What a request reusing an id in flight is told. */
export function duplicateIdProblem(id: RequestId): string {
  return `Invalid Request: id ${JSON.stringify(id)} is already used by a request in flight; give every request its own id`
}

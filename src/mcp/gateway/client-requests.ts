import type { JsonRpcRequest, RequestId } from '../jsonrpc.js'

/** A request in flight and how to cancel it. The request object itself is the token that says which one. */
interface InFlight {
  readonly request: JsonRpcRequest
  cancel: () => void
}

/**
 * The client requests of one session that still owe an answer, by id. A
 * request is admitted when it arrives and taken off by whoever answers it
 * first ({@link complete}), or by the client's cancellation, so it gets
 * exactly one answer, or none once cancelled. Every call names the request
 * object, not just its id: after a cancellation the client may reuse the id,
 * and the old request's late handler must not answer (or unregister) the new one.
 */
export class ClientRequests {
  private readonly entries = new Map<string, InFlight>()
  /** Ids held for requests about to arrive through a transport (HTTP checks ids before the SDK routes them), each with its holder's token. */
  private readonly reserved = new Map<string, symbol>()

  /** Holds `id` for a request about to arrive; resolves the token to release it with, or undefined when a request in flight (or another reservation) has it. */
  reserve(id: RequestId): symbol | undefined {
    const key = requestKey(id)
    if (this.entries.has(key) || this.reserved.has(key)) return undefined
    const token = Symbol(key)
    this.reserved.set(key, token)
    return token
  }

  /** Lets a reservation go (its request arrived, or never will); one made since by another holder stays. */
  release(id: RequestId, token: symbol): void {
    const key = requestKey(id)
    if (this.reserved.get(key) === token) this.reserved.delete(key)
  }

  /** Registers a request as it arrives; false when another request in flight has its id. */
  admit(request: JsonRpcRequest): boolean {
    const key = requestKey(request.id)
    if (!this.reserved.delete(key) && this.entries.has(key)) return false
    this.entries.set(key, { request, cancel: () => undefined })
    return true
  }

  /** True while a request with this id owes an answer, or its id is reserved. */
  has(id: RequestId): boolean {
    const key = requestKey(id)
    return this.entries.has(key) || this.reserved.has(key)
  }

  /** True while `request` itself (not a later one with its id) owes an answer. */
  isCurrent(request: JsonRpcRequest): boolean {
    return this.entries.get(requestKey(request.id))?.request === request
  }

  /** Sets how to cancel `request`; if it was cancelled already, cancels at once. False in that case. */
  onCancel(request: JsonRpcRequest, cancel: () => void): boolean {
    const entry = this.entries.get(requestKey(request.id))
    if (entry?.request !== request) {
      cancel()
      return false
    }
    entry.cancel = cancel
    return true
  }

  /** Takes `request` off: true once, for whoever answers it; false when it was answered or cancelled already. */
  complete(request: JsonRpcRequest): boolean {
    const key = requestKey(request.id)
    if (this.entries.get(key)?.request !== request) return false
    this.entries.delete(key)
    return true
  }

  /** The client cancelled the request with this id (any JSON value a client sent): cancels it; false when none is in flight. */
  cancel(id: unknown): boolean {
    if (typeof id !== 'string' && typeof id !== 'number') return false
    const entry = this.entries.get(requestKey(id))
    if (entry === undefined) return false
    this.entries.delete(requestKey(id))
    entry.cancel()
    return true
  }

  /** Cancels every request in flight (the session is closing). */
  cancelAll(): void {
    const entries = [...this.entries.values()]
    this.entries.clear()
    for (const entry of entries) entry.cancel()
  }

  /** Requests that owe an answer. */
  get size(): number {
    return this.entries.size
  }
}

/** The key of a request id in maps and sets: `1` and `'1'` are different ids. */
export function requestKey(id: RequestId): string {
  return `${typeof id}:${id}`
}

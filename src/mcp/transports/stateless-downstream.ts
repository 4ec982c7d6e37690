import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import { isNotification, isRequest, isResponse, type JsonRpcMessage, type RequestId } from '../jsonrpc.js'
import type { MessageChannel } from './channel.js'

interface Route {
  readonly transport: NodeStreamableHTTPServerTransport
  readonly originalId: RequestId
  readonly method: string
}

/**
 * All stateless (2026-07-28) requests of one principal, as one MessageChannel.
 * Every HTTP request brings its own SDK transport; request ids are replaced by
 * ids of this channel (stateless clients reuse ids freely) and answers are
 * routed back to the transport, and the id, they came with. Notifications go
 * to the request they concern (progress) or to open `subscriptions/listen` streams.
 */
export class StatelessDownstream implements MessageChannel {
  onmessage?: (message: JsonRpcMessage, extra?: unknown) => void
  onclose?: () => void
  onerror?: (error: Error) => void
  readonly networkTransport = 'tcp'
  lastActive = Date.now()
  private nextId = 1
  private readonly routes = new Map<RequestId, Route>()
  private readonly progressOwners = new Map<string | number, RequestId>()

  async start(): Promise<void> {}

  /** Takes one HTTP request's transport: its messages flow into the session. */
  async attach(transport: NodeStreamableHTTPServerTransport): Promise<void> {
    this.lastActive = Date.now()
    const mine: RequestId[] = []
    transport.onmessage = (message, extra) => {
      const rpc = message as JsonRpcMessage
      if (rpc.method === 'notifications/cancelled' && isNotification(rpc)) {
        // Only a request of this same HTTP request can be cancelled by it: other clients of the
        // principal share the channel, and must not reach each other's requests.
        const target = mine.find((id) => this.routes.get(id)?.originalId === rpc.params?.['requestId'])
        if (target === undefined) return
        this.routes.delete(target)
        this.onmessage?.({ ...rpc, params: { ...rpc.params, requestId: target } }, extra)
        // No answer is due for a cancelled request: once none is due on this HTTP request, its response ends.
        if (!mine.some((id) => this.routes.has(id))) transport.close().catch(() => undefined)
        return
      }
      if (!isRequest(rpc)) {
        this.onmessage?.(rpc, extra)
        return
      }
      const id = `s${this.nextId++}`
      mine.push(id)
      this.routes.set(id, { transport, originalId: rpc.id, method: rpc.method })
      const token = (rpc.params?.['_meta'] as { progressToken?: string | number } | undefined)?.progressToken
      if (token !== undefined) this.progressOwners.set(token, id)
      this.onmessage?.({ ...rpc, id }, extra)
    }
    transport.onclose = () => {
      // A client that closes its request's stream cancels the request (HTTP's cancellation).
      for (const id of mine) {
        if (this.routes.delete(id)) this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } })
      }
    }
    transport.onerror = (error) => this.onerror?.(error)
    await transport.start()
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (isResponse(message) && message.id !== undefined && message.id !== null) {
      const route = this.routes.get(message.id)
      if (route === undefined) return
      this.routes.delete(message.id)
      for (const [token, owner] of this.progressOwners) if (owner === message.id) this.progressOwners.delete(token)
      await route.transport.send({ ...message, id: route.originalId } as JSONRPCMessage)
      return
    }
    for (const route of this.targets(message)) {
      await route.transport.send(message as JSONRPCMessage, { relatedRequestId: route.originalId }).catch(() => undefined)
    }
  }

  async close(): Promise<void> {
    const transports = new Set([...this.routes.values()].map((route) => route.transport))
    this.routes.clear()
    await Promise.allSettled([...transports].map((transport) => transport.close()))
    this.onclose?.()
  }

  private targets(message: JsonRpcMessage): Route[] {
    if (message.method === 'notifications/progress') {
      const owner = this.progressOwners.get(message.params?.['progressToken'] as string | number)
      const route = owner === undefined ? undefined : this.routes.get(owner)
      return route === undefined ? [] : [route]
    }
    const listeners = [...this.routes.values()].filter((route) => route.method === 'subscriptions/listen')
    if (listeners.length > 0) return listeners
    return this.routes.size === 1 ? [...this.routes.values()] : []
  }
}

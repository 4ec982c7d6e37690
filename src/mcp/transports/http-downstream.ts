import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import { isRequest, isResponse, type JsonRpcMessage, type RequestId } from '../jsonrpc.js'
import type { MessageChannel } from './channel.js'

/**
 * One client session over Streamable HTTP, as a MessageChannel. The SDK's
 * transport puts a message on a request's own response stream only when told
 * which request it relates to; this adapter works that out: progress by its
 * token, server-to-client requests by the one request in flight (or the
 * session's standalone stream when several are).
 */
export class HttpDownstream implements MessageChannel {
  onmessage?: (message: JsonRpcMessage, extra?: unknown) => void
  onclose?: () => void
  onerror?: (error: Error) => void
  /** When the client last sent anything, for idle expiry. */
  lastActive = Date.now()
  private readonly inflight = new Set<RequestId>()
  private readonly progressOwners = new Map<string | number, RequestId>()

  readonly networkTransport = 'tcp'

  constructor(readonly transport: NodeStreamableHTTPServerTransport) {}

  get sessionId(): string | undefined {
    return this.transport.sessionId
  }

  async start(): Promise<void> {
    this.transport.onmessage = (message, extra) => {
      this.lastActive = Date.now()
      const rpc = message as JsonRpcMessage
      if (isRequest(rpc)) {
        this.inflight.add(rpc.id)
        const token = (rpc.params?.['_meta'] as { progressToken?: string | number } | undefined)?.progressToken
        if (token !== undefined) this.progressOwners.set(token, rpc.id)
      }
      this.onmessage?.(rpc, extra)
    }
    this.transport.onclose = () => this.onclose?.()
    this.transport.onerror = (error) => this.onerror?.(error)
    await this.transport.start()
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (isResponse(message) && message.id !== undefined && message.id !== null) {
      this.inflight.delete(message.id)
      for (const [token, owner] of this.progressOwners) if (owner === message.id) this.progressOwners.delete(token)
      await this.transport.send(message as JSONRPCMessage)
      return
    }
    await this.transport.send(message as JSONRPCMessage, { relatedRequestId: this.relatedTo(message) })
  }

  async close(): Promise<void> {
    await this.transport.close()
  }

  private relatedTo(message: JsonRpcMessage): RequestId | undefined {
    if (message.method === 'notifications/progress') {
      const token = message.params?.['progressToken'] as string | number | undefined
      return token === undefined ? undefined : this.progressOwners.get(token)
    }
    if (this.inflight.size === 1) return this.inflight.values().next().value
    return undefined
  }
}

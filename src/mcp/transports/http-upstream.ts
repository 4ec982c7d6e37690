import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import type { JsonRpcMessage } from '../jsonrpc.js'
import type { MessageChannel } from './channel.js'

/**
 * A Streamable HTTP upstream, one client session of it per gateway session.
 * The caller's Authorization header is passed on, so the upstream still
 * authorizes the real caller.
 */
export function httpUpstream(url: string, authorization: string | undefined): MessageChannel {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: authorization === undefined ? {} : { headers: { authorization } },
  })
  const channel: MessageChannel = {
    start: () => transport.start(),
    send: (message) => transport.send(message as JSONRPCMessage),
    close: () => transport.close(),
  }
  transport.onmessage = (message) => channel.onmessage?.(message as JsonRpcMessage)
  transport.onclose = () => channel.onclose?.()
  transport.onerror = (error) => channel.onerror?.(error)
  return channel
}

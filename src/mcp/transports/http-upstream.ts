import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import { decoded } from '../../log/redact.js'
import { errorResponse, RpcCode, type JsonRpcMessage } from '../jsonrpc.js'
import type { MessageChannel } from './channel.js'
import { limitedFetch } from './limited-fetch.js'

/**
 * A Streamable HTTP upstream, one client session of it per gateway session.
 * The caller's credentials (Authorization and the credential headers) are
 * passed on, so the upstream still authorizes the real caller. Credentials in the URL (`https://user:pw@host`),
 * which fetch refuses to send, become a Basic Authorization for callers that
 * bring none of their own. Each message from it may be at most
 * `maxMessageBytes` (maxUpstreamMessageBytes): past it, the request it answers
 * fails at once instead of filling memory.
 */
export function httpUpstream(url: string, credentials: Readonly<Record<string, string>>, maxMessageBytes: number): MessageChannel {
  const { endpoint, basic } = splitCredentials(url)
  const headers = { ...(basic === undefined ? {} : { authorization: basic }), ...credentials }
  const transport = new StreamableHTTPClientTransport(endpoint, {
    requestInit: Object.keys(headers).length === 0 ? {} : { headers },
    fetch: limitedFetch(maxMessageBytes, (id, problem) => channel.onmessage?.(errorResponse(id, RpcCode.UPSTREAM_ERROR, problem))),
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

/** The URL without its user info, and that user info as a Basic Authorization value. */
function splitCredentials(url: string): { endpoint: URL; basic: string | undefined } {
  const endpoint = new URL(url)
  if (endpoint.username === '' && endpoint.password === '') return { endpoint, basic: undefined }
  const credentials = `${decoded(endpoint.username)}:${decoded(endpoint.password)}`
  endpoint.username = ''
  endpoint.password = ''
  return { endpoint, basic: `Basic ${Buffer.from(credentials).toString('base64')}` }
}

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
  const fallback: Record<string, string> = basic === undefined ? {} : { authorization: basic }
  let current: Readonly<Record<string, string>> = { ...fallback, ...credentials }
  const limited = limitedFetch(maxMessageBytes, (id, problem) => channel.onmessage?.(errorResponse(id, RpcCode.UPSTREAM_ERROR, problem)))
  const transport = new StreamableHTTPClientTransport(endpoint, {
    // Each request carries the credentials of now, not those the session began with.
    fetch: (input, init) => {
      const headers = new Headers(init?.headers)
      for (const [name, value] of Object.entries(current)) headers.set(name, value)
      return limited(input, { ...init, headers })
    },
  })
  const channel: MessageChannel = {
    start: () => transport.start(),
    send: (message) => transport.send(message as JSONRPCMessage),
    close: () => transport.close(),
    updateCredentials: (next) => {
      current = { ...fallback, ...next }
    },
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

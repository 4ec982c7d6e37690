import { AsyncLocalStorage } from 'node:async_hooks'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import { decoded } from '../../log/redact.js'
import { currentCaller, requestKind } from '../caller-context.js'
import { errorResponse, isRequest, RpcCode, type JsonRpcMessage } from '../jsonrpc.js'
import type { MessageChannel } from './channel.js'
import { limitedFetch } from './limited-fetch.js'

/** The message whose sending is under way, so the fetch that carries it knows what it carries. */
const sending = new AsyncLocalStorage<JsonRpcMessage>()

/**
 * A Streamable HTTP upstream, one client session of it per gateway session.
 * The caller's credentials (Authorization and the credential headers) are
 * passed on, so the upstream still authorizes the real caller: each request
 * carries those of the client request it serves (see {@link currentCaller}),
 * and that caller hears the status the upstream answered with (a 401 is how
 * OAuth starts). Credentials in the URL (`https://user:pw@host`),
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
    // Each request carries its own caller's credentials, not those the connection began with.
    fetch: async (input, init) => {
      const caller = currentCaller()
      const headers = new Headers(init?.headers)
      for (const [name, value] of Object.entries(caller === undefined ? current : { ...fallback, ...caller.credentials })) headers.set(name, value)
      const response = await limited(input, { ...init, headers })
      const message = sending.getStore()
      caller?.heard(response.status, response.headers.get('www-authenticate') ?? undefined, message !== undefined && isRequest(message) ? requestKind(message.method, message.params) : undefined)
      return response
    },
  })
  const channel: MessageChannel = {
    start: () => transport.start(),
    send: (message) => sending.run(message, () => transport.send(message as JSONRPCMessage)),
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

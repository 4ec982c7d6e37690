import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import { decoded } from '../../log/redact.js'
import { errorResponse, RpcCode, type JsonRpcMessage, type RequestId } from '../jsonrpc.js'
import { idOf } from '../message-limits.js'
import type { MessageChannel } from './channel.js'

/**
 * A Streamable HTTP upstream, one client session of it per gateway session.
 * The caller's Authorization header is passed on, so the upstream still
 * authorizes the real caller. Credentials in the URL (`https://user:pw@host`),
 * which fetch refuses to send, become a Basic Authorization for callers that
 * bring none of their own. The answer to one POST may be at most
 * `maxMessageBytes` (maxUpstreamMessageBytes): past it, the request it answers
 * fails at once instead of filling memory.
 */
export function httpUpstream(url: string, authorization: string | undefined, maxMessageBytes: number): MessageChannel {
  const { endpoint, basic } = splitCredentials(url)
  const sent = authorization ?? basic
  const transport = new StreamableHTTPClientTransport(endpoint, {
    requestInit: sent === undefined ? {} : { headers: { authorization: sent } },
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

/**
 * fetch, with the body of each POST's answer cut at `maxBytes`. Past it, the
 * body errors (so the transport stops reading) and `onOversized` gets the id
 * of the request the POST carried, whose caller is then answered at once:
 * with an event stream, the transport reports a broken stream only to
 * `onerror`, and the caller would wait for its timeout.
 */
function limitedFetch(maxBytes: number, onOversized: (id: RequestId, problem: string) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init)
    if (init?.method !== 'POST' || response.body === null) return response
    const id = typeof init.body === 'string' ? requestIdOf(init.body) : null
    const problem = `upstream answer over the limit of ${maxBytes} bytes (maxUpstreamMessageBytes)`
    let seen = 0
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength
          if (seen <= maxBytes) {
            controller.enqueue(chunk)
            return
          }
          if (id !== null) onOversized(id, problem)
          controller.error(new Error(problem))
        },
      }),
    )
    return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
}

/** The id of the one request a POST body holds, or null (a notification, a response, a batch). */
function requestIdOf(body: string): RequestId | null {
  try {
    const message = JSON.parse(body) as unknown
    return typeof (message as { method?: unknown } | null)?.method === 'string' ? idOf(message) : null
  } catch {
    return null
  }
}

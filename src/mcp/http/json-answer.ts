import type { IncomingMessage, ServerResponse } from 'node:http'
import { isJSONRPCRequest } from '@modelcontextprotocol/server'
import type { JsonRpcMessage, JsonRpcRequest } from '../jsonrpc.js'

/**
 * The body as a `tools/call` the gateway may answer with one JSON body, or
 * undefined. Only a single request whose headers the SDK's transport would
 * accept qualifies; everything else, errors included, is left to the transport,
 * so a client sees the same checks either way. (Streamable HTTP lets a server
 * answer a POSTed request with `application/json` or an event stream; every
 * client must accept both.)
 */
export function toolCallOf(req: IncomingMessage, body: unknown, protocolVersions: readonly string[]): JsonRpcRequest | undefined {
  if (req.method !== 'POST' || typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const accept = req.headers.accept
  if (accept === undefined || !accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined
  if (mediaType(req.headers['content-type']) !== 'application/json') return undefined
  const version = req.headers['mcp-protocol-version']
  if (version !== undefined && (typeof version !== 'string' || !protocolVersions.includes(version))) return undefined
  if ((body as { method?: unknown }).method !== 'tools/call') return undefined
  // The SDK's own schema: what the transport would refuse (a fractional id, a bad `_meta`) is left to it.
  return isJSONRPCRequest(body) ? (body as JsonRpcRequest) : undefined
}

/** Answers a POST with one JSON-RPC message as `application/json`, as the SDK's JSON mode does. */
export function writeJsonAnswer(res: ServerResponse, message: JsonRpcMessage, sessionId: string | undefined): void {
  const body = JSON.stringify(message)
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId
  res.writeHead(200, headers).end(body)
}

function mediaType(header: string | undefined): string | undefined {
  return header?.split(';', 1)[0]?.trim().toLowerCase()
}

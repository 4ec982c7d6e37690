/**
 * The JSON-RPC 2.0 shapes the gateway forwards. It inspects only what it caches;
 * every other field passes through as it came.
 */

/** A request or notification id. */
export type RequestId = string | number

/** Any JSON-RPC message, as parsed from the wire. */
export interface JsonRpcMessage {
  readonly jsonrpc: '2.0'
  readonly id?: RequestId | null
  readonly method?: string
  readonly params?: Record<string, unknown>
  readonly result?: Record<string, unknown>
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown }
}

/** A request: has a method and an id. */
export interface JsonRpcRequest extends JsonRpcMessage {
  readonly id: RequestId
  readonly method: string
}

/** JSON-RPC error codes the gateway sends. */
export const RpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Implementation-defined server error: the upstream failed, exited or timed out. */
  UPSTREAM_ERROR: -32000,
} as const

/** True for a request (method and id). */
export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return typeof message.method === 'string' && message.id !== undefined && message.id !== null
}

/** True for a notification (method, no id). */
export function isNotification(message: JsonRpcMessage): boolean {
  return typeof message.method === 'string' && (message.id === undefined || message.id === null)
}

/** True for a response (result or error, with an id). */
export function isResponse(message: JsonRpcMessage): boolean {
  return message.method === undefined && (message.result !== undefined || message.error !== undefined)
}

/** An error response. */
export function errorResponse(id: RequestId | null, code: number, message: string, data?: unknown): JsonRpcMessage {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } }
}

/** Checks the envelope of a parsed message; returns what is wrong, or undefined when it is fine. */
export function validateMessage(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'a JSON-RPC message must be a JSON object'
  const message = value as Record<string, unknown>
  if (message['jsonrpc'] !== '2.0') return "jsonrpc must be '2.0'"
  const id = message['id']
  if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') return 'id must be a string or a number'
  const method = message['method']
  if (method !== undefined && typeof method !== 'string') return 'method must be a string'
  const params = message['params']
  if (params !== undefined && (params === null || typeof params !== 'object')) return 'params must be an object or an array'
  if (method === undefined && message['result'] === undefined && message['error'] === undefined) return 'a message needs a method, a result or an error'
  return undefined
}

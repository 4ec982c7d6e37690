/**
 * Limits a client's message must meet before the gateway does any work on it.
 * Size is checked by the transports as bytes arrive (`maxMessageBytes`);
 * nesting here, on the parsed message, because hashing, copying and
 * re-serializing a message all recurse: 100,000 nested arrays fit in 200 KB
 * and overflow the stack of each of them.
 */
import type { RequestId } from './jsonrpc.js'

/** The limits of one client message. */
export interface MessageLimits {
  /** Largest message in bytes (a line on stdio, a request body over HTTP). */
  readonly maxMessageBytes: number
  /** Deepest nesting of `params` (or of a response's `result` / `error`); `params` itself is level 1. */
  readonly maxParamsDepth: number
}

/**
 * What is wrong with `message` under `limits`, naming the limit, or undefined.
 * Walks the message without recursion, and stops at the first level too deep.
 */
export function checkMessageLimits(message: unknown, limits: Pick<MessageLimits, 'maxParamsDepth'>): string | undefined {
  // The message object is one level above its params.
  if (nestedDeeperThan(message, limits.maxParamsDepth + 1)) {
    return `params nested deeper than ${limits.maxParamsDepth} levels (maxParamsDepth)`
  }
  return undefined
}

/** True when `value` nests objects or arrays more than `limit` levels deep (a scalar is level 0). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ node: object; depth: number }> = []
  if (value !== null && typeof value === 'object') pending.push({ node: value, depth: 1 })
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > limit) return true
    const children: unknown[] = Array.isArray(next.node) ? next.node : Object.values(next.node)
    for (const child of children) if (child !== null && typeof child === 'object') pending.push({ node: child, depth: next.depth + 1 })
  }
  return false
}

/** The id of a parsed message when it is a valid JSON-RPC id; else null. */
export function idOf(message: unknown): RequestId | null {
  const id = message !== null && typeof message === 'object' ? (message as { id?: unknown }).id : undefined
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null
}

/**
 * The id of a message meant as a request (it has a `method`, valid or not),
 * for the error answering it; null for anything else. A client's response
 * carries the id of the server's request: an error with that id sent back to
 * the client would look like the answer to a request of its own.
 */
export function requestIdOf(message: unknown): RequestId | null {
  return isResponseShaped(message) ? null : idOf(message)
}

/** True for a message without a `method`: a response (or what tries to be one). */
export function isResponseShaped(message: unknown): boolean {
  return message !== null && typeof message === 'object' && !Array.isArray(message) && (message as { method?: unknown }).method === undefined
}

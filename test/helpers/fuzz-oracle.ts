/**
 * What the gateway owes each generated message: an answer with its id, and
 * when a limit refuses it, an error naming that limit. Derived from the
 * JSON-RPC envelope rules the gateway documents (src/mcp/jsonrpc.ts,
 * src/mcp/message-limits.ts), restated here so a change in the gateway cannot
 * quietly change what the fuzz suite expects.
 */
import { MAX_MESSAGE_BYTES, MAX_PARAMS_DEPTH, type BigMessage, type WireMessage } from './fuzz-messages.js'

/** A JSON-RPC id the gateway answers with (a string or a finite number). */
export type AnswerId = string | number

/** Which limit must refuse a message, or `none` when no limit may. */
export type Refusal = 'maxParamsDepth' | 'maxMessageBytes' | 'none'

/** An answer the gateway owes. */
export interface Expectation {
  readonly id: AnswerId
  readonly refusal: Refusal
}

/** Nesting depth of a parsed JSON value (a scalar is 0), walked without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.node === null || typeof next.node !== 'object') continue
    const depth = next.depth + 1
    if (depth > deepest) deepest = depth
    for (const child of Array.isArray(next.node) ? next.node : Object.values(next.node)) pending.push({ node: child, depth })
  }
  return deepest
}

/** True when a message nests deeper than `maxParamsDepth` allows (the message object is one level above its params). */
export function tooDeep(message: unknown): boolean {
  return jsonDepth(message) > MAX_PARAMS_DEPTH + 1
}

/** The bytes parsed as the gateway reads them (invalid UTF-8 as U+FFFD), or undefined when they are not JSON. */
export function parseWire(bytes: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as unknown }
  } catch {
    return undefined
  }
}

function isAnswerId(id: unknown): id is AnswerId {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))
}

/**
 * The answer `proxy` owes one stdio line, or undefined when it owes none with
 * an id of the message's own (a notification, a response the client sent, a
 * batch, not JSON, an id that is not a string or number).
 */
export function stdioExpectation(message: WireMessage): Expectation | undefined {
  if (message.kind === 'big') {
    return { id: (message as BigMessage).id, refusal: message.bytes.length > MAX_MESSAGE_BYTES ? 'maxMessageBytes' : 'none' }
  }
  if (message.kind === 'noise' || message.bytes.includes(10)) return undefined
  const parsed = parseWire(message.bytes)
  if (parsed === undefined) return undefined
  const value = parsed.value
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const fields = value as Record<string, unknown>
  const id = fields['id']
  const method = fields['method']
  // A response the client sent (no method) goes upstream, or is refused there; the client is owed nothing.
  if (!isAnswerId(id) || method === undefined) return undefined
  const params = fields['params']
  // The envelope checks of validateMessage: a message failing one is answered with an error.
  const badEnvelope = fields['jsonrpc'] !== '2.0' || typeof method !== 'string' || (params !== undefined && (params === null || typeof params !== 'object'))
  if (badEnvelope) return { id, refusal: 'none' }
  if (tooDeep(value)) return { id, refusal: 'maxParamsDepth' }
  // Forwarded, or (what the SDK's schema refuses: a progress token or `_meta` of the wrong type) refused with an error of its own.
  return { id, refusal: 'none' }
}

/** Ids named by the `notifications/cancelled` among `messages`: their requests may go unanswered, as the spec says. */
export function cancelledIds(messages: readonly WireMessage[]): Set<AnswerId> {
  const ids = new Set<AnswerId>()
  for (const message of messages) {
    const parsed = message.kind === 'json' ? parseWire(message.bytes) : undefined
    for (const value of Array.isArray(parsed?.value) ? parsed.value : [parsed?.value]) {
      const fields = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {}
      const params = fields['params']
      const requestId = params !== null && typeof params === 'object' ? (params as Record<string, unknown>)['requestId'] : undefined
      if (fields['method'] === 'notifications/cancelled' && isAnswerId(requestId)) ids.add(requestId)
    }
  }
  return ids
}

/** The error message of a JSON-RPC answer, or undefined for a result. */
export function errorMessageOf(answer: Record<string, unknown>): string | undefined {
  const error = answer['error']
  return error !== null && typeof error === 'object' ? String((error as Record<string, unknown>)['message']) : undefined
}

/**
 * Checks `answers` (every answer received with one id) against what is owed
 * for that id: each refusal by a distinct answer whose error names the limit,
 * and no answer naming a limit that no message of this id broke. Extra answers
 * are allowed (a duplicate in-flight id gets an error of its own).
 */
export function matchAnswers(id: AnswerId, owed: readonly Expectation[], answers: ReadonlyArray<Record<string, unknown>>): string | undefined {
  if (answers.length < owed.length) return `id ${JSON.stringify(id)}: ${owed.length} answers owed, ${answers.length} received`
  const naming = (limit: Refusal) => answers.filter((answer) => errorMessageOf(answer)?.includes(limit) === true).length
  for (const limit of ['maxParamsDepth', 'maxMessageBytes'] as const) {
    const refused = owed.filter((expectation) => expectation.refusal === limit).length
    const named = naming(limit)
    if (named < refused) return `id ${JSON.stringify(id)}: ${refused} answers must be errors naming ${limit}; ${named} are: ${JSON.stringify(answers).slice(0, 500)}`
    if (refused === 0 && named > 0) return `id ${JSON.stringify(id)}: refused for ${limit} though no message with this id broke it: ${JSON.stringify(answers).slice(0, 500)}`
  }
  return undefined
}

import type { RequestId } from '../jsonrpc.js'
import { idOf } from '../message-limits.js'

/** What can be told of a message seen only by its first and last bytes (it was too large to keep). */
export interface OversizedMessage {
  /** Its id, when one end shows it at the top level. */
  readonly id: RequestId | null
  /** A request (`method` or `params` at the top level), a response (`result` or `error`), or unknown. */
  readonly kind: 'request' | 'response' | undefined
}

const ID = String.raw`(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*")`
/** A message ending with its id (`...,"jsonrpc":"2.0","id":7}`); anchored at the last brace, so never a nested id. */
const ID_LAST = new RegExp(String.raw`"id"\s*:\s*${ID}\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$`)

/**
 * Reads the top level of an oversized message from its two ends: the keys and
 * the id its first bytes show (whatever their order), else an id that ends it.
 */
export function readOversized(head: string, tail: string): OversizedMessage {
  const top = scanTopLevel(head)
  const kind = top.keys.has('method') || top.keys.has('params') ? 'request' : top.keys.has('result') || top.keys.has('error') ? 'response' : undefined
  return { id: top.id ?? parseId(ID_LAST.exec(tail)?.[1]), kind }
}

/** The top-level keys of the start of a JSON object, and its id when a scalar one is among them. */
function scanTopLevel(text: string): { keys: Set<string>; id: RequestId | null | undefined } {
  const keys = new Set<string>()
  let id: RequestId | null | undefined
  let depth = 0
  let key: string | undefined
  let expectKey = false
  for (let at = 0; at < text.length; at++) {
    const char = text[at]
    if (char === '"') {
      const end = stringEnd(text, at)
      if (end === -1) break
      if (depth === 1 && expectKey) {
        key = parseString(text.slice(at, end + 1))
        if (key !== undefined) keys.add(key)
      } else if (depth === 1 && key === 'id') id = parseId(text.slice(at, end + 1))
      at = end
      continue
    }
    if (char === '{' || char === '[') {
      depth++
      expectKey = depth === 1
      continue
    }
    if (char === '}' || char === ']') depth--
    else if (char === ',' && depth === 1) expectKey = true
    else if (char === ':' && depth === 1) {
      expectKey = false
      if (key === 'id') {
        const number = /^\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*[,}]/.exec(text.slice(at + 1, at + 40))
        if (number !== null) id = parseId(number[1])
      }
    }
  }
  return { keys, id }
}

/** The index of the quote that closes the string opening at `start`, or -1 when the text ends first. */
function stringEnd(text: string, start: number): number {
  for (let at = start + 1; at < text.length; at++) {
    if (text[at] === '\\') at++
    else if (text[at] === '"') return at
  }
  return -1
}

function parseString(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string
  } catch {
    return undefined
  }
}

function parseId(text: string | undefined): RequestId | null {
  if (text === undefined) return null
  try {
    return idOf({ id: JSON.parse(text) as unknown })
  } catch {
    return null
  }
}

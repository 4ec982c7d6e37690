import { PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server'
import type { JsonRpcRequest } from '../jsonrpc.js'

/** The first protocol revision whose requests carry their version and whose results name their `resultType`. */
const FIRST_MODERN_REVISION = '2026-07-28'

/**
 * Whether `request` speaks 2026-07-28 or later. Such requests carry their
 * protocol version in `_meta`; earlier ones negotiated it once, at initialize.
 */
export function isModernRequest(request: JsonRpcRequest): boolean {
  const meta = request.params?.['_meta']
  if (typeof meta !== 'object' || meta === null) return false
  const version = (meta as Record<string, unknown>)[PROTOCOL_VERSION_META_KEY]
  return typeof version === 'string' && version >= FIRST_MODERN_REVISION
}

/**
 * A cached tool result shaped for the era of the request it answers. One
 * principal's 2025 sessions and 2026 requests share cache entries, and only
 * 2026-07-28 results carry `resultType` (which its clients require): a
 * complete result gets it or loses it; nothing else changes.
 */
export function fitToEra(result: Record<string, unknown>, modern: boolean): Record<string, unknown> {
  if (modern) return result['resultType'] === undefined ? { ...result, resultType: 'complete' } : result
  if (result['resultType'] !== 'complete') return result
  const { resultType: _dropped, ...earlier } = result
  return earlier
}

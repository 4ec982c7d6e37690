/** Where a gateway answer came from, as shown to clients in `_meta`. */
export type GatewayStatus = 'hit' | 'miss' | 'stale' | 'bypass'

/** The `_meta` keys the gateway adds to results (and nothing else). */
export const STATUS_META_KEY = 'mcp-cache/status'
export const AGE_META_KEY = 'mcp-cache/ageMs'

/** A copy of `result` with the cache status (and the entry's age for hits) in its `_meta`. */
export function withStatus(result: Record<string, unknown>, status: GatewayStatus, ageMs?: number): Record<string, unknown> {
  const meta = (result['_meta'] as Record<string, unknown> | undefined) ?? {}
  const added: Record<string, unknown> = { ...meta, [STATUS_META_KEY]: status }
  if (ageMs !== undefined) added[AGE_META_KEY] = Math.max(0, Math.round(ageMs))
  return { ...result, _meta: added }
}

/** `withStatus` when the gateway's `statusMeta` is on, else the result untouched. */
export function stamp(statusMeta: boolean, result: Record<string, unknown>, status: GatewayStatus, ageMs?: number): Record<string, unknown> {
  return statusMeta ? withStatus(result, status, ageMs) : result
}

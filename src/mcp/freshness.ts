import { callerMayReadCache } from './caller-context.js'

/** `_meta` key of a request: `"bypass"` (neither read nor write the cache) or `"refresh"` (go upstream, store the result). */
export const CACHE_MODE_META = 'mcp-cache/cacheMode'
/** `_meta` key of a request: a cached answer is taken only when younger than this many ms. */
export const MAX_AGE_META = 'mcp-cache/maxAgeMs'

/** How fresh a caller wants its answer. */
export interface Freshness {
  /** `use`: the cache as configured; `bypass`: not at all; `refresh`: only to store a new answer. */
  readonly mode: 'use' | 'bypass' | 'refresh'
  /** Set: an entry older than this is not taken (and is replaced). */
  readonly maxAgeMs?: number
  /**
   * Set when the gateway, not the caller, asked for `refresh`: the upstream
   * has not lately accepted the caller's credentials. The answer is stored as
   * usual (a write's de-duplication entry included).
   */
  readonly unproven?: true
}

const USE: Freshness = { mode: 'use' }

/** The freshness a request's `_meta` asks for, or the problem with it (for an invalid-params error). */
export function freshnessOf(meta: unknown): Freshness | { readonly problem: string } {
  if (meta === null || typeof meta !== 'object') return USE
  const record = meta as Record<string, unknown>
  const mode = record[CACHE_MODE_META]
  const maxAge = record[MAX_AGE_META]
  if (mode === undefined && maxAge === undefined) return USE
  if (mode !== undefined && mode !== 'bypass' && mode !== 'refresh') {
    return { problem: `_meta["${CACHE_MODE_META}"] must be "bypass" or "refresh" (got ${describe(mode)})` }
  }
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 0)) {
    return { problem: `_meta["${MAX_AGE_META}"] must be a number of milliseconds, 0 or more (got ${describe(maxAge)})` }
  }
  return { mode: mode ?? 'use', ...(maxAge === undefined ? {} : { maxAgeMs: maxAge }) }
}

/**
 * The freshness a request gets: what its `_meta` asks for, except that a
 * caller whose credentials the upstream has not lately accepted for this kind
 * of request (a tool, a method) reads nothing cached (its request goes upstream, which judges them; a good answer is stored).
 */
export function freshnessFor(meta: unknown, kind: string): Freshness | { readonly problem: string } {
  const asked = freshnessOf(meta)
  return 'mode' in asked && asked.mode !== 'bypass' && !callerMayReadCache(kind) ? UNPROVEN : asked
}

const UNPROVEN: Freshness = { mode: 'refresh', unproven: true }

/**
 * Which cached values a call with this freshness takes (for `getOrSet`'s
 * `accept`), given when a value was stored; undefined: any fresh one.
 */
export function acceptFor(freshness: Freshness, storedAt: (value: unknown) => number | undefined): ((value: unknown) => boolean) | undefined {
  if (freshness.mode === 'refresh') return () => false
  const maxAgeMs = freshness.maxAgeMs
  if (maxAgeMs === undefined) return undefined
  return (value) => {
    const at = storedAt(value)
    return at !== undefined && Date.now() - at <= maxAgeMs
  }
}

/** True when an upstream result asks not to be stored (SEP-2419: `_meta.cache_hint: "no-cache"`). */
export function forbidsStoring(result: unknown): boolean {
  if (result === null || typeof result !== 'object') return false
  const meta = (result as { _meta?: unknown })._meta
  return meta !== null && typeof meta === 'object' && (meta as Record<string, unknown>)['cache_hint'] === 'no-cache'
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value === 'number' ? String(value) : typeof value
}

import { parseDuration, type Duration } from '../../config/duration.js'

/** The spec's cache hint on list and read results (2026-07-28): how long, and whether shared caches may keep it. */
export interface CacheHint {
  readonly ttlMs: number
  readonly cacheScope: 'public' | 'private'
}

/**
 * A validated cache hint from a duration: `cacheHint('10m', 'public')` gives
 * `{ ttlMs: 600000, cacheScope: 'public' }`. Pass it to SDK v2's
 * `registerResource(..., { cacheHint })` or `cacheHints` server option, or stamp
 * a result you build yourself with {@link withCacheHint}. `private` is the
 * default: only the requesting client may reuse the result.
 */
export function cacheHint(ttl: Duration, cacheScope: 'public' | 'private' = 'private'): CacheHint {
  return { ttlMs: parseDuration(ttl, 'ttl'), cacheScope }
}

/** A copy of a list or read result carrying the hint's `ttlMs` and `cacheScope` (for low-level handlers and SDK 1.x). */
export function withCacheHint<R extends object>(result: R, hint: CacheHint): R & CacheHint {
  return { ...result, ttlMs: hint.ttlMs, cacheScope: hint.cacheScope }
}

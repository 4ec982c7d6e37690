import type { Cache } from './cache.js'
import type { GetOrSetOptions } from './options.js'

/**
 * Cache-aside for a data layer, as the seeds do around an RPC or a query: the
 * returned function answers from `cache` under `keyOf(...args)`, and calls
 * `load(...args)` on a miss (concurrent misses of one key share one call).
 *
 * ```ts
 * const getPatient = cacheAside(cache, (station, dfn, duz) => cacheKey({ category: 'patient', version: 'v1', identifier: [station, dfn], user: duz }),
 *   (station, dfn) => vista.rpc('ORWPT SELECT', station, dfn), { ttl: '10m' })
 * ```
 */
export function cacheAside<Args extends unknown[], T>(
  cache: Cache,
  keyOf: (...args: Args) => string,
  load: (...args: Args) => T | Promise<T>,
  options?: GetOrSetOptions | ((...args: Args) => GetOrSetOptions),
): (...args: Args) => Promise<T> {
  // Async, so a bad key from keyOf rejects like every other failure instead of throwing.
  return async (...args) => cache.getOrSet(keyOf(...args), () => load(...args), typeof options === 'function' ? options(...args) : options)
}

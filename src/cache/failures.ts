import { errors, isCacheError } from '../errors.js'
import type { CacheCore } from './cache.js'

/** Counts and logs (rate-limited) a store failure that the caller will not see. */
export function reportStoreFailure(core: Pick<CacheCore, 'stats' | 'log' | 'store'>, operation: string, error: unknown, category: string): void {
  core.stats.count('errors', category)
  const kind = isCacheError(error) ? error.code : 'store error'
  core.log.warn(`${core.store.kind} ${operation} failed (${kind}); using the origin`, error, { category })
}

/** True for errors about the value itself (too large, not serializable): the caller's to fix. */
export function isValueError(error: unknown): boolean {
  return isCacheError(error, errors.E_ENTRY_TOO_LARGE) || isCacheError(error, errors.E_UNSERIALIZABLE)
}

import type { KeySpace } from '../keys/key-space.js'
import type { StoredEntry } from '../stores/store.js'
import type { CacheCore } from './cache.js'
import { isValueError, reportStoreFailure } from './failures.js'
import type { SetOptions } from './options.js'

/** Everything a write needs, resolved (and validated) before any value exists. */
export interface WritePlan {
  readonly ttl: number
  readonly grace: number
  /** Store keys of the tag sets the entry joins. */
  readonly tagKeys: readonly string[]
}

/**
 * Resolves TTL, grace and tag keys. Throws for a bad duration or tag, so a
 * caller's mistake surfaces at the call, never later in a background write.
 */
export function planWrite(core: CacheCore, space: KeySpace, category: string, options: SetOptions | undefined): WritePlan {
  const { ttl, grace } = core.policy.lifetime(category, options?.ttl, options?.grace)
  return { ttl, grace, tagKeys: (options?.tags ?? []).map((tag) => space.tagKey(tag)) }
}

/** The entry a plan gives a value written now. */
export function entryOf(value: unknown, plan: Pick<WritePlan, 'ttl' | 'grace'>): StoredEntry {
  const now = Date.now()
  return { value, freshUntil: now + plan.ttl, expiresAt: now + plan.ttl + plan.grace }
}

/**
 * Writes an entry and its tag memberships. All commands are issued before the
 * first await, so they reach Redis ahead of anything the caller does next (an
 * `invalidateTags` right after cannot miss the new membership). Never rejects
 * for store failures (counted, logged, resolves false); value errors reject
 * only when `strict`.
 */
export async function writeEntry(core: CacheCore, storeKey: string, category: string, value: unknown, plan: WritePlan, strict: boolean): Promise<boolean> {
  if (value === undefined || core.closed) return false
  const entry = entryOf(value, plan)
  const ttlMs = Number.isFinite(entry.expiresAt) ? Math.max(1, entry.expiresAt - Date.now()) : 365 * 86_400_000
  // allSettled: a tag failing while the SET is still pending must not go unhandled.
  const outcomes = await Promise.allSettled([core.store.set(storeKey, entry), ...plan.tagKeys.map((tagKey) => core.store.addToSet(tagKey, [storeKey], ttlMs))])
  const [setting, ...tagging] = outcomes
  if (setting?.status === 'rejected') {
    if (strict && isValueError(setting.reason)) throw setting.reason
    reportStoreFailure(core, 'set', setting.reason, category)
    return false
  }
  core.stats.count('sets', category)
  const failedTag = tagging.find((outcome) => outcome.status === 'rejected')
  if (failedTag !== undefined) {
    // Without its tag the entry could outlive an invalidation: drop it instead.
    reportStoreFailure(core, 'tag', failedTag.reason, category)
    await core.store.delete([storeKey]).catch(() => undefined)
    return false
  }
  return true
}

/**
 * The seed's "cache basic drug info indefinitely with timestamp validation".
 * A cached copy carries the source record's `updated_at` it was made from and
 * when it was fetched; it is served only while the source still has that
 * record version and the copy is at most the max age old. Asking the source
 * for a record's timestamp is cheap (its "last modified"); fetching the record
 * is the slow call the cache saves.
 */
import type { DrugEntry } from './drug-catalog.js'
import type { DrugInfo } from './drug-analysis.js'

/**
 * True when `cached` may be served for the source's current `record`: same
 * `updated_at` (a newer one is an update, an older one a rollback: both are
 * refetched) and fetched at most `maxAgeMs` ago.
 */
export function isCurrentInfo(cached: unknown, record: DrugEntry, maxAgeMs: number, now = Date.now()): boolean {
  if (!isDrugInfo(cached) || cached.source_updated_at !== record.updatedAt) return false
  // A copy stamped a little ahead (another instance's clock) counts as just fetched.
  return now - Date.parse(cached.retrieved_at) <= maxAgeMs
}

function isDrugInfo(value: unknown): value is DrugInfo {
  if (typeof value !== 'object' || value === null) return false
  const info = value as Partial<Record<keyof DrugInfo, unknown>>
  return typeof info.source_updated_at === 'string' && typeof info.retrieved_at === 'string' && !Number.isNaN(Date.parse(info.retrieved_at))
}

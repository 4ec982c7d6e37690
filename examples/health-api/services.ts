/** What the route handlers share: the cache, the drug source, the slow origin and the counters. */
import type { Cache, CacheStatus } from 'mcp-cache'
import type { DrugSource } from './drug-source.js'
import type { SlowOrigin } from './slow-origin.js'
import type { UsageCounters } from './usage-counters.js'

/** The dependencies of every route. */
export interface Services {
  readonly cache: Cache
  /** The drug reference table, as the source has it now. */
  readonly drugs: DrugSource
  readonly origin: SlowOrigin
  readonly counters: UsageCounters
  /** Longest a drug-info copy is served without fetching it again (DRUG_INFO_MAX_AGE), in ms. */
  readonly drugInfoMaxAgeMs: number
}

/** How a response says where its data came from. */
export interface CacheReport {
  /** True when the cache answered (a hit, or a stale value served while the origin failed). */
  readonly cached: boolean
  readonly cache_status: CacheStatus
  /** Time spent in the handler, in ms. */
  readonly elapsed_ms: number
}

/** The cache fields of a response, timed from `started` (a `performance.now()`). */
export function cacheReport(status: CacheStatus, started: number): CacheReport {
  return { cached: status !== 'miss', cache_status: status, elapsed_ms: Math.round((performance.now() - started) * 10) / 10 }
}

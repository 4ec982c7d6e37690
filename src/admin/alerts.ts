import type { StatsSnapshot } from '../stats/stats.js'
import type { RedisPerformance } from './redis-info.js'

/** The seeds' alert thresholds. */
export const ALERT_THRESHOLDS = {
  /** Memory above this share of maxmemory. */
  memoryRatio: 0.8,
  /** Hit rate below this, once at least `minLookups` were made. */
  hitRate: 0.8,
  minLookups: 100,
  /** p99 of the store's own reads of the last minute or two above this, in ms (the origin's time, inside a miss, is not the store's). */
  slowMs: 100,
} as const

/** One alert condition and whether it fires now. */
export interface Alert {
  readonly name: 'memory_high' | 'hit_rate_low' | 'connection_errors' | 'slow_operations'
  readonly firing: boolean
  readonly detail: string
}

/** Evaluates the seeds' alert conditions from the cache's stats and, when available, Redis INFO. */
export function evaluateAlerts(stats: StatsSnapshot, performance: RedisPerformance | undefined, breaker: string | undefined): Alert[] {
  const lookups = stats.hits + stats.misses + stats.stale
  const memory = performance?.memory
  const memoryRatio = memory !== undefined && memory.maxmemoryBytes > 0 ? memory.usedBytes / memory.maxmemoryBytes : undefined
  return [
    {
      name: 'memory_high',
      firing: memoryRatio !== undefined && memoryRatio > ALERT_THRESHOLDS.memoryRatio,
      detail: memoryRatio === undefined ? 'no maxmemory set (or not Redis)' : `${(memoryRatio * 100).toFixed(1)}% of maxmemory`,
    },
    {
      name: 'hit_rate_low',
      firing: lookups >= ALERT_THRESHOLDS.minLookups && stats.hitRate < ALERT_THRESHOLDS.hitRate,
      detail: `hit rate ${(stats.hitRate * 100).toFixed(1)}% over ${lookups} lookups`,
    },
    {
      name: 'connection_errors',
      firing: stats.errors > 0 || (breaker !== undefined && breaker !== 'closed'),
      detail: `${stats.errors} store errors; circuit ${breaker ?? 'n/a'}`,
    },
    {
      name: 'slow_operations',
      firing: stats.storeRecent.p99 > ALERT_THRESHOLDS.slowMs,
      detail: `store reads p99 ${stats.storeRecent.p99} ms over the last minutes (origin p99 ${stats.origin.p99} ms, not counted)`,
    },
  ]
}

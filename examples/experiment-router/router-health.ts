import { redactSecrets, type Cache, type CacheHealth } from 'mcp-cache'

/**
 * What the cache's store holds in memory: the seed's health check prints
 * Redis `used_memory`. Redis reports its own figure (INFO); the memory store
 * (and a tiered store's in-process tier) counts its entries and bytes.
 */
export interface MemoryFigure {
  /** Redis INFO `used_memory` and `used_memory_human`, or why INFO failed. */
  readonly redis?: { readonly usedMemory: number; readonly usedMemoryHuman: string } | { readonly error: string }
  /** The in-process store's entries and bytes (estimated from the stored values) and its byte limit. */
  readonly inProcess?: { readonly entries: number; readonly bytes: number; readonly maxBytes: number }
  /** Set when the store reports no memory figure at all. */
  readonly none?: string
}

/** What `router_health` answers. */
export interface RouterHealth {
  readonly database: string
  readonly analytics: string
  readonly cache: CacheHealth
  readonly memory: MemoryFigure
  /** The seed's `get_stats()`: `totalOperations` counts lookups (hits, misses, stale answers); `hitRate` is hits / totalOperations. */
  readonly stats: {
    readonly hits: number; readonly misses: number; readonly stale: number; readonly errors: number
    readonly totalOperations: number; readonly hitRate: number
  }
}

/** The memory figures the store can give; INFO failing (Redis down) is reported, not thrown. */
export async function memoryFigure(cache: Cache): Promise<MemoryFigure> {
  let redis: MemoryFigure['redis']
  try {
    const info = await cache.serverInfo()
    if (info !== undefined) redis = { usedMemory: Number(info['used_memory']), usedMemoryHuman: info['used_memory_human'] ?? '' }
  } catch (error) {
    redis = { error: `Redis did not answer INFO: ${redactSecrets(error instanceof Error ? error.message : String(error))}` }
  }
  const usage = cache.inProcessUsage()
  const inProcess = usage && { entries: usage.entries, bytes: usage.bytes, maxBytes: usage.maxBytes }
  if (redis === undefined && inProcess === undefined) return { none: 'this cache store reports no memory figure' }
  return { ...(redis && { redis }), ...(inProcess && { inProcess }) }
}

/** Which backends answer, whether the cache store is healthy, its memory, and the hit/miss/error counters. */
export async function routerHealth(cache: Cache, database: string, analytics: string): Promise<RouterHealth> {
  const stats = cache.stats()
  return {
    database, analytics,
    cache: await cache.health(),
    memory: await memoryFigure(cache),
    stats: {
      hits: stats.hits, misses: stats.misses, stale: stats.stale, errors: stats.errors,
      totalOperations: stats.hits + stats.misses + stats.stale, hitRate: stats.hitRate,
    },
  }
}

import type { CacheStatus } from 'mcp-cache'

/** The seed's answer: `cached` when the cache answered, `fresh` when the database did. */
export type Freshness = 'cached' | 'fresh'

/** What every read returns: the data, where it came from, and the key it lives under. */
export interface RoutedAnswer<T> {
  readonly status: Freshness
  readonly cacheKey: string
  readonly data: T
}

/** `stale` is still an answer from the cache, so it reads `cached` too. */
export function freshness(status: CacheStatus): Freshness {
  return status === 'miss' ? 'fresh' : 'cached'
}

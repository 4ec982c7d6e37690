/**
 * The seed's usage and error counters (`medinsight:usage:health_analysis:requests`
 * ...), kept in the cache with atomic `incr` so every instance adds to the
 * same totals. A counter the store could not update is skipped, never an error:
 * analytics must not fail a request.
 */
import type { Cache } from 'mcp-cache'
import { counterKey } from './medinsight-keys.js'

/** The endpoints that are counted. */
export type CountedEndpoint = 'health_analysis' | 'drug_analysis' | 'drug_info'

/** Each endpoint's events, named as the seed names them (`hits` vs `cache_hits` included). */
const EVENTS: Readonly<Record<CountedEndpoint, { readonly requests: string; readonly hits: string }>> = {
  health_analysis: { requests: 'requests', hits: 'hits' },
  drug_analysis: { requests: 'requests', hits: 'cache_hits' },
  drug_info: { requests: 'requests', hits: 'cache_hits' },
}

/** Counts requests, cache hits and failures per endpoint. */
export class UsageCounters {
  constructor(private readonly cache: Cache) {}

  /** One request to `endpoint`, and whether the cache answered it. */
  async recordRequest(endpoint: CountedEndpoint, cacheHit: boolean): Promise<void> {
    const names = EVENTS[endpoint]
    await Promise.all([
      this.cache.incr(counterKey('usage', endpoint, names.requests)),
      cacheHit ? this.cache.incr(counterKey('usage', endpoint, names.hits)) : undefined,
    ])
  }

  /** One failed request to `endpoint` (`errors:{endpoint}:failures`). */
  async recordFailure(endpoint: CountedEndpoint): Promise<void> {
    await this.cache.incr(counterKey('errors', endpoint, 'failures'))
  }

  /** Every counter by its key, 0 when never counted, null when the store cannot be read. */
  async snapshot(): Promise<Record<string, number | null>> {
    const keys = (Object.keys(EVENTS) as CountedEndpoint[]).flatMap((endpoint) => [
      counterKey('usage', endpoint, EVENTS[endpoint].requests),
      counterKey('usage', endpoint, EVENTS[endpoint].hits),
      counterKey('errors', endpoint, 'failures'),
    ])
    const healthy = (await this.cache.health()).healthy
    const values = await this.cache.mget<number>(keys)
    return Object.fromEntries(keys.map((key, i) => [key, healthy ? Number(values[i] ?? 0) : null]))
  }
}

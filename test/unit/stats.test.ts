/** Windowed latency, the invalidation feed and the dashboard's time series, on the memory store. */
import { describe, expect, it, vi } from 'vitest'
import { StatsSeries } from '../../src/admin/stats-series.js'
import { createCache } from '../../src/cache/create-cache.js'
import { Histogram } from '../../src/stats/histogram.js'
import { RecentHistogram } from '../../src/stats/recent-histogram.js'
import { InvalidationLog } from '../../src/stats/invalidation-log.js'
import { mergeInfo } from '../../src/stores/redis-info-fields.js'

describe('RecentHistogram', () => {
  it('keeps the last one to two minutes: an old incident is forgotten, a new one shows at once', () => {
    vi.useFakeTimers({ now: 0 })
    try {
      const recent = new RecentHistogram()
      for (let i = 0; i < 100; i++) recent.record(500) // an incident
      expect(recent.summary().p99).toBeGreaterThan(400)
      vi.setSystemTime(61_000)
      for (let i = 0; i < 100; i++) recent.record(1)
      // Still within two minutes of the incident: it shows.
      expect(recent.summary().p99).toBeGreaterThan(400)
      vi.setSystemTime(122_000)
      recent.record(1)
      expect(recent.summary().p99).toBeLessThan(5)
      vi.setSystemTime(400_000)
      expect(recent.summary().count).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('Histogram.since', () => {
  it('gives the percentiles of what was recorded after the earlier copy only', () => {
    const histogram = new Histogram()
    for (let i = 0; i < 1000; i++) histogram.record(100)
    const earlier = histogram.clone()
    for (let i = 0; i < 10; i++) histogram.record(0.05)
    const window = histogram.since(earlier)
    expect(window.summary().count).toBe(10)
    expect(window.summary().p99).toBeLessThan(0.1)
    // The whole histogram is still dominated by the slow calls.
    expect(histogram.summary().p50).toBeGreaterThan(80)
  })
})

describe('InvalidationLog', () => {
  it('keeps the newest entries in a fixed ring, newest first, and counts them all', () => {
    const log = new InvalidationLog(3)
    for (let i = 1; i <= 5; i++) log.record('keys', [`k${i}`], 1)
    expect(log.recent().map((entry) => entry.target)).toStrictEqual(['k5', 'k4', 'k3'])
    expect(log.recent(1).map((entry) => entry.target)).toStrictEqual(['k5'])
    expect(log.total).toBe(5)
  })

  it('shortens long key lists', () => {
    const log = new InvalidationLog()
    log.record('keys', Array.from({ length: 100 }, (_, i) => `patient:v1:${i}`), 100, 'bulk')
    const [entry] = log.recent()
    expect(entry?.target.length).toBe(200)
    expect(entry?.target.endsWith('…')).toBe(true)
    expect(entry?.reason).toBe('bulk')
  })

  it('is fed by every kind of invalidation of a cache and its namespaces', async () => {
    const cache = createCache({ logger: false, prefix: 'app' })
    await cache.set('drug:1', 1, { tags: ['drugs'] })
    await cache.namespace('tenant').set('drug:2', 2)
    await cache.delete('drug:none')
    await cache.invalidateTags(['drugs'], { reason: 'formulary update' })
    await cache.namespace('tenant').deleteByPattern('drug:*')
    await cache.clear({ reason: 'test reset' })
    expect(cache.recentInvalidations().map(({ kind, target, deleted, reason }) => ({ kind, target, deleted, reason }))).toStrictEqual([
      { kind: 'clear', target: 'app:*', deleted: 0, reason: 'test reset' },
      { kind: 'pattern', target: 'app:~n.tenant:drug:*', deleted: 1, reason: undefined },
      { kind: 'tags', target: 'drugs', deleted: 1, reason: 'formulary update' },
      { kind: 'keys', target: 'app:drug:none', deleted: 0, reason: undefined },
    ])
  })
})

describe('StatsSeries', () => {
  it('turns counters into per-interval rates, hit rate and windowed latency', async () => {
    const cache = createCache({ logger: false })
    const series = new StatsSeries(cache)
    await series.sample()
    const idle = series.after()[0]
    expect(idle).toMatchObject({ opsPerSecond: 0, hitRate: null, p50Ms: null })
    expect(idle?.memoryMaxBytes).toBe(64 * 1024 * 1024)

    for (let i = 0; i < 4; i++) await cache.getOrSet(`code:${i % 2}`, () => 'value')
    await series.sample()
    const busy = series.after(idle?.t ?? 0)
    expect(busy).toHaveLength(1)
    expect(busy[0]?.hitsPerSecond).toBeGreaterThan(0)
    expect(busy[0]?.hitRate).toBe(0.5)
    expect(busy[0]).toMatchObject({ hits: 2, lookups: 4 })
    expect(busy[0]?.p50Ms).not.toBeNull()
    expect(busy[0]?.memoryBytes).toBeGreaterThan(0)
  })

  it('keeps a fixed window and stops with its cache', async () => {
    const cache = createCache({ logger: false })
    const series = new StatsSeries(cache, { capacity: 2 })
    for (let i = 0; i < 4; i++) await series.sample()
    expect(series.after()).toHaveLength(2)
    await cache.close()
    await series.sample()
    expect(series.after()).toHaveLength(2)
  })
})

describe('mergeInfo (INFO of a cluster)', () => {
  it('sums counters and key counts over every master, even when the first holds no keys', () => {
    const merged = mergeInfo([
      { redis_version: '7.0.15', used_memory: '100', maxmemory_policy: 'allkeys-lru' },
      { redis_version: '7.0.15', used_memory: '200', db0: 'keys=5,expires=5,avg_ttl=1000' },
      { redis_version: '7.0.15', used_memory: '300', db0: 'keys=7,expires=6,avg_ttl=3000' },
    ])
    expect(merged).toMatchObject({ used_memory: '600', db0: 'keys=12,expires=11', cluster_masters: '3', maxmemory_policy: 'allkeys-lru', redis_version: '7.0.15' })
  })
})

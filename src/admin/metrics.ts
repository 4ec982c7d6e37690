import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Cache } from '../cache/cache.js'
import type { CacheEvent, CategoryStats } from '../stats/stats.js'
import type { ToolSnapshot } from '../stats/tool-stats.js'
import { evaluateAlerts } from './alerts.js'
import { performanceFrom, type RedisPerformance } from './redis-info.js'

const EVENTS: readonly CacheEvent[] = ['hits', 'misses', 'stale', 'coalesced', 'sets', 'deletes', 'errors', 'corrupt']

/**
 * A Prometheus registry for one cache, read at scrape time: counters per event
 * and category (from stats snapshots), hit ratio, latency quantiles, Redis INFO
 * gauges, the circuit breaker and the seeds' alert conditions as 0/1 gauges.
 */
export function createMetrics(cache: Cache, toolStats?: () => Record<string, ToolSnapshot>): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'mcp_cache_process_' })

  // Counters are fed the difference since the last scrape, so rate() works on them.
  const seen = new Map<string, number>()
  /** Adds to `counter` what `value` grew by since the last scrape. */
  const grow = (counter: Counter, key: string, labels: Record<string, string>, value: number): void => {
    const delta = value - (seen.get(key) ?? 0)
    if (delta > 0) counter.inc(labels, delta)
    seen.set(key, value)
  }
  const events = new Counter({
    name: 'mcp_cache_events_total',
    help: 'Cache events by kind (hits, misses, stale, coalesced, sets, deletes, errors, corrupt) and category',
    labelNames: ['event', 'category'],
    registers: [registry],
    collect() {
      for (const [category, stats] of Object.entries(cache.stats().byCategory)) {
        for (const event of EVENTS) {
          const key = `${event}|${category}`
          const value = (stats as CategoryStats)[event]
          const delta = value - (seen.get(key) ?? 0)
          if (delta > 0) this.inc({ event, category }, delta)
          seen.set(key, value)
        }
      }
    },
  })
  void events
  new Counter({
    name: 'mcp_cache_origin_seconds_saved_total',
    help: "Origin time spared by the cache per category: each hit and shared load credited with the median of the category's last 64 origin calls",
    labelNames: ['category'],
    registers: [registry],
    collect() {
      for (const [category, stats] of Object.entries(cache.stats().byCategory)) grow(this, `saved|${category}`, { category }, stats.savings.secondsSaved)
    },
  })
  if (toolStats !== undefined) registerToolSavings(registry, toolStats, grow)
  new Gauge({
    name: 'mcp_cache_hit_ratio',
    help: 'hits / (hits + misses + stale) since start',
    registers: [registry],
    collect() {
      this.set(cache.stats().hitRate)
    },
  })
  new Gauge({
    name: 'mcp_cache_latency_seconds',
    help: 'getOrSet/get latency quantiles since start',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      const { latency } = cache.stats()
      this.set({ quantile: '0.5' }, latency.p50 / 1000)
      this.set({ quantile: '0.99' }, latency.p99 / 1000)
    },
  })
  const quantiles = (name: string, help: string, pick: (stats: ReturnType<Cache['stats']>) => { p50: number; p99: number }): void => {
    new Gauge({
      name,
      help,
      labelNames: ['quantile'],
      registers: [registry],
      collect() {
        const summary = pick(cache.stats())
        this.set({ quantile: '0.5' }, summary.p50 / 1000)
        this.set({ quantile: '0.99' }, summary.p99 / 1000)
      },
    })
  }
  quantiles('mcp_cache_store_latency_seconds', "The store's own read latency quantiles over the last one to two minutes (what judges its health)", (stats) => stats.storeRecent)
  quantiles('mcp_cache_origin_latency_seconds', 'Origin (factory) call latency quantiles since start, on the misses that ran it', (stats) => stats.origin)
  new Gauge({
    name: 'mcp_cache_circuit_open',
    help: '1 while the store circuit breaker is open or half-open',
    registers: [registry],
    collect() {
      const state = cache.breakerState
      this.set(state === undefined || state === 'closed' ? 0 : 1)
    },
  })
  new Gauge({
    name: 'mcp_cache_l1_bus_in_sync',
    help: '1 while the tiered L1 invalidation bus is in sync, 0 while lost (L1 bypassed); absent without a bus',
    registers: [registry],
    collect() {
      const bus = cache.busState
      if (bus !== undefined) this.set(bus.inSync ? 1 : 0)
    },
  })
  new Gauge({
    name: 'mcp_cache_l1_bus_losses',
    help: 'missed invalidation messages or bus losses since start, each of which flushed the L1',
    registers: [registry],
    collect() {
      const bus = cache.busState
      if (bus !== undefined) this.set(bus.losses)
    },
  })
  const redisGauge = (name: string, help: string, pick: (performance: RedisPerformance) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const info = await cache.serverInfo().catch(() => undefined)
        if (info !== undefined) this.set(pick(performanceFrom(info)))
      },
    })
  redisGauge('mcp_cache_redis_used_memory_bytes', 'Redis used_memory', (p) => p.memory.usedBytes)
  redisGauge('mcp_cache_redis_maxmemory_bytes', 'Redis maxmemory (0: unlimited)', (p) => p.memory.maxmemoryBytes)
  redisGauge('mcp_cache_redis_evicted_keys', 'Redis evicted_keys', (p) => p.keyspace.evictedKeys)
  redisGauge('mcp_cache_redis_connected_clients', 'Redis connected_clients', (p) => p.connectedClients)
  redisGauge('mcp_cache_redis_ops_per_second', 'Redis instantaneous_ops_per_sec', (p) => p.opsPerSecond)
  new Gauge({
    name: 'mcp_cache_alert',
    help: "1 while one of the seeds' alert conditions holds (memory_high, hit_rate_low, connection_errors, slow_operations)",
    labelNames: ['alert'],
    registers: [registry],
    async collect() {
      const info = await cache.serverInfo().catch(() => undefined)
      const current = info === undefined ? undefined : performanceFrom(info)
      for (const alert of evaluateAlerts(cache.stats(), current, cache.breakerState)) this.set({ alert: alert.name }, alert.firing ? 1 : 0)
    },
  })
  return registry
}

/** The gateway's savings per tool: upstream calls avoided, upstream seconds and money saved. */
function registerToolSavings(
  registry: Registry,
  toolStats: () => Record<string, ToolSnapshot>,
  grow: (counter: Counter, key: string, labels: Record<string, string>, value: number) => void,
): void {
  const perTool = (name: string, help: string, pick: (tool: ToolSnapshot) => number | undefined): void => {
    new Counter({
      name,
      help,
      labelNames: ['tool'],
      registers: [registry],
      collect() {
        for (const [tool, snapshot] of Object.entries(toolStats())) {
          const value = pick(snapshot)
          if (value !== undefined) grow(this, `${name}|${tool}`, { tool }, value)
        }
      },
    })
  }
  perTool('mcp_cache_upstream_calls_avoided_total', 'Upstream tool calls the gateway answered instead (hits, and calls that shared another caller\'s upstream call)', (tool) => tool.callsAvoided)
  perTool('mcp_cache_upstream_seconds_saved_total', "Upstream time spared per tool: each avoided call credited with the median of the tool's last 64 upstream calls", (tool) => tool.secondsSaved)
  perTool('mcp_cache_cost_saved_total', 'Money spared per tool: avoided calls times the tool\'s configured cost per call (in the config\'s costUnit)', (tool) => tool.costSaved)
}

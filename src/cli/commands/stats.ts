import { performanceFrom } from '../../admin/redis-info.js'
import { createCache } from '../../cache/create-cache.js'
import { maintenanceCacheOptions, unreachableStore, type StoreCliOptions } from '../store-flags.js'
import { redactSecrets } from '../../log/redact.js'
import { output } from '../output.js'
import { reasonOf } from '../failure-reason.js'

/**
 * `mcp-cache stats`: a running gateway's counters from its admin API
 * (`--admin-url`, token from MCP_CACHE_ADMIN_TOKEN); without one, what Redis
 * itself counts (keyspace hits and misses, memory, evictions).
 */
export async function runStats(options: StoreCliOptions & { json?: boolean; adminUrl?: string }): Promise<number> {
  const out = output(options.json)
  if (options.adminUrl !== undefined) {
    if (!URL.canParse(options.adminUrl)) throw new Error(`--admin-url must be the admin API's URL, e.g. http://127.0.0.1:7701 (got '${redactSecrets(options.adminUrl)}')`)
    const url = new URL('/stats', options.adminUrl)
    const response = await fetch(url, { headers: { authorization: `Bearer ${process.env['MCP_CACHE_ADMIN_TOKEN'] ?? ''}` }, signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => {
      throw new Error(`cannot reach the admin API at ${redactSecrets(url.origin)}: ${reasonOf(error)} (is the gateway running with --admin-port?)`)
    })
    if (!response.ok) throw new Error(`the admin API at ${redactSecrets(url.origin)} answered ${response.status}; check --admin-url and MCP_CACHE_ADMIN_TOKEN`)
    const stats = (await response.json()) as AdminStats
    out.line(`hit rate ${(stats.hitRate * 100).toFixed(1)}%  hits ${stats.hits}  misses ${stats.misses}  stale ${stats.stale}  errors ${stats.errors}  p50 ${stats.latency.p50} ms  p99 ${stats.latency.p99} ms`)
    for (const [category, entry] of Object.entries(stats.byCategory)) out.line(`  ${category.padEnd(24)} hit rate ${(entry.hitRate * 100).toFixed(1)}%  hits ${entry.hits}  misses ${entry.misses}`)
    for (const line of savingsLines(stats)) out.line(line)
    out.result(stats)
    return 0
  }
  const cacheOptions = maintenanceCacheOptions(options)
  const cache = createCache({ ...cacheOptions, logger: false })
  try {
    if (!(await cache.ready('5s'))) throw unreachableStore(cacheOptions, 'no figures to show')
    const info = await cache.serverInfo()
    if (info === undefined) {
      out.line('the memory store lives inside each process: ask a running gateway with --admin-url')
      out.result({ store: 'memory' })
      return 0
    }
    const performance = performanceFrom(info)
    const lookups = performance.keyspace.hits + performance.keyspace.misses
    out.line(`Redis ${performance.version ?? ''}: keyspace hit rate ${lookups === 0 ? 'n/a' : `${((performance.keyspace.hits / lookups) * 100).toFixed(1)}%`} (${performance.keyspace.hits} hits, ${performance.keyspace.misses} misses)`)
    out.line(`memory ${performance.memory.usedBytes} B of ${performance.memory.maxmemoryBytes || 'unlimited'} (${performance.memory.policy}), evicted ${performance.keyspace.evictedKeys}, ${performance.opsPerSecond} ops/s, ${performance.connectedClients} clients`)
    out.result(performance)
    return 0
  } finally {
    await cache.close()
  }
}

/** What `/stats` answers, as far as this command reads it. */
interface AdminStats {
  hits: number
  misses: number
  stale: number
  errors: number
  hitRate: number
  latency: { p50: number; p99: number }
  byCategory: Record<string, { hits: number; misses: number; hitRate: number }>
  savings?: { callsAvoided: number; secondsSaved: number }
  tools?: Record<string, { callsAvoided?: number; secondsSaved?: number; costSaved?: number; upstreamMedianMs?: number }>
  toolSavings?: { callsAvoided: number; secondsSaved: number; costSaved: number; costUnit: string }
}

/** The savings lines: a gateway's per tool (with money where tools have a cost), else the cache's own. */
function savingsLines(stats: AdminStats): string[] {
  const seconds = (value: number): string => `${value.toFixed(value < 10 ? 2 : 0)} s`
  const total = stats.toolSavings
  if (total === undefined) {
    return stats.savings === undefined ? [] : [`saved ${stats.savings.callsAvoided} origin calls, ${seconds(stats.savings.secondsSaved)} of origin time`]
  }
  const money = (value: number): string => `${value.toFixed(value < 1 ? 4 : 2)} ${total.costUnit}`
  const lines = [`saved ${total.callsAvoided} upstream calls, ${seconds(total.secondsSaved)} of upstream time${total.costSaved > 0 ? `, ${money(total.costSaved)}` : ''}`]
  for (const [tool, entry] of Object.entries(stats.tools ?? {})) {
    if ((entry.callsAvoided ?? 0) === 0) continue
    const cost = entry.costSaved === undefined ? '' : `  ${money(entry.costSaved)}`
    lines.push(`  ${tool.padEnd(24)} ${entry.callsAvoided} calls avoided  ${seconds(entry.secondsSaved ?? 0)} saved (median upstream ${Math.round(entry.upstreamMedianMs ?? 0)} ms)${cost}`)
  }
  return lines
}

import type { Cache } from '../cache/cache.js'
import type { Histogram } from '../stats/histogram.js'
import type { StatsSnapshot } from '../stats/stats.js'

/** One sample of the dashboard's time series: rates over the interval that ended at `t`. */
export interface SeriesPoint {
  /** End of the interval, epoch ms. */
  readonly t: number
  /** Lookups, sets and deletes per second. */
  readonly opsPerSecond: number
  readonly hitsPerSecond: number
  readonly missesPerSecond: number
  readonly stalePerSecond: number
  /** Store failures degraded to the origin, per second. */
  readonly errorsPerSecond: number
  /** Hits, and hits + misses + stale, counted in this interval (exact, for rates over several points). */
  readonly hits: number
  readonly lookups: number
  /** hits / (hits + misses + stale) in this interval; null when there were no lookups. */
  readonly hitRate: number | null
  /** Latency percentiles of this interval's lookups; null when there were none. */
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  /** Redis `used_memory`, or the bytes the in-process store holds; null when unknown (Redis down). */
  readonly memoryBytes: number | null
  /** Redis `maxmemory` (0: unlimited) or the in-process byte budget. */
  readonly memoryMaxBytes: number | null
}

/** Options of {@link StatsSeries}. */
export interface StatsSeriesOptions {
  /** Sampling interval in ms. @default 1000 */
  readonly intervalMs?: number
  /** Points kept (the window the dashboard shows on load). @default 300 */
  readonly capacity?: number
}

interface Baseline {
  readonly at: number
  readonly stats: StatsSnapshot
  readonly latency: Histogram
}

/**
 * Samples a cache's counters, latency histogram and memory once per interval
 * into a fixed window of points, so the dashboard shows rates and windowed
 * percentiles (not totals since start), and a reopened page the last minutes at
 * once. The timer is unref'd and stops when the cache closes.
 */
export class StatsSeries {
  readonly intervalMs: number
  private readonly capacity: number
  private readonly points: SeriesPoint[] = []
  private baseline: Baseline
  private timer: NodeJS.Timeout | undefined
  private sampling = false

  constructor(
    private readonly cache: Cache,
    options: StatsSeriesOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000
    this.capacity = options.capacity ?? 300
    this.baseline = { at: Date.now(), stats: cache.stats(), latency: cache.latencyHistogram() }
  }

  /** Starts sampling every interval (the first point covers the interval after this call). */
  start(): this {
    if (this.timer !== undefined) return this
    this.baseline = { at: Date.now(), stats: this.cache.stats(), latency: this.cache.latencyHistogram() }
    this.timer = setInterval(() => void this.sample(), this.intervalMs).unref()
    return this
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Takes one sample now (a sample still running is not doubled). */
  async sample(): Promise<void> {
    if (this.cache.closed) return this.stop()
    if (this.sampling) return
    this.sampling = true
    try {
      const memory = await this.memory()
      const now = { at: Date.now(), stats: this.cache.stats(), latency: this.cache.latencyHistogram() }
      this.points.push(pointBetween(this.baseline, now, memory))
      if (this.points.length > this.capacity) this.points.shift()
      this.baseline = now
    } finally {
      this.sampling = false
    }
  }

  /** The points after `since` (epoch ms), oldest first. */
  after(since = 0): SeriesPoint[] {
    return this.points.filter((point) => point.t > since)
  }

  private async memory(): Promise<{ used: number; max: number } | undefined> {
    const info = await this.cache.serverInfo().catch(() => null)
    if (info === null) return undefined
    if (info !== undefined) return { used: Number(info['used_memory'] ?? 0), max: Number(info['maxmemory'] ?? 0) }
    const usage = this.cache.inProcessUsage()
    return usage === undefined ? undefined : { used: usage.bytes, max: usage.maxBytes }
  }
}

function pointBetween(before: Baseline, after: Baseline, memory: { used: number; max: number } | undefined): SeriesPoint {
  const seconds = Math.max(0.001, (after.at - before.at) / 1000)
  // A counter reset (stats.reset()) makes a negative delta: count it as zero.
  const delta = (name: 'hits' | 'misses' | 'stale' | 'coalesced' | 'sets' | 'deletes' | 'errors') => Math.max(0, after.stats[name] - before.stats[name])
  const hits = delta('hits')
  const lookups = hits + delta('misses') + delta('stale')
  const window = after.latency.since(before.latency).summary()
  const rate = (count: number) => Math.round((count / seconds) * 100) / 100
  return {
    t: after.at,
    hits,
    lookups,
    opsPerSecond: rate(lookups + delta('coalesced') + delta('sets') + delta('deletes')),
    hitsPerSecond: rate(hits),
    missesPerSecond: rate(delta('misses')),
    stalePerSecond: rate(delta('stale')),
    errorsPerSecond: rate(delta('errors')),
    hitRate: lookups === 0 ? null : hits / lookups,
    p50Ms: window.count === 0 ? null : window.p50,
    p99Ms: window.count === 0 ? null : window.p99,
    memoryBytes: memory?.used ?? null,
    memoryMaxBytes: memory?.max ?? null,
  }
}

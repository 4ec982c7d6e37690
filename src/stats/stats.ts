import { MAX_CATEGORIES } from '../keys/key-space.js'
import { Histogram, type LatencySummary } from './histogram.js'
import { RecentHistogram } from './recent-histogram.js'
import { RecentMedian } from './recent-median.js'

/** What the engine counts, per category. */
export type CacheEvent = 'hits' | 'misses' | 'stale' | 'coalesced' | 'sets' | 'deletes' | 'errors' | 'corrupt'

const EVENTS: readonly CacheEvent[] = ['hits', 'misses', 'stale', 'coalesced', 'sets', 'deletes', 'errors', 'corrupt']

/** Counts of one category (or of all). `hitRate` is hits / (hits + misses + stale), 0 when idle. */
export interface CategoryStats {
  readonly hits: number
  readonly misses: number
  readonly stale: number
  /** Callers that waited for another caller's factory run instead of running their own. */
  readonly coalesced: number
  readonly sets: number
  readonly deletes: number
  /** Store failures that were degraded to the origin. */
  readonly errors: number
  /** Unreadable entries found (and deleted). */
  readonly corrupt: number
  readonly hitRate: number
  /** Latency of `getOrSet`/`get` as the caller saw it. */
  readonly latency: LatencySummary
  /** How long the origin (the factory) took on the misses that ran it, apart from the store's own time. */
  readonly origin: LatencySummary
  /** How long the store's own reads took (what judges its health: the seeds' "slow Redis operations"). */
  readonly store: LatencySummary
  /** What caching spared the origin: see {@link Savings}. */
  readonly savings: Savings
}

/**
 * Origin calls the cache answered instead (hits, and callers that shared another's load), and
 * the origin time that spared: each one credited with the median of the last 64 origin calls of
 * its category (0 until the origin has run once).
 */
export interface Savings {
  readonly callsAvoided: number
  readonly secondsSaved: number
}

/** An immutable picture of the cache's counters. */
export interface StatsSnapshot extends CategoryStats {
  /** When the counters started, epoch ms. */
  readonly since: number
  /** The store's read latency over the last one to two minutes: what the slow-store alert watches. */
  readonly storeRecent: LatencySummary
  readonly byCategory: Readonly<Record<string, CategoryStats>>
}

/** Where the engine reports what happened. The disabled one does nothing at all. */
export interface StatsCounter {
  readonly enabled: boolean
  count(event: CacheEvent, category: string): void
  latency(category: string, ms: number): void
  /** How long one origin call (a factory run that produced a value) took. */
  origin(category: string, ms: number): void
  /** How long one read of the store took, failed ones included (a timeout is a slow operation). */
  store(category: string, ms: number): void
  snapshot(): StatsSnapshot
  /** A copy of every category's latencies merged, for windowed percentiles. */
  latencyHistogram(): Histogram
  reset(): void
}

type Counts = Record<CacheEvent, number>

interface CategoryCell {
  counts: Counts
  latency: Histogram
  origin: Histogram
  store: Histogram
  recentOrigin: RecentMedian
  avoided: number
  savedMs: number
}

function newCell(): CategoryCell {
  return {
    counts: { hits: 0, misses: 0, stale: 0, coalesced: 0, sets: 0, deletes: 0, errors: 0, corrupt: 0 },
    latency: new Histogram(),
    origin: new Histogram(),
    store: new Histogram(),
    recentOrigin: new RecentMedian(),
    avoided: 0,
    savedMs: 0,
  }
}

function toStats(cell: CategoryCell): CategoryStats {
  const { hits, misses, stale } = cell.counts
  const lookups = hits + misses + stale
  return {
    ...cell.counts,
    hitRate: lookups === 0 ? 0 : hits / lookups,
    latency: cell.latency.summary(),
    origin: cell.origin.summary(),
    store: cell.store.summary(),
    savings: { callsAvoided: cell.avoided, secondsSaved: cell.savedMs / 1000 },
  }
}

/** Counts into plain objects per category; categories past {@link MAX_CATEGORIES} fold into `other`. */
export class RecordingStats implements StatsCounter {
  readonly enabled = true
  private cells = new Map<string, CategoryCell>()
  private since = Date.now()
  private storeRecent = new RecentHistogram()

  count(event: CacheEvent, category: string): void {
    const cell = this.cell(category)
    cell.counts[event]++
    if (event === 'hits' || event === 'coalesced') {
      cell.avoided++
      cell.savedMs += cell.recentOrigin.value
    }
  }

  latency(category: string, ms: number): void {
    this.cell(category).latency.record(ms)
  }

  origin(category: string, ms: number): void {
    const cell = this.cell(category)
    cell.origin.record(ms)
    cell.recentOrigin.add(ms)
  }

  store(category: string, ms: number): void {
    this.cell(category).store.record(ms)
    this.storeRecent.record(ms)
  }

  snapshot(): StatsSnapshot {
    const total = newCell()
    const byCategory: Record<string, CategoryStats> = Object.create(null) as Record<string, CategoryStats>
    for (const [name, cell] of this.cells) {
      for (const event of EVENTS) total.counts[event] += cell.counts[event]
      total.latency.merge(cell.latency)
      total.origin.merge(cell.origin)
      total.store.merge(cell.store)
      total.avoided += cell.avoided
      total.savedMs += cell.savedMs
      byCategory[name] = Object.freeze(toStats(cell))
    }
    return Object.freeze({ ...toStats(total), since: this.since, storeRecent: this.storeRecent.summary(), byCategory: Object.freeze(byCategory) })
  }

  latencyHistogram(): Histogram {
    const merged = new Histogram()
    for (const cell of this.cells.values()) merged.merge(cell.latency)
    return merged
  }

  reset(): void {
    this.cells = new Map()
    this.since = Date.now()
    this.storeRecent = new RecentHistogram()
  }

  private cell(category: string): CategoryCell {
    let cell = this.cells.get(category)
    if (cell === undefined) {
      const name = this.cells.size >= MAX_CATEGORIES ? 'other' : category
      cell = this.cells.get(name) ?? newCell()
      this.cells.set(name, cell)
    }
    return cell
  }
}

const EMPTY = new RecordingStats().snapshot()

/** The counter used when stats are off: every call is a no-op. */
export class NoopStats implements StatsCounter {
  readonly enabled = false
  count(): void {}
  latency(): void {}
  origin(): void {}
  store(): void {}
  snapshot(): StatsSnapshot {
    return EMPTY
  }
  latencyHistogram(): Histogram {
    return new Histogram()
  }
  reset(): void {}
}

import type { Duration } from '../config/duration.js'
import { CacheError, errors } from '../errors.js'
import { shortHash } from '../keys/content-hash.js'
import { categoryOf, type KeySpace } from '../keys/key-space.js'
import { redactSecrets } from '../log/redact.js'
import type { CacheLogger, RateLimitedLog } from '../log/logger.js'
import type { Histogram } from '../stats/histogram.js'
import type { Invalidation, InvalidationLog } from '../stats/invalidation-log.js'
import type { StatsCounter, StatsSnapshot } from '../stats/stats.js'
import type { Store, StoredEntry } from '../stores/store.js'
import type { WriteGuard } from './write-guard.js'
import type { CacheTracer } from '../telemetry/cache-spans.js'
import type { RedisTopology } from '../stores/redis-link.js'
import { hasLocks, loadOnce, type DistributedFlight } from './distributed-flight.js'
import type { Generations } from './generations.js'
import { entryOf, planWrite, writeEntry, type WritePlan } from './entry-writer.js'
import { runFactory, SOFT_TIMEOUT } from './factory-runner.js'
import { isValueError, reportStoreFailure } from './failures.js'
import { breakerStateOf, busStateOf, topologyOfStore, type BusState, exportEntries, importEntry, inProcessUsage, inspectKeys, serverInfo, type InProcessUsage, type KeyListing } from './store-inspection.js'
import type { CacheResult, CacheStatus, GetOrSetOptions, InvalidateOptions, SetOptions } from './options.js'
import type { TtlPolicy } from './ttl-policy.js'

const valueOf = <T>(result: CacheResult<T>): T => result.value

/** State shared by a cache and all its namespaces. */
export interface CacheCore {
  readonly store: Store
  readonly stats: StatsCounter
  readonly log: RateLimitedLog
  readonly policy: TtlPolicy
  /** One load per store key whose factory is running: concurrent callers share it. */
  readonly inflight: Map<string, InFlightLoad>
  /** Store keys whose factory passed its soft timeout and still runs: later callers get stale at once. */
  readonly refreshing: Set<string>
  readonly startupWaitMs: number
  /** Where per-operation debug lines go, when `logOperations` is on. */
  readonly operationLog: CacheLogger | undefined
  /** Set when one origin call per missing key must hold across processes (`singleFlight: 'distributed'`). */
  readonly flight: DistributedFlight | undefined
  /** The last invalidations (deletes, patterns, tags, clears, generations), for the dashboard. */
  readonly invalidations: InvalidationLog
  /** Generation tokens and the bumps still owed to the store. */
  readonly generations: Generations
  /** Keeps a load from writing what a write or invalidation overtook while its factory ran. */
  readonly guard: WriteGuard
  /** Starts spans when the `tracing` option is on; undefined otherwise (the hot path checks only this). */
  readonly tracer: CacheTracer | undefined
  closed: boolean
}

/** A load others may join, and the guard's epoch when it started. */
export interface InFlightLoad {
  readonly result: Promise<CacheResult<unknown>>
  readonly since: number
}

/** What `health()` reports. */
export interface CacheHealth {
  readonly store: string
  readonly healthy: boolean
  /** Round trip of a PING in ms, when it answered. */
  readonly latencyMs?: number
  readonly error?: string
  /** The circuit breaker's state, for stores that have one. */
  readonly breaker?: string
  /** The Redis deployment: one server, a cluster, or a master found through Sentinel. */
  readonly topology?: RedisTopology
  /** The tiered store's invalidation bus. */
  readonly bus?: BusState
}

/**
 * The engine: cache-aside with single-flight, grace and graceful degradation over
 * any {@link Store}. A store failure is counted and logged, never thrown at a
 * `getOrSet` caller: the origin answers instead.
 */
export class Cache {
  constructor(
    private readonly core: CacheCore,
    private readonly space: KeySpace,
  ) {}

  /** The key prefix of this cache or namespace, e.g. `mcp:tenant-a:`. */
  get keyPrefix(): string {
    return this.space.base
  }

  /** True once `close()` was called (on this cache or any of its namespaces). */
  get closed(): boolean {
    return this.core.closed
  }

  /** The store's kind: `memory`, `redis`, `tiered` or a custom store's. */
  get storeKind(): string {
    return this.core.store.kind
  }

  /**
   * Returns the cached value of `key`, or runs `factory`, caches its result and
   * returns it. Concurrent callers of one missing key share one factory run.
   * `undefined` results are returned but not cached. Factory errors reach the
   * caller (unless a stale value within grace can be served); store errors never do.
   */
  getOrSet<T>(key: string, factory: () => T | Promise<T>, options?: GetOrSetOptions): Promise<T> {
    if (this.core.tracer !== undefined) return this.traced(key, factory, options).then(valueOf)
    // Not async: an in-process hit resolves through one promise, with no async frame to suspend.
    try {
      const result = this.resolve(key, factory, options)
      return result instanceof Promise ? result.then(valueOf) : Promise.resolve(result.value)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Like getOrSetWithStatus, logging one debug line (key hash, status, ms) when `logOperations` is on. */
  private logged<T>(storeKey: string, category: string, started: number, result: CacheResult<T>): CacheResult<T> {
    const log = this.core.operationLog
    if (log !== undefined) {
      log.debug({ op: 'getOrSet', category, keyHash: shortHash(storeKey), status: result.status, ms: Math.round((performance.now() - started) * 1000) / 1000 }, 'mcp-cache operation')
    }
    return result
  }

  /** Like {@link getOrSet}, and says whether the value was a `hit`, a `miss` or `stale`. */
  async getOrSetWithStatus<T>(key: string, factory: () => T | Promise<T>, options?: GetOrSetOptions): Promise<CacheResult<T>> {
    if (this.core.tracer !== undefined) return this.traced(key, factory, options)
    return this.resolve(key, factory, options)
  }

  /** A getOrSet in a span of its own, its factory in a child span (the `tracing` option). */
  private traced<T>(key: string, factory: () => T | Promise<T>, options: GetOrSetOptions | undefined): Promise<CacheResult<T>> {
    const tracer = this.core.tracer as CacheTracer
    const origin = (): Promise<T> => tracer.step('mcp_cache.origin', async () => factory())
    return tracer.getOrSet(categoryOf(key), this.core.store.kind, async () => this.resolve(key, origin, options))
  }

  /** The result at once for an in-process hit, else the promise of the full cache-aside path. */
  private resolve<T>(key: string, factory: () => T | Promise<T>, options: GetOrSetOptions | undefined): CacheResult<T> | Promise<CacheResult<T>> {
    const storeKey = this.space.qualify(key)
    const category = categoryOf(key)
    const { stats, store, operationLog } = this.core
    const started = stats.enabled || operationLog !== undefined ? performance.now() : 0
    this.assertOpen()

    const local = store.getLocal?.(storeKey)
    if (options?.accept !== undefined) return this.loadAccepted(storeKey, category, started, factory, options, local, options.accept)
    if (local !== undefined && local.freshUntil > Date.now()) return this.localHit(storeKey, category, started, local)
    return this.loadOrJoin(storeKey, category, started, factory, options, local)
  }

  /**
   * The value of `key` when the in-process tier (the memory store, or L1 of a
   * tiered store) holds it fresh, counted and logged as a `getOrSet` hit; else
   * undefined, counting nothing, for the caller to go on to `getOrSet`. Never
   * waits on Redis, so a caller that falls back to `getOrSet` reads the store once.
   */
  getInProcess<T = unknown>(key: string): CacheResult<T> | undefined {
    const storeKey = this.space.qualify(key)
    this.assertOpen()
    const local = this.core.store.getLocal?.(storeKey)
    if (local === undefined || local.freshUntil <= Date.now()) return undefined
    const { stats, operationLog } = this.core
    return this.localHit(storeKey, categoryOf(key), stats.enabled || operationLog !== undefined ? performance.now() : 0, local)
  }

  private localHit<T>(storeKey: string, category: string, started: number, local: StoredEntry): CacheResult<T> {
    const { stats, operationLog } = this.core
    if (stats.enabled) this.record('hits', category, started)
    const hit: CacheResult<T> = { value: local.value as T, status: 'hit' }
    return operationLog === undefined ? hit : this.logged(storeKey, category, started, hit)
  }

  /** Joins the running load of `storeKey`, or starts one that later callers join. */
  private async loadOrJoin<T>(
    storeKey: string,
    category: string,
    started: number,
    factory: () => T | Promise<T>,
    options: GetOrSetOptions | undefined,
    local: StoredEntry | undefined,
  ): Promise<CacheResult<T>> {
    const { stats, operationLog, guard } = this.core
    const pending = this.core.inflight.get(storeKey)
    // A load that a write, delete or invalidation overtook has an old value: a caller that
    // came after the change starts its own instead of sharing it.
    const tagKeys = options?.tags === undefined ? [] : options.tags.map((tag) => this.space.tagKey(tag))
    if (pending !== undefined && guard.unchangedSince(storeKey, tagKeys, pending.since)) {
      const shared = (await pending.result) as CacheResult<T>
      // Counted once the shared load answered: its origin time is what this caller was spared.
      stats.count('coalesced', category)
      if (stats.enabled) stats.latency(category, performance.now() - started)
      return operationLog === undefined ? shared : this.logged(storeKey, category, started, shared)
    }

    guard.begin()
    const load: InFlightLoad = { result: this.load(storeKey, category, factory, options, local), since: guard.epoch }
    this.core.inflight.set(storeKey, load)
    try {
      const result = (await load.result) as CacheResult<T>
      if (stats.enabled) stats.latency(category, performance.now() - started)
      return operationLog === undefined ? result : this.logged(storeKey, category, started, result)
    } finally {
      // A newer load may have taken the key's place: leave it.
      if (this.core.inflight.get(storeKey) === load) this.core.inflight.delete(storeKey)
      guard.end()
    }
  }

  /** A load for a caller that decides which cached values it takes: it shares no flight, and serves nothing stale it refused. */
  private async loadAccepted<T>(
    storeKey: string,
    category: string,
    started: number,
    factory: () => T | Promise<T>,
    options: GetOrSetOptions,
    local: StoredEntry | undefined,
    accept: (value: unknown) => boolean,
  ): Promise<CacheResult<T>> {
    if (local !== undefined && local.freshUntil > Date.now() && accept(local.value)) return this.localHit(storeKey, category, started, local)
    this.core.guard.begin()
    let result: CacheResult<T>
    try {
      result = await this.load(storeKey, category, factory, options, local !== undefined && accept(local.value) ? local : undefined)
    } finally {
      this.core.guard.end()
    }
    if (this.core.stats.enabled) this.core.stats.latency(category, performance.now() - started)
    const log = this.core.operationLog
    return log === undefined ? result : this.logged(storeKey, category, started, result)
  }

  /** The fresh value of `key`, or `undefined` (absent, expired, or the store failed). */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const storeKey = this.space.qualify(key)
    const category = categoryOf(key)
    const started = this.core.stats.enabled ? performance.now() : 0
    const entry = await this.read(storeKey, category)
    const fresh = entry !== undefined && entry.freshUntil > Date.now()
    if (this.core.stats.enabled) this.record(fresh ? 'hits' : 'misses', category, started)
    return fresh ? (entry.value as T) : undefined
  }

  /** True when `key` holds a fresh value. */
  async has(key: string): Promise<boolean> {
    const entry = await this.read(this.space.qualify(key), categoryOf(key))
    return entry !== undefined && entry.freshUntil > Date.now()
  }

  /** Fresh values of many keys in one round trip, aligned with `keys`. */
  async mget<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const storeKeys = keys.map((key) => this.space.qualify(key))
    let entries: Array<StoredEntry | undefined>
    try {
      entries = await this.core.store.mget(storeKeys)
    } catch (error) {
      this.storeFailed('mget', error, keys[0] === undefined ? 'default' : categoryOf(keys[0]))
      return keys.map(() => undefined)
    }
    const now = Date.now()
    return entries.map((entry, index) => {
      const fresh = entry !== undefined && entry.freshUntil > now
      this.core.stats.count(fresh ? 'hits' : 'misses', categoryOf(keys[index] as string))
      return fresh ? (entry.value as T) : undefined
    })
  }

  /**
   * Stores a value. Resolves false when the store failed (counted and logged).
   * Throws for values that can never be cached: too large (E_ENTRY_TOO_LARGE) or
   * not serializable (E_UNSERIALIZABLE), since those are the caller's to fix.
   */
  async set(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    const category = categoryOf(key)
    const storeKey = this.space.qualify(key)
    const plan = planWrite(this.core, this.space, category, options)
    this.core.guard.keysChanged([storeKey])
    return writeEntry(this.core, storeKey, category, value, plan, true)
  }

  /** Stores many values in one round trip. Resolves false when the store failed. */
  async mset(items: ReadonlyArray<{ key: string; value: unknown; options?: SetOptions }>): Promise<boolean> {
    const writes = items.map(({ key, value, options }) => {
      const category = categoryOf(key)
      const plan = planWrite(this.core, this.space, category, options)
      return { storeKey: this.space.qualify(key), entry: entryOf(value, plan), category, plan }
    })
    this.core.guard.keysChanged(writes.map(({ storeKey }) => storeKey))
    try {
      await this.core.store.mset(writes.map(({ storeKey, entry }) => [storeKey, entry] as const))
      for (const { category } of writes) this.core.stats.count('sets', category)
    } catch (error) {
      if (isValueError(error)) throw error
      this.storeFailed('mset', error, writes[0]?.category ?? 'default')
      return false
    }
    const tagged = writes.filter(({ plan }) => plan.tagKeys.length > 0)
    const outcomes = await Promise.allSettled(
      tagged.flatMap(({ storeKey, entry, plan }) => plan.tagKeys.map((tagKey) => this.core.store.addToSet(tagKey, [storeKey], Math.max(1, entry.expiresAt - Date.now())))),
    )
    const failed = outcomes.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) {
      this.storeFailed('tag', failed.reason, tagged[0]?.category ?? 'default')
      await this.core.store.delete(tagged.map(({ storeKey }) => storeKey)).catch(() => undefined)
      return false
    }
    return true
  }

  /** Deletes keys; resolves to how many existed (0 when the store failed). */
  async delete(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0
    const category = categoryOf(keys[0] as string)
    const storeKeys = keys.map((key) => this.space.qualify(key))
    this.core.guard.keysChanged(storeKeys)
    try {
      const deleted = await this.core.store.delete(storeKeys)
      for (const key of keys) this.core.stats.count('deletes', categoryOf(key))
      this.core.invalidations.record('keys', storeKeys, deleted)
      return deleted
    } catch (error) {
      this.storeFailed('delete', error, category)
      return 0
    }
  }

  /**
   * Adds `by` (an integer) to a counter and returns the new total, or `undefined`
   * when the store failed. A new counter expires after `ttl` when given.
   */
  async incr(key: string, by = 1, options?: { ttl?: Duration }): Promise<number | undefined> {
    if (!Number.isSafeInteger(by)) throw new CacheError(errors.E_INVALID_KEY, `incr amount must be a safe integer (got ${by})`)
    const category = categoryOf(key)
    const ttlMs = options?.ttl === undefined ? undefined : this.core.policy.ms(options.ttl, 'ttl')
    try {
      return await this.core.store.incr(this.space.qualify(key), by, ttlMs)
    } catch (error) {
      this.storeFailed('incr', error, category)
      return undefined
    }
  }

  /**
   * True the first time `key` is seen within `ttl`, false while its marker lives
   * (the seeds' "already processed"). When the store fails it answers true:
   * processing twice is safer than dropping work.
   */
  async dedupe(key: string, ttl: Duration): Promise<boolean> {
    const category = categoryOf(key)
    const ttlMs = this.core.policy.ms(ttl, 'ttl')
    try {
      return await this.core.store.setIfAbsent(this.space.qualify(key), entryOf(true, { ttl: ttlMs, grace: 0 }))
    } catch (error) {
      this.storeFailed('dedupe', error, category)
      return true
    }
  }

  /** Deletes every entry written with any of `tags` (in this namespace); resolves to how many. */
  async invalidateTags(tags: readonly string[], options?: InvalidateOptions): Promise<number> {
    let deleted = 0
    // Before the sets are taken: a load of a tagged entry still running must not write it after.
    this.core.guard.tagsChanged(tags.map((tag) => this.space.tagKey(tag)))
    for (const tag of tags) {
      try {
        const members = await this.core.store.takeSet(this.space.tagKey(tag))
        // Their loads in flight may have been started without the tag (a getOrSet with no tags).
        this.core.guard.keysChanged(members)
        if (members.length > 0) deleted += await this.core.store.delete(members)
      } catch (error) {
        this.storeFailed('invalidateTags', error, 'default')
      }
    }
    this.core.invalidations.record('tags', tags, deleted, options?.reason)
    return deleted
  }

  /**
   * Deletes the keys of this namespace that match a Redis glob over logical keys
   * (`experiment:exp_123*`). The namespace part is literal, so no pattern reaches
   * outside it. Uses SCAN, never KEYS. Resolves to how many were deleted.
   */
  async deleteByPattern(glob: string, options?: InvalidateOptions): Promise<number> {
    const pattern = this.space.bulkPattern(glob, 'deleteByPattern')
    this.core.guard.patternChanged(pattern)
    const deleted = await this.deleteMatching(pattern)
    this.core.invalidations.record('pattern', [pattern], deleted, options?.reason)
    return deleted
  }

  /**
   * Deletes every key of this namespace (and its child namespaces), nothing else. Refused for
   * the root of an empty prefix, where every key of the database would match.
   */
  async clear(options?: InvalidateOptions): Promise<number> {
    if (this.space.shared) {
      throw new CacheError(errors.E_INVALID_CONFIG, "clear() with an empty prefix would delete every key of the Redis database, other programs' too: delete what is yours with deleteByPattern('cpt:*')")
    }
    const pattern = this.space.everything()
    this.core.guard.patternChanged(pattern)
    const deleted = await this.deleteMatching(pattern)
    this.core.invalidations.record('clear', [pattern], deleted, options?.reason)
    return deleted
  }

  /**
   * The current token of each named generation of this namespace (one round
   * trip; missing ones are started). Build the keys of a family of entries
   * with them, and {@link bumpGenerations} drops the whole family in O(1).
   * Undefined when the store failed or a bump is still owed: then neither
   * read nor write those entries (go to the origin).
   */
  generations(names: readonly string[]): Promise<string[] | undefined> {
    this.assertOpen()
    return this.core.generations.read(this.space, names)
  }

  /**
   * {@link generations}, and in the same round trip the entry of `entries` (a
   * namespace of this cache) that `keyOf` builds from the tokens this process
   * saw last. `hit` is that entry's value when those tokens are still the
   * current ones and it is fresh (and `accept` takes it), counted as a hit;
   * otherwise the caller goes on to getOrSet with `keyOf(tokens)`. A hit on
   * Redis then costs one round trip, not two. Undefined as for {@link generations}.
   */
  async generationsWithEntry<T = unknown>(
    names: readonly string[],
    entries: Cache,
    keyOf: (tokens: readonly string[]) => string,
    accept?: (value: unknown) => boolean,
  ): Promise<{ tokens: string[]; hit?: T } | undefined> {
    this.assertOpen()
    const local = this.core.generations.local(this.space, names)
    // In process, getOrSet's own first look is free: nothing to read ahead.
    if (local !== undefined) return { tokens: local }
    const guess = this.core.generations.guess(this.space, names)
    if (guess === undefined) {
      const tokens = await this.generations(names)
      return tokens === undefined ? undefined : { tokens }
    }
    const key = keyOf(guess)
    const storeKey = entries.space.qualify(key)
    const category = categoryOf(key)
    const started = this.core.stats.enabled ? performance.now() : 0
    // Issued in one tick: one MGET with the generations on a Redis server. A failure of that round
    // trip is counted once, by the generations.
    const peek = this.core.store.get(storeKey).then(
      (entry) => {
        if (this.core.stats.enabled) this.core.stats.store(category, performance.now() - started)
        return entry
      },
      () => {
        if (this.core.stats.enabled) this.core.stats.store(category, performance.now() - started)
        return undefined
      },
    )
    const [tokens, entry] = await Promise.all([this.generations(names), peek])
    if (tokens === undefined) return undefined
    const current = tokens.every((token, index) => token === guess[index])
    if (!current || entry === undefined || entry.freshUntil <= Date.now() || (accept !== undefined && !accept(entry.value))) return { tokens }
    if (this.core.stats.enabled) this.record('hits', category, started)
    return { tokens, hit: entry.value as T }
  }

  /** The tokens of {@link generations} when the in-process tier holds them all, else undefined. Never waits. */
  generationsInProcess(names: readonly string[]): string[] | undefined {
    this.assertOpen()
    return this.core.generations.local(this.space, names)
  }

  /**
   * Replaces the tokens of these generations, orphaning every key built with
   * the old ones (for every principal and every process on the store). One
   * write, whatever the number of entries. Resolves false when the store
   * refused; the bump is retried, and meanwhile this process bypasses them.
   */
  bumpGenerations(names: readonly string[], options?: InvalidateOptions): Promise<boolean> {
    this.assertOpen()
    return this.core.generations.bump(this.space, names, options?.reason)
  }

  /** The last invalidations of this cache and all its namespaces, newest first. */
  recentInvalidations(limit?: number): Invalidation[] {
    return this.core.invalidations.recent(limit)
  }

  /** Logical keys of this namespace that match `glob`, in batches (SCAN underneath). */
  async *keys(glob = '*'): AsyncIterable<string[]> {
    for await (const batch of this.core.store.scan(this.space.pattern(glob))) {
      yield batch.map((key) => this.space.unqualify(key))
    }
  }

  /** One page of this namespace's keys matching `glob`, with TTL and size, never values. `cursor` '0' starts and ends. */
  inspectKeys(glob = '*', cursor = '0', count = 100): Promise<{ keys: KeyListing[]; cursor: string }> {
    return inspectKeys(this.core.store, this.space, glob, cursor, count)
  }

  /** Streams this namespace's entries as Redis DUMP payloads with remaining TTLs (`mcp-cache export`); Redis stores only. */
  exportEntries(glob = '*'): AsyncIterable<Array<{ key: string; ttlMs: number; payload: Buffer }>> {
    return exportEntries(this.core.store, this.space, glob)
  }

  /** Restores one exported entry into this namespace (`mcp-cache import`). */
  importEntry(key: string, ttlMs: number, payload: Buffer): Promise<void> {
    return importEntry(this.core.store, this.space, key, ttlMs, payload)
  }

  /** The backing server's `INFO` fields when the store is Redis, else undefined. */
  async serverInfo(): Promise<Record<string, string> | undefined> {
    return serverInfo(this.core.store)
  }

  /** The circuit breaker's state when the store has one (`closed`, `open`, `half-open`). */
  get breakerState(): string | undefined {
    return breakerStateOf(this.core.store)
  }

  /** The tiered store's invalidation bus: in sync, peers heard, losses. */
  get busState(): BusState | undefined {
    return busStateOf(this.core.store)
  }

  /** A view whose keys all live under `name`; `clear()` there clears only it. */
  namespace(name: string): Cache {
    return new Cache(this.core, this.space.child(name))
  }

  /** A namespace private to one principal (user id, token subject): their entries are never another's. */
  forUser(principal: string): Cache {
    return new Cache(this.core, this.space.user(principal))
  }

  /** An immutable snapshot of the counters, shared by all namespaces of this cache. */
  stats(): StatsSnapshot {
    return this.core.stats.snapshot()
  }

  /** A copy of the latency histogram of all categories: diff two with `since` for a window's percentiles. */
  latencyHistogram(): Histogram {
    return this.core.stats.latencyHistogram()
  }

  /** Entries and bytes held in this process (memory store, tiered L1), else undefined. */
  inProcessUsage(): InProcessUsage | undefined {
    return inProcessUsage(this.core.store)
  }

  /** Resolves true once the store answers, false after `timeout` (default: the startup wait). */
  async ready(timeout?: Duration): Promise<boolean> {
    const ms = timeout === undefined ? this.core.startupWaitMs : this.core.policy.ms(timeout, 'timeout', 'timer')
    const store = this.core.store as Store & { ready?(ms: number): Promise<boolean> }
    if (store.ready !== undefined) return store.ready(ms)
    try {
      await store.ping()
      return true
    } catch {
      return false
    }
  }

  /** Pings the store. */
  async health(): Promise<CacheHealth> {
    const store = this.core.store
    const breaker = this.breakerState
    const topology = topologyOfStore(store)
    const bus = this.busState
    const parts = { store: store.kind, ...(breaker && { breaker }), ...(topology && { topology }), ...(bus && { bus }) }
    try {
      return { ...parts, healthy: true, latencyMs: await store.ping() }
    } catch (error) {
      return { ...parts, healthy: false, error: redactSecrets(error instanceof Error ? error.message : String(error)) }
    }
  }

  /** Closes the store's connections. The cache (and its namespaces) cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.core.closed) return
    this.core.closed = true
    this.core.generations.close()
    await this.core.store.close()
  }

  private async load<T>(
    storeKey: string,
    category: string,
    factory: () => T | Promise<T>,
    options: GetOrSetOptions | undefined,
    local: StoredEntry | undefined,
  ): Promise<CacheResult<T>> {
    const { stats, policy } = this.core
    // Resolved first: a bad ttl, grace or tag is the caller's error, thrown now.
    const plan = planWrite(this.core, this.space, category, options)
    const softMs = options?.timeout === undefined ? undefined : policy.ms(options.timeout, 'timeout', 'timer')
    const hardMs = options?.hardTimeout === undefined ? undefined : policy.ms(options.hardTimeout, 'hardTimeout', 'timer')
    let stale = local
    let readFailed = false
    const read = await this.read(storeKey, category, () => (readFailed = true))
    const accept = options?.accept
    const entry = read === undefined || accept === undefined || accept(read.value) ? read : undefined
    const now = Date.now()
    if (entry !== undefined) {
      if (entry.freshUntil > now) {
        stats.count('hits', category)
        return { value: entry.value as T, status: 'hit' }
      }
      stale = entry
    }
    if (stale !== undefined && stale.expiresAt <= now) stale = undefined
    // A factory past its soft timeout is still refreshing this key: serve stale, do not start another.
    if (stale !== undefined && this.core.refreshing.has(storeKey)) return this.serveStale(stale, category)

    const { flight, store } = this.core
    // Across processes only when nothing can be served meanwhile and the store answered just now,
    // and not for a caller that refuses entries (another process's load may land one it would refuse).
    if (flight !== undefined && stale === undefined && !readFailed && accept === undefined && hasLocks(store)) {
      const result = await loadOnce(store, this.space.lockKey(storeKey), flight, hardMs ?? Infinity, {
        load: () => this.runAndWrite(storeKey, category, factory, plan, undefined, softMs, hardMs),
        read: () => this.read(storeKey, category),
      })
      if (result.status === 'hit') stats.count('coalesced', category)
      return result
    }
    return this.runAndWrite(storeKey, category, factory, plan, stale, softMs, hardMs)
  }

  /** Runs the factory under its timeouts and writes its value; serves `stale` when it fails or is slow. */
  private async runAndWrite<T>(
    storeKey: string,
    category: string,
    factory: () => T | Promise<T>,
    plan: WritePlan,
    stale: StoredEntry | undefined,
    softMs: number | undefined,
    hardMs: number | undefined,
  ): Promise<CacheResult<T>> {
    const { stats, guard } = this.core
    // A write, delete or invalidation of this entry while the factory runs makes its value older
    // than what the caller did since: it is returned, not stored.
    const since = guard.epoch
    const write = (value: unknown): void => {
      if (!guard.unchangedSince(storeKey, plan.tagKeys, since)) return
      writeEntry(this.core, storeKey, category, value, plan, false).catch((error: unknown) => this.storeFailed('set', error, category))
    }
    let value: T | typeof SOFT_TIMEOUT
    const originStarted = stats.enabled ? performance.now() : 0
    try {
      value = await runFactory(
        factory,
        { softMs: stale === undefined ? undefined : softMs, hardMs },
        (late) => {
          this.core.refreshing.delete(storeKey)
          // A slow origin's time counts most: it is what the stale answers spared callers.
          if (stats.enabled) stats.origin(category, performance.now() - originStarted)
          write(late)
        },
        () => this.core.refreshing.delete(storeKey),
      )
    } catch (error) {
      if (stale === undefined) {
        stats.count('misses', category)
        throw error
      }
      this.core.log.warn('factory failed, serving stale', error, { category })
      return this.serveStale(stale, category)
    }
    if (value === SOFT_TIMEOUT) {
      this.core.refreshing.add(storeKey)
      return this.serveStale(stale as StoredEntry, category)
    }
    stats.count('misses', category)
    if (stats.enabled) stats.origin(category, performance.now() - originStarted)
    // Not awaited: the caller has its value and a sick store must not add a second
    // timeout to this miss. Reads that follow on this connection queue behind the SET.
    write(value)
    return { value, status: 'miss' }
  }

  private serveStale<T>(stale: StoredEntry, category: string): CacheResult<T> {
    this.core.stats.count('stale', category)
    return { value: stale.value as T, status: 'stale' satisfies CacheStatus }
  }

  private async read(storeKey: string, category: string, onFailure?: () => void): Promise<StoredEntry | undefined> {
    this.assertOpen()
    const { stats } = this.core
    const started = stats.enabled ? performance.now() : 0
    try {
      const tracer = this.core.tracer
      const entry = tracer === undefined ? await this.core.store.get(storeKey) : await tracer.step('mcp_cache.store.get', () => this.core.store.get(storeKey))
      if (stats.enabled) stats.store(category, performance.now() - started)
      return entry
    } catch (error) {
      if (stats.enabled) stats.store(category, performance.now() - started)
      this.storeFailed('get', error, category)
      onFailure?.()
      return undefined
    }
  }

  private async deleteMatching(pattern: string): Promise<number> {
    let deleted = 0
    try {
      for await (const batch of this.core.store.scan(pattern, { count: 1000 })) {
        deleted += await this.core.store.delete(batch)
      }
    } catch (error) {
      this.storeFailed('deleteByPattern', error, 'default')
    }
    return deleted
  }

  private record(event: 'hits' | 'misses', category: string, started: number): void {
    this.core.stats.count(event, category)
    this.core.stats.latency(category, performance.now() - started)
  }

  private storeFailed(operation: string, error: unknown, category: string): void {
    reportStoreFailure(this.core, operation, error, category)
  }

  private assertOpen(): void {
    if (this.core.closed) throw new CacheError(errors.E_CACHE_CLOSED, 'this cache was closed; create a new one with createCache()')
  }
}

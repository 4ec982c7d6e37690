import type { Duration } from '../config/duration.js'
import type { TracingOption } from '../telemetry/cache-spans.js'
import type { CacheLogger } from '../log/logger.js'
import type { MemoryStoreOptions } from '../stores/memory-store.js'
import type { RedisStoreOptions } from '../stores/redis-store.js'
import type { Store } from '../stores/store.js'
import type { L1Options } from '../stores/tiered-store.js'

/** Which backend holds the entries. */
export type StoreKind = 'memory' | 'redis' | 'tiered' | 'cluster' | 'sentinel'

/** Options of {@link createCache}. Every field is optional; the defaults need no server. */
export interface CacheOptions {
  /**
   * `memory` (in process, the default), `redis`, `tiered` (memory in front of Redis), `cluster`
   * (Redis Cluster, `redis.nodes`), `sentinel` (a master found through `redis.sentinels`), or a
   * Store of your own. `redis` and `tiered` also follow `redis.nodes` or `redis.sentinels` when given.
   * @default 'memory'
   */
  readonly store?: StoreKind | Store
  /**
   * First segment of every key, so several apps can share one Redis. Empty (`''`) only with
   * `codec: 'json'`: keys are then exactly the logical keys (`cpt:99213`). @default 'mcp'
   */
  readonly prefix?: string
  /**
   * How values are kept in Redis. `envelope`: a small header with freshness and grace, exact
   * round trips of Dates, BigInt, Map and Set, compression and encryption. `json`: plain JSON
   * that other programs read and write (`redis-cli GET cpt:99213`), freshness in the key's Redis
   * TTL; it gives up grace (stale-on-error), exact round trips (a Date comes back as its ISO
   * text; Map, Set, binary and BigInt are refused), compression and encryption, and works with
   * the `redis`, `cluster` and `sentinel` stores (the memory store ignores it). @default 'envelope'
   */
  readonly codec?: 'envelope' | 'json'
  /** TTL of entries whose category has no policy; `'forever'` keeps them until deleted or evicted. @default '5m' */
  readonly defaultTtl?: Duration
  /** TTL per category (the key's first segment): `{ experiment: '24h', user: '30m', drug_info: 'forever' }`. */
  readonly ttl?: Readonly<Record<string, Duration>>
  /** How long past its TTL an entry may still be served when the origin fails (stale-on-error). @default 0 */
  readonly grace?: Duration
  /** Shortens each TTL by a random fraction up to this (0..1), so entries written together expire apart. @default 0 */
  readonly jitter?: number
  /** Redis connection and limits (for every store but `memory`). */
  readonly redis?: RedisStoreOptions
  /** Limits of the `memory` store. */
  readonly memory?: MemoryStoreOptions
  /** Limits of the L1 of the `tiered` store. */
  readonly l1?: L1Options
  /** Keep hit/miss counters and latency histograms. @default true */
  readonly stats?: boolean
  /** Where store failures are reported (rate-limited); `false` for silence. @default pino on stderr at LOG_LEVEL or warn */
  readonly logger?: CacheLogger | false
  /**
   * Log one debug line per getOrSet: category, a hash of the key (never the key or the
   * value), hit/miss/stale and ms. Needs a logger at debug level. @default false
   */
  readonly logOperations?: boolean
  /**
   * Who shares one origin call for a missing key: the callers of this `process`, or
   * every process on the same Redis (`distributed`: a lock in Redis, waiters poll for
   * the value; nothing changes on hits). Distributed costs two more commands per
   * miss (64 misses in flight: 2.4x fewer misses per second in `npm run bench`), so it
   * pays where the origin is slow or expensive. The memory store is always per
   * process. @default 'process'
   */
  readonly singleFlight?: 'process' | 'distributed'
  /** Longest a distributed load holds its lock: a crashed process delays the others at most this. @default '10s' */
  readonly lockTtl?: Duration
  /** How long `ready()` waits for the store at start (the seeds' REDIS_TIMEOUT). @default '60s' */
  readonly startupWait?: Duration
  /**
   * OpenTelemetry spans for `getOrSet` (status, category, store), its origin call and its store
   * read: `true` for the global TracerProvider, or `{ tracerProvider }` of your own (register a
   * context manager, as the SDK's NodeTracerProvider does, so child spans find their parent).
   * Off, nothing is traced and the hot path pays nothing. @default false
   */
  readonly tracing?: TracingOption
}

/** Options of one `getOrSet` call. */
export interface GetOrSetOptions {
  /** TTL of this entry; overrides the category's policy. `'forever'`: no expiry (deleted or evicted only). */
  readonly ttl?: Duration
  /** Tags to invalidate this entry by, later, with `invalidateTags`. */
  readonly tags?: readonly string[]
  /** Stale-on-error window of this entry; overrides the cache's `grace`. */
  readonly grace?: Duration
  /**
   * Soft timeout of the factory: past it, a stale value within grace is served
   * and the factory finishes in the background to refresh the entry.
   */
  readonly timeout?: Duration
  /** Hard timeout of the factory: past it the call fails with E_FACTORY_TIMEOUT (unless a stale value can be served). */
  readonly hardTimeout?: Duration
  /**
   * A cached value is used only when this returns true for it (a caller that
   * wants it younger than some age, or `() => false` to refresh); otherwise the
   * factory runs and its value replaces the entry. A refused value is never
   * served stale. Such a call does not join others' loads in flight.
   */
  readonly accept?: (value: unknown) => boolean
}

/** Options of `set` and `mset` items. */
export interface SetOptions {
  readonly ttl?: Duration
  readonly tags?: readonly string[]
  readonly grace?: Duration
}

/** Options of `deleteByPattern`, `invalidateTags` and `clear`. */
export interface InvalidateOptions {
  /** Why, shown in the recent-invalidations feed (`after update_record`). */
  readonly reason?: string
}

/** Where a `getOrSet` value came from: the cache (`hit`), the factory (`miss`), or a stale entry after the factory failed (`stale`). */
export type CacheStatus = 'hit' | 'miss' | 'stale'

/** A value with where it came from. */
export interface CacheResult<T> {
  readonly value: T
  readonly status: CacheStatus
}

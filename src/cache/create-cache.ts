import { ConfigError } from '../errors.js'
import { loadConfig } from '../config/load-config.js'
import { parseDuration } from '../config/duration.js'
import { validateOptions } from '../config/schema.js'
import { KeySpace } from '../keys/key-space.js'
import { createDefaultLogger, RateLimitedLog } from '../log/logger.js'
import { InvalidationLog } from '../stats/invalidation-log.js'
import { NoopStats, RecordingStats, type StatsCounter } from '../stats/stats.js'
import { MemoryStore } from '../stores/memory-store.js'
import { ReconnectGaveUp } from '../stores/reconnect-policy.js'
import { RedisStore, type StoreEvents } from '../stores/redis-store.js'
import type { Store } from '../stores/store.js'
import { TieredStore } from '../stores/tiered-store.js'
import { Cache, type CacheCore } from './cache.js'
import { Generations } from './generations.js'
import { hasLocks } from './distributed-flight.js'
import type { CacheOptions } from './options.js'
import { TtlPolicy } from './ttl-policy.js'
import { WriteGuard } from './write-guard.js'
import { cacheTracer } from '../telemetry/cache-spans.js'
import { packageVersion } from '../version.js'

/** How often a process waiting on another's distributed load looks for the value. */
const LOCK_POLL_MS = 20

/**
 * Creates a cache. With no argument it is configured from the environment
 * (CACHE_BACKEND, REDIS_URL, ... and the file in MCP_CACHE_CONFIG); with
 * options, from those alone. Throws a ConfigError naming the field when an
 * option is wrong. Redis connects in the background: `await cache.ready()` to wait.
 */
export function createCache(options?: CacheOptions): Cache {
  const config = options === undefined ? loadConfig() : validateOptions(options)
  const stats: StatsCounter = config.stats === false ? new NoopStats() : new RecordingStats()
  const logger = config.logger === false ? undefined : (config.logger ?? createDefaultLogger())
  const log = new RateLimitedLog(logger)
  const prefix = config.prefix ?? 'mcp'
  const space = KeySpace.root(prefix)

  const events: StoreEvents = {
    onCorrupt: (key) => {
      stats.count('corrupt', categoryAfterPrefix(key, space.base))
      log.warn('corrupt entry', new Error(`unreadable value under ${key} was ${config.codec === 'json' ? 'left in place (a shared key)' : 'deleted'}`))
    },
    // The give-up has its own kind: under the connect errors just before it, it would be rate-limited away.
    onConnectionError: (error) => log.warn(error instanceof ReconnectGaveUp ? 'redis gave up' : 'redis connection', error),
    onBreakerChange: (state) => log.warn('redis circuit', new Error(`circuit is now ${state}`)),
  }
  const store = buildStore(config, events, space)
  const policy = new TtlPolicy(config, config.jitter ?? 0)
  const startupWaitMs = parseDuration(config.startupWait ?? '60s', 'startupWait', 'timer')
  const lockTtlMs = parseDuration(config.lockTtl ?? '10s', 'lockTtl')
  if (lockTtlMs < 5 * LOCK_POLL_MS) throw new ConfigError(`lockTtl must be at least ${5 * LOCK_POLL_MS}ms (got ${lockTtlMs}ms): waiting processes look for the value every ${LOCK_POLL_MS}ms`)
  const flight = config.singleFlight !== 'distributed' || !hasLocks(store) ? undefined : { lockTtlMs, pollMs: LOCK_POLL_MS }
  const operationLog = config.logOperations === true ? logger : undefined
  const shared = { store, stats, log, policy, inflight: new Map(), refreshing: new Set<string>(), startupWaitMs, operationLog, flight, invalidations: new InvalidationLog(), guard: new WriteGuard(), tracer: cacheTracer(config.tracing, packageVersion), closed: false }
  // The generations see the same object, so they see the cache close.
  const core: CacheCore = Object.assign(shared, { generations: new Generations(shared) })
  return new Cache(core, space)
}

function buildStore(config: CacheOptions, events: StoreEvents, space: KeySpace): Store {
  const kind = config.store ?? 'memory'
  if (typeof kind === 'object') return kind
  if (kind === 'memory') return new MemoryStore(config.memory)
  // 'cluster' and 'sentinel' are the Redis store, whose options name the nodes or sentinels.
  const redis = new RedisStore(config.codec === undefined ? config.redis : { ...config.redis, codec: config.codec }, events)
  if (kind !== 'tiered') return redis
  // Instances sharing a Redis and a prefix share the bus channel that keeps their L1s coherent.
  return new TieredStore(redis, config.l1, { channel: space.busChannel() })
}

function categoryAfterPrefix(key: string, base: string): string {
  const rest = key.startsWith(base) ? key.slice(base.length) : key
  const colon = rest.indexOf(':')
  return colon === -1 ? 'default' : rest.slice(0, colon)
}

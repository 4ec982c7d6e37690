/**
 * mcp-cache public API. Every export here is public API: named exports only,
 * no wildcards. Redis is loaded lazily, so importing this needs no Redis client.
 */
export { createCache } from './cache/create-cache.js'
export { Cache, type CacheHealth } from './cache/cache.js'
export { cacheAside } from './cache/cache-aside.js'
export type { CacheOptions, CacheResult, CacheStatus, GetOrSetOptions, InvalidateOptions, SetOptions, StoreKind } from './cache/options.js'
export type { TracingOption } from './telemetry/cache-spans.js'
export type { InProcessUsage, KeyListing } from './cache/store-inspection.js'

export { buildKey, cacheKey, contentKey, type KeyPart, type KeyParts } from './keys/build-key.js'
export { hashContent } from './keys/content-hash.js'
export { createKeyHasher } from './keys/hashed-key.js'
export { escapeGlob } from './keys/glob.js'
export { encodeSegment, decodeSegment } from './keys/segment.js'

export { parseDuration, formatDuration, type Duration } from './config/duration.js'
export { parseBytes, type ByteSize } from './config/bytes.js'
export { loadConfig, mergeOptions } from './config/load-config.js'
export { optionsFromEnv } from './config/env.js'
export { optionsFromFile } from './config/file.js'

export { CacheError, ConfigError, errors, isCacheError, type CacheErrorCode } from './errors.js'
export { redactSecrets } from './log/redact.js'
export type { CacheLogger } from './log/logger.js'
export type { StatsSnapshot, CategoryStats } from './stats/stats.js'
export { Histogram, type LatencySummary } from './stats/histogram.js'
export type { Invalidation, InvalidationKind } from './stats/invalidation-log.js'
export type { BreakerState } from './resilience/circuit-breaker.js'

export type { Store, StoredEntry, ScanOptions } from './stores/store.js'
export { MemoryStore, type MemoryStoreOptions } from './stores/memory-store.js'
export { RedisStore, type RedisStoreOptions } from './stores/redis-store.js'
export { TieredStore, type L1Options } from './stores/tiered-store.js'
export type { RedisTlsOptions } from './stores/redis-connection.js'
export type { EncryptionOptions } from './codec/encryption.js'

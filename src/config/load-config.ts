import type { CacheOptions } from '../cache/options.js'
import { optionsFromEnv } from './env.js'
import { optionsFromFile } from './file.js'
import { validateOptions } from './schema.js'
import { warnAboutUnusedVariables } from './seed-variables.js'

type Env = Readonly<Record<string, string | undefined>>

/**
 * The options `createCache()` uses when called with none: the file named by
 * MCP_CACHE_CONFIG (if any), overridden by environment variables, validated.
 * A seed variable mcp-cache does not use (REDIS_POOL_SIZE...) is named in a warning on stderr.
 */
export function loadConfig(env: Env = process.env): CacheOptions {
  warnAboutUnusedVariables(env)
  const path = env['MCP_CACHE_CONFIG']?.trim()
  const fromFile = path ? optionsFromFile(path) : {}
  return validateOptions(mergeOptions(fromFile, optionsFromEnv(env)), 'environment')
}

/** Merges two option sets; nested groups (redis, memory, l1, ttl) merge field by field. */
export function mergeOptions(base: CacheOptions, override: CacheOptions): CacheOptions {
  return {
    ...base,
    ...override,
    ...(base.redis || override.redis
      ? { redis: { ...base.redis, ...override.redis, ...(base.redis?.tls || override.redis?.tls ? { tls: { ...base.redis?.tls, ...override.redis?.tls } } : {}) } }
      : {}),
    ...(base.memory || override.memory ? { memory: { ...base.memory, ...override.memory } } : {}),
    ...(base.l1 || override.l1 ? { l1: { ...base.l1, ...override.l1 } } : {}),
    ...(base.ttl || override.ttl ? { ttl: { ...base.ttl, ...override.ttl } } : {}),
  }
}

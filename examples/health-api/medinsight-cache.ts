/** The cache with the seed's prefix and TTLs, adjustable through mcp-cache's environment variables. */
import { createCache, loadConfig, mergeOptions, type Cache } from 'mcp-cache'
import { KEY_PREFIX, SEED_TTLS } from './seed-policy.js'

/**
 * Memory store unless CACHE_BACKEND=redis (or tiered) with REDIS_URL. The seed's
 * prefix and TTLs are the base; CACHE_PREFIX and CACHE_TTL_<CATEGORY> override them.
 */
export function createMedinsightCache(env: Readonly<Record<string, string | undefined>> = process.env): Cache {
  return createCache(mergeOptions({ prefix: KEY_PREFIX, ttl: SEED_TTLS }, loadConfig(withSeedTtlNames(env))))
}

/**
 * The seed names two TTL variables after what they hold, not after the key
 * category: CACHE_TTL_USER_SESSION sets `user:` keys, CACHE_TTL_SYMPTOM_INPUT
 * `symptom:` keys. (The category's own name, CACHE_TTL_USER, wins when both are set.)
 */
function withSeedTtlNames(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return {
    ...env,
    CACHE_TTL_USER: env['CACHE_TTL_USER'] ?? env['CACHE_TTL_USER_SESSION'],
    CACHE_TTL_SYMPTOM: env['CACHE_TTL_SYMPTOM'] ?? env['CACHE_TTL_SYMPTOM_INPUT'],
  }
}

/** Where the cache lives, as every command is told: the store flags, `--config`, the environment. */
import { Option, type Command } from 'commander'
import type { CacheOptions, StoreKind } from '../cache/options.js'
import { redisUrlList } from '../config/env.js'
import { readConfigFile } from '../config/file.js'
import { loadConfig, mergeOptions } from '../config/load-config.js'
import { validateOptions } from '../config/schema.js'
import { redactSecrets } from '../log/redact.js'
import { describeTarget } from '../stores/redis-link.js'

/** The store flags every command takes. */
export interface StoreCliOptions {
  readonly config?: string
  readonly store?: StoreKind
  readonly redisUrl?: string
  /** Redis Cluster seed nodes, comma-separated. */
  readonly redisNodes?: string
  /** Sentinels, comma-separated. */
  readonly redisSentinels?: string
  /** The name the sentinels monitor the master under. */
  readonly sentinelName?: string
}

/** Adds the store flags (and `--config`, described as `configHelp`) to a command. */
export function withStoreFlags(command: Command, configHelp: string, storeHelp = 'where entries live (default: CACHE_BACKEND or memory)'): Command {
  return command
    .option('--config <file>', configHelp)
    .addOption(new Option('--store <kind>', storeHelp).choices(['memory', 'redis', 'tiered', 'cluster', 'sentinel']))
    .option('--redis-url <url>', 'Redis URL, redis:// or rediss:// (default: REDIS_URL)')
    .option('--redis-nodes <list>', 'Redis Cluster seed nodes, host:port or URLs, comma-separated, with --store cluster or tiered (default: REDIS_CLUSTER_NODES)')
    .option('--redis-sentinels <list>', 'Sentinels, host:port or URLs, comma-separated, with --store sentinel or tiered (default: REDIS_SENTINELS)')
    .option('--sentinel-name <name>', 'the name the sentinels monitor the master under (default: REDIS_SENTINEL_NAME or mymaster)')
}

/** The help of `--store` for the maintenance commands, which inspect a shared store. */
export const MAINTENANCE_STORE_HELP =
  'the store to work on (default: CACHE_BACKEND; else redis when REDIS_URL or --redis-url is set, cluster with --redis-nodes, sentinel with --redis-sentinels)'

/** Cache options from the environment, then the config file's cache options, then flags. */
export function cacheOptionsFor(options: StoreCliOptions, fileCache: Record<string, unknown> | undefined): CacheOptions {
  let merged = mergeOptions(loadConfig(), validateOptions((fileCache ?? {}) as CacheOptions, 'cache section of the config file'))
  if (options.store !== undefined) merged = { ...merged, store: options.store }
  if (options.redisUrl !== undefined) merged = mergeOptions(merged, { redis: { url: options.redisUrl } })
  if (options.redisNodes !== undefined) merged = mergeOptions(merged, { redis: { nodes: redisUrlList(options.redisNodes, merged.redis?.url) } })
  if (options.redisSentinels !== undefined) merged = mergeOptions(merged, { redis: { sentinels: redisUrlList(options.redisSentinels) } })
  if (options.sentinelName !== undefined) merged = mergeOptions(merged, { redis: { name: options.sentinelName } })
  return merged
}

/**
 * The cache options of a maintenance command (doctor, keys, export ...). These
 * inspect a store other processes write, so naming a Redis is enough: without
 * a store named anywhere, a Redis URL means `redis` (nodes a cluster,
 * sentinels a sentinel group), where the in-process memory store would show
 * an empty cache of its own.
 */
export function maintenanceCacheOptions(options: StoreCliOptions, env: Readonly<Record<string, string | undefined>> = process.env): CacheOptions {
  const file = options.config === undefined ? undefined : cacheSectionOf(readConfigFile(options.config))
  const merged = cacheOptionsFor(options, file)
  if (merged.store !== undefined) return merged
  const inFile = (file?.['redis'] ?? {}) as Record<string, unknown>
  const named = (flag: string | undefined, variable: string, field: string) => flag !== undefined || (env[variable]?.trim() ?? '') !== '' || inFile[field] !== undefined
  if (named(options.redisSentinels, 'REDIS_SENTINELS', 'sentinels')) return { ...merged, store: 'sentinel' }
  if (named(options.redisNodes, 'REDIS_CLUSTER_NODES', 'nodes')) return { ...merged, store: 'cluster' }
  if (named(options.redisUrl, 'REDIS_URL', 'url') || named(undefined, 'REDIS_CONNECTION_STRING', 'url')) return { ...merged, store: 'redis' }
  return merged
}

/**
 * The cache options of a command that works on the entries other processes
 * wrote (keys, invalidate, export, import, warm): refused for the memory
 * store, where such a command would see an empty cache of its own and report
 * success.
 */
export function sharedCacheOptions(options: StoreCliOptions, env: Readonly<Record<string, string | undefined>> = process.env): CacheOptions {
  const resolved = maintenanceCacheOptions(options, env)
  if ((resolved.store ?? 'memory') === 'memory') {
    throw new Error('no shared store named: the memory store lives inside each process, so this command would see an empty cache of its own. Point at Redis with --redis-url, REDIS_URL, --store or --config')
  }
  return resolved
}

/** Keys of a gateway config that are not cache options. */
const GATEWAY_KEYS = ['defaults', 'tools', 'lists', 'statusMeta', 'maxMessageBytes', 'maxParamsDepth', 'maxUpstreamMessageBytes', 'upstreamTimeout', 'auth']

/** The cache options of a config file: its `cache:` section, or the whole file when it is a cache config (none for a gateway config without one). */
export function cacheSectionOf(parsed: unknown): Record<string, unknown> | undefined {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
  const record = parsed as Record<string, unknown>
  if (record['cache'] !== undefined) return record['cache'] as Record<string, unknown>
  return Object.keys(record).some((key) => GATEWAY_KEYS.includes(key)) ? undefined : record
}

/** The error of a maintenance command whose store did not answer: which store and where (no secrets), what was not done, what to do. */
export function unreachableStore(options: CacheOptions, consequence: string): Error {
  const store = typeof options.store === 'string' ? options.store : 'memory'
  return new Error(`the ${store} store at ${redactSecrets(describeTarget(options.redis ?? {}))} did not answer within 5s: ${consequence}; check it with mcp-cache doctor`)
}

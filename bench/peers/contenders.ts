/**
 * Every library in the race, behind one shape: `getOrSet(key, factory)` through
 * the library's own cache-aside API (raw clients: GET, parse, and on a miss the
 * factory and a SET), built fresh per scenario with its own key prefix.
 * Each is configured as its docs show, with one change for all: an L1 large
 * enough for the scenario's keys (bentocache's memory driver holds 1000 by
 * default, mcp-cache's L1 10 000), so an "L1 hit" measures hits, not evictions.
 */
import { cachified, totalTtl, type Cache as CachifiedCache, type CacheEntry } from '@epic-web/cachified'
import { createKeyv } from '@keyv/redis'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import { createClient } from 'redis'
import { createCache, type CacheOptions } from '../../src/index.js'

/** Where a hit is served from. */
export type Layer = 'redis' | 'tiered' | 'memory'

/** One library, ready to serve. */
export interface Contender {
  getOrSet(key: string, factory: () => Promise<unknown>): Promise<unknown>
  close(): Promise<void>
}

/** How to build a contender, and what it is. */
export interface ContenderSpec {
  /** Short id, used on the command line (BENCH_CONTENDERS) and in the worker processes. */
  readonly id: string
  /** The name in the tables. */
  readonly name: string
  readonly layer: Layer
  /** True for mcp-cache itself: ratios are ours against the others. */
  readonly ours: boolean
  /** `prefix` is one key segment (no separator); each library adds its own. */
  create(url: string, prefix: string, options: { l1Entries: number }): Promise<Contender>
}

/** Entry TTL for every contender: far longer than a run. */
export const TTL_MS = 10 * 60_000
const L1_BYTES = 2 * 1024 * 1024 * 1024

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port) }
}

/** mcp-cache on the redis store, with `extra` options (e.g. distributed single flight). */
function mcpRedisContender(id: string, name: string, extra: Partial<CacheOptions> = {}): ContenderSpec {
  return {
    id,
    name,
    layer: 'redis',
    ours: true,
    async create(url, prefix) {
      const cache = createCache({ store: 'redis', redis: { url }, prefix, defaultTtl: TTL_MS, logger: false, ...extra })
      if (!(await cache.ready(5_000))) throw new Error('mcp-cache did not connect')
      return { getOrSet: (key, factory) => cache.getOrSet(key, factory), close: () => cache.close() }
    },
  }
}

const mcpRedis = mcpRedisContender('mcp-redis', 'mcp-cache (redis)')
const mcpDistributed = mcpRedisContender('mcp-redis-dist', "mcp-cache (redis, singleFlight 'distributed')", { singleFlight: 'distributed' })

/** mcp-cache on the tiered store; `bus: false` shows what keeping the L1s of many instances coherent costs. */
function mcpTieredContender(id: string, name: string, bus: boolean): ContenderSpec {
  return {
    id,
    name,
    layer: 'tiered',
    ours: true,
    async create(url, prefix, { l1Entries }) {
      const cache = createCache({
        store: 'tiered',
        redis: { url },
        l1: { maxEntries: l1Entries, maxBytes: L1_BYTES, maxTtl: TTL_MS, bus },
        prefix,
        defaultTtl: TTL_MS,
        logger: false,
      })
      if (!(await cache.ready(5_000))) throw new Error('mcp-cache did not connect')
      return { getOrSet: (key, factory) => cache.getOrSet(key, factory), close: () => cache.close() }
    },
  }
}

const mcpTiered = mcpTieredContender('mcp-tiered', 'mcp-cache (tiered)', true)
const mcpTieredNoBus = mcpTieredContender('mcp-tiered-nobus', 'mcp-cache (tiered, bus off)', false)

/** Plain cache-aside over a raw client: GET + JSON.parse, and on a miss the factory then an awaited SET. */
function rawCacheAside(get: (key: string) => Promise<string | null>, set: (key: string, json: string) => Promise<unknown>) {
  return async (key: string, factory: () => Promise<unknown>): Promise<unknown> => {
    const raw = await get(key)
    if (raw !== null) return JSON.parse(raw)
    const value = await factory()
    await set(key, JSON.stringify(value))
    return value
  }
}

const nodeRedis: ContenderSpec = {
  id: 'node-redis',
  name: 'raw node-redis 6',
  layer: 'redis',
  ours: false,
  async create(url, name) {
    const prefix = `${name}:`
    const client = createClient({ url })
    client.on('error', () => undefined)
    await client.connect()
    return {
      getOrSet: rawCacheAside(
        (key) => client.get(prefix + key),
        (key, json) => client.set(prefix + key, json, { expiration: { type: 'PX', value: TTL_MS } }),
      ),
      close: async () => { client.destroy() },
    }
  },
}

const ioredis: ContenderSpec = {
  id: 'ioredis',
  name: 'raw ioredis 5 (auto-pipelining)',
  layer: 'redis',
  ours: false,
  async create(url, name) {
    const prefix = `${name}:`
    const client = new Redis(url, { enableAutoPipelining: true, lazyConnect: true })
    client.on('error', () => undefined)
    await client.connect()
    return {
      getOrSet: rawCacheAside(
        (key) => client.get(prefix + key),
        (key, json) => client.set(prefix + key, json, 'PX', TTL_MS),
      ),
      close: async () => { client.disconnect() },
    }
  },
}

function bento(id: string, name: string, layer: Layer): ContenderSpec {
  return {
    id, name, layer, ours: false,
    async create(url, prefix, { l1Entries }) {
      const store = bentostore()
      if (layer === 'tiered') store.useL1Layer(memoryDriver({ maxItems: l1Entries }))
      store.useL2Layer(redisDriver({ connection: hostPort(url) }))
      const cache = new BentoCache({ default: 'store', stores: { store }, prefix, ttl: TTL_MS })
      // Connects on first use: one call here so no measurement pays for the connect.
      await cache.getOrSet({ key: '__connect', factory: () => 1 })
      return { getOrSet: (key, factory) => cache.getOrSet({ key, factory }), close: () => cache.disconnectAll() }
    },
  }
}

const cacheManager: ContenderSpec = {
  id: 'cache-manager',
  name: 'cache-manager 7 + @keyv/redis',
  layer: 'redis',
  ours: false,
  async create(url, prefix) {
    const keyv = createKeyv(url, { namespace: prefix })
    keyv.on('error', () => undefined)
    const cache = createCacheManager({ stores: [keyv], ttl: TTL_MS })
    await cache.wrap('__connect', async () => 1)
    return { getOrSet: (key, factory) => cache.wrap(key, factory), close: async () => { await cache.disconnect() } }
  },
}

const cachifiedRedis: ContenderSpec = {
  id: 'cachified',
  name: 'cachified 5 + node-redis adapter',
  layer: 'redis',
  ours: false,
  async create(url, name) {
    const prefix = `${name}:`
    const client = createClient({ url })
    client.on('error', () => undefined)
    await client.connect()
    // The adapter shape of cachified's README (and cachified-redis-adapter): JSON of the
    // whole entry, expiring at createdTime + ttl (+ swr).
    const cache: CachifiedCache = {
      name: 'redis',
      async get(key) {
        const raw = await client.get(key)
        return raw === null ? null : (JSON.parse(raw) as CacheEntry)
      },
      async set(key, entry) {
        const ttl = totalTtl(entry.metadata)
        const json = JSON.stringify(entry)
        if (ttl === Infinity) await client.set(key, json)
        else await client.set(key, json, { expiration: { type: 'PXAT', value: Math.ceil(entry.metadata.createdTime + ttl) } })
      },
      async delete(key) {
        await client.unlink(key)
      },
    }
    return {
      getOrSet: (key, factory) => cachified({ key: prefix + key, cache, getFreshValue: factory, ttl: TTL_MS }),
      close: async () => { client.destroy() },
    }
  },
}

const lruCeiling: ContenderSpec = {
  id: 'lru-cache',
  name: 'lru-cache 11 (in-memory ceiling)',
  layer: 'memory',
  ours: false,
  async create(_url, _prefix, { l1Entries }) {
    const lru = new LRUCache<string, object>({ max: l1Entries, ttl: TTL_MS })
    return {
      async getOrSet(key, factory) {
        const hit = lru.get(key)
        if (hit !== undefined) return hit
        const value = (await factory()) as object
        lru.set(key, value)
        return value
      },
      close: async () => lru.clear(),
    }
  },
}

/** All contenders, in table order. */
export const contenders: readonly ContenderSpec[] = [
  mcpRedis,
  mcpTiered,
  mcpDistributed,
  mcpTieredNoBus,
  nodeRedis,
  ioredis,
  bento('bento-redis', 'bentocache 1.6 (redis)', 'redis'),
  bento('bento-tiered', 'bentocache 1.6 (memory + redis)', 'tiered'),
  cacheManager,
  cachifiedRedis,
  lruCeiling,
]

/** The contender with this id; throws with the known ids otherwise. */
export function contenderById(id: string): ContenderSpec {
  const found = contenders.find((spec) => spec.id === id)
  if (found === undefined) throw new Error(`unknown contender ${id}; known: ${contenders.map((spec) => spec.id).join(', ')}`)
  return found
}

import { CacheError, errors } from '../errors.js'
import type { KeySpace } from '../keys/key-space.js'
import type { InvalidationBus } from '../stores/invalidation-bus.js'
import { MemoryStore } from '../stores/memory-store.js'
import type { RedisTopology } from '../stores/redis-link.js'
import { RedisStore } from '../stores/redis-store.js'
import type { Store } from '../stores/store.js'

/**
 * What operators look at and move: key listings with TTL and size, Redis INFO,
 * the breaker state, DUMP/RESTORE. Kept apart from the engine's hot path; the
 * Cache methods of the same names delegate here.
 */

/** A listed key: logical name, remaining TTL (ms, -1 for none) and stored size. */
export interface KeyListing {
  readonly key: string
  readonly ttlMs: number
  readonly bytes: number
}

/** One page of a space's keys matching `glob`, never values. */
export async function inspectKeys(store: Store, space: KeySpace, glob: string, cursor: string, count: number): Promise<{ keys: KeyListing[]; cursor: string }> {
  if (store.scanPage === undefined || store.describe === undefined) return { keys: [], cursor: '0' }
  const page = await store.scanPage(space.pattern(glob), cursor, count)
  const details = await store.describe(page.keys)
  const keys = page.keys.flatMap((key, index) => {
    const detail = details[index]
    return detail === undefined ? [] : [{ key: space.unqualify(key), ...detail }]
  })
  return { keys, cursor: page.cursor }
}

/**
 * DUMP payloads of everything under a space, batch by batch: entries, and what
 * the cache keeps beside them (namespaces, principals, tag sets, generations),
 * without which restored entries would be unreachable or never invalidated.
 * Locks are left out: they live seconds, and a restored one would hold a key.
 */
export async function* exportEntries(store: Store, space: KeySpace, glob: string): AsyncIterable<Array<{ key: string; ttlMs: number; payload: Buffer }>> {
  const redis = redisOf(store, 'export')
  for await (const batch of store.scan(space.bulkPattern(glob, 'export'), { count: 500 })) {
    const dumped = await redis.dump(batch.filter((key) => !isLockKey(space.unqualify(key))))
    yield dumped.map((entry) => ({ ...entry, key: space.unqualify(entry.key) }))
  }
}

/** RESTOREs one exported key under a space (a key the cache keeps, `~...`, as it was exported). */
export async function importEntry(store: Store, space: KeySpace, key: string, ttlMs: number, payload: Buffer): Promise<void> {
  if (isLockKey(key)) return
  await redisOf(store, 'import').restore(key.startsWith('~') ? space.base + key : space.qualify(key), ttlMs, payload)
}

/** True for a cross-process lock, at the root or in a namespace (`~lock:`, `~n.x:~lock:`). */
function isLockKey(key: string): boolean {
  return key.startsWith('~lock:') || key.includes(':~lock:')
}

/** What an in-process store holds now, against its byte budget. */
export interface InProcessUsage {
  readonly entries: number
  readonly bytes: number
  readonly maxBytes: number
}

/** The usage of the memory store, or of a tiered store's L1; undefined for Redis alone. */
export function inProcessUsage(store: Store): InProcessUsage | undefined {
  const memory = store instanceof MemoryStore ? store : (store as Store & { l1?: MemoryStore }).l1
  return memory?.usage
}

/** Redis `INFO` when the store is backed by Redis. */
export function serverInfo(store: Store): Promise<Record<string, string>> | undefined {
  return (store as Store & { info?(): Promise<Record<string, string>> }).info?.()
}

/** The circuit breaker's state, for stores that have one. */
export function breakerStateOf(store: Store): string | undefined {
  const withBreaker = store as Store & { breakerState?: string; l2?: { breakerState?: string } }
  return withBreaker.breakerState ?? withBreaker.l2?.breakerState
}

/** The state of the tiered store's invalidation bus, when there is one. */
export interface BusState {
  /** False while the bus is lost: L1 is flushed and bypassed. */
  readonly inSync: boolean
  /** Instances heard on the bus lately, this one included. */
  readonly peers: number
  /** Messages found missing or bus losses, each of which flushed L1. */
  readonly losses: number
}

export function busStateOf(store: Store): BusState | undefined {
  const bus = (store as Store & { bus?: InvalidationBus }).bus
  return bus === undefined ? undefined : { inSync: bus.inSync, peers: bus.peerCount, losses: bus.losses }
}

/** Which Redis deployment backs the store, if any. */
export function topologyOfStore(store: Store): RedisTopology | undefined {
  const redis = store instanceof RedisStore ? store : (store as Store & { l2?: RedisStore }).l2
  return redis?.topology
}

function redisOf(store: Store, operation: string): RedisStore {
  const redis = store instanceof RedisStore ? store : (store as Store & { l2?: RedisStore }).l2
  if (redis === undefined) {
    throw new CacheError(errors.E_INVALID_CONFIG, `${operation} needs a Redis store (CACHE_BACKEND=redis or tiered); the memory store lives inside one process`)
  }
  return redis
}

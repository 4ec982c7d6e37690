import { randomBytes } from 'node:crypto'
import type { Store, StoredEntry } from '../stores/store.js'
import type { CacheResult } from './options.js'

/** How processes sharing a store agree on who loads a missing key. */
export interface DistributedFlight {
  /** Longest a lock lives: a crashed owner blocks the others at most this long. */
  readonly lockTtlMs: number
  /** How often a waiting process looks for the value. */
  readonly pollMs: number
}

/** What one flight needs from the engine. */
export interface FlightCalls<T> {
  /** Runs the factory and writes its result (the engine's normal miss path). */
  readonly load: () => Promise<CacheResult<T>>
  /** Reads the key; undefined when absent or when the store failed. */
  readonly read: () => Promise<StoredEntry | undefined>
}

/** A store that can take cross-process locks (redis, tiered). */
export type LockingStore = Store & Required<Pick<Store, 'acquireLock' | 'releaseLock'>>

/** Whether `store` has cross-process locks. */
export function hasLocks(store: Store): store is LockingStore {
  return store.acquireLock !== undefined && store.releaseLock !== undefined
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * One origin call for a missing key across every process on the store: the
 * caller that takes the lock (`{lockKey}`, with its own token, expiring after
 * `lockTtlMs`) loads; the others poll for the value. A lock released without a
 * value (the factory failed) is taken by the next poller; past the lock TTL (or
 * the caller's `maxWaitMs`, its hard timeout) a waiter loads itself, so a crashed
 * owner never blocks anyone for longer. If the store cannot take the lock, the
 * caller loads at once: a sick store costs no waiting.
 */
export async function loadOnce<T>(
  store: LockingStore,
  lockKey: string,
  flight: DistributedFlight,
  maxWaitMs: number,
  calls: FlightCalls<T>,
): Promise<CacheResult<T>> {
  const token = nextToken()
  const deadline = Date.now() + Math.min(flight.lockTtlMs, maxWaitMs)
  for (;;) {
    const [acquired, entry] = await lockAndRead(store, lockKey, token, flight.lockTtlMs, calls.read)
    if (acquired === LOCK_FAILED) {
      // Redis may have taken the lock and lost only its reply: free it for the others.
      store.releaseLock(lockKey, token).catch(() => undefined)
      return calls.load()
    }
    const landed = fresh<T>(entry)
    if (acquired) {
      try {
        // Another owner may have written the value between our miss and our lock.
        return landed ?? (await calls.load())
      } finally {
        store.releaseLock(lockKey, token).catch(() => undefined)
      }
    }
    if (landed !== undefined) return landed
    if (Date.now() >= deadline) return calls.load()
    await sleep(flight.pollMs)
  }
}

const LOCK_FAILED = Symbol('lock failed')

/**
 * Tries the lock, then reads the key. On one connection both go out together (one round trip):
 * Redis runs them in order, so the read sees any value an owner wrote before our attempt. In a
 * cluster they may reach different nodes, so the read waits for the lock's answer.
 */
async function lockAndRead(store: LockingStore, lockKey: string, token: string, ttlMs: number, read: () => Promise<StoredEntry | undefined>): Promise<[boolean | typeof LOCK_FAILED, StoredEntry | undefined]> {
  const locking = store.acquireLock(lockKey, token, ttlMs).catch((): typeof LOCK_FAILED => LOCK_FAILED)
  if (store.ordersAcrossKeys === true) return Promise.all([locking, read()])
  const acquired = await locking
  return [acquired, acquired === LOCK_FAILED ? undefined : await read()]
}

/** Lock owner tokens: random per process, counted within it (unique without a random draw per miss). */
const TOKEN_BASE = randomBytes(9).toString('base64url')
let tokenCount = 0
function nextToken(): string {
  return `${TOKEN_BASE}.${(tokenCount++).toString(36)}`
}

function fresh<T>(entry: StoredEntry | undefined): CacheResult<T> | undefined {
  return entry !== undefined && entry.freshUntil > Date.now() ? { value: entry.value as T, status: 'hit' } : undefined
}

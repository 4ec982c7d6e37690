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
  const token = randomBytes(12).toString('base64url')
  const deadline = Date.now() + Math.min(flight.lockTtlMs, maxWaitMs)
  for (;;) {
    let acquired: boolean
    try {
      acquired = await store.acquireLock(lockKey, token, flight.lockTtlMs)
    } catch {
      // Redis may have taken the lock and lost only its reply: free it for the others.
      store.releaseLock(lockKey, token).catch(() => undefined)
      return calls.load()
    }
    if (acquired) {
      try {
        // Another owner may have written the value between our miss and our lock.
        const landed = fresh<T>(await calls.read())
        return landed ?? (await calls.load())
      } finally {
        store.releaseLock(lockKey, token).catch(() => undefined)
      }
    }
    if (Date.now() >= deadline) return calls.load()
    await sleep(flight.pollMs)
    const landed = fresh<T>(await calls.read())
    if (landed !== undefined) return landed
  }
}

function fresh<T>(entry: StoredEntry | undefined): CacheResult<T> | undefined {
  return entry !== undefined && entry.freshUntil > Date.now() ? { value: entry.value as T, status: 'hit' } : undefined
}

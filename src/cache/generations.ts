import { randomBytes } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { KeySpace } from '../keys/key-space.js'
import type { Store, StoredEntry } from '../stores/store.js'
import type { CacheCore } from './cache.js'
import { entryOf } from './entry-writer.js'
import { reportStoreFailure } from './failures.js'

/**
 * How long a generation token lives. Longer than the entries built from it, so
 * they expire first; a token that goes earlier (evicted, expired) is replaced
 * by a new one, which only turns those entries into misses.
 */
const GENERATION_TTL_MS = 24 * 3_600_000
/** How soon a bump that the store refused is tried again. */
const RETRY_MS = 1_000
/** Stats category of generation reads and writes. */
const CATEGORY = 'generation'
/** Tokens remembered as last seen, to guess an entry's key before the tokens are read. */
const REMEMBERED_TOKENS = 10_000

/**
 * Generations make invalidation O(1) in the number of entries. Every key
 * built for a family of entries carries the current token of the family's
 * generations; a bump writes a new random token, so the keys built before it
 * are never asked for again and expire on their own. No scan, no set of
 * members, the same cost with ten entries or ten million, in a cluster too.
 *
 * Tokens are random and never reused, so a reader that fetched the old token
 * before a write and stores its (old) answer afterwards stores it under a key
 * nobody reads: the race that deleting entries has is gone.
 */
export class Generations {
  /**
   * Store keys whose bump the store refused, each with the number of its last
   * refusal: their entries may be stale until a later write of it succeeds.
   */
  private readonly unbumped = new Map<string, number>()
  private refusals = 0
  private retry: NodeJS.Timeout | undefined
  /** The token last seen for each generation's store key: a guess, never trusted alone. */
  private readonly seen = new LRUCache<string, string>({ max: REMEMBERED_TOKENS })

  constructor(private readonly core: Omit<CacheCore, 'generations'>) {}

  /** Where tokens live: the part of the store every instance reads directly (never a tiered L1). */
  private get store(): Store {
    return this.core.store.shared ?? this.core.store
  }

  /**
   * The tokens when the in-process tier holds them all, else undefined (the
   * caller then takes {@link read}). Never waits.
   */
  local(space: KeySpace, names: readonly string[]): string[] | undefined {
    const store = this.store
    const getLocal = store.getLocal?.bind(store)
    if (getLocal === undefined) return undefined
    const tokens: string[] = []
    for (const name of names) {
      const key = space.generationKey(name)
      const token = tokenOf(getLocal(key))
      if (token === undefined || this.unbumped.has(key)) return undefined
      tokens.push(token)
    }
    return tokens
  }

  /**
   * The tokens this process saw last, when it saw them all: what the current
   * ones most likely are. Lets a caller read an entry in the same round trip
   * as the tokens, and use it once they prove equal.
   */
  guess(space: KeySpace, names: readonly string[]): string[] | undefined {
    const tokens: string[] = []
    for (const name of names) {
      const token = this.seen.get(space.generationKey(name))
      if (token === undefined) return undefined
      tokens.push(token)
    }
    return tokens
  }

  /**
   * The current tokens, in one round trip, starting the generations that do
   * not exist yet. Undefined when the store failed, or a bump of one of them
   * is still owed: the caller must then neither read nor write the cache.
   */
  async read(space: KeySpace, names: readonly string[]): Promise<string[] | undefined> {
    const keys = names.map((name) => space.generationKey(name))
    if (keys.some((key) => this.unbumped.has(key)) && !(await this.retryBumps())) return undefined
    try {
      // Issued in one tick: the Redis store sends them as one MGET (one pipeline in a cluster).
      const entries = await Promise.all(keys.map((key) => this.store.get(key)))
      const tokens = await Promise.all(entries.map((entry, index) => tokenOf(entry) ?? this.start(keys[index] as string)))
      keys.forEach((key, index) => this.seen.set(key, tokens[index] as string))
      return tokens
    } catch (error) {
      reportStoreFailure(this.core, 'generation read', error, CATEGORY)
      return undefined
    }
  }

  /**
   * Starts a new generation of each name: every key built with the old tokens
   * is orphaned, for every principal and every process on the store. Resolves
   * false when the store refused; the bump is then retried every second, and
   * until it succeeds this process reads none of those entries.
   */
  async bump(space: KeySpace, names: readonly string[], reason: string | undefined): Promise<boolean> {
    const keys = names.map((name) => space.generationKey(name))
    const done = await this.write(keys)
    if (!done) {
      this.refusals++
      for (const key of keys) this.unbumped.set(key, this.refusals)
      this.scheduleRetry()
    }
    this.core.invalidations.record('generations', names, 0, reason)
    return done
  }

  /** Stops the retry timer (the cache is closing). */
  close(): void {
    clearTimeout(this.retry)
  }

  private async write(keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return true
    // A refusal that comes while this write is under way is owed still: only older ones are paid by it.
    const owedBefore = keys.map((key) => this.unbumped.get(key))
    try {
      const tokens = keys.map(() => newToken())
      await this.store.mset(keys.map((key, index) => [key, entryOf(tokens[index], { ttl: GENERATION_TTL_MS, grace: 0 })] as const))
      keys.forEach((key, index) => {
        if (this.unbumped.get(key) === owedBefore[index]) this.unbumped.delete(key)
        this.seen.set(key, tokens[index] as string)
      })
      return true
    } catch (error) {
      reportStoreFailure(this.core, 'generation bump', error, CATEGORY)
      return false
    }
  }

  /** A generation nobody started yet: the first token wins, a racing reader adopts it. */
  private async start(key: string): Promise<string> {
    const token = newToken()
    if (await this.store.setIfAbsent(key, entryOf(token, { ttl: GENERATION_TTL_MS, grace: 0 }))) return token
    const winner = tokenOf(await this.store.get(key))
    if (winner === undefined) throw new Error('a generation was replaced while it started')
    return winner
  }

  private retryBumps(): Promise<boolean> {
    return this.write([...this.unbumped.keys()])
  }

  private scheduleRetry(): void {
    if (this.retry !== undefined || this.core.closed) return
    this.retry = setTimeout(() => {
      this.retry = undefined
      this.retryBumps()
        .then((done) => {
          if (!done) this.scheduleRetry()
        })
        .catch(() => this.scheduleRetry())
    }, RETRY_MS)
    this.retry.unref()
  }
}

function tokenOf(entry: StoredEntry | undefined): string | undefined {
  return entry !== undefined && entry.freshUntil > Date.now() && typeof entry.value === 'string' ? entry.value : undefined
}

function newToken(): string {
  return randomBytes(9).toString('base64url')
}

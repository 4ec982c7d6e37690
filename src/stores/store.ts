/**
 * The contract every backend implements. The engine (`src/cache/`) speaks only
 * this interface; keys arrive fully qualified (prefix and namespace applied by
 * `src/keys/`), so a store never builds or rewrites a key.
 */

/** What the engine keeps under one key. */
export interface StoredEntry {
  /** The cached value, decoded. */
  readonly value: unknown
  /** Epoch ms until which the value is fresh; after it, only grace (stale-on-error) may serve it. */
  readonly freshUntil: number
  /** Epoch ms at which the store drops the entry (fresh period + grace). */
  readonly expiresAt: number
}

/** Options of one `scan` call. */
export interface ScanOptions {
  /** Keys asked for per round trip (Redis `SCAN COUNT`). @default 500 */
  readonly count?: number
}

/** A backend that holds entries. Every method may reject; the engine decides what a failure means. */
export interface Store {
  /** `memory`, `redis` or `tiered`; shown in stats and health. */
  readonly kind: string
  /** Reads one entry; `undefined` when absent, expired or unreadable (corrupt entries are deleted). */
  get(key: string): Promise<StoredEntry | undefined>
  /**
   * Reads an entry without I/O when the store holds it in process memory.
   * Lets the engine answer an in-memory hit without a promise hop.
   */
  getLocal?(key: string): StoredEntry | undefined
  /** Reads many entries in one round trip; the result is aligned with `keys`. */
  mget(keys: readonly string[]): Promise<Array<StoredEntry | undefined>>
  /** Writes an entry that expires at `entry.expiresAt`. */
  set(key: string, entry: StoredEntry): Promise<void>
  /** Writes many entries in one round trip. */
  mset(items: ReadonlyArray<readonly [string, StoredEntry]>): Promise<void>
  /** Writes only when the key is absent; true when written. */
  setIfAbsent(key: string, entry: StoredEntry): Promise<boolean>
  /** Deletes keys; resolves to how many existed. */
  delete(keys: readonly string[]): Promise<number>
  /** Adds `by` to an integer counter (created at 0); `ttlMs` applies when the counter is new. */
  incr(key: string, by: number, ttlMs?: number): Promise<number>
  /** Adds members to a set (used for tag membership); the set lives at least `ttlMs`. */
  addToSet(key: string, members: readonly string[], ttlMs: number): Promise<void>
  /** Removes a set and returns its members, atomically. */
  takeSet(key: string): Promise<string[]>
  /** Lists keys that match a Redis glob pattern, in batches; never blocks the server. */
  scan(pattern: string, options?: ScanOptions): AsyncIterable<string[]>
  /**
   * One page of a scan, for listings that resume: keys matching `pattern` and the
   * cursor of the next page ('0' when done). Pages may be short or empty.
   */
  scanPage?(pattern: string, cursor: string, count: number): Promise<{ keys: string[]; cursor: string }>
  /** Remaining TTL (ms, -1 for none) and stored size (bytes) of keys, without their values. */
  describe?(keys: readonly string[]): Promise<Array<{ ttlMs: number; bytes: number } | undefined>>
  /**
   * Takes a lock every process on this store sees (Redis `SET NX PX`): true when
   * `token` holds it now. Only shared stores have locks.
   */
  acquireLock?(key: string, token: string, ttlMs: number): Promise<boolean>
  /** Releases a lock `token` holds; a lock that expired and was taken by another stays theirs. */
  releaseLock?(key: string, token: string): Promise<void>
  /**
   * True when commands on different keys run in the order they were sent (one
   * connection): a read sent right after a lock attempt then sees what happened
   * before it. Not so in a cluster, where the keys may live on different nodes.
   */
  readonly ordersAcrossKeys?: boolean
  /**
   * The part of this store that every instance reads at once, without a copy
   * of its own in between (the tiered store's Redis). What must be coherent
   * the moment a write resolves, such as generation tokens, lives there.
   * Absent: this store is that part itself.
   */
  readonly shared?: Store
  /** Round-trip time of a trivial command in ms; rejects when unreachable. */
  ping(): Promise<number>
  /** Releases connections and timers. */
  close(): Promise<void>
}

import { isValueError } from '../cache/failures.js'
import type { EncodedValue } from '../codec/envelope.js'
import { parseDuration, type Duration } from '../config/duration.js'
import { ConfigError } from '../errors.js'
import { InvalidationBus } from './invalidation-bus.js'
import { RecentChanges } from './recent-changes.js'
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js'
import type { RedisStore, SizedEntry } from './redis-store.js'
import type { ScanOptions, Store, StoredEntry } from './store.js'

/** Options of the in-process L1 in front of Redis. */
export interface L1Options extends MemoryStoreOptions {
  /**
   * Longest time an entry stays in L1, whatever its own TTL: how long a change
   * the invalidation bus cannot see (a write by another program, or with `bus`
   * off) may go unseen here. @default '1m'
   */
  readonly maxTtl?: Duration
  /**
   * Keep the L1s of every instance sharing the Redis and key prefix coherent
   * over pub/sub (see InvalidationBus). While the bus is lost (Redis down or
   * unreachable for 3 heartbeats) L1 is flushed and bypassed. Turn it off for
   * a single instance that should ride out Redis outages on its L1. @default true
   */
  readonly bus?: boolean
  /** How often each instance sends a heartbeat on the bus; the bus counts as lost after 3 missed. @default '1s' */
  readonly heartbeat?: Duration
}

/** Shorter heartbeats would take a busy event loop's delay for a lost bus. */
const MIN_HEARTBEAT_MS = 100

/** Where the tiered store's invalidation bus talks, when it has one. */
export interface TieredBusOptions {
  /** The pub/sub channel of the key prefix. */
  readonly channel: string
}

/**
 * Memory (L1) in front of Redis (L2). Reads try L1, then Redis, and keep what
 * Redis returned in L1 for at most `maxTtl` and never past the entry's own
 * expiry. Writes go to both, then tell the other instances (the bus) to drop
 * their copies. Without a bus, L1 still holds values when Redis fails, so this
 * instance keeps its hits through an outage while the engine counts the error.
 */
export class TieredStore implements Store {
  readonly kind = 'tiered'
  readonly l1: MemoryStore
  /** Keeps this L1 coherent with the other instances'; undefined when off. */
  readonly bus: InvalidationBus | undefined
  /** Keys changed while a read of Redis was in flight are not filled into L1 from it. */
  private readonly changes = new RecentChanges()
  private readonly l1MaxTtl: number

  constructor(
    readonly l2: RedisStore,
    options: L1Options = {},
    busOptions?: TieredBusOptions,
  ) {
    this.l1 = new MemoryStore(options)
    this.l1MaxTtl = parseDuration(options.maxTtl ?? 60_000, 'l1.maxTtl')
    this.bus = busOptions === undefined || options.bus === false ? undefined : this.startBus(busOptions.channel, options.heartbeat)
  }

  /** The bus that keeps this L1 coherent with the other instances' on `channel`, started. */
  private startBus(channel: string, heartbeat: Duration | undefined): InvalidationBus {
    const heartbeatMs = parseDuration(heartbeat ?? 1000, 'l1.heartbeat', 'timer')
    if (heartbeatMs < MIN_HEARTBEAT_MS) throw new ConfigError(`l1.heartbeat must be at least ${MIN_HEARTBEAT_MS}ms (got ${heartbeatMs}ms): the bus counts as lost after 3 missed heartbeats`)
    const l2 = this.l2
    // A message may take up to a heartbeat (a write waits for it only once Redis took the change,
    // so a healthy link answers at once), and a slow publish that timed out still counts as a gap
    // for every peer.
    const transport = {
      publish: (name: string, message: string) => l2.publish(name, message, heartbeatMs),
      subscribe: l2.subscribe.bind(l2),
      get generation() {
        return l2.generation
      },
      get connected() {
        return l2.connected
      },
    }
    const target = {
      evict: (keys: readonly string[]) => {
        this.changes.mark(keys)
        void this.l1.delete(keys)
      },
      flush: () => {
        this.changes.markAll()
        this.l1.clear()
      },
    }
    const bus = new InvalidationBus(transport, target, { channel, heartbeatMs })
    bus.start()
    return bus
  }

  /** False while the bus is lost: L1 is neither read nor written then. */
  private get l1Usable(): boolean {
    return this.bus === undefined || this.bus.inSync
  }

  getLocal(key: string): StoredEntry | undefined {
    return this.l1Usable ? this.l1.getLocal(key) : undefined
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const local = this.getLocal(key)
    if (local !== undefined && local.freshUntil > Date.now()) return local
    const epoch = this.changes.epoch
    try {
      return this.fill(key, await this.l2.getSized(key), epoch)
    } catch (error) {
      // Redis is down: a stale L1 copy still beats nothing for stale-on-error.
      if (local !== undefined) return local
      throw error
    }
  }

  async mget(keys: readonly string[]): Promise<Array<StoredEntry | undefined>> {
    const result = keys.map((key) => this.getLocal(key))
    const missing = keys.filter((_, index) => result[index] === undefined)
    if (missing.length === 0) return result
    const epoch = this.changes.epoch
    const fetched = await this.l2.mgetSized(missing)
    let next = 0
    return result.map((entry, index) => entry ?? this.fill(keys[index] as string, fetched[next++], epoch))
  }

  async set(key: string, entry: StoredEntry): Promise<void> {
    // Stringified once: L1 keeps the text (decoded on its first read), and Redis frames the
    // same text (deflating or encrypting it as configured). L1 measures values uncompressed:
    // one too large for it is simply not kept there.
    this.changes.mark([key])
    let encoded: EncodedValue | undefined
    try {
      // Redis gets the entry's own times below; only L1's copy is bounded by maxTtl.
      if (this.l1Usable) encoded = this.l1.setCopy(key, this.bounded(entry))
    } catch (error) {
      skipValueErrors(error)
      void this.l1.delete([key]) // the copy it holds is older than what Redis is getting
    }
    await this.announced([key], encoded === undefined ? this.l2.set(key, entry) : this.l2.setEncoded(key, encoded, entry))
  }

  async mset(items: ReadonlyArray<readonly [string, StoredEntry]>): Promise<void> {
    const keys = items.map(([key]) => key)
    this.changes.mark(keys)
    const local = this.l1Usable
      ? this.l1.mset(items.map(([key, entry]) => [key, this.bounded(entry)] as const)).catch(async (error: unknown) => {
          skipValueErrors(error)
          await this.l1.delete(keys) // nothing of the batch was kept: drop the older copies
        })
      : undefined
    await this.announced(keys, Promise.all([local, this.l2.mset(items)]))
  }

  /**
   * Waits for a change to Redis, then tells the peers (the L1 copies of these
   * keys may be older). Resolves once the announcement is published, so no
   * peer serves an old copy after a write resolves; when Redis refused the
   * change, announces without waiting and rethrows.
   */
  private async announced<T>(keys: readonly string[], change: Promise<T>): Promise<T> {
    let result: T
    try {
      result = await change
    } catch (error) {
      void this.bus?.announce(keys)
      throw error
    }
    await this.bus?.announce(keys)
    return result
  }

  async setIfAbsent(key: string, entry: StoredEntry): Promise<boolean> {
    // The marker must be decided by Redis, the one place all instances share.
    return this.l2.setIfAbsent(key, entry)
  }

  async delete(keys: readonly string[]): Promise<number> {
    this.changes.mark(keys)
    const [local, remote] = await this.announced(keys, Promise.all([this.l1.delete(keys), this.l2.delete(keys)]))
    return Math.max(local, remote)
  }

  async incr(key: string, by: number, ttlMs?: number): Promise<number> {
    this.changes.mark([key])
    await this.l1.delete([key])
    return this.l2.incr(key, by, ttlMs)
  }

  acquireLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.l2.acquireLock(key, token, ttlMs)
  }

  releaseLock(key: string, token: string): Promise<void> {
    return this.l2.releaseLock(key, token)
  }

  /** Redis: generation tokens are never copied into L1, where a peer's bump would reach them only with the bus message. */
  get shared(): Store {
    return this.l2
  }

  get ordersAcrossKeys(): boolean {
    return this.l2.ordersAcrossKeys
  }

  addToSet(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    return this.l2.addToSet(key, members, ttlMs)
  }

  takeSet(key: string): Promise<string[]> {
    return this.l2.takeSet(key)
  }

  async *scan(pattern: string, options?: ScanOptions): AsyncIterable<string[]> {
    const seen = new Set<string>()
    let failure: unknown
    try {
      for await (const batch of this.l2.scan(pattern, options)) {
        for (const key of batch) seen.add(key)
        yield batch
      }
    } catch (error) {
      failure = error
    }
    // Entries written while Redis was down exist only here; a clear must reach them even then.
    for await (const batch of this.l1.scan(pattern, options)) {
      const unseen = batch.filter((key) => !seen.has(key))
      if (unseen.length > 0) yield unseen
    }
    if (failure !== undefined) throw failure
  }

  scanPage(pattern: string, cursor: string, count: number): Promise<{ keys: string[]; cursor: string }> {
    return this.l2.scanPage(pattern, cursor, count)
  }

  describe(keys: readonly string[]): Promise<Array<{ ttlMs: number; bytes: number } | undefined>> {
    return this.l2.describe(keys)
  }

  /** Redis `INFO` of the L2. */
  info(): Promise<Record<string, string>> {
    return this.l2.info()
  }

  ping(): Promise<number> {
    return this.l2.ping()
  }

  /** Waits until Redis answers and the bus is in sync (L1 in use), up to `timeoutMs`. */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    const ready = await this.l2.ready(timeoutMs)
    while (ready && this.bus !== undefined && !this.bus.inSync && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return ready
  }

  async close(): Promise<void> {
    this.bus?.stop()
    await Promise.all([this.l1.close(), this.l2.close()])
  }

  /** Keeps what Redis returned in L1, unless the key changed (here or, by the bus, elsewhere) while it was being read. */
  private fill(key: string, sized: SizedEntry | undefined, epoch: number): StoredEntry | undefined {
    if (sized === undefined) return undefined
    // Counters change on every INCR elsewhere: always read them from Redis.
    if (!Number.isFinite(sized.entry.freshUntil)) return sized.entry
    if (!this.l1Usable || this.changes.changedSince(key, epoch)) return sized.entry
    // A compressed entry's Redis size understates its memory: let L1 measure (and limit) it.
    if (sized.size >= this.l2.compressThreshold) void this.l1.set(key, this.bounded(sized.entry)).catch(() => undefined)
    else this.l1.setDecoded(key, this.bounded(sized.entry), sized.size)
    return sized.entry
  }

  private bounded(entry: StoredEntry): StoredEntry {
    const limit = Date.now() + this.l1MaxTtl
    if (entry.expiresAt <= limit) return entry
    return { value: entry.value, freshUntil: Math.min(entry.freshUntil, limit), expiresAt: limit }
  }
}

function skipValueErrors(error: unknown): void {
  if (!isValueError(error)) throw error
}

import { LRUCache } from 'lru-cache'
import { plainEntryBytes, type EncodedValue } from '../codec/envelope.js'
import { decodeValue, encodeValue } from '../codec/tagged-json.js'
import { compileGlob } from '../keys/glob.js'
import { deepFreeze } from './deep-freeze.js'
import type { ScanOptions, Store, StoredEntry } from './store.js'

/** Options of the in-process store. */
export interface MemoryStoreOptions {
  /** Most entries held; the least recently used go first. @default 10000 */
  readonly maxEntries?: number
  /** Most bytes held, measured as the encoded size of each entry. @default 64 MiB */
  readonly maxBytes?: number
  /** Largest single entry, in encoded bytes; larger ones are refused. @default 1 MiB */
  readonly maxEntryBytes?: number
}

/** Rough bytes per tag-set member, for the LRU's size budget. */
const SET_MEMBER_BYTES = 64

/** Marks a lazy entry whose value has not been decoded yet. */
const UNDECODED: unique symbol = Symbol('undecoded')

/**
 * An entry kept as the JSON text it was encoded to, decoded (and frozen) the
 * first time its value is read. Writing a value costs one stringify; the parse
 * is paid only by entries that are read again, and only once.
 */
class LazyEntry implements StoredEntry {
  private decoded: unknown = UNDECODED

  constructor(
    private text: string,
    private readonly tagged: boolean,
    readonly freshUntil: number,
    readonly expiresAt: number,
  ) {}

  get value(): unknown {
    if (this.decoded === UNDECODED) {
      this.decoded = deepFreeze(decodeValue(this.text, this.tagged))
      this.text = '' // the decoded value replaces it
    }
    return this.decoded
  }
}

/**
 * The default store: an LRU in process memory (lru-cache). Each value goes
 * through the codec once on write: that gives its size for the byte budget,
 * refuses what Redis would refuse, and keeps a copy the caller cannot mutate
 * afterwards. The copy is decoded and frozen on its first read, so hits after
 * that cost no parsing and values never read again cost no parsing at all.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory'
  private readonly lru: LRUCache<string, StoredEntry>
  private readonly maxEntryBytes: number

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024
    this.lru = new LRUCache<string, StoredEntry>({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: () => 1,
    })
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    return this.getLocal(key)
  }

  getLocal(key: string): StoredEntry | undefined {
    const entry = this.lru.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= Date.now()) {
      this.lru.delete(key)
      return undefined
    }
    return entry
  }

  async mget(keys: readonly string[]): Promise<Array<StoredEntry | undefined>> {
    return keys.map((key) => this.getLocal(key))
  }

  async set(key: string, entry: StoredEntry): Promise<void> {
    this.setCopy(key, entry)
  }

  /**
   * Stores a private copy of `entry` and returns the encoded value it keeps, so
   * the tiered store can send Redis the same text instead of stringifying again.
   */
  setCopy(key: string, entry: StoredEntry): EncodedValue {
    const { encoded, copy, size } = this.copy(entry)
    this.write(key, copy, size)
    return encoded
  }

  /** Stores an entry that is already a private, decoded copy (the tiered store's L2 reads). */
  setDecoded(key: string, entry: StoredEntry, size: number): void {
    deepFreeze(entry.value)
    this.write(key, entry, size)
  }

  async mset(items: ReadonlyArray<readonly [string, StoredEntry]>): Promise<void> {
    // Encode everything first so one bad value leaves the store untouched.
    const copies = items.map(([key, entry]) => ({ key, ...this.copy(entry) }))
    for (const { key, copy, size } of copies) this.write(key, copy, size)
  }

  async setIfAbsent(key: string, entry: StoredEntry): Promise<boolean> {
    if (this.getLocal(key) !== undefined) return false
    this.setCopy(key, entry)
    return true
  }

  async delete(keys: readonly string[]): Promise<number> {
    let deleted = 0
    for (const key of keys) if (this.getLocal(key) !== undefined && this.lru.delete(key)) deleted++
    return deleted
  }

  async incr(key: string, by: number, ttlMs?: number): Promise<number> {
    const current = this.getLocal(key)
    if (current !== undefined && typeof current.value !== 'number') {
      throw new TypeError(`value at ${key} is not a counter`)
    }
    const value = ((current?.value as number | undefined) ?? 0) + by
    const expiresAt = current?.expiresAt ?? (ttlMs === undefined || ttlMs <= 0 ? Number.POSITIVE_INFINITY : Date.now() + ttlMs)
    this.write(key, { value, freshUntil: Number.POSITIVE_INFINITY, expiresAt }, 16)
    return value
  }

  async addToSet(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    const current = this.getLocal(key)
    const set = current?.value instanceof Set ? (current.value as Set<string>) : new Set<string>()
    for (const member of members) set.add(member)
    const expiresAt = Math.max(current?.expiresAt ?? 0, Date.now() + ttlMs)
    this.write(key, { value: set, freshUntil: expiresAt, expiresAt }, set.size * SET_MEMBER_BYTES)
  }

  async takeSet(key: string): Promise<string[]> {
    const current = this.getLocal(key)
    this.lru.delete(key)
    return current?.value instanceof Set ? [...(current.value as Set<string>)] : []
  }

  async *scan(pattern: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    const matcher = compileGlob(pattern)
    const count = options.count ?? 500
    let batch: string[] = []
    // Snapshot the keys first: deleting while iterating an LRU skips entries.
    for (const key of [...this.lru.keys()]) {
      if (!matcher.test(key) || this.getLocal(key) === undefined) continue
      batch.push(key)
      if (batch.length >= count) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
  }

  async scanPage(pattern: string, cursor: string, count: number): Promise<{ keys: string[]; cursor: string }> {
    const matcher = compileGlob(pattern)
    const all = [...this.lru.keys()]
    const start = Number(cursor) || 0
    const keys = all.slice(start, start + count).filter((key) => matcher.test(key) && this.getLocal(key) !== undefined)
    const next = start + count
    return { keys, cursor: next >= all.length ? '0' : String(next) }
  }

  async describe(keys: readonly string[]): Promise<Array<{ ttlMs: number; bytes: number } | undefined>> {
    return keys.map((key) => {
      const entry = this.getLocal(key)
      if (entry === undefined) return undefined
      return { ttlMs: Number.isFinite(entry.expiresAt) ? Math.max(0, entry.expiresAt - Date.now()) : -1, bytes: this.lru.info(key)?.size ?? 0 }
    })
  }

  async ping(): Promise<number> {
    return 0
  }

  /** Drops every entry at once. */
  clear(): void {
    this.lru.clear()
  }

  async close(): Promise<void> {
    this.lru.clear()
  }

  /** Entries and bytes held now, and the byte budget. */
  get usage(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize, maxBytes: this.lru.maxSize }
  }

  /** The value encoded (throws on values that cannot be cached), and the lazy copy L1 keeps of it. */
  private copy(entry: StoredEntry): { encoded: EncodedValue; copy: LazyEntry; size: number } {
    const encoded = encodeValue(entry.value)
    const size = plainEntryBytes(encoded, this.maxEntryBytes)
    return { encoded, copy: new LazyEntry(encoded.text, encoded.tagged, entry.freshUntil, entry.expiresAt), size }
  }

  private write(key: string, entry: StoredEntry, size: number): void {
    const ttl = entry.expiresAt - Date.now()
    if (ttl <= 0) {
      this.lru.delete(key)
      return
    }
    // Expiry is checked on every read here (getLocal); lru-cache's own TTLs would only add a clock read per get.
    this.lru.set(key, entry, { size: Math.max(1, size) })
  }
}

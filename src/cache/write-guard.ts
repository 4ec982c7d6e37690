import { compileGlob, type GlobMatcher } from '../keys/glob.js'

/** Keys and tags remembered; past this many, everything counts as changed (loads then skip their write). */
const REMEMBERED = 10_000
/** Patterns remembered (each load checks them all, so few); past this many, everything counts as changed. */
const REMEMBERED_PATTERNS = 64

/**
 * Keeps a load from writing what an invalidation overtook. A factory that read the origin before
 * a write, delete or invalidation of its entry would otherwise store the old value after it,
 * for a whole TTL (the cache-aside race). A load notes {@link epoch} when its factory starts and
 * writes only if {@link unchangedSince} still holds when the value comes; otherwise the caller
 * gets the value and nothing is stored. In one process: another process's invalidation is not
 * seen here (entries that must hold across processes use generations).
 */
export class WriteGuard {
  /** Counts changes; a load notes it when its factory starts. */
  epoch = 0
  private everythingAt = 0
  private readonly keys = new Map<string, number>()
  private readonly tags = new Map<string, number>()
  private patterns: Array<{ readonly matcher: GlobMatcher; readonly at: number }> = []
  /** Loads running now: when none is, what changed is forgotten (the maps do not grow forever). */
  private active = 0

  /** A load starts. */
  begin(): void {
    this.active++
  }

  /** A load ended: the last one to end lets the details go. */
  end(): void {
    if (--this.active > 0 || (this.keys.size === 0 && this.tags.size === 0 && this.patterns.length === 0)) return
    // A value still on its way after a soft timeout may hold what was forgotten: it skips its write.
    this.everythingChanged()
  }

  /** These store keys were written or deleted now. */
  keysChanged(storeKeys: readonly string[]): void {
    this.remember(this.keys, storeKeys)
  }

  /** The entries of these tag sets (by store key) were invalidated now. */
  tagsChanged(tagKeys: readonly string[]): void {
    this.remember(this.tags, tagKeys)
  }

  /** The store keys matching this Redis pattern were deleted now. */
  patternChanged(pattern: string): void {
    this.epoch++
    if (this.patterns.length >= REMEMBERED_PATTERNS) return this.everythingChanged()
    this.patterns.push({ matcher: compileGlob(pattern), at: this.epoch })
  }

  /** True when nothing that concerns this entry changed after `epoch` was noted. */
  unchangedSince(storeKey: string, tagKeys: readonly string[], epoch: number): boolean {
    if (this.epoch === epoch) return true // the common case: nothing changed at all
    if (this.everythingAt > epoch || (this.keys.get(storeKey) ?? 0) > epoch) return false
    if (tagKeys.some((tagKey) => (this.tags.get(tagKey) ?? 0) > epoch)) return false
    return !this.patterns.some((pattern) => pattern.at > epoch && pattern.matcher.test(storeKey))
  }

  private remember(changed: Map<string, number>, names: readonly string[]): void {
    this.epoch++
    if (changed.size + names.length > REMEMBERED) return this.everythingChanged()
    for (const name of names) changed.set(name, this.epoch)
  }

  /** Forgets the details: every load in flight skips its write. */
  private everythingChanged(): void {
    this.everythingAt = this.epoch
    this.keys.clear()
    this.tags.clear()
    this.patterns = []
  }
}

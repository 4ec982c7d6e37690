/** What an invalidation removed: keys, a pattern, tags, a whole namespace, or generations (every key built with their old tokens; `deleted` is 0, they expire on their own). */
export type InvalidationKind = 'keys' | 'pattern' | 'tags' | 'clear' | 'generations'

/** One invalidation, as the dashboard and `GET /invalidations` show it. */
export interface Invalidation {
  /** Epoch ms. */
  readonly at: number
  readonly kind: InvalidationKind
  /** The store keys, store pattern or tags, shortened to {@link MAX_TARGET_CHARS}. */
  readonly target: string
  readonly deleted: number
  /** Why, when the caller said (`after update_record`, `notifications/tools/list_changed`, `admin API`). */
  readonly reason?: string
}

/** Long key lists are cut here: the feed is for reading, not for replaying. */
const MAX_TARGET_CHARS = 200

/**
 * The last invalidations of a cache, newest first, in a fixed ring: recording
 * costs one small object and memory never grows.
 */
export class InvalidationLog {
  private readonly ring: Array<Invalidation | undefined>
  private next = 0
  private recorded = 0

  constructor(readonly capacity = 100) {
    this.ring = new Array<Invalidation | undefined>(capacity)
  }

  /** Adds one invalidation (time is now). */
  record(kind: InvalidationKind, targets: readonly string[], deleted: number, reason?: string): void {
    const joined = targets.join(' ')
    const target = joined.length > MAX_TARGET_CHARS ? `${joined.slice(0, MAX_TARGET_CHARS - 1)}…` : joined
    this.ring[this.next] = { at: Date.now(), kind, target, deleted, ...(reason === undefined ? {} : { reason }) }
    this.next = (this.next + 1) % this.capacity
    this.recorded++
  }

  /** How many were recorded since start (including those the ring has dropped). */
  get total(): number {
    return this.recorded
  }

  /** Up to `limit` invalidations, newest first. */
  recent(limit = this.capacity): Invalidation[] {
    const result: Invalidation[] = []
    for (let i = 1; i <= Math.min(limit, this.capacity); i++) {
      const entry = this.ring[(this.next - i + this.capacity) % this.capacity]
      if (entry === undefined) break
      result.push(entry)
    }
    return result
  }
}

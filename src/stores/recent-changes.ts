/** Keys whose last change is remembered; past this many, every key counts as changed. */
const REMEMBERED_KEYS = 10_000

/**
 * Which keys changed since a read of Redis began, so the tiered store does not
 * put what that read returned into L1 when a write, delete or invalidation (its
 * own, or a peer's announced on the bus) overtook it. A read notes `epoch` when
 * it starts and asks {@link changedSince} when it returns.
 */
export class RecentChanges {
  /** Counts changes; a read notes it when it starts. */
  epoch = 0
  private readonly changedAt = new Map<string, number>()
  private everythingAt = 0

  /** These keys change now. */
  mark(keys: readonly string[]): void {
    this.epoch++
    if (this.changedAt.size + keys.length > REMEMBERED_KEYS) {
      this.markAll()
      return
    }
    for (const key of keys) this.changedAt.set(key, this.epoch)
  }

  /** Every key changes now (L1 flushed, or too many to remember). */
  markAll(): void {
    this.epoch++
    this.everythingAt = this.epoch
    this.changedAt.clear()
  }

  /** True when `key` changed after `epoch` was noted. */
  changedSince(key: string, epoch: number): boolean {
    return this.everythingAt > epoch || (this.changedAt.get(key) ?? 0) > epoch
  }
}

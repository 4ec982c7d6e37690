/** Most clients tracked at once; past it the least recently seen are forgotten first. */
const MAX_CLIENTS = 10_000

/**
 * A token bucket per client: `perSecond` requests a second, bursts up to the
 * same number. Buckets idle for a minute are forgotten, and at most
 * {@link MAX_CLIENTS} are kept, so memory stays bounded whatever addresses
 * callers claim.
 */
export class RateLimiter {
  /** In order of last use (a bucket is re-inserted when used), so the first are the stalest. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(private readonly perSecond: number) {}

  /** True when `client` may make a request now. */
  allow(client: string): boolean {
    const now = Date.now()
    if (this.buckets.size >= MAX_CLIENTS) this.forget(now)
    const bucket = this.buckets.get(client) ?? { tokens: this.perSecond, at: now }
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond)
    bucket.at = now
    this.buckets.delete(client)
    this.buckets.set(client, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  /** Drops buckets idle for a minute, and the stalest tenth when that frees too little. */
  private forget(now: number): void {
    for (const [client, bucket] of this.buckets) {
      if (now - bucket.at <= 60_000) break // the rest were used more recently
      this.buckets.delete(client)
    }
    if (this.buckets.size < MAX_CLIENTS * 0.9) return
    let drop = this.buckets.size - Math.floor(MAX_CLIENTS * 0.9)
    for (const client of this.buckets.keys()) {
      if (drop-- <= 0) break
      this.buckets.delete(client)
    }
  }
}

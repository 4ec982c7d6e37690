/**
 * A token bucket per client: `perSecond` requests a second, bursts up to the
 * same number. Buckets idle for a minute are forgotten, so memory stays bounded.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(private readonly perSecond: number) {}

  /** True when `client` may make a request now. */
  allow(client: string): boolean {
    const now = Date.now()
    if (this.buckets.size > 10_000) this.forgetIdle(now)
    const bucket = this.buckets.get(client) ?? { tokens: this.perSecond, at: now }
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond)
    bucket.at = now
    this.buckets.set(client, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  private forgetIdle(now: number): void {
    for (const [client, bucket] of this.buckets) if (now - bucket.at > 60_000) this.buckets.delete(client)
  }
}

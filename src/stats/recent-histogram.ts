import { Histogram, type LatencySummary } from './histogram.js'

/** How long one half of the window lasts: percentiles cover the last one to two of these. */
const HALF_WINDOW_MS = 60_000

/**
 * A histogram of the last minute or two: two halves, the older dropped as a new one starts, so a
 * percentile reacts to what happens now and forgets an incident within two minutes (one since
 * start would need hours of slow reads to move after a day of fast ones, and keep them for days).
 */
export class RecentHistogram {
  private current = new Histogram()
  private previous = new Histogram()
  private startedAt = Date.now()

  record(ms: number): void {
    this.rotate()
    this.current.record(ms)
  }

  /** The percentiles of the last one to two minutes. */
  summary(): LatencySummary {
    this.rotate()
    const both = this.previous.clone()
    both.merge(this.current)
    return both.summary()
  }

  private rotate(): void {
    const now = Date.now()
    if (now - this.startedAt < HALF_WINDOW_MS) return
    // Two halves or more passed: nothing of the previous one is recent any more.
    this.previous = now - this.startedAt < 2 * HALF_WINDOW_MS ? this.current : new Histogram()
    this.current = new Histogram()
    this.startedAt = now
  }
}

/**
 * A latency histogram with logarithmic buckets (4 per power of two, from 1 µs
 * to about 1 min): constant memory, O(1) record, percentiles within ~19%.
 */
const SUB_BUCKETS = 4
const MIN_US = 1
const BUCKETS = 26 * SUB_BUCKETS // 2^26 µs ≈ 67 s

/** Percentiles of a {@link Histogram}, in milliseconds. */
export interface LatencySummary {
  readonly count: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

/** Records durations in milliseconds. */
export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS + 1)
  private total = 0
  private maxMs = 0

  /** Adds one duration in ms. */
  record(ms: number): void {
    const us = ms * 1000
    const index = us <= MIN_US ? 0 : Math.min(BUCKETS, Math.floor(Math.log2(us / MIN_US) * SUB_BUCKETS))
    this.counts[index] = (this.counts[index] as number) + 1
    this.total++
    if (ms > this.maxMs) this.maxMs = ms
  }

  /** The percentiles so far (upper bucket bounds), zeros when empty. */
  summary(): LatencySummary {
    return {
      count: this.total,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      max: round(this.maxMs),
    }
  }

  /** A copy, to diff against later with {@link since}. */
  clone(): Histogram {
    const copy = new Histogram()
    copy.merge(this)
    return copy
  }

  /**
   * The durations recorded after `earlier` (a clone of this histogram taken
   * before): windowed percentiles. The window's max is its top bucket's bound.
   */
  since(earlier: Histogram): Histogram {
    const window = new Histogram()
    for (let i = 0; i <= BUCKETS; i++) {
      const count = Math.max(0, (this.counts[i] as number) - (earlier.counts[i] as number))
      window.counts[i] = count
      window.total += count
      if (count > 0) window.maxMs = Math.min(this.maxMs, upperBoundMs(i))
    }
    return window
  }

  /** Adds another histogram's counts to this one. */
  merge(other: Histogram): void {
    for (let i = 0; i <= BUCKETS; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number)
    this.total += other.total
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs
  }

  private percentile(q: number): number {
    if (this.total === 0) return 0
    const rank = Math.ceil(q * this.total)
    let seen = 0
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i] as number
      if (seen >= rank) return round(Math.min(this.maxMs, upperBoundMs(i)))
    }
    return round(this.maxMs)
  }
}

function upperBoundMs(bucket: number): number {
  return (MIN_US * 2 ** ((bucket + 1) / SUB_BUCKETS)) / 1000
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

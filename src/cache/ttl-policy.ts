import { bounded, parseDuration, type Duration, type DurationUse } from '../config/duration.js'

/** The TTL of an entry kept until it is deleted or evicted (the seeds' "cache indefinitely"). */
export const FOREVER = 'forever'

/** A TTL option: a duration, or `'forever'` (Infinity ms: no expiry in the store). */
export function parseTtl(value: Duration, field: string): number {
  return value === FOREVER ? Number.POSITIVE_INFINITY : parseDuration(value, field)
}

/** Resolved lifetimes of one write, in ms. */
export interface Lifetime {
  readonly ttl: number
  readonly grace: number
}

/**
 * Turns per-call options, per-category policies and defaults into milliseconds.
 * Parsed strings are memoized: `'10m'` is parsed once, not on every write.
 */
export class TtlPolicy {
  private readonly byCategory = new Map<string, number>()
  private readonly parsed = new Map<string, number>()
  private readonly defaultTtl: number
  private readonly defaultGrace: number

  constructor(
    options: { defaultTtl?: Duration; ttl?: Readonly<Record<string, Duration>>; grace?: Duration },
    private readonly jitter: number,
  ) {
    this.defaultTtl = parseTtl(options.defaultTtl ?? '5m', 'defaultTtl')
    this.defaultGrace = parseDuration(options.grace ?? 0, 'grace')
    for (const [category, ttl] of Object.entries(options.ttl ?? {})) {
      this.byCategory.set(category, parseTtl(ttl, `ttl.${category}`))
    }
  }

  /** The TTL and grace of a write to `category`, with jitter applied to the TTL. */
  lifetime(category: string, ttl?: Duration, grace?: Duration): Lifetime {
    const base = ttl === undefined ? (this.byCategory.get(category) ?? this.defaultTtl) : this.ms(ttl, 'ttl')
    const jittered = this.jitter > 0 ? Math.round(base * (1 - this.jitter * Math.random())) : base
    return { ttl: jittered, grace: grace === undefined ? this.defaultGrace : this.ms(grace, 'grace') }
  }

  /** The configured TTL of a category (no jitter), for display. */
  ttlOf(category: string): number {
    return this.byCategory.get(category) ?? this.defaultTtl
  }

  /**
   * Parses a per-call duration, memoizing strings; `use` bounds it (a timer waits at most about
   * 24 days). A lifetime may be `'forever'`: Infinity, an entry with no expiry.
   */
  ms(value: Duration, field: string, use: DurationUse = 'lifetime'): number {
    if (typeof value === 'number') return parseDuration(value, field, use)
    if (value === FOREVER && use === 'lifetime') return Number.POSITIVE_INFINITY
    let ms = this.parsed.get(value)
    if (ms === undefined) {
      ms = parseDuration(value, field)
      if (this.parsed.size < 1000) this.parsed.set(value, ms)
    }
    return use === 'lifetime' ? ms : bounded(ms, field, `'${value}'`, use)
  }
}

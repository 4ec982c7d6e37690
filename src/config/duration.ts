import { ConfigError } from '../errors.js'

/** A duration: milliseconds as a number, or a string with a unit such as `'250ms'`, `'30s'`, `'10m'`, `'24h'`, `'7d'`. */
export type Duration = number | string

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/**
 * The longest duration accepted: 10 years. Beyond it a TTL stops being an
 * integer Redis takes (`1e300` ms), and Redis would refuse every write silently.
 */
const MAX_DURATION_MS = 3650 * 86_400_000

/** The longest wait a Node timer takes (2^31 - 1 ms, about 24.8 days): a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647

/** What a duration is for: a lifetime (TTL, grace), or a wait that a timer measures (timeouts, intervals). */
export type DurationUse = 'lifetime' | 'timer'

/**
 * Turns a {@link Duration} into whole milliseconds.
 * `field` names the option in the error, so a bad value says where it came from.
 */
export function parseDuration(value: Duration, field = 'duration', use: DurationUse = 'lifetime'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${field} must be a non-negative number of milliseconds or a string like '30s' or '10m' (got ${String(value)})`)
    }
    return bounded(Math.round(value), field, String(value), use)
  }
  const match = DURATION_PATTERN.exec(value.trim())
  if (!match) {
    throw new ConfigError(`${field} must be a duration like '500ms', '30s', '10m', '2h' or '1d' (got '${value}')`)
  }
  const amount = Number(match[1])
  const unit = UNIT_MS[match[2] as string] as number
  return bounded(Math.round(amount * unit), field, `'${value}'`, use)
}

/** `ms`, unless it is longer than its use allows. */
export function bounded(ms: number, field: string, shown: string, use: DurationUse): number {
  if (use === 'timer' && ms > MAX_TIMER_MS) throw new ConfigError(`${field} must be at most 24d, the longest a timer waits (got ${shown})`)
  if (ms > MAX_DURATION_MS) throw new ConfigError(`${field} must be at most 3650d (10 years) (got ${shown})`)
  return ms
}

/** Formats milliseconds for people: `1500` -> `'1.5s'`, `600000` -> `'10m'`. */
export function formatDuration(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return 'forever'
  if (ms < 1000) return `${ms}ms`
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size) return `${Number((ms / size).toFixed(2))}${unit}`
  }
  return `${ms}ms`
}

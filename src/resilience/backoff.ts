/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** First delay in ms. @default 50 */
  readonly baseMs?: number
  /** Longest delay in ms. @default 2000 */
  readonly maxMs?: number
}

/**
 * Exponential backoff with equal jitter: a random delay in [c/2, c], c = min(max, base * 2^attempt).
 * Jitter keeps many gateway instances from reconnecting to a restarted Redis in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 50
  const max = options.maxMs ?? 2000
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30))
  return Math.max(1, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2))
}

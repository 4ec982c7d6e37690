/** Percentiles of one sample and medians across rounds. */

/** The q-quantile (0..1) of ascending `sorted` values, nearest rank. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

/** The median of `values` (mean of the middle two when even). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** p50 and p99 of the first `count` latencies in `buffer` (sorted in place). */
export function latencySummary(buffer: Float64Array, count: number): { p50: number; p99: number } {
  const sample = buffer.subarray(0, Math.min(count, buffer.length)).sort()
  return { p50: percentile(sample, 0.5), p99: percentile(sample, 0.99) }
}

/** `contenders` rotated left by `round`, so each goes first (and last) as often as the others. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = items.length === 0 ? 0 : round % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}

/** UTC hour and day buckets, as the seed's key suffixes write them. */

/** `2024-12-01T14:05:00Z` becomes `2024120114`. */
export function hourBucket(isoTime: string): string {
  return isoTime.slice(0, 13).replace(/[-T]/g, '')
}

/** `2024-12-01T14:05:00Z` becomes `20241201`. */
export function dayBucket(isoTime: string): string {
  return isoTime.slice(0, 10).replace(/-/g, '')
}

/** Normalises any parseable time to `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC), or throws. */
export function toUtcIso(time: string | Date): string {
  const date = typeof time === 'string' ? new Date(time) : time
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${String(time)}`)
  return date.toISOString()
}

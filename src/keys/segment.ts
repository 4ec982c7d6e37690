/**
 * Encoding of one key segment. After encoding a segment holds only
 * `[A-Za-z0-9_.-]` and `%XX`, so it can never contain the `:` separator, a
 * Redis glob character (`* ? [ ] \`) or a leading `~` (reserved for internal keys).
 * That is what keeps a user-supplied identifier from reaching another user's keys.
 */

const NEEDS_ENCODING = /[^A-Za-z0-9_.-]/

/** Percent-encodes everything outside `[A-Za-z0-9_.-]`; injective, so distinct inputs stay distinct. */
export function encodeSegment(value: string | number | bigint): string {
  const text = String(value)
  if (!NEEDS_ENCODING.test(text)) return text
  // encodeURIComponent leaves ! ' ( ) * ~ alone; those must go too.
  return encodeURIComponent(text).replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** Reverses {@link encodeSegment}. */
export function decodeSegment(segment: string): string {
  return decodeURIComponent(segment)
}

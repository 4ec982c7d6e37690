/**
 * Encoding of one key segment. After encoding a segment holds only
 * `[A-Za-z0-9_.-]` and `%XX`, so it can never contain the `:` separator, a
 * Redis glob character (`* ? [ ] \`) or a leading `~` (reserved for internal keys).
 * That is what keeps a user-supplied identifier from reaching another user's keys.
 */

import { CacheError, errors } from '../errors.js'

const NEEDS_ENCODING = /[^A-Za-z0-9_.-]/

/** Percent-encodes everything outside `[A-Za-z0-9_.-]`; injective, so distinct inputs stay distinct. */
export function encodeSegment(value: string | number | bigint): string {
  const text = String(value)
  if (!NEEDS_ENCODING.test(text)) return text
  let encoded: string
  try {
    encoded = encodeURIComponent(text)
  } catch {
    throw new CacheError(errors.E_INVALID_KEY, 'a key part holds a lone surrogate (malformed UTF-16); pass well-formed text')
  }
  // encodeURIComponent leaves ! ' ( ) * ~ alone; those must go too.
  return encoded.replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** Reverses {@link encodeSegment}. */
export function decodeSegment(segment: string): string {
  return decodeURIComponent(segment)
}

import { createHash } from 'node:crypto'
import { canonicalStringify } from '../codec/tagged-json.js'

/**
 * SHA-256 of a value's canonical JSON (sorted keys, typed values), base64url.
 * Two requests hash alike only when their content is equal: nothing is
 * lower-cased, trimmed or dropped, so `{a:'X'}` and `{a:'x'}` never share an entry.
 */
export function hashContent(value: unknown): string {
  return createHash('sha256').update(canonicalStringify(value)).digest('base64url')
}

/** A short, stable, non-reversible stand-in for a key or principal in logs (16 base64url chars of SHA-256). */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16)
}

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

import { CacheError, errors } from '../errors.js'
import { hashContent } from './content-hash.js'
import { encodeSegment } from './segment.js'

/** One part of a key: user-supplied text is fine, it is encoded. */
export type KeyPart = string | number | bigint

const CATEGORY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/** Checks a category name: letters, digits, `_ . -`, not starting with `.` or `-`. */
export function assertCategory(category: string): void {
  if (!CATEGORY_PATTERN.test(category)) {
    throw new CacheError(errors.E_INVALID_KEY, `category must match ${String(CATEGORY_PATTERN)} (got '${category}')`)
  }
}

/**
 * Builds a logical key `category:part:part...`, each part encoded so that no
 * `:`, glob character or newline inside it changes the key's shape.
 * The seed key `patient:v1:{station}:{dfn}:{user_duz}` is
 * `buildKey('patient', 'v1', station, dfn, userDuz)`.
 */
export function buildKey(category: string, ...parts: KeyPart[]): string {
  assertCategory(category)
  let key = category
  for (const part of parts) key += `:${encodeSegment(part)}`
  return key
}

/** The `[category]:[identifier]:[sub_key]` convention, with an optional version and user scope. */
export interface KeyParts {
  /** First segment, also the stats and TTL-policy category, e.g. `drug_analysis`. */
  readonly category: string
  /** A schema version segment such as `v1`, bumped to orphan old entries. */
  readonly version?: string
  /** The identifier; an array gives several segments (`[station, dfn]`). */
  readonly identifier: KeyPart | readonly KeyPart[]
  /** Optional trailing sub-key such as `session` or `inputs`. */
  readonly subKey?: KeyPart
  /** The principal the entry belongs to; appended last as `u.<id>`. */
  readonly user?: KeyPart
}

/** Builds `category[:version]:identifier[:subKey][:u.user]` from {@link KeyParts}. */
export function cacheKey(parts: KeyParts): string {
  const segments: KeyPart[] = []
  if (parts.version !== undefined) segments.push(parts.version)
  if (Array.isArray(parts.identifier)) segments.push(...(parts.identifier as readonly KeyPart[]))
  else segments.push(parts.identifier as KeyPart)
  if (parts.subKey !== undefined) segments.push(parts.subKey)
  let key = buildKey(parts.category, ...segments)
  if (parts.user !== undefined) key += `:u.${encodeSegment(parts.user)}`
  return key
}

/** A key for request content: `category:<sha256 of canonical JSON>`, as the seeds' request-hash keys. */
export function contentKey(category: string, content: unknown): string {
  return `${buildKey(category)}:${hashContent(content)}`
}
